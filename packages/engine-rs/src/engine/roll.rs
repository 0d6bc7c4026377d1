//! The adjust phase's rolls (docs/scenario.md, "strategy.roll"): a position whose watched leg
//! triggers a rule (DTE at or below a level, |delta| at or above one, the underlying touching a
//! short strike) closes the legs in scope at their quotes and reopens them further out, in the same
//! day's chain, at most `max_rolls` times. Nothing is closed unless everything can be reopened and
//! every leg in scope has a quote to close at; otherwise the roll waits (counted).

use crate::data::{DayChain, Right};
use crate::results::{Diagnostics, Reason};
use crate::scenario::roll::{Roll, RollScope, RollTo, WatchedLegs};
use crate::scenario::{LegSpec, Side};

use super::enter::{opening_legs, opening_prices};
use super::portfolio::{FillContext, HeldLeg, Portfolio};
use super::select::{ChosenLeg, choose_legs, usable};

/// Whether held leg `l` triggers `rule` today at underlying `s`.
fn triggers(rule: &Roll, l: &HeldLeg, s: f64, today: i32) -> bool {
    if rule.legs == WatchedLegs::Short && l.side != Side::Short {
        return false;
    }
    let w = &rule.when;
    let dte = w.dte.is_some_and(|d| l.expiry - today <= d as i32);
    let delta = w.delta.is_some_and(|d| l.greeks.delta.abs() >= d.0);
    let touch = w.touch
        && l.side == Side::Short
        && match l.right {
            Right::Put => s <= l.strike,
            Right::Call => s >= l.strike,
        };
    dte || delta || touch
}

/// The leg that replaces held leg `l`: by `specs` (the strategy's legs, then its cover), or at the
/// same strike in the next listed expiry with a usable quote.
fn replacement(rule: &Roll, l: &HeldLeg, chain: &DayChain<'_>, reselected: Option<&[ChosenLeg]>) -> Option<ChosenLeg> {
    match rule.to {
        RollTo::Reselect => reselected.and_then(|c| c.iter().find(|c| c.leg == l.leg).copied()),
        RollTo::NextExpiry => chain.expiries.iter().filter(|e| e.date > l.expiry).find_map(|e| {
            let quote = chain.contract(e.date, l.strike, l.right).filter(usable)?;
            Some(ChosenLeg {
                leg: l.leg,
                right: l.right,
                side: l.side,
                qty: l.qty,
                expiry: e.date,
                strike: l.strike,
                quote,
            })
        }),
    }
}

/// Rolls the positions of ticker `t` that a rule says to. `specs` are the strategy's
/// `strategy_legs` legs followed by its cover leg, if any (a held leg's `leg` indexes them).
#[allow(clippy::too_many_arguments)]
pub fn roll_positions(
    rule: &Roll,
    specs: &[LegSpec],
    strategy_legs: usize,
    book: &mut Portfolio,
    t: usize,
    chain: &DayChain<'_>,
    ctx: &FillContext<'_>,
    diag: &mut Diagnostics,
) {
    let s = ctx.underlying;
    if !s.is_finite() {
        return;
    }
    for i in 0..book.positions.len() {
        let p = &book.positions[i];
        if p.ticker != t || p.strategy != ctx.strategy || p.legs.is_empty() || p.rolls >= rule.max_rolls.0 {
            continue;
        }
        let fired: Vec<usize> = (0..p.legs.len()).filter(|&k| triggers(rule, &p.legs[k], s, ctx.date)).collect();
        if fired.is_empty() {
            continue;
        }
        let scope: Vec<usize> = match rule.scope {
            RollScope::Leg => fired,
            RollScope::Position => (0..p.legs.len()).collect(),
        };
        // The new legs, chosen before anything is closed. Reselection chooses the strategy's legs
        // as an entry would (a cover leg by its own rules).
        let reselected: Option<Vec<ChosenLeg>> = (rule.to == RollTo::Reselect).then(|| {
            let mut chosen = choose_legs(chain, &specs[..strategy_legs]).unwrap_or_default();
            if let Some(cover) = specs.get(strategy_legs)
                && p.legs.iter().any(|l| l.leg == strategy_legs)
                && let Ok(c) = choose_legs(chain, std::slice::from_ref(cover))
            {
                chosen.extend(c.into_iter().map(|c| ChosenLeg { leg: strategy_legs, ..c }));
            }
            chosen
        });
        let new: Option<Vec<ChosenLeg>> =
            scope.iter().map(|&k| replacement(rule, &p.legs[k], chain, reselected.as_deref())).collect();
        // A roll is one order: the legs it closes and the legs it opens.
        let legs_in_order = scope.len() + new.as_ref().map_or(0, Vec::len);
        // Closing prices of the legs in scope: a long leg sells, a short one buys back.
        let closes: Option<Vec<f64>> = scope
            .iter()
            .map(|&k| {
                let l = &p.legs[k];
                chain
                    .contract(l.expiry, l.strike, l.right)
                    .filter(usable)
                    .map(|q| ctx.models.fill.option_price(q.bid, q.ask, l.side == Side::Short, legs_in_order))
            })
            .collect();
        let (Some(new), Some(closes)) = (new, closes) else {
            diag.rolls_skipped += 1;
            continue;
        };
        // Close from the last index down so the earlier ones stay where they are.
        let mut order: Vec<(usize, f64)> = scope.iter().copied().zip(closes).collect();
        order.sort_by_key(|b| std::cmp::Reverse(b.0));
        for (k, price) in order {
            let l = &book.positions[i].legs[k];
            let n = l.contracts(book.positions[i].units);
            let fees = ctx.models.commission.option_fee(n);
            // What a roll pays to close comes off the position's premium (a short leg bought back
            // reduces the credit).
            book.positions[i].premium += l.side.sign() * f64::from(l.qty) * price;
            book.close_leg(ctx, i, k, price, fees, Reason::Roll);
        }
        let opening = opening_legs(chain, &new, &opening_prices(&new, ctx.models, legs_in_order), diag);
        book.add_legs(ctx, i, &opening, Reason::Roll);
        book.positions[i].rolls += 1;
        diag.rolls += 1;
    }
}
