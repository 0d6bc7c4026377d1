//! The CSCV driver: validates the request, scores every combination in
//! parallel from per-block statistics, and assembles the summary statistics.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::combinations::{Split, binomial, splits};
use super::degradation::ols;
use super::dominance::{Pool, dominance};
use super::dsr::{DeflatedSharpe, deflated_sharpe};
use super::error::CscvError;
use super::matrix::Matrix;
use super::metric::{BlockMajor, BlockStats, EqualBlockFold, Metric, PrefixFold};
use super::rank::{argmax_first, average_rank, rank_logit};
use super::result::CscvResult;

/// How to run the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CscvOptions {
    /// Number of blocks S (even, 2 ≤ S ≤ T).
    pub partitions: usize,
    pub metric: Metric,
    /// Refuse S with more than this many combinations. Time grows as
    /// C(S, S/2)·N·S (memory only as C(S, S/2) + N·S: no table of scores is
    /// kept); the default admits S ≤ 20 (184,756 combinations).
    pub max_combinations: usize,
}

impl Default for CscvOptions {
    fn default() -> Self {
        CscvOptions { partitions: 16, metric: Metric::Sharpe, max_combinations: 200_000 }
    }
}

/// What one combination contributes to the summary.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    selected: usize,
    in_sample: f64,
    out_of_sample: f64,
    logit: f64,
}

/// Runs CSCV on `matrix` (rows oldest first).
pub fn analyze(matrix: &Matrix, options: &CscvOptions) -> Result<CscvResult, CscvError> {
    matrix.validate()?;
    let s = options.partitions;
    let n_combinations = check_partitions(options, matrix.rows)?;
    let n = matrix.columns.len();
    let block_rows = matrix.rows / s;
    let rows_dropped = matrix.rows % s;
    let metric = options.metric;

    // stats[c·S + b] summarizes block b of column c.
    let analysed: Vec<&[f64]> = matrix.column_slices().map(|col| &col[rows_dropped..]).collect();
    let stats: Vec<BlockStats> =
        analysed.iter().flat_map(|col| col.chunks_exact(block_rows).map(BlockStats::from_rows)).collect();
    let fold = EqualBlockFold::new(block_rows, s);

    let blocks = BlockMajor::new(&stats, s);
    let rows = ScoredRows { blocks: &blocks, fold: &fold, splits: &splits(s), metric, columns: n };
    let outcomes = select_all(matrix, &rows)?;

    let logits: Vec<f64> = outcomes.iter().map(|o| o.logit).collect();
    let is_selected: Vec<f64> = outcomes.iter().map(|o| o.in_sample).collect();
    let oos_selected: Vec<f64> = outcomes.iter().map(|o| o.out_of_sample).collect();
    let selected_columns: Vec<usize> = outcomes.iter().map(|o| o.selected).collect();

    let c = n_combinations as f64;
    let pbo = logits.iter().filter(|&&l| l <= 0.0).count() as f64 / c;
    let prob_loss = oos_selected.iter().filter(|&&v| v < 0.0).count() as f64 / c;
    let degradation = ols(&is_selected, &oos_selected);
    // Every J̄ is some J, so the rows scored once each are exactly the pooled
    // R̄ values; they are scored again rather than kept (C·N values).
    let mut selected_sorted = oos_selected.clone();
    selected_sorted.sort_unstable_by(f64::total_cmp);
    let dominance = dominance(&selected_sorted, &rows);
    let dsr = deflated_best(matrix, &stats, &fold, s, &analysed)?;

    Ok(CscvResult {
        metric,
        partitions: s,
        n_columns: n,
        n_rows: matrix.rows,
        rows_dropped,
        block_rows,
        n_combinations,
        pbo,
        prob_loss,
        degradation,
        dominance,
        dsr,
        logits,
        is_selected,
        oos_selected,
        selected_columns,
    })
}

/// Checks S against the matrix's T rows and the combination limit, and
/// returns the number of combinations C(S, S/2).
fn check_partitions(options: &CscvOptions, rows: usize) -> Result<usize, CscvError> {
    let s = options.partitions;
    if s % 2 == 1 {
        return Err(CscvError::OddPartitions(s));
    }
    if s < 2 {
        return Err(CscvError::TooFewPartitions(s));
    }
    if s > rows {
        return Err(CscvError::PartitionsExceedRows { partitions: s, rows });
    }
    binomial(s, s / 2)
        .and_then(|c| usize::try_from(c).ok())
        .filter(|&c| c <= options.max_combinations)
        .ok_or(CscvError::TooManyCombinations { partitions: s, limit: options.max_combinations })
}

/// The metric of every column on the blocks of each J_k: row k of the C×N
/// table of scores, computed on demand.
///
/// Complementing reverses lexicographic order (the smallest block where J and
/// J' differ lies in exactly one of them, hence in the other's complement), so
/// J̄_k = J_(C−1−k): each row serves as R for one combination and as R̄ for
/// another, and every union of blocks is scored once per pass.
struct ScoredRows<'a> {
    blocks: &'a BlockMajor,
    fold: &'a EqualBlockFold,
    splits: &'a [Split],
    metric: Metric,
    columns: usize,
}

/// Rows per chunk when the rows are the dominance test's pool, at least
/// (a chunk grows so there are at most [`POOL_CHUNKS`]): fixed by C alone, so
/// the chunks (and the order their sums combine in) never depend on the threads.
const POOL_CHUNK_ROWS: usize = 256;
const POOL_CHUNKS: usize = 64;

