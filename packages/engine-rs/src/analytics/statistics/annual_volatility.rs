//! Annualized volatility of daily returns.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;
use crate::analytics::stats::{TRADING_DAYS_PER_YEAR, finite, sample_sd};

/// Sample standard deviation (n − 1) of the daily returns × √252, over the
/// returns after the first day (see [`MetricInput::return_sample`]).
///
/// `None` below two returns (a sample deviation needs two); 0 for a constant
/// series.
#[derive(Debug)]
pub struct AnnualVolatility;

impl Metric for AnnualVolatility {
    const NAME: &'static str = "annual_volatility";
    type Output = Option<f64>;

    fn compute(input: &MetricInput<'_>) -> Option<f64> {
        finite(sample_sd(input.return_sample())? * TRADING_DAYS_PER_YEAR.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_opt_close;

    #[test]
    fn annual_volatility_cases() {
        let cases: [(&[f64], Option<f64>); 5] = [
            // r = [0.1, −0.1, 2/9], mean 2/27; d·27 = [0.7, −4.7, 4];
            // Σd² = 38.58/729, s² = 19.29/729, s = √19.29/27; × √252 ≈ 2.58227576919
            (&[0.0, 0.1, -0.1, 2.0 / 9.0], Some(19.29f64.sqrt() / 27.0 * 252f64.sqrt())),
            // r = [0.01, −0.01]: mean 0, s² = 0.0002/1, s = √0.0002; × √252 = √0.0504
            (&[0.0, 0.01, -0.01], Some(0.0504f64.sqrt())),
            (&[0.0, 0.02, 0.02, 0.02], Some(0.0)),
            (&[0.0, 0.05], None),
            (&[0.0], None),
        ];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_opt_close(AnnualVolatility::compute(&input), expected);
        }
    }
}
