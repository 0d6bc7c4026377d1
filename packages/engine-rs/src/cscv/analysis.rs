//! The CSCV driver: validates the request, scores every combination in
//! parallel from per-block statistics, and assembles the summary statistics.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::combinations::{binomial, splits};
use super::degradation::ols;
use super::dominance::{dominance, sort_ascending};
use super::dsr::{DeflatedSharpe, deflated_sharpe};
use super::error::CscvError;
use super::matrix::Matrix;
use super::metric::{BlockMajor, BlockStats, EqualBlockFold, FoldScratch, Metric};
use super::rank::{argmax_first, average_rank, rank_logit};
use super::result::CscvResult;

/// How to run the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CscvOptions {
    /// Number of blocks S (even, 2 ≤ S ≤ T).
    pub partitions: usize,
    pub metric: Metric,
    /// Refuse S with more than this many combinations. Memory grows as
    /// 8·C(S, S/2)·N bytes (every out-of-sample value is kept for the
    /// dominance test), so the default admits S ≤ 20 (184,756 combinations).
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

    let table = score_table(matrix, &stats, &fold, s, metric, n_combinations)?;
    // J̄_k = J_(C−1−k): R is row k of the table and R̄ row C−1−k.
    let outcomes: Vec<Outcome> = (0..n_combinations)
        .into_par_iter()
        .map(|k| {
            let in_sample = &table[k * n..(k + 1) * n];
            let complement = n_combinations - 1 - k;
            let out_of_sample = &table[complement * n..(complement + 1) * n];
            select_and_rank(in_sample, out_of_sample)
        })
        .collect();

    let logits: Vec<f64> = outcomes.iter().map(|o| o.logit).collect();
    let is_selected: Vec<f64> = outcomes.iter().map(|o| o.in_sample).collect();
    let oos_selected: Vec<f64> = outcomes.iter().map(|o| o.out_of_sample).collect();
    let selected_columns: Vec<usize> = outcomes.iter().map(|o| o.selected).collect();

    let c = n_combinations as f64;
    let pbo = logits.iter().filter(|&&l| l <= 0.0).count() as f64 / c;
    let prob_loss = oos_selected.iter().filter(|&&v| v < 0.0).count() as f64 / c;
    let degradation = ols(&is_selected, &oos_selected);
    // Every J̄ is some J, so the table holds exactly the pooled R̄ values.
    let dominance = dominance(&sort_ascending(oos_selected.clone()), &sort_ascending(table));
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

/// table[k·N + c] = metric of column c on the blocks of J_k, for every
/// combination k, computed in parallel.
///
/// Complementing reverses lexicographic order (the smallest block where J and
/// J' differ lies in exactly one of them, hence in the other's complement), so
/// J̄_k = J_(C−1−k): each row serves as R for one combination and as R̄ for
/// another, and every union of blocks is scored once.
fn score_table(
    matrix: &Matrix,
    stats: &[BlockStats],
    fold: &EqualBlockFold,
    partitions: usize,
    metric: Metric,
    n_combinations: usize,
) -> Result<Vec<f64>, CscvError> {
    let n = matrix.columns.len();
    let all_splits = splits(partitions);
    let values = n_combinations.checked_mul(n).ok_or(CscvError::TooLarge { values: usize::MAX })?;
    let mut table = Vec::new();
    table.try_reserve_exact(values).map_err(|_| CscvError::TooLarge { values })?;
    table.resize(values, 0.0);
    let blocks = BlockMajor::new(stats, partitions);
    let filled: Vec<Result<(), CscvError>> = table
        .par_chunks_mut(n)
        .zip(all_splits.par_iter())
        .enumerate()
        .map_init(FoldScratch::default, |scratch, (k, (row, split))| {
            blocks.score(fold, &split.in_sample, metric, scratch, row);
            match row.iter().position(|v| !v.is_finite()) {
                None => Ok(()),
                Some(column) => Err(CscvError::NonFiniteMetric {
                    scope: format!("combination {k}"),
                    column: matrix.columns[column].clone(),
                    statistic: metric.name(),
                }),
            }
        })
        .collect();
    // In combination order, so the error reported is the first one, always.
    filled.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(table)
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
