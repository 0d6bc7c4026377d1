//! The exits phase: first trigger wins (docs/scenario.md, "strategy.exit"); cash settlement at
//! expiry for cash-settled tickers.

use smallvec::SmallVec;

use super::*;

/// A few values per leg of one position, on the stack: a position closes once, and allocating
/// its handful of prices was a good part of what closing cost.
pub(super) type PerLeg<T> = SmallVec<[T; 4]>;

pub(super) fn intrinsic(right: Right, strike: f64, s: f64) -> f64 {
    match right {
        Right::Call => (s - strike).max(0.0),
        Right::Put => (strike - s).max(0.0),
    }
}

/// Today's closing prices of a position's legs: intrinsic at the underlying price `s` for legs at
/// or past expiry (cash settlement, `true` in the second vector), the slippage-adjusted quote
/// otherwise; `None` for a leg without a usable quote (or underlying price) today.
pub(super) fn closing_prices(
    p: &portfolio::Position,
    chain: &DayChain<'_>,
    s: Option<f64>,
    models: &Models,
) -> (PerLeg<Option<f64>>, PerLeg<bool>) {
    // The legs still trading close as one order.
    let order = p.legs.iter().filter(|l| l.expiry > chain.trade_date).count();
    p.legs
        .iter()
        .map(|l| {
            if l.expiry <= chain.trade_date {
                return (s.map(|s| intrinsic(l.right, l.strike, s)), true);
            }
            let q = l.row_in(chain).map(|row| chain.quote(row, l.right)).filter(usable);
            // Closing a long sells, closing a short buys.
            (q.map(|q| models.fill.option_price(q.bid, q.ask, l.side == crate::scenario::Side::Short, order)), false)
        })
        .unzip()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn exits(
    strategy: &Strategy,
    book: &mut Portfolio,
    t: usize,
    chain: &DayChain<'_>,
    underlying: Option<f64>,
    ctx: &FillContext<'_>,
    st: &TickerState,
    last_day: bool,
    diag: &mut Diagnostics,
) {
    let rules = &strategy.exit;
    let earnings = strategy.earnings.as_ref();
    let mut i = 0;
    while i < book.positions.len() {
        let p = &book.positions[i];
        // A hedge book has no exit rules: it closes on the last day, or in the hedge phase.
        if p.ticker != t || p.strategy != ctx.strategy || (p.hedge_book && !last_day && !st.split_next) {
            i += 1;
            continue;
        }
        let basis = p.premium.abs();
        let pnl = p.pnl_per_share();
        let reason = if p.first_expiry() <= chain.trade_date {
            Some(Reason::Expiry)
        } else if rules.stop_loss.is_some_and(|sl| basis > 0.0 && pnl <= -sl.0 * basis) {
            Some(Reason::StopLoss)
        } else if rules.profit_target.is_some_and(|pt| basis > 0.0 && pnl >= pt.0 * basis) {
            Some(Reason::ProfitTarget)
        } else if rules.dte_exit.is_some_and(|d| p.first_expiry() - chain.trade_date <= d as i32) {
            Some(Reason::DteExit)
        } else if rules.max_hold_days.is_some_and(|m| st.day_counter - p.opened_day >= u64::from(m.0)) {
            Some(Reason::MaxHold)
        } else if earnings.is_some_and(|e| e.closes(st.earnings, p.opened, chain.trade_date)) {
            Some(Reason::Earnings)
        } else if st.split_next {
            Some(Reason::Split)
        } else if last_day {
            Some(Reason::EndOfData)
        } else {
            None
        };
        let Some(reason) = reason else {
            i += 1;
            continue;
        };
        let (prices, settled) = closing_prices(p, chain, underlying, ctx.models);
        // Shares close at the day's underlying price (their last mark on a last day without one).
        let shares_at =
            if p.all_shares() == 0 { Some(f64::NAN) } else { underlying.or(last_day.then_some(p.share_mark)) };
        if let (true, Some(at)) = (prices.iter().all(Option::is_some), shares_at) {
            let prices: PerLeg<f64> = prices.into_iter().flatten().collect();
            book.close(ctx, i, &prices, &settled, reason, at);
        } else if last_day {
            // No quote on the last day: the unquoted legs close at their last marks rather than
            // leave the position open.
            let prices: PerLeg<f64> = prices.iter().zip(&p.legs).map(|(q, l)| q.unwrap_or(l.mark)).collect();
            diag.closed_at_last_mark += 1;
            book.close(ctx, i, &prices, &settled, reason, shares_at.unwrap_or(p.share_mark));
        } else {
            diag.exits_deferred += 1;
            i += 1;
        }
        diag.positions_closed = book.closed.len() as u64;
    }
}
