//! Shares in a strategy and how options turn into them: settlement style per ticker, what happens
//! to delivered shares, early assignment, and the costs of trading shares (docs/scenario.md,
//! "Stock and settlement").

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{AtLeastOne, NonNegative, Positive};
use super::{Scenario, Side};

/// Underlyings whose options settle in cash by default: the index options (and index-like ones
/// quoted by ORATS). Everything else settles physically unless the scenario says otherwise.
pub const CASH_SETTLED: &[&str] =
    &["SPX", "SPXW", "SPXPM", "XSP", "NDX", "NDXP", "XND", "RUT", "RUTW", "MRUT", "VIX", "VIXW", "DJX", "OEX", "XEO"];

/// How a ticker's options settle at expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// At intrinsic value in cash.
    Cash,
    /// In shares at the strike (exercise and assignment).
    Physical,
}

/// What a position does with shares it holds once no option leg is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SharesPolicy {
    /// Hold them; write the strategy's `cover` leg against them (the wheel, covered calls).
    Keep,
    /// Close them at the next trading day's close.
    Close,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    /// Per-ticker style, overriding the default (`cash` for the index list in docs/scenario.md,
    /// `physical` otherwise).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub style: BTreeMap<String, Style>,
    /// A leg at expiry is exercised or assigned when in the money by at least this much per share.
    #[serde(default = "cent")]
    pub itm_threshold: NonNegative,
    /// What happens to shares a position holds once its option legs are gone (default `keep` for
    /// the `wheel` and `covered_call` templates and a strategy with a `cover` leg, `close` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_shares: Option<SharesPolicy>,
    #[serde(default)]
    pub early_assignment: EarlyAssignment,
}

fn cent() -> NonNegative {
    NonNegative(0.01)
}

impl Default for Settlement {
    fn default() -> Self {
        Settlement {
            style: BTreeMap::new(),
            itm_threshold: cent(),
            assigned_shares: None,
            early_assignment: EarlyAssignment::default(),
        }
    }
}

impl Settlement {
    /// The style of `ticker`'s options in this scenario.
    pub fn style_of(&self, ticker: &str) -> Style {
        match self.style.get(ticker) {
            Some(&s) => s,
            // Any case (the list is upper case), without an allocation: entries ask every day.
            None if CASH_SETTLED.iter().any(|c| c.eq_ignore_ascii_case(ticker)) => Style::Cash,
            None => Style::Physical,
        }
    }
}

/// Early assignment of short American options on physically settled tickers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EarlyAssignment {
    /// The assignment model: `american` (default; the two rules below) or `european` (only at
    /// expiry).
    #[serde(default, skip_serializing_if = "super::models::is_default")]
    pub model: super::models::AssignmentModelName,
    /// A short in-the-money call is assigned on the trading day before an ex-dividend date when its
    /// time value (mid − intrinsic) is below the dividend.
    #[serde(default = "yes")]
    pub before_ex_dividend: bool,
    /// Any short in-the-money leg is assigned when its time value falls below this (per share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_value_below: Option<Positive>,
}

fn yes() -> bool {
    true
}

impl Default for EarlyAssignment {
    fn default() -> Self {
        EarlyAssignment { model: Default::default(), before_ex_dividend: true, time_value_below: None }
    }
}

/// Shares a position opens with, per unit, beside its option legs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StockSpec {
    pub side: Side,
    /// Shares per unit of the position (100 covers one contract).
    #[serde(default = "hundred")]
    pub shares: AtLeastOne,
}

fn hundred() -> AtLeastOne {
    AtLeastOne(100)
}

/// Most shares of a stock leg per unit.
pub const MAX_STOCK_SHARES: u32 = 100_000;

/// Costs of share fills (entries, hedges, closes; not exercise or assignment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StockCosts {
    /// Dollars per share per fill.
    #[serde(default = "half_cent")]
    pub commission_per_share: NonNegative,
    /// Buy at stkPx × (1 + bps/10,000), sell at stkPx × (1 − bps/10,000).
    #[serde(default = "one_bp")]
    pub slippage_bps: NonNegative,
    /// The share slippage model: `bps` (default) or `per_share`.
    #[serde(default, skip_serializing_if = "super::models::is_default")]
    pub slippage_model: super::models::StockSlippageName,
    /// `per_share` model: buy at stkPx + this, sell at stkPx − this (dollars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slippage_per_share: Option<NonNegative>,
}

fn half_cent() -> NonNegative {
    NonNegative(0.005)
}
fn one_bp() -> NonNegative {
    NonNegative(1.0)
}

impl Default for StockCosts {
    fn default() -> Self {
        StockCosts {
            commission_per_share: half_cent(),
            slippage_bps: one_bp(),
            slippage_model: Default::default(),
            slippage_per_share: None,
        }
    }
}

/// Rules across sections, checked once the whole scenario is read. Each message starts with the
/// field it is about, so the parser can place it.
pub fn check(s: &Scenario) -> Result<(), String> {
    let tickers: Vec<&str> = s.data.tickers.iter().map(|t| t.0.as_str()).collect();
    for name in s.settlement.style.keys() {
        if !tickers.contains(&name.as_str()) {
            return Err(format!(
                "settlement: style: {name} is not one of data.tickers ({}); list only tickers the scenario trades",
                tickers.join(", ")
            ));
        }
    }
    for m in s.members() {
        check_strategy(s, &m)?;
    }
    Ok(())
}

/// The cross-section rules of one strategy (`m.path()` names it in messages).
fn check_strategy(s: &Scenario, m: &crate::scenario::portfolio::Member<'_>) -> Result<(), String> {
    let at = m.path().replace('.', ": ");
    let structure = m.strategy.structure();
    let holds_shares = structure.stock.is_some() || structure.cover.is_some();
    if holds_shares
        && let Some(cash) = m.tickers.iter().map(|t| t.0.as_str()).find(|t| s.settlement.style_of(t) == Style::Cash)
    {
        let what = if structure.stock.is_some() { "a stock leg" } else { "a cover leg written against shares" };
        return Err(format!(
            "{at}: {what} needs physically settled options, and {cash} settles in cash; \
             trade a physically settled ticker or set settlement.style.{cash}: physical"
        ));
    }
    if let Some(cover) = &structure.cover {
        if cover.offset.is_some() {
            return Err(format!(
                "{at}: cover: choose its strike by `delta` or `otm_pct`; it has no other leg to offset from"
            ));
        }
        if cover.side != Side::Short {
            return Err(format!("{at}: cover: a cover leg is written (side: short) against the shares"));
        }
    }
    if s.settlement.assigned_shares == Some(SharesPolicy::Keep)
        && structure.cover.is_none()
        && m.strategy.exit.max_hold_days.is_none()
    {
        let path = m.path();
        return Err(format!(
            "settlement: assigned_shares: `keep` without a `cover` leg or `exit.max_hold_days` holds delivered shares to the end of the data; \
             give {path}.cover (the call written against them) or {path}.exit.max_hold_days"
        ));
    }
    Ok(())
}
