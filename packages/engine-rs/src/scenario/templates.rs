//! Named structures that expand to legs. Expansion is the only place a template's shape lives: the
//! engine trades the expanded legs exactly as if they had been written by hand.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::settlement::StockSpec;
use super::values::{AtLeastOne, Finite, Moneyness, Positive, UnitOpen};
use super::{DteWindow, LegSpec, Offset, Right, Side, Structure, Window};

/// A strategy template, written as `template: { <name>: { …parameters… } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Template {
    /// Sell one put by delta.
    ShortPut { dte: DteWindow, delta: Window<UnitOpen> },
    /// Sell one call by delta.
    ShortCall { dte: DteWindow, delta: Window<UnitOpen> },
    /// A put and a call by delta, same expiry (short by default).
    Strangle {
        dte: DteWindow,
        put_delta: Window<UnitOpen>,
        call_delta: Window<UnitOpen>,
        #[serde(default = "short")]
        side: Side,
    },
    /// A call and a put at the strike nearest the underlying, same expiry (short by default).
    Straddle {
        dte: DteWindow,
        #[serde(default = "short")]
        side: Side,
    },
    /// Put spread: `credit` sells the put at `delta` and buys `width` points lower; `debit` buys the
    /// put at `delta` and sells `width` points lower.
    PutVertical { dte: DteWindow, delta: Window<UnitOpen>, width: Positive, kind: VerticalKind },
    /// Call spread: `credit` sells the call at `delta` and buys `width` points higher; `debit` buys
    /// the call at `delta` and sells `width` points higher.
    CallVertical { dte: DteWindow, delta: Window<UnitOpen>, width: Positive, kind: VerticalKind },
    /// Short put spread + short call spread: short strikes by delta, wings `width` points out.
    IronCondor { dte: DteWindow, put_delta: Window<UnitOpen>, call_delta: Window<UnitOpen>, width: Positive },
    /// Short straddle at the strike nearest the underlying, wings `width` points out.
    IronButterfly { dte: DteWindow, width: Positive },
    /// Sell the front expiry at `delta`, buy the back expiry at the same strike.
    Calendar { right: Right, front_dte: DteWindow, back_dte: DteWindow, delta: Window<UnitOpen> },
    /// Buy 100 shares and sell a call by delta; when the call expires out of the money a new one is
    /// written against the shares, when it is assigned the shares go and the position ends.
    CoveredCall { dte: DteWindow, delta: Window<UnitOpen> },
    /// Buy 100 shares and a put by delta below them.
    ProtectivePut { dte: DteWindow, delta: Window<UnitOpen> },
    /// Buy 100 shares, buy a put and sell a call, each by delta, same expiry.
    Collar { dte: DteWindow, put_delta: Window<UnitOpen>, call_delta: Window<UnitOpen> },
    /// Sell a put; when assigned, hold the 100 shares and sell calls against them until they are
    /// called away; then start again with a put.
    Wheel { put: ByDelta, call: ByDelta },
}

/// A leg chosen by expiry and delta.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByDelta {
    pub dte: DteWindow,
    pub delta: Window<UnitOpen>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VerticalKind {
    Credit,
    Debit,
}

fn short() -> Side {
    Side::Short
}

fn by_delta(right: Right, side: Side, dte: DteWindow, delta: Window<UnitOpen>) -> LegSpec {
    LegSpec {
        right,
        side,
        qty: AtLeastOne(1),
        dte: Some(dte),
        delta: Some(delta),
        otm_pct: None,
        offset: None,
        liquidity: None,
    }
}

fn at_the_money(right: Right, side: Side, dte: DteWindow) -> LegSpec {
    let atm = Window { target: Moneyness(0.0), min: None, max: None };
    LegSpec {
        right,
        side,
        qty: AtLeastOne(1),
        dte: Some(dte),
        delta: None,
        otm_pct: Some(atm),
        offset: None,
        liquidity: None,
    }
}

fn offset(right: Right, side: Side, leg: usize, width: f64, dte: Option<DteWindow>) -> LegSpec {
    LegSpec {
        right,
        side,
        qty: AtLeastOne(1),
        dte,
        delta: None,
        otm_pct: None,
        offset: Some(Offset { leg, width: Finite(width) }),
        liquidity: None,
    }
}

fn long_shares() -> Option<StockSpec> {
    Some(StockSpec { side: Side::Long, shares: AtLeastOne(100) })
}

impl Template {
    /// The legs, shares and cover this template stands for.
    pub fn structure(&self) -> Structure {
        use Right::Call;
        use Side::Short;
        let (stock, cover) = match *self {
            Template::CoveredCall { dte, delta } => (long_shares(), Some(by_delta(Call, Short, dte, delta))),
            Template::ProtectivePut { .. } | Template::Collar { .. } => (long_shares(), None),
            Template::Wheel { call, .. } => (None, Some(by_delta(Call, Short, call.dte, call.delta))),
            _ => (None, None),
        };
        Structure { legs: self.expand(), stock, cover }
    }

    /// The option legs this template stands for, in order (offsets refer to earlier legs).
    pub fn expand(&self) -> Vec<LegSpec> {
        use Right::{Call, Put};
        use Side::{Long, Short};
        match self.clone() {
            Template::ShortPut { dte, delta } => vec![by_delta(Put, Short, dte, delta)],
            Template::ShortCall { dte, delta } => vec![by_delta(Call, Short, dte, delta)],
            Template::Strangle { dte, put_delta, call_delta, side } => {
                vec![by_delta(Put, side, dte, put_delta), by_delta(Call, side, dte, call_delta)]
            }
            Template::Straddle { dte, side } => vec![at_the_money(Call, side, dte), offset(Put, side, 0, 0.0, None)],
            Template::PutVertical { dte, delta, width, kind } => {
                let (near, far) = if kind == VerticalKind::Credit { (Short, Long) } else { (Long, Short) };
                vec![by_delta(Put, near, dte, delta), offset(Put, far, 0, -width.0, None)]
            }
            Template::CallVertical { dte, delta, width, kind } => {
                let (near, far) = if kind == VerticalKind::Credit { (Short, Long) } else { (Long, Short) };
                vec![by_delta(Call, near, dte, delta), offset(Call, far, 0, width.0, None)]
            }
            Template::IronCondor { dte, put_delta, call_delta, width } => vec![
                by_delta(Put, Short, dte, put_delta),
                offset(Put, Long, 0, -width.0, None),
                by_delta(Call, Short, dte, call_delta),
                offset(Call, Long, 2, width.0, None),
            ],
            Template::IronButterfly { dte, width } => vec![
                at_the_money(Call, Short, dte),
                offset(Put, Short, 0, 0.0, None),
                offset(Put, Long, 0, -width.0, None),
                offset(Call, Long, 0, width.0, None),
            ],
            Template::Calendar { right, front_dte, back_dte, delta } => {
                vec![by_delta(right, Short, front_dte, delta), offset(right, Long, 0, 0.0, Some(back_dte))]
            }
            Template::CoveredCall { dte, delta } => vec![by_delta(Call, Short, dte, delta)],
            Template::ProtectivePut { dte, delta } => vec![by_delta(Put, Long, dte, delta)],
            Template::Collar { dte, put_delta, call_delta } => {
                vec![by_delta(Put, Long, dte, put_delta), by_delta(Call, Short, dte, call_delta)]
            }
            Template::Wheel { put, .. } => vec![by_delta(Put, Short, put.dte, put.delta)],
        }
    }
}
