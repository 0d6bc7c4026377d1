//! Performance degradation: how the selected configuration's out-of-sample
//! performance moves with its in-sample performance across combinations.
//! A negative slope is the signature of overfitting (the better it looked
//! in-sample, the worse it did out-of-sample).

use serde::{Deserialize, Serialize};

/// Ordinary least squares fit y = intercept + slope·x.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Degradation {
    pub slope: f64,
    pub intercept: f64,
    /// Coefficient of determination. Defined as 0 when x or y has no spread:
    /// with equal x the slope is not identified (reported as 0, intercept =
    /// mean of y), and with equal y there is no variance to explain.
    pub r2: f64,
}

/// OLS of `y` on `x` over their common length, using centred sums (two
/// passes) so nearby values do not cancel. Empty input gives all zeros.
pub fn ols(x: &[f64], y: &[f64]) -> Degradation {
    let n = x.len().min(y.len());
    if n == 0 {
        return Degradation { slope: 0.0, intercept: 0.0, r2: 0.0 };
    }
    let (x, y) = (&x[..n], &y[..n]);
    let mean_x = x.iter().sum::<f64>() / n as f64;
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (&xi, &yi) in x.iter().zip(y) {
        let (dx, dy) = (xi - mean_x, yi - mean_y);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if sxx == 0.0 {
        return Degradation { slope: 0.0, intercept: mean_y, r2: 0.0 };
    }
    let slope = sxy / sxx;
    let r2 = if syy == 0.0 { 0.0 } else { sxy * sxy / (sxx * syy) };
    Degradation { slope, intercept: mean_y - slope * mean_x, r2 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-14 * (1.0 + b.abs())
    }

    #[test]
    fn ols_by_hand() {
        // x = 1..4, y = 2, 4, 5, 4: x̄ = 2.5, ȳ = 3.75.
        // dx = −1.5, −0.5, 0.5, 1.5; dy = −1.75, 0.25, 1.25, 0.25.
        // Sxx = 5, Sxy = 2.625 − 0.125 + 0.625 + 0.375 = 3.5,
        // Syy = 3.0625 + 0.0625 + 1.5625 + 0.0625 = 4.75.
        // slope = 3.5/5 = 0.7, intercept = 3.75 − 0.7·2.5 = 2,
        // R² = 3.5²/(5·4.75) = 12.25/23.75 = 49/95.
        let d = ols(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 5.0, 4.0]);
        assert!(close(d.slope, 0.7));
        assert!(close(d.intercept, 2.0));
        assert!(close(d.r2, 49.0 / 95.0));
    }

    #[test]
    fn degenerate_spreads() {
        // Equal x: slope 0, intercept ȳ = 2, R² 0 by convention.
        assert_eq!(ols(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), Degradation { slope: 0.0, intercept: 2.0, r2: 0.0 });
        // Equal y: the line is flat and R² is 0 by convention.
        assert_eq!(ols(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), Degradation { slope: 0.0, intercept: 4.0, r2: 0.0 });
        assert_eq!(ols(&[], &[]), Degradation { slope: 0.0, intercept: 0.0, r2: 0.0 });
    }

    #[test]
    fn perfect_negative_line() {
        // y = 10 − 2x exactly: R² = 1.
        let d = ols(&[0.0, 1.0, 2.0, 3.0], &[10.0, 8.0, 6.0, 4.0]);
        assert_eq!((d.slope, d.intercept, d.r2), (-2.0, 10.0, 1.0));
    }
}
