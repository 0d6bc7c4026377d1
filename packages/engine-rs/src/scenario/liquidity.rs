//! Liquidity filters on the contracts a leg may choose (docs/scenario.md, "Liquidity"): a
//! candidate inside the leg's windows that fails one is passed over for the next nearest one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{NonNegative, Positive};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawLiquidity")]
pub struct Liquidity {
    /// At least this open interest (contracts) on the leg's side (`cOi` / `pOi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_open_interest: Option<u32>,
    /// At least this day's volume (contracts) on the leg's side (`cVolu` / `pVolu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_volume: Option<u32>,
    /// A bid of at least this, in dollars per share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_bid: Option<NonNegative>,
    /// An ask − bid of at most this, in dollars per share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_spread: Option<NonNegative>,
    /// An (ask − bid) / mid of at most this (0.1 = 10% of the mid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_spread_pct: Option<Positive>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawLiquidity {
    #[serde(default)]
    min_open_interest: Option<u32>,
    #[serde(default)]
    min_volume: Option<u32>,
    #[serde(default)]
    min_bid: Option<NonNegative>,
    #[serde(default)]
    max_spread: Option<NonNegative>,
    #[serde(default)]
    max_spread_pct: Option<Positive>,
}

impl TryFrom<RawLiquidity> for Liquidity {
    type Error = String;
    fn try_from(r: RawLiquidity) -> Result<Self, String> {
        let l = Liquidity {
            min_open_interest: r.min_open_interest,
            min_volume: r.min_volume,
            min_bid: r.min_bid,
            max_spread: r.max_spread,
            max_spread_pct: r.max_spread_pct,
        };
        if l == Liquidity::none() {
            return Err(
                "give at least one of min_open_interest, min_volume, min_bid, max_spread, max_spread_pct".into()
            );
        }
        Ok(l)
    }
}

/// The first test a contract failed, in the order the fields are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Illiquid {
    OpenInterest,
    Volume,
    Bid,
    Spread,
}

impl Liquidity {
    const fn none() -> Liquidity {
        Liquidity { min_open_interest: None, min_volume: None, min_bid: None, max_spread: None, max_spread_pct: None }
    }

    /// Checks a contract quoted `bid`/`ask` with its open interest and volume (negative counts,
    /// which the data contract allows, pass no minimum).
    pub fn check(&self, bid: f64, ask: f64, open_interest: i32, volume: i32) -> Result<(), Illiquid> {
        if self.min_open_interest.is_some_and(|m| i64::from(open_interest) < i64::from(m)) {
            return Err(Illiquid::OpenInterest);
        }
        if self.min_volume.is_some_and(|m| i64::from(volume) < i64::from(m)) {
            return Err(Illiquid::Volume);
        }
        if self.min_bid.is_some_and(|m| bid < m.0) {
            return Err(Illiquid::Bid);
        }
        let spread = ask - bid;
        let mid = 0.5 * (bid + ask);
        let too_wide = self.max_spread.is_some_and(|m| spread > m.0)
            || self.max_spread_pct.is_some_and(|m| mid <= 0.0 || spread > m.0 * mid);
        if too_wide {
            return Err(Illiquid::Spread);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(text: &str) -> Liquidity {
        serde_norway::from_str(text).unwrap()
    }

    #[test]
    fn each_test_in_turn_names_what_failed() {
        let l =
            filter("{ min_open_interest: 100, min_volume: 10, min_bid: 0.10, max_spread: 0.20, max_spread_pct: 0.25 }");
        assert_eq!(l.check(1.0, 1.1, 500, 50), Ok(()));
        assert_eq!(l.check(1.0, 1.1, 99, 50), Err(Illiquid::OpenInterest));
        assert_eq!(l.check(1.0, 1.1, 100, 9), Err(Illiquid::Volume));
        assert_eq!(l.check(0.05, 0.1, 100, 10), Err(Illiquid::Bid));
        assert_eq!(l.check(1.0, 1.25, 100, 10), Err(Illiquid::Spread), "0.25 wide > 0.20");
        // 0.15 wide on a 0.575 mid is 26% of it.
        assert_eq!(l.check(0.5, 0.65, 100, 10), Err(Illiquid::Spread));
        assert_eq!(filter("{ max_spread_pct: 0.5 }").check(0.0, 0.0, 0, 0), Err(Illiquid::Spread), "no mid");
    }

    #[test]
    fn an_empty_filter_is_refused() {
        let e = serde_norway::from_str::<Liquidity>("{}").unwrap_err().to_string();
        assert!(e.contains("give at least one of"), "{e}");
    }
}
