//! The serializable outcome of an overfitting analysis. Every float in it is
//! finite (the analysis refuses input that would make one NaN or infinite),
//! so the JSON never carries `null` in place of a number.

use serde::{Deserialize, Serialize};

use super::degradation::Degradation;
use super::dominance::Dominance;
use super::dsr::DeflatedSharpe;
use super::metric::Metric;

/// Result of CSCV on one performance matrix. Per-combination vectors are in
/// combination order: lexicographic in the in-sample block indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CscvResult {
    /// Metric used to rank configurations in and out of sample.
    pub metric: Metric,
    /// Number of blocks S.
    pub partitions: usize,
    /// Number of configurations N.
    pub n_columns: usize,
    /// Number of rows T in the input, before dropping.
    pub n_rows: usize,
    /// Oldest rows left out (T mod S) so every block has `block_rows` rows;
    /// they are excluded from every statistic here, the DSR included.
    pub rows_dropped: usize,
    /// Rows per block, ⌊T/S⌋.
    pub block_rows: usize,
    /// C(S, S/2).
    pub n_combinations: usize,
    /// Probability of backtest overfitting: share of combinations with λ ≤ 0.
    pub pbo: f64,
    /// Share of combinations whose selected configuration lost out of sample
    /// (R̄\[n*\] < 0; exactly 0 is not a loss).
    pub prob_loss: f64,
    /// OLS of R̄\[n*\] on R\[n*\] across combinations.
    pub degradation: Degradation,
    /// Selected vs pooled out-of-sample distributions.
    pub dominance: Dominance,
    /// Deflated Sharpe Ratio of the full-sample best configuration.
    pub dsr: DeflatedSharpe,
    /// λ = ln(ω/(1 − ω)) per combination.
    pub logits: Vec<f64>,
    /// In-sample metric of the selected configuration, R\[n*\], per combination.
    pub is_selected: Vec<f64>,
    /// Out-of-sample metric of the selected configuration, R̄\[n*\], per combination.
    pub oos_selected: Vec<f64>,
    /// n* per combination, as an index into the matrix's columns.
    pub selected_columns: Vec<usize>,
}