impl<'a> ScoredRows<'a> {
    fn chunk_rows(&self) -> usize {
        POOL_CHUNK_ROWS.max(self.splits.len().div_ceil(POOL_CHUNKS))
    }

    fn scorer(&self) -> PrefixFold<'a> {
        PrefixFold::new(self.blocks, self.fold)
    }

    fn score(&self, k: usize, scorer: &mut PrefixFold, row: &mut [f64]) {
        scorer.score(&self.splits[k].in_sample, self.metric, row);
    }
}

impl Pool for ScoredRows<'_> {
    fn value_count(&self) -> usize {
        self.splits.len() * self.columns
    }

    fn chunks(&self) -> usize {
        self.splits.len().div_ceil(self.chunk_rows())
    }

    fn visit(&self, chunk: usize, each: &mut dyn FnMut(&[f64])) {
        let mut scorer = self.scorer();
        let mut row = vec![0.0; self.columns];
        let rows = self.chunk_rows();
        let first = chunk * rows;
        for k in first..(first + rows).min(self.splits.len()) {
            self.score(k, &mut scorer, &mut row);
            each(&row);
        }
    }
}

/// Every combination's selection and rank, in combination order. Rows k and
/// C − 1 − k are scored together (C is even: C(S, S/2) = 2·C(S − 1, S/2 − 1)),
/// each the other's R̄, so no table is kept. A non-finite score is reported
/// for the first such row in combination order, as a serial pass would.
fn select_all(matrix: &Matrix, rows: &ScoredRows) -> Result<Vec<Outcome>, CscvError> {
    let c = rows.splits.len();
    let n = rows.columns;
    // A fold of float compares (vectorized) first; the position only for a bad row.
    let non_finite = |row: &[f64]| {
        let all_finite = row.iter().fold(true, |ok, v| ok & (v.abs() < f64::INFINITY));
        if all_finite { None } else { row.iter().position(|v| !v.is_finite()) }
    };
    let pairs: Vec<Result<(Outcome, Outcome), (usize, usize)>> = (0..c / 2)
        .into_par_iter()
        .map_init(
            // One scorer for the rows going forwards, one for their
            // complements going backwards: each keeps its shared prefixes.
            || (rows.scorer(), rows.scorer(), vec![0.0; n], vec![0.0; n]),
            |(forwards, backwards, row, complement), k| {
                let j = c - 1 - k;
                rows.score(k, forwards, row);
                rows.score(j, backwards, complement);
                // k < j: row k's problem comes first.
                if let Some(column) = non_finite(row) {
                    return Err((k, column));
                }
                if let Some(column) = non_finite(complement) {
                    return Err((j, column));
                }
                Ok((select_and_rank(row, complement), select_and_rank(complement, row)))
            },
        )
        .collect();
    if let Some(&(k, column)) = pairs.iter().filter_map(|pair| pair.as_ref().err()).min() {
        return Err(CscvError::NonFiniteMetric {
            scope: format!("combination {k}"),
            column: matrix.columns[column].clone(),
            statistic: rows.metric.name(),
        });
    }
    // Pair k holds combinations k and C − 1 − k: the first halves in order,
    // then the second halves backwards.
    let (first, second): (Vec<Outcome>, Vec<Outcome>) = pairs.into_iter().flatten().unzip();
    Ok(first.into_iter().chain(second.into_iter().rev()).collect())
}

/// DSR of the column with the highest full-sample (all analysed rows)
/// per-period Sharpe, the N columns being the trials.
fn deflated_best(
    matrix: &Matrix,
    stats: &[BlockStats],
    fold: &EqualBlockFold,
    partitions: usize,
    analysed: &[&[f64]],
) -> Result<DeflatedSharpe, CscvError> {
    let full_sample = |column: usize, statistic| CscvError::NonFiniteMetric {
        scope: "the full sample".to_string(),
        column: matrix.columns[column].clone(),
        statistic,
    };
    let all_blocks: Vec<usize> = (0..partitions).collect();
    let sharpes: Vec<f64> =
        stats.chunks_exact(partitions).map(|blocks| fold.fold(blocks, &all_blocks).metric(Metric::Sharpe)).collect();
    if let Some(bad) = sharpes.iter().position(|v| !v.is_finite()) {
        return Err(full_sample(bad, "sharpe"));
    }
    let best = argmax_first(&sharpes).ok_or(CscvError::TooFewColumns { found: 0 })?;
    let dsr = deflated_sharpe(&sharpes, &matrix.columns[best], analysed[best]);
    if !(dsr.skewness.is_finite() && dsr.kurtosis.is_finite()) {
        return Err(full_sample(best, "skewness or kurtosis"));
    }
    if !(dsr.sharpe_sd.is_finite() && dsr.expected_max_sharpe.is_finite() && dsr.dsr.is_finite()) {
        return Err(full_sample(best, "deflated sharpe"));
    }
    Ok(dsr)
}

/// n* = argmax R (first on ties) and the logit of R̄\[n*\]'s rank within R̄.
fn select_and_rank(in_sample: &[f64], out_of_sample: &[f64]) -> Outcome {
    // N ≥ 2 was validated, so the argmax exists; 0 keeps this total anyway.
    let selected = argmax_first(in_sample).unwrap_or(0);
    let oos_value = out_of_sample[selected];
    let rank = average_rank(out_of_sample, oos_value);
    Outcome {
        selected,
        in_sample: in_sample[selected],
        out_of_sample: oos_value,
        logit: rank_logit(rank, out_of_sample.len()),
    }
}
