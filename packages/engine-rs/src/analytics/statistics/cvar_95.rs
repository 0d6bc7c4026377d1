//! Historical conditional value at risk (expected shortfall).

use super::var_95::Var95;
use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::finite;

/// Mean of the daily returns (after the first day) that are ≤ `var_95`,
/// summed in day order. Since VaR interpolates between the two lowest order
/// statistics it is at least the smallest return, so the set is never empty.
///
/// `None` with no returns.
#[derive(Debug)]
pub struct Cvar95;

impl Metric for Cvar95 {
    const NAME: &'static str = "cvar_95";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        Cvar95::beyond(input, Var95::compute(input))
    }
}

impl Cvar95 {
    /// The CVaR given the run's [`Var95`] (worked out once for both).
    pub fn beyond(input: &MetricInput<'_>, var: Option<f64>) -> Option<f64> {
        let var = var?;
        let (total, count) =
            input.return_sample().iter().filter(|&&r| r <= var).fold((0.0, 0usize), |(s, c), &r| (s + r, c + 1));
        if count == 0 {
            return None;
        }
        finite(total / count as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn cvar_95_cases() {
        let cases: [(&[f64], Option<f64>); 6] = [
            // VaR −0.044: only −0.05 ≤ it → −0.05
            (&[0.0, 0.03, -0.02, 0.01, -0.05, 0.0], Some(-0.05)),
            // VaR −0.08: only −0.1 → −0.1
            (&[0.0, 0.1, -0.1, 2.0 / 9.0], Some(-0.1)),
            // 21 returns −0.10..0.10, VaR = −0.09 exactly: {−0.10, −0.09} → −0.095
            (
                &[
                    0.0, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01, 0.0, -0.01, -0.02, -0.03, -0.04,
                    -0.05, -0.06, -0.07, -0.08, -0.09, -0.10,
                ],
                Some(-0.095),
            ),
            // ties at the quantile are all included: sorted [−0.02, −0.02, −0.02, 0.05],
            // h = 0.15 → VaR = −0.02; three at −0.02 → −0.02
            (&[0.0, -0.02, 0.05, -0.02, -0.02], Some(-0.02)),
            (&[0.0, 0.0, 0.0], Some(0.0)), // flat: every day is at VaR 0
            (&[0.0], None),
        ];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_opt_close(Cvar95::compute(&input), expected);
        }
    }
}
