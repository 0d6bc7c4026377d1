//! Reality models in LEAN's manner (docs/scenario.md, "Reality models"): how an option leg fills,
//! how far a share fill slips, what a fill costs in commission, when a short option is assigned
//! early and what margin a position needs. One trait each, a documented default, and the scenario
//! choosing among the built-ins by name ([`crate::scenario::models`]). The engine's phases price
//! and charge every trade through [`Models`], built once per run.

mod assignment;
mod commission;
mod fill;
mod margin;
mod slippage;

use std::fmt::Debug;

pub use assignment::{American, European};
pub use commission::{Capped, PerContract};
pub use fill::{ByLegs, SpreadFraction, Ticked};
pub use margin::{CashSecured, RegT};
pub use slippage::{Bps, PerShare};

use crate::data::Right;
use crate::engine::select::ChosenLeg;
use crate::scenario::models::{
    AssignmentModelName, CommissionModelName, FillModelName, MarginModelName, StockSlippageName, by_legs_table,
};
use crate::scenario::{Scenario, Strategy};

/// The price an option leg fills at.
pub trait FillModel: Debug + Send + Sync {
    /// Per-share price of one leg of an order of `legs` option legs, from its `bid` and `ask`;
    /// `buying` trades toward the ask, selling toward the bid.
    fn option_price(&self, bid: f64, ask: f64, buying: bool, legs: usize) -> f64;
}

/// The price a market trade of shares gets.
pub trait SlippageModel: Debug + Send + Sync {
    /// Per-share price of a trade of `shares` (+ buy, − sell) with the underlying at `s`.
    fn share_price(&self, s: f64, shares: i64) -> f64;
}

/// What a fill costs in commission. Exercise, assignment and expiry are free.
pub trait CommissionModel: Debug + Send + Sync {
    /// Commission of one option fill of `contracts` (signed).
    fn option_fee(&self, contracts: f64) -> f64;
    /// Commission of a market trade of `shares` (signed).
    fn share_fee(&self, shares: i64) -> f64;
}

/// Whether a short in-the-money option is assigned before its expiry.
pub trait AssignmentModel: Debug + Send + Sync {
    /// `time_value` is the leg's mark less its intrinsic value, per share; `next_dividend` the
    /// dividend per share of an ex-date on the ticker's next trading day.
    fn assigned_early(&self, right: Right, time_value: f64, next_dividend: Option<f64>) -> bool;
}

/// The capital a new position ties up, for `equity_fraction` sizing `against: margin`.
pub trait MarginModel: Debug + Send + Sync {
    /// Dollars per unit for `legs` at their per-share `fills`, the underlying at `underlying`;
    /// `stock` is a stock leg's shares per unit in contracts (signed, 1 = 100 shares) and its
    /// price. `None` when the model does not allow the position (or its risk is unbounded).
    fn requirement(&self, legs: &[ChosenLeg], fills: &[f64], underlying: f64, stock: Option<(f64, f64)>)
    -> Option<f64>;
}

/// The models one run uses.
#[derive(Debug)]
pub struct Models {
    pub fill: Box<dyn FillModel>,
    pub slippage: Box<dyn SlippageModel>,
    pub commission: Box<dyn CommissionModel>,
    pub assignment: Box<dyn AssignmentModel>,
    pub margin: Box<dyn MarginModel>,
}

impl Models {
    /// The built-ins the scenario names, with its parameters (the margin model is `strategy`'s).
    pub fn of(scenario: &Scenario, strategy: &Strategy) -> Models {
        let costs = &scenario.costs;
        let fill: Box<dyn FillModel> = match costs.slippage.model {
            FillModelName::SpreadFraction => Box::new(SpreadFraction { fraction: costs.slippage.spread_fraction.0 }),
            FillModelName::ByLegs => Box::new(ByLegs { table: by_legs_table(costs.slippage.by_legs.as_deref()) }),
        };
        let fill: Box<dyn FillModel> = match costs.slippage.tick {
            Some(tick) => Box::new(Ticked {
                inner: fill,
                tick: tick.0,
                tick_from_3: costs.slippage.tick_from_3.map_or(tick.0, |t| t.0),
            }),
            None => fill,
        };
        let stock = &costs.stock;
        let slippage: Box<dyn SlippageModel> = match (stock.slippage_model, stock.slippage_per_share) {
            (StockSlippageName::PerShare, Some(c)) => Box::new(PerShare { dollars: c.0 }),
            _ => Box::new(Bps { bps: stock.slippage_bps.0 }),
        };
        let per_contract =
            PerContract { per_contract: costs.commission_per_contract.0, per_share: stock.commission_per_share.0 };
        let commission: Box<dyn CommissionModel> = match costs.commission.model {
            CommissionModelName::PerContract => Box::new(per_contract),
            CommissionModelName::Capped => Box::new(Capped {
                rates: per_contract,
                minimum: costs.commission.minimum.map_or(0.0, |m| m.0),
                maximum: costs.commission.maximum.map_or(f64::INFINITY, |m| m.0),
            }),
        };
        let early = &scenario.settlement.early_assignment;
        let assignment: Box<dyn AssignmentModel> = match early.model {
            AssignmentModelName::American => Box::new(American {
                before_ex_dividend: early.before_ex_dividend,
                time_value_below: early.time_value_below.map(|t| t.0),
            }),
            AssignmentModelName::European => Box::new(European),
        };
        let m = &strategy.sizing.margin;
        let margin: Box<dyn MarginModel> = match m.model {
            MarginModelName::RegT => Box::new(RegT { base_pct: m.base_pct.0, min_pct: m.min_pct.0 }),
            MarginModelName::CashSecured => Box::new(CashSecured),
        };
        Models { fill, slippage, commission, assignment, margin }
    }

    /// The documented defaults of every model.
    pub fn defaults() -> Models {
        Models {
            fill: Box::new(SpreadFraction { fraction: 0.5 }),
            slippage: Box::new(Bps { bps: 1.0 }),
            commission: Box::new(PerContract { per_contract: 0.65, per_share: 0.005 }),
            assignment: Box::new(American { before_ex_dividend: true, time_value_below: None }),
            margin: Box::new(RegT { base_pct: 0.2, min_pct: 0.1 }),
        }
    }
}
