//! Skewness of daily returns.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{central_moments, finite};

/// Sample skewness, the adjusted Fisher–Pearson coefficient G1 (what Excel's
/// SKEW, pandas' `skew` and SciPy's `skew(bias=False)` report), over the
/// returns after the first day:
///
/// g1 = m3 / m2^(3/2), mk = Σ(r − mean)^k / n;  G1 = g1 · √(n(n − 1)) / (n − 2).
///
/// `None` below three returns (the correction divides by n − 2) or when the
/// returns are constant (0/0).
#[derive(Debug)]
pub struct Skew;

impl Metric for Skew {
    const NAME: &'static str = "skew";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        let r = input.return_sample();
        if r.len() < 3 {
            return None;
        }
        let [m2, m3, _] = central_moments(r)?;
        if m2 == 0.0 {
            return None;
        }
        let n = r.len() as f64;
        let g1 = m3 / m2.powf(1.5);
        finite(g1 * (n * (n - 1.0)).sqrt() / (n - 2.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn skew_cases() {
        let cases: [(&[f64], Option<f64>); 7] = [
            // r = [0.1, −0.1, 2/9], n = 3, mean 2/27, d·27 = [0.7, −4.7, 4]
            // Σd²·27² = 0.49 + 22.09 + 16 = 38.58 → m2 = 12.86/27²
            // Σd³·27³ = 0.343 − 103.823 + 64 = −39.48 → m3 = −13.16/27³
            // g1 = −13.16/12.86^1.5 ≈ −0.285360880512; G1 = g1·√6/1 ≈ −0.698988549806
            (&[0.0, 0.1, -0.1, 2.0 / 9.0], Some(-13.16 / 12.86f64.powf(1.5) * 6f64.sqrt())),
            // r = [0, 0, 0, 0, 0.05] (in units of 0.01: mean 1, d = [−1, −1, −1, −1, 4])
            // m2 = 20/5 = 4, m3 = (−4 + 64)/5 = 12; g1 = 12/4^1.5 = 1.5
            // G1 = 1.5·√(5·4)/3 = 0.5·√20 = √5 ≈ 2.2360679775
            (&[0.0, 0.0, 0.0, 0.0, 0.0, 0.05], Some(5f64.sqrt())),
            // mirror image: −√5
            (&[0.0, 0.0, 0.0, 0.0, 0.0, -0.05], Some(-(5f64.sqrt()))),
            // r = [0, 0, 0, 0.04] (units 0.01: mean 1, d = [−1, −1, −1, 3])
            // m2 = 12/4 = 3, m3 = (−3 + 27)/4 = 6; g1 = 6/3^1.5 = 2/√3
            // G1 = (2/√3)·√12/2 = (2/√3)·√3 = 2
            (&[0.0, 0.0, 0.0, 0.0, 0.04], Some(2.0)),
            // symmetric: mean 0.5, d = [−0.25, 0, 0.25] → m3 = 0 → 0 (binary-exact
            // values, so the 0 is exact too)
            (&[0.0, 0.25, 0.5, 0.75], Some(0.0)),
            (&[0.0, 0.01, 0.01, 0.01, 0.01], None), // zero variance
            (&[0.0, 0.01, 0.02], None),             // two returns
        ];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_opt_close(Skew::compute(&input), expected);
        }
    }
}
