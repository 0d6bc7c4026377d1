//! `montecarlo:` — Monte Carlo robustness of the run, written as `montecarlo.json` beside its
//! results (docs/robustness.md). The same analysis as `aegis-bt montecarlo --run`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{AtLeastOne, UnitOpen};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Montecarlo {
    /// Resamples of each method (at most 1,000,000).
    #[serde(default = "thousand")]
    pub resamples: AtLeastOne,
    /// Mean block length of the daily-returns bootstrap, in trading days (at least 1, at most the
    /// run's daily returns).
    #[serde(default = "month")]
    pub block: AtLeastOne,
    /// Seed of the resampling: the same seed, the same report.
    #[serde(default = "one")]
    pub seed: u64,
    /// Drawdown depths whose probability of being exceeded is reported (fractions).
    #[serde(default = "levels")]
    pub drawdown: Vec<UnitOpen>,
}

fn thousand() -> AtLeastOne {
    AtLeastOne(1000)
}
fn month() -> AtLeastOne {
    AtLeastOne(20)
}
fn one() -> u64 {
    1
}
fn levels() -> Vec<UnitOpen> {
    vec![UnitOpen(0.1), UnitOpen(0.2), UnitOpen(0.3)]
}

impl Montecarlo {
    pub fn options(&self) -> crate::montecarlo::Options {
        crate::montecarlo::Options {
            resamples: self.resamples.0,
            block: f64::from(self.block.0),
            seed: self.seed,
            drawdown_levels: self.drawdown.iter().map(|l| l.0).collect(),
        }
    }
}
