//! Sortino ratio.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{TRADING_DAYS_PER_YEAR, finite, mean};

/// `mean(r) / DD × √252`, DD = √(Σ min(r, 0)² / n) with n the number of
/// returns (all of them, not only the losing ones), target 0, over the
/// returns after the first day.
///
/// `None` with no returns or when DD is 0 (no losing day): the ratio is then
/// unbounded and no finite number would be honest.
#[derive(Debug)]
pub struct Sortino;

impl Metric for Sortino {
    const NAME: &'static str = "sortino";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let r = input.return_sample();
        let m = mean(r)?;
        let squares = r.iter().fold(0.0, |acc, &x| acc + x.min(0.0).powi(2));
        let dd = (squares / r.len() as f64).sqrt();
        if dd == 0.0 {
            return None;
        }
        finite(m / dd * TRADING_DAYS_PER_YEAR.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn sortino_cases() {
        let cases: [(&[f64], Option<f64>); 5] = [
            // r = [0.1, −0.1, 2/9]: mean 2/27, DD = √(0.01/3) = 0.1/√3
            // → (2/27)·√3/0.1·√252 = (20/27)·√756 = (20/27)·6√21 = 40√21/9 ≈ 20.3670030887
            (&[0.0, 0.1, -0.1, 2.0 / 9.0], Some(40.0 * 21f64.sqrt() / 9.0)),
            // r = [−0.02, 0.04]: mean 0.01, DD = √(0.0004/2) = 0.01√2
            // → 0.01/(0.01√2)·√252 = √126
            (&[0.0, -0.02, 0.04], Some(126f64.sqrt())),
            (&[0.0, 0.01, 0.02], None), // no losing day: DD = 0
            (&[0.0, 0.0, 0.0], None),   // flat: DD = 0
            (&[0.0], None),             // no returns
        ];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_opt_close(Sortino::compute(&input), expected);
        }
    }
}
