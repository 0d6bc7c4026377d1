//! The hedge phase (docs/scenario.md, "strategy.hedge"): each position of the ticker with option
//! legs whose hedge is due trades shares of its hedge holding so that its net delta (legs at their
//! latest greeks, plus every share it holds) is the target, to the nearest whole share. A position
//! just opened is hedged at once.
//!
//! With `scope: ticker` the ticker's positions are hedged together instead ([`hedge_ticker`]):
//! their summed net delta is brought to the target by one holding of shares, the ticker's hedge
//! book, so deltas that offset across positions trade nothing.

use crate::scenario::hedge::Hedge;

use super::portfolio::{FillContext, Portfolio};
use super::risk::MULTIPLIER;

/// Hedges position `index` if `force` or its hedge is due `days` trading days after it opened.
pub fn hedge_position(
    book: &mut Portfolio,
    ctx: &FillContext<'_>,
    index: usize,
    rules: &Hedge,
    days: u64,
    force: bool,
) {
    let p = &book.positions[index];
    if p.legs.is_empty() || !ctx.underlying.is_finite() {
        return;
    }
    let delta = p.delta_shares();
    let notional: f64 = p.legs.iter().map(|l| l.contracts(p.units).abs() * MULTIPLIER).sum();
    if (force || rules.due(delta, notional, days))
        && let Some(n) = shares_to(rules.target.0, delta)
    {
        book.hedge_at_market(ctx, index, n);
    }
}

/// Shares that bring a net `delta` to `target`, to the nearest whole share; none when that is
/// nothing, not a number, or beyond what a fill's Int32 quantity holds (never, with the unit caps,
/// which bound every leg's shares).
fn shares_to(target: f64, delta: f64) -> Option<i64> {
    let trade = (target - delta).round();
    (trade.is_finite() && trade != 0.0 && trade.abs() <= f64::from(i32::MAX)).then_some(trade as i64)
}

