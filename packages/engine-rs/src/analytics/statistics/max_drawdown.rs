//! Deepest drawdown.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;

/// The most negative value of the `drawdown` column (≤ 0; 0 when equity never
/// fell below a prior peak). Read from the column rather than recomputed so
/// the summary and `equity.arrow` cannot disagree.
///
/// `None` when the column is empty.
#[derive(Debug)]
pub struct MaxDrawdown;

impl Metric for MaxDrawdown {
    const NAME: &'static str = "max_drawdown";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        if input.drawdown.is_empty() {
            return None;
        }
        // Folding from 0 keeps the result ≤ 0 and skips NaN (f64::min).
        Some(input.drawdown.iter().fold(0.0, |acc: f64, &d| acc.min(d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn max_drawdown_cases() {
        let cases: [(&[f64], Option<f64>); 5] = [
            (&[0.0, 0.0, -0.1, 0.0], Some(-0.1)),
            (&[0.0, -0.05, -0.25, -0.2], Some(-0.25)),
            (&[0.0, 0.0, 0.0], Some(0.0)),
            (&[0.0], Some(0.0)),
            (&[], None),
        ];
        for (drawdown, expected) in cases {
            let input = MetricInput { drawdown, ..Default::default() };
            assert_opt_close(MaxDrawdown::compute(&input), expected);
        }
    }
}
