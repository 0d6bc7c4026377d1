//! Risk per unit of a position, for sizing (docs/scenario.md, "Sizing"):
//! - maximum loss, for positions whose legs share one expiry: the worst payoff at expiry over
//!   every underlying price, less the premium received; unbounded when calls are net short;
//!   for mixed expiries (calendars), the net debit paid;
//! - whether a position is covered (defined risk); margin models ([`super::models`]) use both.
//!
//! All amounts are dollars per unit (one contract per leg ratio), multiplier 100.

use crate::data::Right;
use crate::engine::select::ChosenLeg;
use crate::scenario::Side;

pub const MULTIPLIER: f64 = 100.0;

fn intrinsic(right: Right, strike: f64, s: f64) -> f64 {
    match right {
        Right::Call => (s - strike).max(0.0),
        Right::Put => (strike - s).max(0.0),
    }
}

/// Dollars per unit lost in the worst case, or `None` when the loss is unbounded.
/// `fills` are the per-share entry prices of `legs`, in order; `stock` is the shares per unit in
/// contracts (signed, 1 = 100 shares long) and their entry price, for a strategy with a stock leg.
pub fn max_loss(legs: &[ChosenLeg], fills: &[f64], stock: Option<(f64, f64)>) -> Option<f64> {
    let credit: f64 = legs.iter().zip(fills).map(|(l, f)| -l.side.sign() * f64::from(l.qty) * f).sum();
    let same_expiry = legs.windows(2).all(|w| w[0].expiry == w[1].expiry);
    let (shares, price) = stock.unwrap_or((0.0, 0.0));
    if !same_expiry {
        if shares < 0.0 {
            return None;
        }
        let debit = -credit + shares * price;
        return (debit > 0.0).then_some(debit * MULTIPLIER);
    }
    // Beyond the highest strike the payoff moves with the net call quantity (and the shares);
    // net short → unbounded.
    let net_calls: f64 = legs.iter().filter(|l| l.right == Right::Call).map(|l| l.side.sign() * f64::from(l.qty)).sum();
    if net_calls + shares < 0.0 {
        return None;
    }
    // The payoff is piecewise linear with kinks at the strikes: its minimum is at 0 or a strike.
    let payoff = |s: f64| -> f64 {
        let options =
            legs.iter().map(|l| l.side.sign() * f64::from(l.qty) * intrinsic(l.right, l.strike, s)).sum::<f64>()
                + credit;
        if stock.is_some() { options + shares * (s - price) } else { options }
    };
    let worst = std::iter::once(0.0).chain(legs.iter().map(|l| l.strike)).map(payoff).fold(f64::INFINITY, f64::min);
    Some((-worst).max(0.0) * MULTIPLIER)
}

/// True when every short leg is covered by long legs of the same right expiring no earlier
/// (spreads, condors, butterflies, calendars): such a position's margin is its maximum loss.
pub fn covered(legs: &[ChosenLeg]) -> bool {
    legs.iter().filter(|l| l.side == Side::Short).all(|short| {
        let longs: u32 = legs
            .iter()
            .filter(|l| l.side == Side::Long && l.right == short.right && l.expiry >= short.expiry)
            .map(|l| l.qty)
            .sum();
        let shorts: u32 = legs.iter().filter(|l| l.side == Side::Short && l.right == short.right).map(|l| l.qty).sum();
        longs >= shorts
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Quote;

    fn leg(right: Right, side: Side, strike: f64, expiry: i32) -> ChosenLeg {
        let quote = Quote { bid: 0.0, ask: 0.0, value: 0.0, mid_iv: 0.2, delta: 0.0 };
        ChosenLeg { leg: 0, right, side, qty: 1, expiry, strike, quote }
    }

    #[test]
    fn put_credit_spread_loses_width_minus_credit() {
        // Short 100 put @ 3, long 95 put @ 1: credit 2; worst at S ≤ 95: −5 + 2 = −3 → $300.
        let legs = [leg(Right::Put, Side::Short, 100.0, 10), leg(Right::Put, Side::Long, 95.0, 10)];
        assert_eq!(max_loss(&legs, &[3.0, 1.0], None), Some(300.0));
    }

    #[test]
    fn iron_condor_loses_the_wider_wing_minus_credit() {
        // 90/95 puts, 105/110 calls; credit 1.5 + 1.0 − 0.5 − 0.4 = 1.6; worst −5 + 1.6 → $340.
        let legs = [
            leg(Right::Put, Side::Short, 95.0, 10),
            leg(Right::Put, Side::Long, 90.0, 10),
            leg(Right::Call, Side::Short, 105.0, 10),
            leg(Right::Call, Side::Long, 110.0, 10),
        ];
        let loss = max_loss(&legs, &[1.5, 0.5, 1.0, 0.4], None).unwrap();
        assert!((loss - 340.0).abs() < 1e-9, "{loss}");
    }

    #[test]
    fn naked_short_call_is_unbounded_and_short_put_loses_strike_minus_credit() {
        assert_eq!(max_loss(&[leg(Right::Call, Side::Short, 105.0, 10)], &[2.0], None), None);
        // Short 100 put @ 2: worst at S = 0: −100 + 2 = −98 → $9,800.
        assert_eq!(max_loss(&[leg(Right::Put, Side::Short, 100.0, 10)], &[2.0], None), Some(9800.0));
    }

    #[test]
    fn calendar_risk_is_the_debit() {
        let legs = [leg(Right::Call, Side::Short, 100.0, 10), leg(Right::Call, Side::Long, 100.0, 40)];
        assert_eq!(max_loss(&legs, &[2.0, 3.5], None), Some(150.0));
    }

    #[test]
    fn covered_positions_have_every_short_matched_by_a_long() {
        let spread = [leg(Right::Put, Side::Short, 100.0, 10), leg(Right::Put, Side::Long, 95.0, 10)];
        assert!(covered(&spread));
        let calendar = [leg(Right::Call, Side::Short, 100.0, 10), leg(Right::Call, Side::Long, 100.0, 40)];
        assert!(covered(&calendar));
        let reverse = [leg(Right::Call, Side::Short, 100.0, 40), leg(Right::Call, Side::Long, 100.0, 10)];
        assert!(!covered(&reverse), "a long that expires first covers nothing");
    }
}
