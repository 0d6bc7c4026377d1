//! Mean holding period.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;

/// Mean calendar days from open to close over closed positions (a position
/// opened and closed the same day counts 0).
///
/// `None` with no closed positions.
#[derive(Debug)]
pub struct AverageDaysInTrade;

impl Metric for AverageDaysInTrade {
    const NAME: &'static str = "average_days_in_trade";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        if input.trades.is_empty() {
            return None;
        }
        // Summed as f64 in index order: no integer overflow to guard against.
        let total = input.trades.iter().fold(0.0, |acc, t| acc + t.days_held as f64);
        Some(total / input.trades.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::input::ClosedTrade;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn average_days_in_trade_cases() {
        let cases: [(&[i64], Option<f64>); 4] = [
            (&[5, 3, 10], Some(6.0)), // 18/3
            (&[0, 1], Some(0.5)),     // 1/2
            (&[21], Some(21.0)),
            (&[], None),
        ];
        for (days, expected) in cases {
            let trades: Vec<ClosedTrade> =
                days.iter().map(|&days_held| ClosedTrade { net_pnl: 0.0, days_held }).collect();
            let input = MetricInput { trades: &trades, ..Default::default() };
            assert_opt_close(AverageDaysInTrade::compute(&input), expected);
        }
    }
}
