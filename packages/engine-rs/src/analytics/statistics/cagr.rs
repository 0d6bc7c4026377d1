//! Compound annual growth rate.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{TRADING_DAYS_PER_YEAR, finite};

/// `(final equity / capital)^(252 / n) − 1`, n = number of equity points
/// (trading days, the first included).
///
/// `None` with no equity, a capital that is not > 0, or a negative final
/// equity (a negative base has no real fractional power). A final equity of
/// exactly 0 gives −1. Note that a very short run is annualized as is: one
/// day up 1% reports (1.01)^252 − 1.
#[derive(Debug)]
pub struct Cagr;

impl Metric for Cagr {
    const NAME: &'static str = "cagr";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        Cagr::of_growth(input.growth()?, input.equity.len())
    }
}

impl Cagr {
    /// The CAGR of `growth` (final / start) over `days` equity points; `None` for a negative
    /// growth (the account went below zero) or a figure that is not finite.
    pub fn of_growth(growth: f64, days: usize) -> Option<f64> {
        if growth < 0.0 {
            return None;
        }
        finite(growth.powf(TRADING_DAYS_PER_YEAR / days as f64) - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn cagr_cases() {
        let cases: [(f64, &[f64], Option<f64>); 7] = [
            // 1.21^(252/4) − 1 = 1.21^63 − 1 = 1.1^126 − 1 ≈ 164238.770664
            (100.0, &[100.0, 110.0, 99.0, 121.0], Some(1.21f64.powi(63) - 1.0)),
            // 252 points, 100 → 150: 1.5^(252/252) − 1 = 0.5
            (100.0, &[150.0; 252], Some(0.5)),
            // 504 points ending at 121: 1.21^(1/2) − 1 = 1.1 − 1 = 0.1
            (100.0, &[121.0; 504], Some(0.1)),
            // flat: 1^63 − 1 = 0
            (100.0, &[100.0; 4], Some(0.0)),
            // wiped out: 0^63 − 1 = −1
            (100.0, &[100.0, 0.0], Some(-1.0)),
            (100.0, &[100.0, -1.0], None),
            (100.0, &[], None),
        ];
        for (capital, equity, expected) in cases {
            let input = MetricInput { capital, equity, ..Default::default() };
            assert_opt_close(Cagr::compute(&input), expected);
        }
    }
}
