//! Multiple-testing tests across a sweep's points (docs/spa.md): does any point beat the
//! benchmark once the search over all of them is accounted for?
//!
//! - **Hansen's SPA** (2005): lower, consistent and upper p-values;
//! - **White's reality check** (2000): the upper p-value (no re-centring below the mean);
//! - **Romano–Wolf stepdown** (2005): the set of points found better than the benchmark at a level.
//!
//! Every test shares one stationary bootstrap of the days ([`crate::rng::stationary_bootstrap`],
//! the same indices for every column), seeded. The definitions follow the `arch` Python package
//! (docs/spa-reference.md), against whose values the fixtures in tests/fixtures/spa are checked:
//! the statistic is the largest mean excess return, not studentized; each column's long-run
//! variance (for the consistent threshold) is the stationary bootstrap's kernel estimate.

use rayon::prelude::*;
use serde::Serialize;

use crate::analytics::quantile_type7;
use crate::cscv::Matrix;
use crate::rng::{SplitMix64, stationary_bootstrap};

/// Most bootstrap resamples.
pub const MAX_BOOTSTRAP: u32 = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `None`: the benchmark returns 0 every day; else the column of that name (not a model).
    pub benchmark: Option<String>,
    pub bootstrap: u32,
    /// Mean block length of the stationary bootstrap, in rows; `None`: ⌊√T⌋.
    pub block: Option<f64>,
    pub seed: u64,
    /// Levels of the stepdown.
    pub levels: Vec<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options { benchmark: None, bootstrap: 1000, block: None, seed: 1, levels: vec![0.05, 0.10] }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spa {
    pub lower: f64,
    pub consistent: f64,
    pub upper: f64,
}

/// The stepdown at one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stepdown {
    pub level: f64,
    /// The columns found better than the benchmark, in column order.
    pub better: Vec<String>,
    /// The critical value of each step (the last found nothing, or nothing was left).
    pub critical_values: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `zero` or the benchmark column's name.
    pub benchmark: String,
    pub models: usize,
    pub days: usize,
    pub bootstrap: u32,
    pub block: f64,
    pub seed: u64,
    /// The largest mean excess return over the benchmark, and its column.
    pub statistic: f64,
    pub best: String,
    pub spa: Spa,
    pub reality_check: f64,
    pub stepdown: Vec<Stepdown>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("bootstrap: at least 1 resample and at most {MAX_BOOTSTRAP}, got {0}")]
    Bootstrap(u32),
    #[error("block: a mean block length of at least 1 and at most the {days} rows, got {block}")]
    Block { block: String, days: usize },
    #[error("matrix: at least 3 rows are needed (the consistent threshold uses ln ln T), got {0}")]
    Rows(usize),
    #[error("benchmark: no column named {name} (the matrix has {columns})")]
    Benchmark { name: String, columns: String },
    #[error("matrix: no column to test besides the benchmark")]
    NoModels,
    #[error("level: each stepdown level in (0, 1), got {0}")]
    Level(String),
}

