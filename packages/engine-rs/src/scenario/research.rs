//! `walk_forward:` and `spa:` — the analyses a sweep runs over its points after they finish
//! (docs/walk-forward.md, docs/spa.md). A single run ignores both, as it ignores `sweep:`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::AtLeastOne;
use crate::walkforward::{Mode, Scheme, Selection};

/// Walk-forward optimisation over the sweep's points (`walk_forward.json`, `walk_forward.arrow`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkForwardSpec {
    /// `rolling` (each in-sample window the last `in_sample` days) or `anchored` (from the start).
    #[serde(default)]
    pub scheme: Scheme,
    /// Trading days in sample (at least 2).
    #[serde(default = "two_years")]
    pub in_sample: AtLeastOne,
    /// Trading days out of sample after each in-sample window.
    #[serde(default = "half_year")]
    pub out_of_sample: AtLeastOne,
    /// What the in-sample best point is chosen by: `sharpe`, `total_return`, `calmar` or `dsr`.
    #[serde(default)]
    pub metric: Selection,
    /// Points that opened fewer positions in the in-sample window cannot be chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_trades: Option<AtLeastOne>,
    /// `returns` (stitch the sweep's daily returns) or `rerun` (run each chosen point from flat
    /// over its out-of-sample window).
    #[serde(default)]
    pub mode: Mode,
}

fn two_years() -> AtLeastOne {
    AtLeastOne(504)
}
fn half_year() -> AtLeastOne {
    AtLeastOne(126)
}

impl WalkForwardSpec {
    pub fn options(&self) -> crate::walkforward::Options {
        crate::walkforward::Options {
            scheme: self.scheme,
            in_sample: self.in_sample.0 as usize,
            out_of_sample: self.out_of_sample.0 as usize,
            metric: self.metric,
            min_trades: self.min_trades.map(|m| m.0),
            mode: self.mode,
        }
    }
}

/// What the sweep's points are tested against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaBenchmark {
    /// A benchmark that earns nothing: does any point make money beyond luck?
    #[default]
    Zero,
    /// The scenario's `benchmark:` (a ticker or a dataset series) bought and held.
    BuyAndHold,
}

/// White's reality check, Hansen's SPA and the Romano–Wolf stepdown across the sweep's points
/// (`stats.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaSpec {
    #[serde(default)]
    pub benchmark: SpaBenchmark,
    /// Bootstrap resamples (at most 1,000,000).
    #[serde(default = "thousand")]
    pub bootstrap: AtLeastOne,
    /// Mean block length of the stationary bootstrap, in trading days (default ⌊√T⌋; at most the
    /// sweep's daily returns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<AtLeastOne>,
    /// Seed of the bootstrap: the same seed, the same p-values.
    #[serde(default = "one")]
    pub seed: u64,
    /// Levels of the stepdown.
    #[serde(default = "levels")]
    pub levels: Vec<super::values::UnitOpen>,
}

fn thousand() -> AtLeastOne {
    AtLeastOne(1000)
}
fn one() -> u64 {
    1
}
fn levels() -> Vec<super::values::UnitOpen> {
    vec![super::values::UnitOpen(0.05), super::values::UnitOpen(0.1)]
}
