//! Historical value at risk.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{finite, quantile_type7};

/// Tail probability of the 95% VaR.
pub const TAIL: f64 = 0.05;

/// The 5% quantile of the daily returns after the first day, as a return
/// (negative for a loss, not sign-flipped), interpolated linearly between
/// order statistics (type 7): sort ascending, h = (n − 1)·0.05,
/// VaR = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
///
/// `None` with no returns; with one return it is that return.
#[derive(Debug)]
pub struct Var95;

impl Metric for Var95 {
    const NAME: &'static str = "var_95";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        finite(quantile_type7(input.return_sample(), TAIL)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn var_95_cases() {
        let cases: [(&[f64], Option<f64>); 6] = [
            // 5 returns, sorted [−0.05, −0.02, 0, 0.01, 0.03]; h = 4·0.05 = 0.2
            // VaR = −0.05 + 0.2·(−0.02 − (−0.05)) = −0.05 + 0.006 = −0.044
            (&[0.0, 0.03, -0.02, 0.01, -0.05, 0.0], Some(-0.044)),
            // sorted [−0.1, 0.1, 2/9]; h = 2·0.05 = 0.1
            // VaR = −0.1 + 0.1·(0.1 − (−0.1)) = −0.1 + 0.02 = −0.08
            (&[0.0, 0.1, -0.1, 2.0 / 9.0], Some(-0.08)),
            // 21 returns −0.10, −0.09, …, 0.10 (k/100, k = −10..=10); h = 20·0.05 = 1
            // exactly → x[1] = −0.09
            (
                &[
                    0.0, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01, 0.0, -0.01, -0.02, -0.03, -0.04,
                    -0.05, -0.06, -0.07, -0.08, -0.09, -0.10,
                ],
                Some(-0.09),
            ),
            (&[0.0, 0.0, 0.0], Some(0.0)), // flat
            (&[0.0, -0.03], Some(-0.03)),  // one return: h = 0
            (&[0.0], None),
        ];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_opt_close(Var95::compute(&input), expected);
        }
    }
}
