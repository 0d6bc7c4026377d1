//! Gross profit over gross loss.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::finite;

/// Σ net P&L of winning positions / |Σ net P&L of losing positions|
/// (win: > 0, loss: < 0; break-even positions count in neither sum).
///
/// `None` when there is no losing position (the ratio would be infinite, or
/// 0/0 with no trades at all). 0 when there are losses but no wins.
#[derive(Debug)]
pub struct ProfitFactor;

impl Metric for ProfitFactor {
    const NAME: &'static str = "profit_factor";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let mut gross_win = 0.0;
        let mut gross_loss = 0.0;
        let mut any_loss = false;
        for t in input.trades {
            if t.net_pnl > 0.0 {
                gross_win += t.net_pnl;
            } else if t.net_pnl < 0.0 {
                gross_loss += t.net_pnl;
                any_loss = true;
            }
        }
        if !any_loss {
            return None;
        }
        finite(gross_win / gross_loss.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::{assert_opt_close, trades};

    #[test]
    fn profit_factor_cases() {
        let cases: [(&[f64], Option<f64>); 6] = [
            (&[50.0, -20.0, 30.0], Some(4.0)),        // (50 + 30)/20
            (&[100.0, -30.0, -10.0, 0.0], Some(2.5)), // 100/(30 + 10); 0 ignored
            (&[-5.0, -15.0], Some(0.0)),              // 0/20
            (&[10.0, 20.0, 30.0], None),              // all winners: no loss
            (&[0.0, 0.0], None),                      // break-even only: no loss
            (&[], None),
        ];
        for (pnls, expected) in cases {
            let trades = trades(pnls);
            let input = MetricInput { trades: &trades, ..Default::default() };
            assert_opt_close(ProfitFactor::compute(&input), expected);
        }
    }
}
