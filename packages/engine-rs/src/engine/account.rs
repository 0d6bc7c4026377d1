//! The day's accounting: the row of equity.arrow (equity, cash, drawdown, greeks, P&L by source).

use super::*;

pub(super) fn equity_row(
    book: &Portfolio,
    date: i32,
    underlyings: &[f64],
    previous: Option<&EquityRow>,
    peak: &mut f64,
    capital: f64,
    pnl: Attribution,
) -> EquityRow {
    let positions_value = book.positions_value();
    let equity = book.cash + positions_value;
    // The running peak starts at the starting capital, so first-day costs show as drawdown.
    *peak = peak.max(capital).max(equity);
    let (mut delta, mut gamma, mut theta, mut vega) = (0.0, 0.0, 0.0, 0.0);
    for p in &book.positions {
        let s = underlyings.get(p.ticker).copied().filter(|s| s.is_finite()).unwrap_or(0.0);
        // A share has delta 1 and no other greek.
        if p.all_shares() != 0 {
            delta += p.all_shares() as f64 * s;
        }
        for l in &p.legs {
            let n = l.contracts(p.units) * MULTIPLIER;
            delta += n * l.greeks.delta * s;
            gamma += n * l.greeks.gamma * s * s / 100.0;
            theta += n * l.greeks.theta;
            vega += n * l.greeks.vega;
        }
    }
    EquityRow {
        date,
        equity,
        cash: book.cash,
        positions_value,
        daily_return: previous.map_or(0.0, |prev| if prev.equity != 0.0 { equity / prev.equity - 1.0 } else { 0.0 }),
        drawdown: if *peak > 0.0 { equity / *peak - 1.0 } else { 0.0 },
        open_positions: book.positions.iter().filter(|p| !p.hedge_book).count() as i32,
        realized_pnl: book.realized_pnl(),
        unrealized_pnl: unrealized(book),
        delta_dollars: delta,
        gamma_dollars: gamma,
        theta_dollars: theta,
        vega_dollars: vega,
        pnl,
        pnl_other: equity - previous.map_or(capital, |prev| prev.equity) - pnl.total(),
    }
}

/// Open legs' marked value less their cost, then the shares' (summed in the order v1 summed legs,
/// so an options-only run keeps its bytes).
pub(super) fn unrealized(book: &Portfolio) -> f64 {
    let legs: f64 = book
        .positions
        .iter()
        .flat_map(|p| p.legs.iter().map(move |l| l.contracts(p.units) * (l.mark - l.open_price) * MULTIPLIER))
        .sum();
    let with_shares = book.positions.iter().filter(|p| p.all_shares() != 0);
    legs + with_shares.map(portfolio::Position::shares_unrealized).sum::<f64>()
}