/// Runs the SPA, the reality check and the stepdown on the columns of `matrix` (daily returns,
/// higher is better) against the benchmark.
pub fn test(matrix: &Matrix, options: &Options) -> Result<Report, Refused> {
    let t = matrix.rows;
    if options.bootstrap == 0 || options.bootstrap > MAX_BOOTSTRAP {
        return Err(Refused::Bootstrap(options.bootstrap));
    }
    if t < 3 {
        return Err(Refused::Rows(t));
    }
    let block = options.block.unwrap_or_else(|| (t as f64).sqrt().floor());
    if !(block.is_finite() && block >= 1.0 && block <= t as f64) {
        return Err(Refused::Block { block: block.to_string(), days: t });
    }
    if let Some(bad) = options.levels.iter().find(|l| !(l.is_finite() && **l > 0.0 && **l < 1.0)) {
        return Err(Refused::Level(bad.to_string()));
    }
    let column = |c: usize| &matrix.data[c * t..(c + 1) * t];
    let bench: Option<usize> = match &options.benchmark {
        None => None,
        Some(name) => Some(
            matrix
                .columns
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| Refused::Benchmark { name: name.clone(), columns: matrix.columns.join(", ") })?,
        ),
    };
    let models: Vec<usize> = (0..matrix.columns.len()).filter(|&c| Some(c) != bench).collect();
    if models.is_empty() {
        return Err(Refused::NoModels);
    }
    // Excess returns over the benchmark, one column per model.
    let d: Vec<Vec<f64>> = models
        .iter()
        .map(|&c| match bench {
            None => column(c).to_vec(),
            Some(b) => column(c).iter().zip(column(b)).map(|(x, y)| x - y).collect(),
        })
        .collect();
    let means: Vec<f64> = d.iter().map(|x| mean(x)).collect();
    let q = 1.0 / block;
    let variances: Vec<f64> = d.par_iter().zip(&means).map(|(x, &m)| long_run_variance(x, m, q)).collect();
    // Hansen's threshold: a column below −√(ω²/T · 2 ln ln T) is not re-centred (consistent).
    let factor = 2.0 * (t as f64).ln().ln();
    let consistent: Vec<f64> = means
        .iter()
        .zip(&variances)
        .map(|(&m, &w)| if m >= -((w / t as f64) * factor).sqrt() { m } else { 0.0 })
        .collect();
    let lower: Vec<f64> = means.iter().map(|&m| m.max(0.0)).collect();
    // Bootstrap means: resample b, model k at [b * n + k].
    let n = models.len();
    let boot: Vec<f64> = (0..options.bootstrap)
        .into_par_iter()
        .flat_map_iter(|b| {
            let idx = stationary_bootstrap(&mut SplitMix64::stream(options.seed, u64::from(b)), t, block);
            d.iter().map(move |x| idx.iter().map(|&i| x[i]).sum::<f64>() / t as f64).collect::<Vec<f64>>()
        })
        .collect();
    let (best_k, statistic) =
        means.iter().copied().enumerate().fold((0, f64::NEG_INFINITY), |a, (k, m)| if m > a.1 { (k, m) } else { a });
    let replicate_max = |b: usize, centre: &[f64], keep: &dyn Fn(usize) -> bool| {
        (0..n).filter(|&k| keep(k)).map(|k| boot[b * n + k] - centre[k]).fold(f64::NEG_INFINITY, f64::max)
    };
    let all = |_: usize| true;
    let p_value = |centre: &[f64]| {
        let above = (0..options.bootstrap as usize).filter(|&b| replicate_max(b, centre, &all) > statistic).count();
        above as f64 / f64::from(options.bootstrap)
    };
    let spa = Spa { lower: p_value(&lower), consistent: p_value(&consistent), upper: p_value(&means) };
    let stepdown = options
        .levels
        .iter()
        .map(|&level| {
            let mut remaining: Vec<bool> = vec![true; n];
            let mut better: Vec<bool> = vec![false; n];
            let mut critical_values = Vec::new();
            while remaining.iter().any(|&r| r) {
                let keep = |k: usize| remaining[k];
                let maxima: Vec<f64> =
                    (0..options.bootstrap as usize).map(|b| replicate_max(b, &consistent, &keep)).collect();
                let c = quantile_type7(&maxima, 1.0 - level).unwrap_or(f64::INFINITY);
                critical_values.push(c);
                let found: Vec<usize> = (0..n).filter(|&k| remaining[k] && means[k] > c).collect();
                if found.is_empty() {
                    break;
                }
                for k in found {
                    remaining[k] = false;
                    better[k] = true;
                }
            }
            Stepdown {
                level,
                better: (0..n).filter(|&k| better[k]).map(|k| matrix.columns[models[k]].clone()).collect(),
                critical_values,
            }
        })
        .collect();
    Ok(Report {
        benchmark: options.benchmark.clone().unwrap_or_else(|| "zero".into()),
        models: n,
        days: t,
        bootstrap: options.bootstrap,
        block,
        seed: options.seed,
        statistic,
        best: matrix.columns[models[best_k]].clone(),
        spa,
        reality_check: spa.upper,
        stepdown,
    })
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// The stationary bootstrap's long-run variance of a column: γ₀ + 2 Σ κᵢ γᵢ, γᵢ the lag-i
/// autocovariance (divided by T), κᵢ = (1 − i/T)(1 − q)^i + (i/T)(1 − q)^(T−i). Lags whose weight
/// is below 1e-18 add nothing a double can hold and are skipped.
fn long_run_variance(x: &[f64], m: f64, q: f64) -> f64 {
    let t = x.len();
    let tf = t as f64;
    let c: Vec<f64> = x.iter().map(|v| v - m).collect();
    let gamma = |i: usize| c[i..].iter().zip(&c[..t - i]).map(|(a, b)| a * b).sum::<f64>() / tf;
    let mut w = gamma(0);
    for i in 1..t {
        let kappa = (1.0 - i as f64 / tf) * (1.0 - q).powi(i as i32) + (i as f64 / tf) * (1.0 - q).powi((t - i) as i32);
        if kappa.abs() < 1e-18 {
            continue;
        }
        w += 2.0 * kappa * gamma(i);
    }
    w
}

#[cfg(test)]
mod tests;
