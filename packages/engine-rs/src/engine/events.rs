//! The events phase: ex-dividend cash on the shares a position holds (docs/scenario.md, "How a day runs").

use super::*;

/// The events phase: each position of ticker `t` holding shares receives (long) or pays (short)
/// `amount` per share.
pub(super) fn pay_dividend(book: &mut Portfolio, t: usize, amount: f64, diag: &mut Diagnostics) {
    for p in book.positions.iter_mut().filter(|p| p.ticker == t && p.all_shares() != 0) {
        let cash = p.all_shares() as f64 * amount;
        p.dividends += cash;
        book.cash += cash;
        diag.dividends += 1;
    }
}
