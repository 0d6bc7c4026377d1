//! Calmar ratio.

use super::cagr::Cagr;
use super::max_drawdown::MaxDrawdown;
use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::finite;

/// `cagr / |max_drawdown|` over the whole run (not the trailing 36 months some
/// vendors use).
///
/// 0 when there is no drawdown (per the spec, rather than an infinite ratio);
/// `None` when either input is undefined.
#[derive(Debug)]
pub struct Calmar;

impl Metric for Calmar {
    const NAME: &'static str = "calmar";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let cagr = Cagr::compute(input)?;
        let max_drawdown = MaxDrawdown::compute(input)?;
        if max_drawdown == 0.0 {
            return Some(0.0);
        }
        finite(cagr / max_drawdown.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn calmar_cases() {
        let cases: [(&[f64], &[f64], Option<f64>); 5] = [
            // cagr 1.21^63 − 1, max drawdown −0.1 → (1.21^63 − 1)/0.1 ≈ 1642387.7066
            (&[100.0, 110.0, 99.0, 121.0], &[0.0, 0.0, -0.1, 0.0], Some((1.21f64.powi(63) - 1.0) / 0.1)),
            // 504 days ending at 121 → cagr 0.1; drawdown −0.25 → 0.1/0.25 = 0.4
            (&[121.0; 504], &[-0.25], Some(0.4)),
            // no drawdown → 0
            (&[100.0, 110.0], &[0.0, 0.0], Some(0.0)),
            (&[], &[], None),
            (&[100.0], &[], None),
        ];
        for (equity, drawdown, expected) in cases {
            let input = MetricInput { capital: 100.0, equity, drawdown, ..Default::default() };
            assert_opt_close(Calmar::compute(&input), expected);
        }
    }
}
