//! A run against its benchmark bought and held over the same days (summary.json `benchmark`):
//! the benchmark's total return and CAGR, and the beta and correlation of the run's daily returns
//! on the benchmark's. Sums in index order, like every metric.

use super::stats::{finite, mean};
use super::{Metric, MetricInput, statistics::Cagr};

/// What the benchmark did and how the run moved with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub total_return: f64,
    pub cagr: Option<f64>,
    pub beta: Option<f64>,
    pub correlation: Option<f64>,
}

/// Compares the run's daily `returns` (the first a placeholder 0) with the benchmark's closes on
/// the same days (`None` while it has none yet). `None` when the benchmark has no close on the
/// first day or is not positive there. Returns pair up on days when the benchmark has a close on
/// that day and the day before.
pub fn compare(capital: f64, returns: &[f64], closes: &[Option<f64>]) -> Option<Comparison> {
    let first = closes.first().copied().flatten().filter(|c| c.is_finite() && *c > 0.0)?;
    let last = closes.iter().rev().find_map(|c| *c).unwrap_or(first);
    // Buy and hold from the capital, carried over days without a close.
    let mut held = first;
    let equity: Vec<f64> = closes
        .iter()
        .map(|c| {
            held = c.unwrap_or(held);
            capital * held / first
        })
        .collect();
    let input = MetricInput {
        capital,
        equity: &equity,
        returns: &vec![0.0; equity.len()],
        drawdown: &vec![0.0; equity.len()],
        in_market: &vec![true; equity.len()],
        trades: &[],
    };
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for k in 1..closes.len().min(returns.len()) {
        if let (Some(a), Some(b)) = (closes[k - 1], closes[k])
            && a > 0.0
        {
            xs.push(b / a - 1.0);
            ys.push(returns[k]);
        }
    }
    let (beta, correlation) = regress(&xs, &ys);
    Some(Comparison { total_return: last / first - 1.0, cagr: Cagr::compute(&input), beta, correlation })
}

/// The slope of `ys` on `xs` and their correlation; `None` with fewer than two pairs or no
/// variance.
fn regress(xs: &[f64], ys: &[f64]) -> (Option<f64>, Option<f64>) {
    let (Some(mx), Some(my)) = (mean(xs), mean(ys)) else { return (None, None) };
    if xs.len() < 2 {
        return (None, None);
    }
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    let beta = if sxx > 0.0 { finite(sxy / sxx) } else { None };
    let correlation = if sxx > 0.0 && syy > 0.0 { finite(sxy / (sxx * syy).sqrt()) } else { None };
    (beta, correlation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_is_twice_the_benchmark_has_beta_two_and_correlation_one() {
        // Benchmark 100 → 110 → 99 → 108.9: returns +10%, −10%, +10%.
        let closes = [Some(100.0), Some(110.0), Some(99.0), Some(108.9)];
        let returns = [0.0, 0.2, -0.2, 0.2];
        let c = compare(1000.0, &returns, &closes).unwrap();
        assert!((c.total_return - 0.089).abs() < 1e-12);
        assert!((c.beta.unwrap() - 2.0).abs() < 1e-12);
        assert!((c.correlation.unwrap() - 1.0).abs() < 1e-12);
        // 1.089^(252/4) − 1
        assert!((c.cagr.unwrap() - (1.089f64.powf(63.0) - 1.0)).abs() < 1e-6);
    }

    #[test]
    fn an_opposite_run_has_negative_beta_and_a_flat_run_none() {
        let closes = [Some(100.0), Some(110.0), Some(99.0)];
        let c = compare(1.0, &[0.0, -0.05, 0.05], &closes).unwrap();
        // x = (0.1, −0.1), y = (−0.05, 0.05): slope −0.5, correlation −1.
        assert!((c.beta.unwrap() + 0.5).abs() < 1e-12);
        assert!((c.correlation.unwrap() + 1.0).abs() < 1e-12);
        let flat = compare(1.0, &[0.0, 0.0, 0.0], &closes).unwrap();
        assert_eq!(flat.beta, Some(0.0));
        assert_eq!(flat.correlation, None);
    }

    #[test]
    fn days_without_a_close_are_carried_and_left_out_of_the_returns() {
        // Day 2 has no close: only the pair (day 0, day 1) is a return; equity carries 110.
        let closes = [Some(100.0), Some(110.0), None, Some(121.0)];
        let c = compare(1.0, &[0.0, 0.1, 0.3, 0.5], &closes).unwrap();
        assert!((c.total_return - 0.21).abs() < 1e-12);
        assert_eq!(c.beta, None, "one pair is too few");
        assert!(compare(1.0, &[0.0, 0.0], &[None, Some(1.0)]).is_none(), "no close on the first day");
        assert!(compare(1.0, &[0.0], &[Some(0.0)]).is_none(), "not positive on the first day");
    }
}
