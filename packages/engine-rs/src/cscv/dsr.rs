//! Deflated Sharpe Ratio (Bailey & López de Prado, 2014): the probability
//! that the best configuration's Sharpe ratio beats the maximum Sharpe that N
//! skill-less trials would be expected to produce, allowing for the sample
//! length and the non-normality of the best configuration's returns.
//!
//! With SR_i the per-period Sharpe of trial i (sample sd, as in
//! [`Metric::Sharpe`](super::Metric::Sharpe)), SR* = max SR_i, σ_SR the
//! sample standard deviation of the SR_i, γ Euler–Mascheroni's constant and
//! γ3, γ4 the skewness and (non-excess) kurtosis of the best column:
//!
//! ```text
//! E[max] = σ_SR·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))
//! DSR    = Φ((SR* − E[max])·√(T − 1) / √(1 − γ3·SR* + (γ4 − 1)/4·SR*²))
//! ```

use serde::{Deserialize, Serialize};

use super::normal::{norm_cdf, norm_ppf};

/// Euler–Mascheroni constant γ.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// The Deflated Sharpe Ratio of the best configuration and its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeflatedSharpe {
    /// Name of the column with the highest full-sample Sharpe (first on ties).
    pub best_column: String,
    /// Its per-period (not annualized) Sharpe SR*.
    pub sharpe: f64,
    /// Expected maximum Sharpe of `trials` skill-less trials.
    pub expected_max_sharpe: f64,
    /// Sample standard deviation of the trials' Sharpe ratios.
    pub sharpe_sd: f64,
    /// Skewness γ3 of the best column's returns (population moments).
    pub skewness: f64,
    /// Non-excess kurtosis γ4 of the best column's returns (normal = 3).
    pub kurtosis: f64,
    /// Number of periods T the Sharpe ratios were measured on.
    pub observations: usize,
    /// Number of trials N (columns).
    pub trials: usize,
    /// The Deflated Sharpe Ratio, a probability in [0, 1].
    pub dsr: f64,
}

/// E\[max\] of `trials` Sharpe ratios with zero mean and standard deviation
/// `sharpe_sd`. A single trial involves no selection, so it returns 0.
pub fn expected_max_sharpe(sharpe_sd: f64, trials: usize) -> f64 {
    if trials < 2 {
        return 0.0;
    }
    let n = trials as f64;
    let z_plain = norm_ppf(1.0 - 1.0 / n);
    let z_scaled = norm_ppf(1.0 - 1.0 / (n * std::f64::consts::E));
    sharpe_sd * ((1.0 - EULER_GAMMA) * z_plain + EULER_GAMMA * z_scaled)
}

/// DSR = Φ(z) for the given inputs (see the module doc).
///
/// The variance term 1 − γ3·SR + (γ4 − 1)/4·SR² is ≥ (1 − γ3·SR/2)² ≥ 0 for
/// any real sample (γ4 ≥ γ3² + 1); where it is 0 the statistic is ±∞, so the
/// result is 1, 0, or ½ by the sign of SR* − E\[max\].
pub fn deflated_sharpe_ratio(sharpe: f64, expected_max: f64, observations: usize, skewness: f64, kurtosis: f64) -> f64 {
    let numerator = (sharpe - expected_max) * (observations.saturating_sub(1) as f64).sqrt();
    let variance = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe;
    if variance > 0.0 && variance.is_finite() {
        norm_cdf(numerator / variance.sqrt())
    } else if numerator > 0.0 {
        1.0
    } else if numerator < 0.0 {
        0.0
    } else {
        0.5
    }
}

/// Sample standard deviation (n − 1); 0 for fewer than two values.
pub fn sample_sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (ss / (n - 1.0)).sqrt()
}

