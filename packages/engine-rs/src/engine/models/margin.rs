//! Margin models: the capital a new position ties up, per unit, for sizing `against: margin`.

use super::MarginModel;
use crate::data::Right;
use crate::engine::risk::{MULTIPLIER, covered, max_loss};
use crate::engine::select::ChosenLeg;
use crate::scenario::Side;

/// Reg-T-style initial margin, the default. A covered position (every short matched by a long of
/// the same right expiring no earlier) or one with a stock leg needs its maximum loss. Otherwise
/// each naked short needs max(base_pct·S − OTM amount, min_pct·X) + its premium, X the strike for
/// a put and the underlying for a call; a short put with a short call needs the larger
/// requirement plus the other side's premium.
#[derive(Debug, Clone, Copy)]
pub struct RegT {
    pub base_pct: f64,
    pub min_pct: f64,
}

impl MarginModel for RegT {
    fn requirement(
        &self,
        legs: &[ChosenLeg],
        fills: &[f64],
        underlying: f64,
        stock: Option<(f64, f64)>,
    ) -> Option<f64> {
        if stock.is_some() {
            return max_loss(legs, fills, stock);
        }
        if covered(legs) {
            return max_loss(legs, fills, None);
        }
        let naked = |l: &ChosenLeg, premium: f64| -> f64 {
            let (otm, floor) = match l.right {
                Right::Call => ((l.strike - underlying).max(0.0), self.min_pct * underlying),
                Right::Put => ((underlying - l.strike).max(0.0), self.min_pct * l.strike),
            };
            let base = (self.base_pct * underlying - otm).max(floor);
            (base + premium) * f64::from(l.qty) * MULTIPLIER
        };
        let shorts: Vec<(&ChosenLeg, f64)> =
            legs.iter().zip(fills.iter().copied()).filter(|(l, _)| l.side == Side::Short).collect();
        let puts: Vec<_> = shorts.iter().filter(|(l, _)| l.right == Right::Put).collect();
        let calls: Vec<_> = shorts.iter().filter(|(l, _)| l.right == Right::Call).collect();
        if puts.len() == 1 && calls.len() == 1 {
            let (p, pp) = *puts[0];
            let (c, cp) = *calls[0];
            let (rp, rc) = (naked(p, pp), naked(c, cp));
            return Some(if rp >= rc {
                rp + cp * f64::from(c.qty) * MULTIPLIER
            } else {
                rc + pp * f64::from(p.qty) * MULTIPLIER
            });
        }
        Some(shorts.iter().map(|(l, p)| naked(l, *p)).sum())
    }
}

/// A cash account, where nothing is borrowed: long options and long shares are paid in full,
/// every short put is secured by its strike in cash, and the premiums received count toward it.
/// A short call must be covered by the position's long shares (100 per contract) or long calls
/// expiring no earlier; short shares and uncovered calls are not allowed (`None`). A position
/// whose shorts are all covered by longs (spreads, condors) needs its maximum loss.
#[derive(Debug, Clone, Copy)]
pub struct CashSecured;

