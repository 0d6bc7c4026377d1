//! Share of days with exposure.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;

/// Trading days with at least one position open at the close, divided by all
/// trading days (the first day included).
///
/// `None` with no trading days.
#[derive(Debug)]
pub struct TimeInMarket;

impl Metric for TimeInMarket {
    const NAME: &'static str = "time_in_market";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        if input.in_market.is_empty() {
            return None;
        }
        let open = input.in_market.iter().filter(|&&b| b).count();
        Some(open as f64 / input.in_market.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn time_in_market_cases() {
        let cases: [(&[bool], Option<f64>); 5] = [
            (&[false, true, true, false], Some(0.5)), // 2/4
            (&[true, true, true], Some(1.0)),         // 3/3
            (&[false, false], Some(0.0)),             // 0/2
            (&[true, false, false], Some(1.0 / 3.0)), // 1/3
            (&[], None),
        ];
        for (in_market, expected) in cases {
            let input = MetricInput { in_market, ..Default::default() };
            assert_opt_close(TimeInMarket::compute(&input), expected);
        }
    }
}
