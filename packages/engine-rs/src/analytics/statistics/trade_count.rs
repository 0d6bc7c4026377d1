//! Number of closed positions.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;

/// Closed positions in the run. Always defined (0 with no trades), so it is a
/// plain integer rather than an option.
#[derive(Debug)]
pub struct TradeCount;

impl Metric for TradeCount {
    const NAME: &'static str = "trade_count";
    type Output = u64;

    fn compute(input: &MetricInput<'_>) -> u64 {
        input.trades.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::input::ClosedTrade;

    #[test]
    fn trade_count_cases() {
        let t = ClosedTrade { net_pnl: 1.0, days_held: 1 };
        let cases: [(&[ClosedTrade], u64); 3] = [(&[], 0), (&[t], 1), (&[t, t, t], 3)];
        for (trades, expected) in cases {
            let input = MetricInput { trades, ..Default::default() };
            assert_eq!(TradeCount::compute(&input), expected);
        }
    }
}
