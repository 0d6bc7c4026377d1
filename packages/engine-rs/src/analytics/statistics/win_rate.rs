//! Share of winning positions.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;

/// Positions with net P&L > 0 divided by all closed positions. A position
/// that nets exactly 0 is not a win but still counts in the denominator.
///
/// `None` with no closed positions.
#[derive(Debug)]
pub struct WinRate;

impl Metric for WinRate {
    const NAME: &'static str = "win_rate";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        if input.trades.is_empty() {
            return None;
        }
        let wins = input.trades.iter().filter(|t| t.net_pnl > 0.0).count();
        Some(wins as f64 / input.trades.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::{assert_opt_close, trades};

    #[test]
    fn win_rate_cases() {
        let cases: [(&[f64], Option<f64>); 5] = [
            (&[50.0, -20.0, 30.0], Some(2.0 / 3.0)), // 2 wins of 3
            (&[10.0, 20.0], Some(1.0)),              // 2 of 2
            (&[-1.0, -2.0], Some(0.0)),              // 0 of 2
            (&[0.0, 10.0, -10.0, 5.0], Some(0.5)),   // 2 of 4; the 0 is not a win
            (&[], None),
        ];
        for (pnls, expected) in cases {
            let trades = trades(pnls);
            let input = MetricInput { trades: &trades, ..Default::default() };
            assert_opt_close(WinRate::compute(&input), expected);
        }
    }
}
