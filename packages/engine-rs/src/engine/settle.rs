//! The settle/assign phase of a physically settled ticker (docs/scenario.md, "Stock and
//! settlement"), after the day's marks and before the exits:
//! 1. shares delivered on an earlier day under `assigned_shares: close` are sold (or bought back)
//!    at today's close;
//! 2. early assignment: a short in-the-money leg expiring later is assigned today when the
//!    assignment model says so ([`super::models::AssignmentModel`]);
//! 3. expiry: every leg expiring today (or earlier, on a day the ticker had no usable price) is
//!    exercised (long) or assigned (short) into shares at its strike when in the money by at
//!    least `itm_threshold`, and expires worthless otherwise.
//!
//! An exercised or assigned leg leaves the position through a fill at price 0 (the option is
//! used up) and the shares come in through a fill at the strike, both free of commission. A
//! position left with neither legs nor shares ends; one left with shares only keeps them (and
//! writes its `cover` in the adjust phase) or closes them at the next close.

use crate::data::Right;
use crate::results::{Diagnostics, Reason};
use crate::scenario::Side;
use crate::scenario::settlement::{Settlement, SharesPolicy};

use super::portfolio::{FillContext, Portfolio};
use super::risk::MULTIPLIER;

fn intrinsic(right: Right, strike: f64, s: f64) -> f64 {
    match right {
        Right::Call => (s - strike).max(0.0),
        Right::Put => (strike - s).max(0.0),
    }
}

/// What the phase needs to know about the day besides the book.
#[derive(Debug)]
pub struct SettleDay<'a> {
    pub ticker: usize,
    /// Today's underlying price.
    pub underlying: f64,
    /// The dividend per share of an ex-date on this ticker's next trading day, if any.
    pub next_dividend: Option<f64>,
    pub rules: &'a Settlement,
    pub policy: SharesPolicy,
}

/// Runs the phase for one ticker.
pub fn settle(book: &mut Portfolio, ctx: &FillContext<'_>, day: &SettleDay<'_>, diag: &mut Diagnostics) {
    let mut i = 0;
    while i < book.positions.len() {
        // A hedge book holds no options and settles nothing (the hedge phase closes it).
        let p = &book.positions[i];
        if p.ticker != day.ticker || p.strategy != ctx.strategy || p.hedge_book {
            i += 1;
            continue;
        }
        if book.positions[i].close_shares {
            close_delivered(book, ctx, i, day);
        }
        early_assignments(book, ctx, i, day, diag);
        expiries(book, ctx, i, day, diag);
        // A hedge with no option left to hedge is closed.
        let hedge = book.positions[i].hedge_shares;
        if book.positions[i].legs.is_empty() && hedge != 0 {
            book.hedge_at_market(ctx, i, -hedge);
        }
        let p = &mut book.positions[i];
        if p.legs.is_empty() && p.shares == 0 {
            book.finish(ctx.date, i);
            continue;
        }
        if p.legs.is_empty() && p.shares != 0 && day.policy == SharesPolicy::Close && !p.close_shares {
            // Delivered today: closed at the next trading day's close.
            p.close_shares = true;
        }
        i += 1;
    }
}

fn close_delivered(book: &mut Portfolio, ctx: &FillContext<'_>, i: usize, day: &SettleDay<'_>) {
    let shares = -book.positions[i].shares;
    let price = ctx.models.slippage.share_price(day.underlying, shares);
    book.trade_shares(ctx, i, shares, price, ctx.models.commission.share_fee(shares), Reason::DeliveredShares);
    book.positions[i].close_shares = false;
}

fn early_assignments(
    book: &mut Portfolio,
    ctx: &FillContext<'_>,
    i: usize,
    day: &SettleDay<'_>,
    diag: &mut Diagnostics,
) {
    let threshold = day.rules.itm_threshold.0;
    let mut k = 0;
    while k < book.positions[i].legs.len() {
        let l = &book.positions[i].legs[k];
        let itm = intrinsic(l.right, l.strike, day.underlying);
        let candidate = l.side == Side::Short && l.expiry > ctx.date && itm > 0.0 && itm >= threshold;
        let time_value = l.mark - itm;
        if candidate && ctx.models.assignment.assigned_early(l.right, time_value, day.next_dividend) {
            deliver(book, ctx, i, k, Reason::Assignment);
            diag.early_assignments += 1;
        } else {
            k += 1;
        }
    }
}

fn expiries(book: &mut Portfolio, ctx: &FillContext<'_>, i: usize, day: &SettleDay<'_>, diag: &mut Diagnostics) {
    let threshold = day.rules.itm_threshold.0;
    let mut k = 0;
    while k < book.positions[i].legs.len() {
        let l = &book.positions[i].legs[k];
        if l.expiry > ctx.date {
            k += 1;
            continue;
        }
        let itm = intrinsic(l.right, l.strike, day.underlying);
        if itm > 0.0 && itm >= threshold {
            let reason = if l.side == Side::Long { Reason::Exercise } else { Reason::Assignment };
            if reason == Reason::Exercise {
                diag.exercised += 1;
            } else {
                diag.assigned += 1;
            }
            deliver(book, ctx, i, k, reason);
        } else {
            book.close_leg(ctx, i, k, 0.0, 0.0, Reason::Expiry);
        }
    }
}

/// Turns leg `k` of position `i` into shares at its strike: a call delivers shares to its long
/// holder, a put to its short writer.
fn deliver(book: &mut Portfolio, ctx: &FillContext<'_>, i: usize, k: usize, reason: Reason) {
    let p = &book.positions[i];
    let l = &p.legs[k];
    let contracts = l.contracts(p.units);
    let direction = if l.right == Right::Call { 1.0 } else { -1.0 };
    let shares = (contracts * MULTIPLIER * direction) as i64;
    let strike = l.strike;
    book.close_leg(ctx, i, k, 0.0, 0.0, reason);
    book.trade_shares(ctx, i, shares, strike, 0.0, reason);
}
