//! Sharpe ratio.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{TRADING_DAYS_PER_YEAR, finite, mean, sample_sd};

/// `mean(r) / sd(r) × √252` with a risk-free rate of 0, sd the sample (n − 1)
/// deviation, over the returns after the first day.
///
/// 0 when sd is 0 (a flat run earns no risk-adjusted credit, per the spec);
/// `None` below two returns, where sd is undefined.
#[derive(Debug)]
pub struct Sharpe;

impl Metric for Sharpe {
    const NAME: &'static str = "sharpe";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let r = input.return_sample();
        let sd = sample_sd(r)?;
        if sd == 0.0 {
            return Some(0.0);
        }
        finite(mean(r)? / sd * TRADING_DAYS_PER_YEAR.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn sharpe_cases() {
        let cases: [(&[f64], Option<f64>); 5] = [
            // mean 2/27, s = √19.29/27 → (2/√19.29)·√252 = 2·√(252/19.29) ≈ 7.22876576134
            (&[0.0, 0.1, -0.1, 2.0 / 9.0], Some(2.0 * (252.0f64 / 19.29).sqrt())),
            // r = [0.01, 0.03]: mean 0.02, s = √((0.01² + 0.01²)/1) = 0.01√2
            // → 0.02/(0.01√2)·√252 = √2·√252 = √504
            (&[0.0, 0.01, 0.03], Some(504f64.sqrt())),
            (&[0.0, 0.02, 0.02, 0.02], Some(0.0)), // sd 0 → 0
            (&[0.0, 0.0, 0.0], Some(0.0)),         // sd 0 → 0
            (&[0.0, 0.05], None),                  // one return: no sd
        ];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_opt_close(Sharpe::compute(&input), expected);
        }
    }
}