/// Hedges ticker `t` as a whole if `force` or its hedge is due: the net delta of every position the
/// acting strategy holds on the ticker (legs, stock, delivered shares and the hedge book's shares) is brought to the target
/// with shares of the ticker's hedge book. The schedule counts the ticker's trading days since
/// its hedge book opened (`day_counter` is today's count). With no option leg left on the ticker,
/// the hedge book is closed instead.
pub fn hedge_ticker(
    book: &mut Portfolio,
    ctx: &FillContext<'_>,
    t: usize,
    rules: &Hedge,
    day_counter: u64,
    force: bool,
) {
    if !ctx.underlying.is_finite() {
        return;
    }
    let mine = |p: &&super::portfolio::Position| p.ticker == t && p.strategy == ctx.strategy;
    let existing = book.positions.iter().position(|p| mine(&p) && p.hedge_book);
    let mut options = book.positions.iter().filter(mine).filter(|p| !p.legs.is_empty()).peekable();
    if options.peek().is_none() {
        if let Some(i) = existing {
            book.hedge_at_market(ctx, i, -book.positions[i].hedge_shares);
            book.finish(ctx.date, i);
        }
        return;
    }
    let notional: f64 = options.flat_map(|p| p.legs.iter().map(|l| l.contracts(p.units).abs() * MULTIPLIER)).sum();
    let delta: f64 = book.positions.iter().filter(mine).map(|p| p.delta_shares()).sum();
    let days = existing.map_or(0, |i| day_counter - book.positions[i].opened_day);
    if (force || rules.due(delta, notional, days))
        && let Some(n) = shares_to(rules.target.0, delta)
    {
        let i = book.hedge_book(ctx, t, day_counter);
        book.hedge_at_market(ctx, i, n);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::data::Right;
    use crate::engine::portfolio::{Greeks, HeldLeg, Position};
    use crate::scenario::Side;
    use crate::scenario::hedge::Band;
    use crate::scenario::values::{Finite, NonNegative};

    fn position(legs: &[(Side, u32, f64)], units: u32) -> Position {
        Position {
            id: 1,
            strategy: 0,
            ticker: 0,
            opened: 0,
            opened_day: 0,
            units,
            legs: legs
                .iter()
                .enumerate()
                .map(|(i, &(side, qty, delta))| HeldLeg {
                    leg: i,
                    right: Right::Call,
                    side,
                    qty,
                    expiry: 100,
                    strike: 100.0,
                    open_price: 1.0,
                    mark: 1.0,
                    greeks: Greeks { delta, ..Greeks::default() },
                    iv: 0.2,
                    marked_on: 0,
                    hint: Default::default(),
                })
                .collect(),
            premium: 0.0,
            fees: 0.0,
            gross_pnl: 0.0,
            shares: 0,
            share_price: 0.0,
            share_mark: 100.0,
            dividends: 0.0,
            close_shares: false,
            covers: 0,
            hedge_shares: 0,
            hedge_price: 0.0,
            attribution: Default::default(),
            legs_opened: legs.len() as u32,
            rolls: 0,
            hedge_book: false,
        }
    }

    proptest! {
        /// With a band of 0 every day, along any path of deltas, the position's net delta after
        /// each hedge is within half a share of 0.
        #[test]
        fn a_zero_band_leaves_no_delta(
            legs in prop::collection::vec((any::<bool>(), 1u32..5, -1.0f64..1.0), 1..4),
            units in 1u32..50,
            path in prop::collection::vec((50.0f64..150.0, prop::collection::vec(-1.0f64..1.0, 4)), 1..30),
        ) {
            let legs: Vec<(Side, u32, f64)> =
                legs.into_iter().map(|(long, q, d)| (if long { Side::Long } else { Side::Short }, q, d)).collect();
            let mut book = Portfolio::new(1e6);
            book.positions.push(position(&legs, units));
            let rules = Hedge {
                every_trading_days: None,
                band: Some(Band::Shares(NonNegative(0.0))),
                target: Finite(0.0),
                scope: Default::default(),
            };
            let models = crate::engine::models::Models::defaults();
            for (day, (s, deltas)) in path.into_iter().enumerate() {
                for (l, d) in book.positions[0].legs.iter_mut().zip(&deltas) {
                    l.greeks.delta = *d;
                }
                book.positions[0].share_mark = s;
                let ctx = FillContext { ticker: "XYZ", date: day as i32, underlying: s, models: &models, strategy: 0 };
                hedge_position(&mut book, &ctx, 0, &rules, day as u64, false);
                let after = book.positions[0].delta_shares();
                prop_assert!(after.abs() <= 0.5 + 1e-9, "delta {after} after the hedge on day {day}");
            }
        }
    }

    #[test]
    fn a_band_in_shares_or_as_a_fraction_waits_until_the_delta_leaves_it() {
        // Short 2 calls at delta 0.3: −60 shares of delta, notional 200.
        let rules =
            |band| Hedge { every_trading_days: None, band: Some(band), target: Finite(0.0), scope: Default::default() };
        let p = position(&[(Side::Short, 2, 0.3)], 1);
        let d = p.delta_shares();
        assert!((d + 60.0).abs() < 1e-9);
        assert!(!rules(Band::Shares(NonNegative(60.0))).due(d, 200.0, 1));
        assert!(rules(Band::Shares(NonNegative(59.0))).due(d, 200.0, 1));
        assert!(!rules(Band::Fraction(NonNegative(0.3))).due(d, 200.0, 1));
        assert!(rules(Band::Fraction(NonNegative(0.29))).due(d, 200.0, 1));
        let every3 = Hedge {
            every_trading_days: Some(crate::scenario::values::AtLeastOne(3)),
            band: None,
            target: Finite(0.0),
            scope: Default::default(),
        };
        assert_eq!(
            (0..7).map(|k| every3.due(d, 200.0, k)).collect::<Vec<_>>(),
            [true, false, false, true, false, false, true]
        );
    }
}
