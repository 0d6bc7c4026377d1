//! Total return over the run.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::finite;

/// `final equity / capital − 1`.
///
/// `None` with no equity points or a capital that is not > 0 (there is no
/// base to measure against).
#[derive(Debug)]
pub struct TotalReturn;

impl Metric for TotalReturn {
    const NAME: &'static str = "total_return";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        finite(input.growth()? - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn total_return_cases() {
        let cases: [(f64, &[f64], Option<f64>); 6] = [
            (100.0, &[100.0, 110.0, 99.0, 121.0], Some(0.21)), // 121/100 − 1
            (100.0, &[100.0, 100.0], Some(0.0)),               // 100/100 − 1
            (100.0, &[100.0, 60.0], Some(-0.4)),               // 60/100 − 1
            (100.0, &[], None),
            (0.0, &[1.0], None),
            (-5.0, &[1.0], None),
        ];
        for (capital, equity, expected) in cases {
            let input = MetricInput { capital, equity, ..Default::default() };
            assert_opt_close(TotalReturn::compute(&input), expected);
        }
    }
}
