//! Backtest-overfitting analysis: Combinatorially Symmetric Cross-Validation
//! (CSCV) and the Probability of Backtest Overfitting (PBO) of Bailey,
//! Borwein, López de Prado and Zhu, plus performance degradation, probability
//! of loss, a stochastic-dominance check and the Deflated Sharpe Ratio.
//!
//! Input is a T×N matrix M: rows are periods, OLDEST FIRST (e.g. daily
//! returns); columns are strategy configurations.
//!
//! # Procedure and conventions
//!
//! * **Blocks.** The rows are cut into S contiguous blocks of ⌊T/S⌋ rows (S
//!   even, 2 ≤ S ≤ T). When S does not divide T, the first T mod S rows (the
//!   oldest) are DROPPED, reported as `rows_dropped`, and excluded from every
//!   statistic including the DSR.
//! * **Combinations.** Every set J of S/2 blocks is an in-sample set, its
//!   complement J̄ the out-of-sample set: C(S, S/2) combinations, enumerated in
//!   lexicographic order of block indices ({0,1}, {0,2}, {0,3}, {1,2}, … for
//!   S = 4). All per-combination outputs use this order.
//! * **Scoring.** R = metric of each column on the rows of J (in time order),
//!   R̄ the same on J̄. n* = argmax R, the FIRST column on ties.
//! * **Rank and logit.** ω = rank of R̄\[n*\] within R̄ / (N + 1), rank 1-based
//!   ascending with tied values sharing their AVERAGE rank (exact float
//!   equality). λ = ln(ω/(1 − ω)); PBO = share of combinations with λ ≤ 0, so
//!   a selection landing exactly on the median counts as overfit.
//! * **Metrics.** `sharpe` (default): per-period mean / sample sd, NOT
//!   annualized, no risk-free rate; a zero sd (or a single row) gives Sharpe 0
//!   whatever the mean. `mean`. `total_return`: ∏(1 + r) − 1.
//! * **Degradation.** OLS of R̄\[n*\] on R\[n*\] across combinations; slope 0 and
//!   R² = 0 when the R\[n*\] are all equal, R² = 0 when the R̄\[n*\] are all equal.
//! * **Probability of loss.** Share of combinations with R̄\[n*\] < 0 (strict).
//! * **Dominance.** Empirical CDF of the R̄\[n*\] against that of all R̄ values
//!   pooled over columns and combinations; first order iff F_selected ≤ F_pooled
//!   everywhere, second order via integrated CDFs; see [`dominance`].
//! * **DSR.** Of the column with the highest full-sample Sharpe; see [`dsr`].
//!
//! # Computation
//!
//! Each column's blocks are summarized once (count, mean, centred sum of
//! squares, growth factor), so a combination merges S block summaries per
//! column instead of rescanning rows: O(C·N·S) overall, not O(C·N·T).
//! Since complementing reverses lexicographic order, J̄ of combination k is J
//! of combination C − 1 − k: rows k and C − 1 − k are scored together, each
//! the other's R̄, and every row of scores is also the pooled out-of-sample
//! values. No C×N table is kept: the dominance test scores the rows again in
//! fixed chunks and never sorts the pool (see [`dominance`]), so memory grows
//! with C + N·S, not C·N.
//! Only R̄\[n*\] is ranked, so ranking is one counting pass per combination.
//! Combinations run in parallel on rayon's pool and are collected in
//! combination order; each is computed by one thread in a fixed sequence of
//! operations, so results are bit-identical whatever the thread count.

mod analysis;
mod arrow_input;
mod bench;
mod combinations;
mod degradation;
pub mod dominance;
pub mod dsr;
mod error;
mod matrix;
mod metric;
mod normal;
mod rank;
mod result;

#[cfg(test)]
mod tests;

pub use analysis::{CscvOptions, analyze};
pub use arrow_input::{matrix_from_arrow, read_matrix};
pub use bench::{XorShift64, bench_random, random_matrix};
pub use combinations::{Combinations, Split, binomial, splits};
pub use degradation::{Degradation, ols};
pub use dominance::Dominance;
pub use dsr::DeflatedSharpe;
pub use error::CscvError;
pub use matrix::Matrix;
pub use metric::{BlockStats, Metric};
pub use normal::{norm_cdf, norm_ppf};
pub use result::CscvResult;
