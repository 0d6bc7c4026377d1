//! Mean P&L per position.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{finite, mean};

/// Mean net P&L, in dollars, over all closed positions (winners, losers and
/// break-evens alike).
///
/// `None` with no closed positions.
#[derive(Debug)]
pub struct Expectancy;

impl Metric for Expectancy {
    const NAME: &'static str = "expectancy";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let pnls: Vec<f64> = input.trades.iter().map(|t| t.net_pnl).collect();
        finite(mean(&pnls)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::{assert_opt_close, trades};

    #[test]
    fn expectancy_cases() {
        let cases: [(&[f64], Option<f64>); 4] = [
            (&[50.0, -20.0, 30.0], Some(20.0)),      // 60/3
            (&[0.0, 10.0, -40.0, 10.0], Some(-5.0)), // −20/4
            (&[7.5], Some(7.5)),
            (&[], None),
        ];
        for (pnls, expected) in cases {
            let trades = trades(pnls);
            let input = MetricInput { trades: &trades, ..Default::default() };
            assert_opt_close(Expectancy::compute(&input), expected);
        }
    }
}
