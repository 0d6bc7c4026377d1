//! Which reality model prices each thing the engine trades (docs/scenario.md, "Reality models"):
//! option fills, share slippage, commissions, early assignment and margin. Each is named by a
//! `model` field in the section that holds its parameters; the engine's `engine::models` builds
//! the chosen built-in. A parameter that belongs to another model than the one chosen is refused,
//! so a scenario never carries a number that silently does nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Scenario;
use super::values::UnitClosed;

/// How an option leg fills against its bid and ask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FillModelName {
    /// Sell at mid − f·(mid − bid), buy at mid + f·(ask − mid), f = `spread_fraction`.
    #[default]
    SpreadFraction,
    /// Cross a share of the full bid–ask spread that depends on how many option legs the order
    /// has (`by_legs`, ORATS' convention): buy at bid + p·(ask − bid), sell at ask − p·(ask − bid).
    ByLegs,
}

/// ORATS' backtester slippage: the share of the bid–ask spread crossed by orders of 1, 2, 3 and 4
/// or more legs.
pub const ORATS_BY_LEGS: [f64; 4] = [0.75, 0.66, 0.56, 0.53];

/// Most entries of a `by_legs` table (orders with more legs use the last).
pub const MAX_BY_LEGS: usize = 8;

/// How commissions are charged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommissionModelName {
    /// `commission_per_contract` × contracts per option fill; `stock.commission_per_share` × shares.
    #[default]
    PerContract,
    /// As `per_contract`, then each option fill pays at least `minimum` and at most `maximum`.
    Capped,
}

/// How far a share fill lands from `stkPx`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StockSlippageName {
    /// Buy at stkPx × (1 + bps/10,000), sell at stkPx × (1 − bps/10,000), bps = `slippage_bps`.
    #[default]
    Bps,
    /// Buy at stkPx + c, sell at stkPx − c, c = `slippage_per_share` dollars.
    PerShare,
}

/// When short options are assigned before expiry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentModelName {
    /// American exercise: before ex-dividend dates and (optionally) when time value runs out.
    #[default]
    American,
    /// Only at expiry, whatever the dividend or time value.
    European,
}

/// What `equity_fraction` sizing with `against: margin` measures a position against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarginModelName {
    /// Reg-T-style: naked shorts need max(base_pct·S − OTM, min_pct·X) + premium; defined risk
    /// needs its maximum loss.
    #[default]
    RegT,
    /// A cash account: every short put secured by its strike in cash, short calls covered by
    /// shares or long calls, long options and shares paid in full, premiums received counted.
    CashSecured,
}

pub(super) fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// Rules between a model and its parameters. Messages start with the field's path.
pub fn check(s: &Scenario) -> Result<(), String> {
    let slippage = &s.costs.slippage;
    if let Some(table) = &slippage.by_legs {
        if slippage.model != FillModelName::ByLegs {
            return Err("costs: slippage: by_legs: goes with `model: by_legs`; set it or remove by_legs".into());
        }
        if table.is_empty() || table.len() > MAX_BY_LEGS {
            return Err(format!(
                "costs: slippage: by_legs: give 1 to {MAX_BY_LEGS} shares of the spread (for orders of 1, 2, … legs), got {}",
                table.len()
            ));
        }
    }
    if slippage.tick_from_3.is_some() && slippage.tick.is_none() {
        return Err("costs: slippage: tick_from_3: goes with `tick` (the grid below $3)".into());
    }
    let commission = &s.costs.commission;
    match commission.model {
        CommissionModelName::PerContract => {
            if commission.minimum.is_some() || commission.maximum.is_some() {
                return Err("costs: commission: minimum and maximum go with `model: capped`".into());
            }
        }
        CommissionModelName::Capped => match (commission.minimum, commission.maximum) {
            (None, None) => return Err("costs: commission: `model: capped` needs a minimum, a maximum or both".into()),
            (Some(lo), Some(hi)) if lo.0 > hi.0 => {
                return Err(format!("costs: commission: minimum ({lo}) is above maximum ({hi})"));
            }
            _ => {}
        },
    }
    let stock = &s.costs.stock;
    match (stock.slippage_model, stock.slippage_per_share) {
        (StockSlippageName::PerShare, None) => {
            return Err("costs: stock: `slippage_model: per_share` needs slippage_per_share (dollars)".into());
        }
        (StockSlippageName::Bps, Some(_)) => {
            return Err(
                "costs: stock: slippage_per_share: goes with `slippage_model: per_share`; set it or remove slippage_per_share"
                    .into(),
            );
        }
        _ => {}
    }
    let early = &s.settlement.early_assignment;
    if early.model == AssignmentModelName::European && early.time_value_below.is_some() {
        return Err(
            "settlement: early_assignment: time_value_below: a `european` model never assigns early; remove one of them"
                .into(),
        );
    }
    Ok(())
}

/// The `by_legs` table in force: the scenario's, else ORATS'.
pub fn by_legs_table(table: Option<&[UnitClosed]>) -> Vec<f64> {
    match table {
        Some(t) => t.iter().map(|p| p.0).collect(),
        None => ORATS_BY_LEGS.to_vec(),
    }
}
