//! Excess kurtosis of daily returns.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{central_moments, finite};

/// Sample excess kurtosis, the bias-adjusted G2 (what Excel's KURT, pandas'
/// `kurt` and SciPy's `kurtosis(fisher=True, bias=False)` report; 0 for a
/// normal distribution), over the returns after the first day:
///
/// g2 = m4 / m2² − 3, mk = Σ(r − mean)^k / n;
/// G2 = ((n + 1)·g2 + 6) · (n − 1) / ((n − 2)(n − 3)).
///
/// `None` below four returns (the correction divides by n − 3) or when the
/// returns are constant (0/0).
#[derive(Debug)]
pub struct Kurtosis;

impl Metric for Kurtosis {
    const NAME: &'static str = "kurtosis";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let r = input.return_sample();
        if r.len() < 4 {
            return None;
        }
        let [m2, _, m4] = central_moments(r)?;
        if m2 == 0.0 {
            return None;
        }
        let n = r.len() as f64;
        let g2 = m4 / (m2 * m2) - 3.0;
        finite(((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn kurtosis_cases() {
        let cases: [(&[f64], Option<f64>); 6] = [
            // r = [0, 0, 0, 0, 0.05] (units 0.01: mean 1, d = [−1, −1, −1, −1, 4])
            // m2 = 20/5 = 4, m4 = (4 + 256)/5 = 52; g2 = 52/16 − 3 = 0.25
            // G2 = (6·0.25 + 6)·4/(3·2) = 7.5·4/6 = 5
            (&[0.0, 0.0, 0.0, 0.0, 0.0, 0.05], Some(5.0)),
            // r = [0, 0, 0, 0.04] (units 0.01: mean 1, d = [−1, −1, −1, 3])
            // m2 = 12/4 = 3, m4 = (3 + 81)/4 = 21; g2 = 21/9 − 3 = −2/3
            // G2 = (5·(−2/3) + 6)·3/(2·1) = (8/3)·(3/2) = 4
            (&[0.0, 0.0, 0.0, 0.0, 0.04], Some(4.0)),
            // r = [0.01, 0.02, 0.03, 0.04] (units 0.01: mean 2.5, d = [−1.5, −0.5, 0.5, 1.5])
            // m2 = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25
            // m4 = (5.0625 + 0.0625 + 0.0625 + 5.0625)/4 = 2.5625
            // g2 = 2.5625/1.5625 − 3 = 1.64 − 3 = −1.36
            // G2 = (5·(−1.36) + 6)·3/(2·1) = (−0.8)·1.5 = −1.2
            (&[0.0, 0.01, 0.02, 0.03, 0.04], Some(-1.2)),
            (&[0.0, 0.1, -0.1, 2.0 / 9.0], None),   // three returns
            (&[0.0, 0.02, 0.02, 0.02, 0.02], None), // zero variance
            (&[], None),
        ];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_opt_close(Kurtosis::compute(&input), expected);
        }
    }
}
