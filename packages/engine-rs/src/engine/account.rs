//! The day's accounting: the row of equity.arrow (equity, cash, drawdown, greeks, P&L by source).

use super::portfolio::empty_sum;
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
    // One pass over the positions for every total (it runs for every run every day). Each sum
    // adds the same terms in the same order, from the same start, as a pass of its own did
    // (`Position::value`, `Portfolio::positions_value`, the unrealized P&L of the legs, then of
    // the shares), so the bits are the same.
    let mut positions_value = empty_sum();
    let (mut legs_unrealized, mut shares_unrealized) = (empty_sum(), empty_sum());
    let (mut delta, mut gamma, mut theta, mut vega) = (0.0, 0.0, 0.0, 0.0);
    let mut open_positions = 0;
    for p in &book.positions {
        let s = underlyings.get(p.ticker).copied().filter(|s| s.is_finite()).unwrap_or(0.0);
        let shares = p.all_shares();
        // A share has delta 1 and no other greek.
        if shares != 0 {
            delta += shares as f64 * s;
        }
        let mut options = empty_sum();
        for l in &p.legs {
            let contracts = l.contracts(p.units);
            options += contracts * l.mark * MULTIPLIER;
            legs_unrealized += contracts * (l.mark - l.open_price) * MULTIPLIER;
            let n = contracts * MULTIPLIER;
            delta += n * l.greeks.delta * s;
            gamma += n * l.greeks.gamma * s * s / 100.0;
            theta += n * l.greeks.theta;
            vega += n * l.greeks.vega;
        }
        positions_value += if shares == 0 { options } else { options + shares as f64 * p.share_mark };
        if shares != 0 {
            shares_unrealized += p.shares_unrealized();
        }
        open_positions += i32::from(!p.hedge_book);
    }
    let equity = book.cash + positions_value;
    // The running peak starts at the starting capital, so first-day costs show as drawdown.
    *peak = peak.max(capital).max(equity);
    EquityRow {
        date,
        equity,
        cash: book.cash,
        positions_value,
        daily_return: previous.map_or(0.0, |prev| if prev.equity != 0.0 { equity / prev.equity - 1.0 } else { 0.0 }),
        drawdown: if *peak > 0.0 { equity / *peak - 1.0 } else { 0.0 },
        open_positions,
        realized_pnl: book.realized_pnl(),
        unrealized_pnl: legs_unrealized + shares_unrealized,
        delta_dollars: delta,
        gamma_dollars: gamma,
        theta_dollars: theta,
        vega_dollars: vega,
        pnl,
        pnl_other: equity - previous.map_or(capital, |prev| prev.equity) - pnl.total(),
    }
}

/// The account's days as the columns its metrics read: what a run keeping only its row
/// ([`Keep::Row`]) stores of each day (29 bytes where an [`EquityRow`] takes 152), and what a
/// run keeping everything reads off its rows once at the end.
#[derive(Debug, Clone, Default)]
pub(super) struct DailySeries {
    pub(super) dates: Vec<i32>,
    pub(super) equity: Vec<f64>,
    pub(super) returns: Vec<f64>,
    pub(super) drawdown: Vec<f64>,
    /// Whether a position was open at the day's close.
    pub(super) in_market: Vec<bool>,
}

impl DailySeries {
    pub(super) fn with_capacity(days: usize) -> DailySeries {
        DailySeries {
            dates: Vec::with_capacity(days),
            equity: Vec::with_capacity(days),
            returns: Vec::with_capacity(days),
            drawdown: Vec::with_capacity(days),
            in_market: Vec::with_capacity(days),
        }
    }

    pub(super) fn of(rows: &[EquityRow]) -> DailySeries {
        let mut series = DailySeries::with_capacity(rows.len());
        rows.iter().for_each(|r| series.push(r));
        series
    }

    pub(super) fn push(&mut self, row: &EquityRow) {
        self.dates.push(row.date);
        self.equity.push(row.equity);
        self.returns.push(row.daily_return);
        self.drawdown.push(row.drawdown);
        self.in_market.push(row.open_positions > 0);
    }
}
