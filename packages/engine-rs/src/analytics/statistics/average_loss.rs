//! Mean losing position.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{finite, mean};

/// Mean net P&L, in dollars, of positions with net P&L < 0 (so it is
/// negative, as in the summary example).
///
/// `None` when no position lost (including no trades at all).
#[derive(Debug)]
pub struct AverageLoss;

impl Metric for AverageLoss {
    const NAME: &'static str = "average_loss";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let losses: Vec<f64> = input.trades.iter().map(|t| t.net_pnl).filter(|&p| p < 0.0).collect();
        finite(mean(&losses)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::{assert_opt_close, trades};

    #[test]
    fn average_loss_cases() {
        let cases: [(&[f64], Option<f64>); 5] = [
            (&[50.0, -20.0, 30.0], Some(-20.0)),   // −20/1
            (&[-30.0, -10.0, 100.0], Some(-20.0)), // (−30 − 10)/2
            (&[0.0, -7.0, 1.0], Some(-7.0)),       // the 0 is not a loss
            (&[10.0, 20.0], None),                 // no loser
            (&[], None),
        ];
        for (pnls, expected) in cases {
            let trades = trades(pnls);
            let input = MetricInput { trades: &trades, ..Default::default() };
            assert_opt_close(AverageLoss::compute(&input), expected);
        }
    }
}
