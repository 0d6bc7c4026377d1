//! Mean winning position.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{finite, mean};

/// Mean net P&L, in dollars, of positions with net P&L > 0.
///
/// `None` when no position won (including no trades at all).
#[derive(Debug)]
pub struct AverageWin;

impl Metric for AverageWin {
    const NAME: &'static str = "average_win";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let wins: Vec<f64> = input.trades.iter().map(|t| t.net_pnl).filter(|&p| p > 0.0).collect();
        finite(mean(&wins)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::{assert_opt_close, trades};

    #[test]
    fn average_win_cases() {
        let cases: [(&[f64], Option<f64>); 5] = [
            (&[50.0, -20.0, 30.0], Some(40.0)), // (50 + 30)/2
            (&[10.0, 20.0, 30.0], Some(20.0)),  // 60/3
            (&[0.0, 7.0, -1.0], Some(7.0)),     // the 0 is not a win
            (&[-5.0, 0.0], None),               // no winner
            (&[], None),
        ];
        for (pnls, expected) in cases {
            let trades = trades(pnls);
            let input = MetricInput { trades: &trades, ..Default::default() };
            assert_opt_close(AverageWin::compute(&input), expected);
        }
    }
}