impl MarginModel for CashSecured {
    fn requirement(&self, legs: &[ChosenLeg], fills: &[f64], _: f64, stock: Option<(f64, f64)>) -> Option<f64> {
        let (shares, share_price) = stock.unwrap_or((0.0, 0.0));
        if shares < 0.0 {
            return None;
        }
        if shares == 0.0 && covered(legs) {
            return max_loss(legs, fills, None);
        }
        let qty = |l: &ChosenLeg| f64::from(l.qty);
        let short_calls: f64 = legs.iter().filter(|l| l.side == Side::Short && l.right == Right::Call).map(qty).sum();
        let long_calls: f64 = legs.iter().filter(|l| l.side == Side::Long && l.right == Right::Call).map(qty).sum();
        if short_calls > long_calls + shares {
            return None;
        }
        let mut cash = shares * share_price;
        for (l, &price) in legs.iter().zip(fills) {
            cash += match (l.side, l.right) {
                (Side::Long, _) => price * qty(l),
                (Side::Short, Right::Put) => (l.strike - price) * qty(l),
                (Side::Short, Right::Call) => -price * qty(l),
            };
        }
        Some(cash.max(0.0) * MULTIPLIER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Quote;

    fn leg(right: Right, side: Side, strike: f64, expiry: i32) -> ChosenLeg {
        let quote = Quote { bid: 0.0, ask: 0.0, value: 0.0, mid_iv: 0.2, delta: 0.0 };
        ChosenLeg { leg: 0, right, side, qty: 1, expiry, strike, quote }
    }

    const REG_T: RegT = RegT { base_pct: 0.2, min_pct: 0.1 };

    #[test]
    fn reg_t_margin_for_a_naked_call_a_naked_put_and_a_strangle() {
        // Short 110 call @ 1 with S = 100: max(20 − 10, 10% × 100) + 1 = 11 → $1,100.
        let call = leg(Right::Call, Side::Short, 110.0, 10);
        assert!((REG_T.requirement(&[call], &[1.0], 100.0, None).unwrap() - 1100.0).abs() < 1e-9);
        // Short 80 put @ 0.5: max(20 − 20, 10% × 80) + 0.5 = 8.5 → $850 (not its $7,950 max loss).
        let deep = leg(Right::Put, Side::Short, 80.0, 10);
        assert!((REG_T.requirement(&[deep], &[0.5], 100.0, None).unwrap() - 850.0).abs() < 1e-9);
        // Strangle: put 90 @ 1.5 needs max(20 − 10, 9) + 1.5 = 11.5 → $1,150; call side $1,100;
        // the larger plus the other premium: 1150 + 100 = $1,250.
        let put = leg(Right::Put, Side::Short, 90.0, 10);
        assert!((REG_T.requirement(&[put, call], &[1.5, 1.0], 100.0, None).unwrap() - 1250.0).abs() < 1e-9);
    }

    #[test]
    fn reg_t_needs_the_maximum_loss_of_covered_positions_and_stock_legs() {
        let spread = [leg(Right::Put, Side::Short, 100.0, 10), leg(Right::Put, Side::Long, 95.0, 10)];
        assert_eq!(REG_T.requirement(&spread, &[3.0, 1.0], 100.0, None), Some(300.0));
        // Covered call: 100 shares at 100 and a short 105 call @ 2: worst at S = 0: −100 + 2 → $9,800.
        let call = [leg(Right::Call, Side::Short, 105.0, 10)];
        assert_eq!(REG_T.requirement(&call, &[2.0], 100.0, Some((1.0, 100.0))), Some(9800.0));
    }

    #[test]
    fn cash_secured_puts_need_their_strike_less_the_premium() {
        // Short 95 put @ 2: (95 − 2) × 100 = $9,300, against Reg-T's max(20 − 5, 9.5) + 2 → $1,700.
        let put = [leg(Right::Put, Side::Short, 95.0, 10)];
        assert_eq!(CashSecured.requirement(&put, &[2.0], 100.0, None), Some(9300.0));
        assert!((REG_T.requirement(&put, &[2.0], 100.0, None).unwrap() - 1700.0).abs() < 1e-9);
    }

    #[test]
    fn cash_secured_calls_must_be_covered_and_shares_paid_in_full() {
        let call = [leg(Right::Call, Side::Short, 105.0, 10)];
        assert_eq!(CashSecured.requirement(&call, &[2.0], 100.0, None), None, "a naked call");
        // Covered call: 100 shares at 100 less the call's 2 → $9,800.
        assert_eq!(CashSecured.requirement(&call, &[2.0], 100.0, Some((1.0, 100.0))), Some(9800.0));
        // Collar: shares 100, short 105 call @ 2, long 95 put @ 1.5 → 100 − 2 + 1.5 = $9,950.
        let collar = [leg(Right::Call, Side::Short, 105.0, 10), leg(Right::Put, Side::Long, 95.0, 10)];
        assert_eq!(CashSecured.requirement(&collar, &[2.0, 1.5], 100.0, Some((1.0, 100.0))), Some(9950.0));
        assert_eq!(CashSecured.requirement(&[], &[], 100.0, Some((-1.0, 100.0))), None, "short shares");
        // A long straddle pays both premiums: 3 + 2.5 → $550.
        let straddle = [leg(Right::Call, Side::Long, 100.0, 10), leg(Right::Put, Side::Long, 100.0, 10)];
        assert_eq!(CashSecured.requirement(&straddle, &[3.0, 2.5], 100.0, None), Some(550.0));
        // A put spread is covered: its maximum loss, (5 − 2) × 100.
        let spread = [leg(Right::Put, Side::Short, 100.0, 10), leg(Right::Put, Side::Long, 95.0, 10)];
        assert_eq!(CashSecured.requirement(&spread, &[3.0, 1.0], 100.0, None), Some(300.0));
    }
}
