//! Splits from the dataset's `events.arrow` (docs/scenario.md, "Splits"). ORATS' chains are as
//! traded: from a split's ex-date on, strikes, prices and the underlying are in the new shares.
//! What a position holds across it is adjusted the way the OCC adjusts listed options:
//!
//! - a whole-number split `r` (2, 3, 4, …: r new shares per old one) turns each contract into `r`
//!   contracts at strike / r, and each share into `r` shares; every price (open, mark, share
//!   average) is divided by `r`, so no dollar value changes and the premium per unit is the same;
//! - any other ratio (a reverse split 0.1, a 3-for-2 1.5) changes what one contract delivers,
//!   which positions here cannot hold: the ticker's positions close at the close before the
//!   ex-date (reason `split`), and no position opens that day.

use super::*;

/// Whether a split of `ratio` is carried across (a whole number ≥ 2).
pub(super) fn carried(ratio: f64) -> bool {
    ratio >= 2.0 && ratio.fract() == 0.0 && ratio <= 1_000.0
}

/// Adjusts every position of ticker `t` for a whole-number split `r` effective today, and the
/// ticker's last underlying price (so today's move is measured in new shares). Returns whether
/// it did: a split that would take a contract count beyond Int32 is not carried (the caller
/// closes those positions, like a split of another ratio).
pub(super) fn apply(book: &mut Portfolio, t: usize, r: f64, last_underlying: &mut f64) -> bool {
    let k = r as u32;
    let fits = book.positions.iter().filter(|p| p.ticker == t).all(|p| {
        let shares_fit = p.shares.checked_mul(i64::from(k)).is_some_and(|s| s.abs() <= i64::from(i32::MAX))
            && p.hedge_shares.checked_mul(i64::from(k)).is_some_and(|s| s.abs() <= i64::from(i32::MAX));
        let legs_fit = p
            .legs
            .iter()
            .all(|l| l.qty.checked_mul(k).is_some_and(|q| u64::from(q) * u64::from(p.units) * 100 <= i32::MAX as u64));
        shares_fit && legs_fit
    });
    if !fits {
        return false;
    }
    for p in book.positions.iter_mut().filter(|p| p.ticker == t) {
        for l in &mut p.legs {
            l.qty *= k;
            l.strike /= r;
            l.open_price /= r;
            l.mark /= r;
            // Per share of the new shares: the same delta, gamma × r, theta and vega / r (the
            // next mark refreshes them from the chain).
            l.greeks.gamma *= r;
            l.greeks.theta /= r;
            l.greeks.vega /= r;
        }
        p.shares *= i64::from(k);
        p.hedge_shares *= i64::from(k);
        p.share_price /= r;
        p.hedge_price /= r;
        p.share_mark /= r;
    }
    *last_underlying /= r;
    true
}

/// Closes every position of ticker `t` at its last marks (reason `split`): a split that was not
/// closed ahead of (the data starts on its ex-date) or cannot be carried.
pub(super) fn close_at_marks(book: &mut Portfolio, t: usize, ticker: &str, date: i32, sleeves: &[Sleeve<'_>]) {
    let mut i = 0;
    while i < book.positions.len() {
        let p = &book.positions[i];
        if p.ticker != t {
            i += 1;
            continue;
        }
        let strategy = p.strategy;
        let ctx = FillContext { ticker, date, underlying: p.share_mark, models: &sleeves[strategy].models, strategy };
        let prices: Vec<f64> = p.legs.iter().map(|l| l.mark).collect();
        let settled = vec![false; prices.len()];
        let at = p.share_mark;
        book.close(&ctx, i, &prices, &settled, Reason::Split, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_number_splits_are_carried_and_others_are_not() {
        for r in [2.0, 3.0, 4.0, 10.0, 20.0] {
            assert!(carried(r), "{r}");
        }
        for r in [0.1, 0.5, 1.5, 2.5, 1.0, f64::NAN, 1e6] {
            assert!(!carried(r), "{r}");
        }
    }
}