/// Skewness m3/m2^1.5 and kurtosis m4/m2² from population central moments
/// (m_k = Σ(x − x̄)^k / T). A series without spread returns the normal
/// values (0, 3); its Sharpe is 0, which makes them immaterial.
pub fn skewness_kurtosis(returns: &[f64]) -> (f64, f64) {
    if returns.is_empty() {
        return (0.0, 3.0);
    }
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &x in returns {
        let d = x - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    if m2 == 0.0 {
        return (0.0, 3.0);
    }
    (m3 / m2.powf(1.5), m4 / (m2 * m2))
}

/// DSR of the best of the trials: `sharpes[i]` is column i's full-sample
/// per-period Sharpe and `best_returns` the returns of `best_column`, which
/// must be the (first) argmax of `sharpes`.
pub fn deflated_sharpe(sharpes: &[f64], best_column: &str, best_returns: &[f64]) -> DeflatedSharpe {
    let sharpe = sharpes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sharpe = if sharpe.is_finite() { sharpe } else { 0.0 };
    let sharpe_sd = sample_sd(sharpes);
    let trials = sharpes.len();
    let expected_max = expected_max_sharpe(sharpe_sd, trials);
    let (skewness, kurtosis) = skewness_kurtosis(best_returns);
    let observations = best_returns.len();
    DeflatedSharpe {
        best_column: best_column.to_string(),
        sharpe,
        expected_max_sharpe: expected_max,
        sharpe_sd,
        skewness,
        kurtosis,
        observations,
        trials,
        dsr: deflated_sharpe_ratio(sharpe, expected_max, observations, skewness, kurtosis),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn dsr_by_hand() {
        // N = 10 trials, σ_SR = 0.1, SR* = 0.2, T = 253, γ3 = −0.5, γ4 = 5.
        // Φ⁻¹(1 − 1/10) = Φ⁻¹(0.9) = 1.2815515655446005
        // 1/(10e) = 0.036787944117144233 → Φ⁻¹(0.9632120558828558) = 1.7892417645816283
        // E[max] = 0.1·((1 − 0.5772156649015329)·1.2815515655446005
        //              + 0.5772156649015329·1.7892417645816283)
        //        = 0.1·(0.5418270718… + 1.0327712294…) = 0.15745983013457500
        // variance term = 1 − (−0.5)(0.2) + (5 − 1)/4·0.04 = 1.14, √ = 1.0677078252031311
        // z = (0.2 − 0.157459830134575)·√252 / 1.0677078252031311
        //   = 0.042540169865425·15.874507866387544 / 1.0677078252031311 = 0.6324803895088762
        // DSR = Φ(0.6324803895088762) = 0.7364634906089010
        // (each step also checked in 40-digit arithmetic).
        let expected_max = expected_max_sharpe(0.1, 10);
        assert!(close(expected_max, 0.157_459_830_134_575, 1e-14));
        let dsr = deflated_sharpe_ratio(0.2, expected_max, 253, -0.5, 5.0);
        assert!(close(dsr, 0.736_463_490_608_901, 1e-13), "dsr = {dsr}");
    }

    #[test]
    fn moments_by_hand() {
        // 1, 2, 3, 10: mean 4, deviations −3, −2, −1, 6.
        // m2 = (9 + 4 + 1 + 36)/4 = 12.5, m3 = (−27 − 8 − 1 + 216)/4 = 45,
        // m4 = (81 + 16 + 1 + 1296)/4 = 348.5.
        // skew = 45/12.5^1.5 = 1.0182337649086284, kurt = 348.5/156.25 = 2.2304.
        let (s, k) = skewness_kurtosis(&[1.0, 2.0, 3.0, 10.0]);
        assert!(close(s, 45.0 / 12.5f64.powf(1.5), 1e-15));
        assert!(close(s, 1.018_233_764_908_628_4, 1e-14));
        assert!(close(k, 2.2304, 1e-15));
        assert_eq!(skewness_kurtosis(&[0.5, 0.5]), (0.0, 3.0));
    }

    #[test]
    fn sample_sd_by_hand() {
        // 0.1, 0.2, 0.3, 0.6: mean 0.3, squared deviations 0.04, 0.01, 0, 0.09,
        // sum 0.14, /3 → sd = √0.046666… = 0.21602468994692867.
        assert!(close(sample_sd(&[0.1, 0.2, 0.3, 0.6]), 0.216_024_689_946_928_67, 1e-14));
        assert_eq!(sample_sd(&[1.0]), 0.0);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert_eq!(expected_max_sharpe(0.3, 1), 0.0);
        assert_eq!(expected_max_sharpe(0.0, 50), 0.0);
        // Zero variance term: the sign of SR* − E[max] decides.
        assert_eq!(deflated_sharpe_ratio(2.0, 0.0, 10, 1.0, 0.0), 1.0);
        // Two trials: Φ⁻¹(1 − 1/2) = 0, so E[max] = σ·γ·Φ⁻¹(1 − 1/(2e)).
        let e2 = expected_max_sharpe(1.0, 2);
        assert!(close(e2, EULER_GAMMA * norm_ppf(1.0 - 1.0 / (2.0 * std::f64::consts::E)), 1e-15));
    }

    #[test]
    fn assembles_from_trials() {
        let d = deflated_sharpe(&[0.1, 0.3, -0.2], "b", &[0.01, 0.02, 0.03, -0.01]);
        assert_eq!(d.best_column, "b");
        assert_eq!((d.sharpe, d.trials, d.observations), (0.3, 3, 4));
        assert!(close(d.sharpe_sd, sample_sd(&[0.1, 0.3, -0.2]), 0.0));
        assert!((0.0..=1.0).contains(&d.dsr));
    }
}
