//! Delta hedging with shares (docs/scenario.md, "strategy.hedge"): each position's (or each
//! ticker's) net delta is brought to a target on a schedule, when it leaves a band, or both.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{AtLeastOne, Finite, NonNegative};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawHedge")]
pub struct Hedge {
    /// Hedge every N trading days of the position (counting its opening day as day 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_trading_days: Option<AtLeastOne>,
    /// Hedge when the net delta is farther than this from the target.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_norway::with::singleton_map")]
    #[schemars(with = "Option<Band>")]
    pub band: Option<Band>,
    /// The net delta to hedge to, in shares (0 = flat).
    #[serde(default = "flat")]
    pub target: Finite,
    /// Whose delta is hedged: each `position` on its own (default), or each `ticker`'s positions
    /// together, with one holding of hedge shares per ticker.
    #[serde(default, skip_serializing_if = "super::models::is_default")]
    pub scope: HedgeScope,
}

/// Whose net delta a hedge brings to the target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HedgeScope {
    #[default]
    Position,
    Ticker,
}

/// How far the net delta may drift from the target before a hedge: in shares, or as a fraction of
/// the options' notional delta (Σ |contracts| × 100).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Band {
    Shares(NonNegative),
    Fraction(NonNegative),
}

fn flat() -> Finite {
    Finite(0.0)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawHedge {
    #[serde(default)]
    every_trading_days: Option<AtLeastOne>,
    #[serde(default, with = "serde_norway::with::singleton_map")]
    #[schemars(with = "Option<Band>")]
    band: Option<Band>,
    #[serde(default = "flat")]
    target: Finite,
    #[serde(default)]
    scope: HedgeScope,
}

impl TryFrom<RawHedge> for Hedge {
    type Error = String;
    fn try_from(r: RawHedge) -> Result<Self, String> {
        if r.every_trading_days.is_none() && r.band.is_none() {
            return Err("give `every_trading_days`, `band` or both: a hedge needs a schedule or a band".into());
        }
        Ok(Hedge { every_trading_days: r.every_trading_days, band: r.band, target: r.target, scope: r.scope })
    }
}

impl Hedge {
    /// Whether a position with net delta `delta` (shares), options' notional delta `notional`,
    /// `days` trading days after it opened, is hedged today.
    pub fn due(&self, delta: f64, notional: f64, days: u64) -> bool {
        let scheduled = self.every_trading_days.is_some_and(|n| days.is_multiple_of(u64::from(n.0)));
        let off = (delta - self.target.0).abs();
        let outside = match self.band {
            Some(Band::Shares(b)) => off > b.0,
            Some(Band::Fraction(f)) => off > f.0 * notional,
            None => false,
        };
        scheduled || outside
    }
}
