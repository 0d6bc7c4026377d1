//! The entry phase: schedule, `max_open`, IV rank, leg selection, `min_credit`, sizing, and the
//! opening fills (options, a stock leg, the first hedge).

use super::exits::PerLeg;
use super::*;
use crate::scenario::liquidity::Illiquid;

pub(super) fn weekday_of(date: i32) -> Option<Weekday> {
    use chrono::Datelike;
    match date_from_days(date).weekday() {
        chrono::Weekday::Mon => Some(Weekday::Mon),
        chrono::Weekday::Tue => Some(Weekday::Tue),
        chrono::Weekday::Wed => Some(Weekday::Wed),
        chrono::Weekday::Thu => Some(Weekday::Thu),
        chrono::Weekday::Fri => Some(Weekday::Fri),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn enter(
    sleeve: &Sleeve<'_>,
    book: &mut Portfolio,
    day: &TickerDay<'_, '_>,
    ctx: &FillContext<'_>,
    st: &TickerState,
    loaded: &LoadedData,
    tally: &mut Tally,
    selections: &mut select::Selections,
) {
    let TickerDay { t, chain, physical, .. } = *day;
    let Tally { diag, misses } = tally;
    let strategy = sleeve.member.strategy;
    let structure = &sleeve.structure;
    let legs = &structure.legs;
    let entry = &strategy.entry;
    let scheduled = match (&entry.weekdays, entry.every_trading_days) {
        (Some(days), _) => weekday_of(chain.trade_date).is_some_and(|w| days.contains(&w)),
        (None, Some(n)) => (st.day_counter - 1).is_multiple_of(u64::from(n.0)),
        (None, None) => true,
    };
    if !scheduled {
        return;
    }
    let skipped = &mut diag.entries_skipped;
    if st.split_next {
        skipped.split += 1;
        return;
    }
    if book.open_count(ctx.strategy, t) >= entry.max_open.0 as usize {
        skipped.max_open += 1;
        return;
    }
    if let Some(r) = &entry.iv_rank {
        let ok = st.iv.rank(r.lookback.0 as usize).is_some_and(|rank| rank >= r.min.0 && rank <= r.max.0);
        if !ok {
            skipped.iv_rank += 1;
            return;
        }
    }
    if let Some(rules) = &strategy.earnings
        && !rules.allows_entry(st.earnings)
    {
        skipped.earnings += 1;
        return;
    }
    if !entry.signals.is_empty() {
        let inputs = signals::Inputs {
            chain,
            ticker: ctx.ticker,
            ivs: &st.iv,
            closes: &st.closes,
            series: &loaded.series,
            dates: &loaded.dates,
        };
        if let Err(kinds) = entry.signals.iter().try_for_each(|s| signals::holds(s, &inputs)) {
            skipped.signals += 1;
            for kind in kinds {
                diag.signals_blocked.count(kind);
            }
            return;
        }
    }
    let skipped = &mut diag.entries_skipped;
    let (chosen, greeks) = match selections.choose(t, chain, legs) {
        (Ok(c), greeks) => (c.as_slice(), greeks),
        (&Err(miss), _) => {
            let kind = match miss {
                Miss::NoExpiry { .. } => {
                    skipped.no_expiry += 1;
                    0
                }
                Miss::NoStrike { .. } => {
                    skipped.no_strike += 1;
                    1
                }
                Miss::Illiquid { reason, .. } => {
                    *match reason {
                        Illiquid::OpenInterest => &mut skipped.low_open_interest,
                        Illiquid::Volume => &mut skipped.low_volume,
                        Illiquid::Bid => &mut skipped.low_bid,
                        Illiquid::Spread => &mut skipped.wide_spread,
                    } += 1;
                    2
                }
            };
            misses[miss.leg()][kind] += 1;
            return;
        }
    };
    let fills = opening_prices(chosen, ctx.models, chosen.len());
    let credit: f64 = chosen.iter().zip(&fills).map(|(l, p)| -l.side.sign() * f64::from(l.qty) * p).sum();
    if entry.min_credit.is_some_and(|m| credit < m.0) {
        skipped.min_credit += 1;
        return;
    }
    let sizing = &strategy.sizing;
    // Shares per unit (signed) and their entry price, for a strategy with a stock leg.
    let stock_leg = structure.stock.map(|st| {
        let n = (st.side.sign() * f64::from(st.shares.0)) as i64;
        (n, ctx.models.slippage.share_price(ctx.underlying, n))
    });
    let units = match (sizing.contracts, sizing.equity_fraction) {
        (Some(n), _) => n.0,
        (None, Some(frac)) => {
            let stock_risk = stock_leg.map(|(n, price)| (n as f64 / MULTIPLIER, price));
            let risk = match sizing.against.unwrap_or(SizingBasis::MaxLoss) {
                SizingBasis::MaxLoss => risk::max_loss(chosen, &fills, stock_risk),
                SizingBasis::Margin => ctx.models.margin.requirement(chosen, &fills, chain.underlying(), stock_risk),
            };
            match risk {
                // The strategy's weight of the account's equity now (the whole of it for one
                // strategy: × 1 changes no bit).
                Some(r) if r > 0.0 => ((frac.0 * (sleeve.member.weight * book.equity())) / r).floor().max(0.0) as u32,
                _ => 0,
            }
        }
        (None, None) => 1,
    };
    let units = sizing.max_contracts.map_or(units, |m| units.min(m.0));
    // The hard limit keeps every quantity inside trades.arrow's Int32 column; it is reported.
    // A strategy that can hold shares counts its share fills too: a stock leg's shares, and the
    // 100 shares per contract exercise or assignment delivers.
    let limit = if structure.stock.is_some() || physical {
        let per_unit = legs
            .iter()
            .chain(structure.cover.iter())
            .map(|l| u64::from(l.qty.0) * 100)
            .chain(structure.stock.map(|st| u64::from(st.shares.0)))
            .max()
            .unwrap_or(1)
            .max(1);
        MAX_UNITS.min((i32::MAX as u64 / per_unit) as u32)
    } else {
        MAX_UNITS
    };
    let units = if units > limit {
        diag.sizes_capped += 1;
        limit
    } else {
        units
    };
    if units == 0 {
        skipped.size_zero += 1;
        return;
    }
    let opening = with_greeks(chosen, greeks, &fills, diag);
    book.open(ctx, t, st.day_counter, &opening, units);
    if let Some((n, price)) = stock_leg {
        let shares = n * i64::from(units);
        let index = book.positions.len() - 1;
        book.trade_shares(ctx, index, shares, price, ctx.models.commission.share_fee(shares), Reason::Entry);
    }
    if let Some(rules) = &strategy.hedge {
        // A new position is hedged at once, not on its next day (with its ticker, by that scope).
        match rules.scope {
            HedgeScope::Position => hedge::hedge_position(book, ctx, book.positions.len() - 1, rules, 0, true),
            HedgeScope::Ticker => hedge::hedge_ticker(book, ctx, t, rules, st.day_counter, true),
        }
    }
    diag.positions_opened += 1;
}

/// What opening each chosen leg costs per share, by the fill model, in an order of `order` option
/// legs. Entries, covers and rolls all open through here.
pub(super) fn opening_prices(chosen: &[select::ChosenLeg], models: &Models, order: usize) -> PerLeg<f64> {
    let buying = |l: &select::ChosenLeg| l.side == crate::scenario::Side::Long;
    chosen.iter().map(|l| models.fill.option_price(l.quote.bid, l.quote.ask, buying(l), order)).collect()
}

/// Each chosen leg with its opening price and the greeks of its row; greeks that are not all
/// finite open as zeros and are counted in `greeks_unusable`.
pub(super) fn opening_legs(
    chain: &DayChain<'_>,
    chosen: &[select::ChosenLeg],
    prices: &[f64],
    diag: &mut Diagnostics,
) -> PerLeg<(select::ChosenLeg, f64, Greeks)> {
    with_greeks(chosen, &select::opening_greeks(chain, chosen), prices, diag)
}

/// [`opening_legs`] with the legs' [`select::opening_greeks`] already worked out (an entry's come
/// with its selection, shared by every run that makes it).
fn with_greeks(
    chosen: &[select::ChosenLeg],
    greeks: &[Option<Greeks>],
    prices: &[f64],
    diag: &mut Diagnostics,
) -> PerLeg<(select::ChosenLeg, f64, Greeks)> {
    chosen
        .iter()
        .zip(greeks)
        .zip(prices)
        .map(|((l, greeks), &price)| {
            if greeks.is_none() {
                diag.greeks_unusable += 1;
            }
            (*l, price, greeks.unwrap_or_default())
        })
        .collect()
}
