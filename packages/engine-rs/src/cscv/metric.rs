//! Performance metrics, and the per-block sufficient statistics that let a
//! union of blocks be scored in O(blocks) instead of O(rows).
//!
//! A block keeps its row count, mean, centred sum of squares (M2) and growth
//! factor ∏(1 + r). Blocks merge exactly in mean and M2 (Chan et al.'s
//! pairwise update). M2 is kept centred rather than as a raw sum of squares
//! because Σx² − (Σx)²/n cancels catastrophically for low-volatility columns,
//! and it keeps a constant column's variance exactly zero.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::CscvError;

/// The performance statistic computed per column on a set of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Per-period Sharpe ratio: mean / sample standard deviation (n − 1),
    /// NOT annualized and with no risk-free rate. A column whose standard
    /// deviation is zero (or that has a single row) scores 0, whatever its
    /// mean: a riskless series carries no evidence of skill to rank on, and a
    /// finite value keeps the ranking well defined.
    #[default]
    Sharpe,
    /// Arithmetic mean of the rows.
    Mean,
    /// Compounded return ∏(1 + r) − 1 over the rows (rows are simple returns).
    TotalReturn,
}

impl Metric {
    /// The snake_case name used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Sharpe => "sharpe",
            Metric::Mean => "mean",
            Metric::TotalReturn => "total_return",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = CscvError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "sharpe" => Ok(Metric::Sharpe),
            "mean" => Ok(Metric::Mean),
            "total_return" => Ok(Metric::TotalReturn),
            other => Err(CscvError::UnknownMetric(other.to_string())),
        }
    }
}

/// Sufficient statistics of a run of rows of one column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockStats {
    /// Number of rows (as f64: it only ever enters arithmetic).
    pub count: f64,
    pub mean: f64,
    /// Centred sum of squares Σ(x − mean)².
    pub m2: f64,
    /// ∏(1 + x) over the rows, in time order.
    pub growth: f64,
}

impl BlockStats {
    /// Statistics of `rows` (Welford's update, which leaves a constant run
    /// with mean exactly equal to the constant and M2 exactly zero).
    pub fn from_rows(rows: &[f64]) -> Self {
        let mut stats = BlockStats { count: 0.0, mean: 0.0, m2: 0.0, growth: 1.0 };
        for &x in rows {
            stats.count += 1.0;
            let delta = x - stats.mean;
            stats.mean += delta / stats.count;
            stats.m2 += delta * (x - stats.mean);
            stats.growth *= 1.0 + x;
        }
        stats
    }

    /// Statistics of `self`'s rows followed by `later`'s rows. Equal means
    /// merge without rounding, so identical blocks stay bit-identical.
    pub fn merge(&self, later: &BlockStats) -> BlockStats {
        // Empty sides short-circuit so an overflowing δ² never meets a zero
        // weight (∞·0 = NaN).
        if later.count == 0.0 {
            return *self;
        }
        if self.count == 0.0 {
            return *later;
        }
        let count = self.count + later.count;
        let delta = later.mean - self.mean;
        BlockStats {
            count,
            mean: self.mean + delta * (later.count / count),
            m2: self.m2 + later.m2 + delta * delta * (self.count * later.count / count),
            growth: self.growth * later.growth,
        }
    }

    /// Statistics of the blocks at `indices` (ascending = time order).
    pub fn merge_all(blocks: &[BlockStats], indices: &[usize]) -> BlockStats {
        indices.iter().fold(BlockStats::from_rows(&[]), |acc, &b| acc.merge(&blocks[b]))
    }

    /// The metric on these rows. NaN or ±∞ signals overflow of the inputs,
    /// which the caller turns into a typed error.
    pub fn metric(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Mean => self.mean,
            Metric::TotalReturn => self.growth - 1.0,
            Metric::Sharpe => sharpe(self.count, self.mean, self.m2),
        }
    }
}

/// The Sharpe ratio of rows with these statistics (see [`Metric::Sharpe`]): NaN when the mean or
/// M2 is not finite, else 0 for fewer than two rows or no spread.
#[inline]
fn sharpe(count: f64, mean: f64, m2: f64) -> f64 {
    settle_sharpe(raw_sharpe(count, mean, m2), count, mean, m2)
}

/// mean / sample sd, before [`settle_sharpe`] replaces the cases it does not cover.
#[inline]
fn raw_sharpe(count: f64, mean: f64, m2: f64) -> f64 {
    mean / (m2 / (count - 1.0)).sqrt()
}

/// [`sharpe`] from its raw quotient. Written with selects on values already computed (and
/// finiteness as float compares: |NaN| < ∞ is false too), so a loop over many columns compiles
/// to vector blends; given the choice, the compiler branches around a division it could skip.
#[inline]
fn settle_sharpe(raw: f64, count: f64, mean: f64, m2: f64) -> f64 {
    let ratio = if count < 2.0 || m2 == 0.0 { 0.0 } else { raw };
    if m2.abs() < f64::INFINITY && mean.abs() < f64::INFINITY { ratio } else { f64::NAN }
}

/// Folds blocks of equal size with precomputed merge weights, so the hot loop
/// multiplies instead of dividing. Merging the i-th block into i blocks of k
/// rows uses weights k/((i+1)k) = 1/(i+1) and (ik·k)/((i+1)k) = ik/(i+1);
/// each is one correctly rounded ratio either way, so the result is
/// bit-for-bit that of repeated [`BlockStats::merge`].
#[derive(Debug, Clone)]
pub struct EqualBlockFold {
    /// (mean weight, M2 weight) for merging block i, i = 1, 2, ….
    weights: Vec<(f64, f64)>,
}

impl EqualBlockFold {
    /// Weights for folding up to `max_blocks` blocks of `block_rows` rows.
    pub fn new(block_rows: usize, max_blocks: usize) -> Self {
        let k = block_rows as f64;
        let weights = (1..max_blocks)
            .map(|i| {
                let i = i as f64;
                (1.0 / (i + 1.0), k * i / (i + 1.0))
            })
            .collect();
        EqualBlockFold { weights }
    }

    /// Statistics of the blocks at `indices` (ascending = time order), all of
    /// which must have the size given to [`EqualBlockFold::new`]. Indices
    /// beyond `max_blocks` are ignored.
    pub fn fold(&self, blocks: &[BlockStats], indices: &[usize]) -> BlockStats {
        let Some((&first, rest)) = indices.split_first() else {
            return BlockStats::from_rows(&[]);
        };
        let mut acc = blocks[first];
        for (&b, &(mean_weight, m2_weight)) in rest.iter().zip(&self.weights) {
            let later = &blocks[b];
            let delta = later.mean - acc.mean;
            acc.count += later.count;
            acc.mean += delta * mean_weight;
            acc.m2 = acc.m2 + later.m2 + delta * delta * m2_weight;
            acc.growth *= later.growth;
        }
        acc
    }
}

/// The same per-block statistics laid out block-major (`mean[b·N + c]`), so
/// folding one combination runs across all N columns at once: the loop over
/// columns has no dependency between iterations and compiles to vector
/// instructions, where folding column by column waits on each merge's result.
/// Every column sees exactly [`EqualBlockFold::fold`]'s operations in its
/// order, so the values are bit-for-bit the same.
#[derive(Debug, Clone)]
pub struct BlockMajor {
    columns: usize,
    count: Vec<f64>,
    mean: Vec<f64>,
    m2: Vec<f64>,
    growth: Vec<f64>,
}

impl BlockMajor {
    /// Transposes column-major `stats` (`stats[c·S + b]`, S = `partitions`).
    pub fn new(stats: &[BlockStats], partitions: usize) -> Self {
        let columns = stats.len() / partitions.max(1);
        let at = |b: usize, c: usize| &stats[c * partitions + b];
        let field = |get: fn(&BlockStats) -> f64| -> Vec<f64> {
            (0..partitions).flat_map(|b| (0..columns).map(move |c| get(at(b, c)))).collect()
        };
        BlockMajor {
            columns,
            count: (0..partitions).map(|b| if columns == 0 { 0.0 } else { at(b, 0).count }).collect(),
            mean: field(|s| s.mean),
            m2: field(|s| s.m2),
            growth: field(|s| s.growth),
        }
    }

    fn block<'a>(&self, values: &'a [f64], b: usize) -> &'a [f64] {
        &values[b * self.columns..(b + 1) * self.columns]
    }
}

/// Scores unions of blocks one after another for all N columns, keeping the
/// sums of every prefix of the last union folded: consecutive CSCV
/// combinations in lexicographic order (or backwards) share most of their
/// blocks' prefix, so a union costs about one merge instead of S/2 − 1.
/// Each level is [`EqualBlockFold::fold`]'s accumulator after that many
/// blocks, computed with its operations in its order, so every score is
/// bit-for-bit that of folding from scratch, whatever came before.
#[derive(Debug, Clone)]
pub struct PrefixFold<'a> {
    blocks: &'a BlockMajor,
    fold: &'a EqualBlockFold,
    /// The blocks folded into levels 0, 1, … (a prefix of the last union).
    folded: Vec<usize>,
    levels: Vec<Level>,
}

/// Sums over the first d + 1 blocks of a union, for every column.
#[derive(Debug, Clone, Default)]
struct Level {
    count: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
    growth: Vec<f64>,
}

impl<'a> PrefixFold<'a> {
    pub fn new(blocks: &'a BlockMajor, fold: &'a EqualBlockFold) -> Self {
        PrefixFold { blocks, fold, folded: Vec::new(), levels: Vec::new() }
    }

    /// Writes the metric of every column on the blocks at `indices`
    /// (ascending) into `row` (length N); the blocks must all have the size
    /// given to `fold`, and blocks past its `max_blocks` are ignored as
    /// [`EqualBlockFold::fold`] ignores them.
    pub fn score(&mut self, indices: &[usize], metric: Metric, row: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: this processor has AVX, checked just above.
            unsafe { self.score_avx(indices, metric, row) };
            return;
        }
        self.score_here(indices, metric, row);
    }

    /// [`PrefixFold::score`] compiled for AVX: its loops over the columns (the folds, the
    /// divisions and square roots of the Sharpe ratio) take four columns an instruction instead of
    /// two. The same operations on each column in the same order, each correctly rounded at any
    /// width (and never fused: Rust does not contract a multiply and an add), so the same bits.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn score_avx(&mut self, indices: &[usize], metric: Metric, row: &mut [f64]) {
        self.score_here(indices, metric, row);
    }

    /// The body of [`PrefixFold::score`], inlined into each of its builds.
    #[inline(always)]
    fn score_here(&mut self, indices: &[usize], metric: Metric, row: &mut [f64]) {
        let blocks = self.blocks;
        let n = blocks.columns;
        let indices = &indices[..indices.len().min(self.fold.weights.len() + 1)];
        if indices.is_empty() {
            let empty = BlockStats::from_rows(&[]).metric(metric);
            row.iter_mut().for_each(|v| *v = empty);
            return;
        }
        let shared = self.folded.iter().zip(indices).take_while(|(a, b)| a == b).count();
        self.folded.truncate(shared);
        if self.levels.len() < indices.len() {
            self.levels.resize_with(indices.len(), || Level {
                count: 0.0,
                mean: vec![0.0; n],
                m2: vec![0.0; n],
                growth: vec![0.0; n],
            });
        }
        for (d, &b) in indices.iter().enumerate().skip(shared) {
            let (later_mean, later_m2, later_growth) =
                (blocks.block(&blocks.mean, b), blocks.block(&blocks.m2, b), blocks.block(&blocks.growth, b));
            let (done, rest) = self.levels.split_at_mut(d);
            let level = &mut rest[0];
            match done.last() {
                None => {
                    level.count = blocks.count[b];
                    level.mean.copy_from_slice(later_mean);
                    level.m2.copy_from_slice(later_m2);
                    level.growth.copy_from_slice(later_growth);
                }
                Some(previous) => {
                    let (mean_weight, m2_weight) = self.fold.weights[d - 1];
                    level.count = previous.count + blocks.count[b];
                    let (mean, m2, growth) = (&mut level.mean[..n], &mut level.m2[..n], &mut level.growth[..n]);
                    let (prev_mean, prev_m2, prev_growth) =
                        (&previous.mean[..n], &previous.m2[..n], &previous.growth[..n]);
                    for c in 0..n {
                        let delta = later_mean[c] - prev_mean[c];
                        mean[c] = prev_mean[c] + delta * mean_weight;
                        m2[c] = prev_m2[c] + later_m2[c] + delta * delta * m2_weight;
                        growth[c] = prev_growth[c] * later_growth[c];
                    }
                }
            }
            self.folded.push(b);
        }
        let last = &self.levels[indices.len() - 1];
        let row = &mut row[..n];
        match metric {
            Metric::Mean => row.copy_from_slice(&last.mean),
            Metric::TotalReturn => row.iter_mut().zip(&last.growth).for_each(|(v, g)| *v = g - 1.0),
            Metric::Sharpe => {
                // Two loops, so that both vectorize: every quotient, then the cases.
                let columns = || last.mean.iter().copied().zip(last.m2.iter().copied());
                row.iter_mut().zip(columns()).for_each(|(v, (mean, m2))| *v = raw_sharpe(last.count, mean, m2));
                row.iter_mut().zip(columns()).for_each(|(v, (mean, m2))| *v = settle_sharpe(*v, last.count, mean, m2));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-14 * (1.0 + b.abs())
    }

    #[test]
    fn block_statistics_by_hand() {
        // Rows 1, 2, 3, 4: mean 2.5, deviations ±1.5, ±0.5, M2 = 2.25·2 + 0.25·2 = 5,
        // growth 2·3·4·5 = 120.
        let s = BlockStats::from_rows(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!((s.count, s.mean, s.m2, s.growth), (4.0, 2.5, 5.0, 120.0));
        // Sample sd √(5/3) = 1.2909944487358056, Sharpe 2.5/1.29099… = 1.9364916731037085.
        assert!(close(s.metric(Metric::Sharpe), 1.936_491_673_103_708_5));
        assert_eq!(s.metric(Metric::Mean), 2.5);
        assert_eq!(s.metric(Metric::TotalReturn), 119.0);
    }

    #[test]
    fn merging_blocks_equals_scanning_rows() {
        let rows = [0.01, -0.02, 0.03, 0.005, -0.01, 0.02, 0.0, 0.015];
        let whole = BlockStats::from_rows(&rows);
        let halves = BlockStats::from_rows(&rows[..4]).merge(&BlockStats::from_rows(&rows[4..]));
        let quarters: Vec<BlockStats> = rows.chunks(2).map(BlockStats::from_rows).collect();
        let merged = BlockStats::merge_all(&quarters, &[0, 1, 2, 3]);
        for s in [halves, merged] {
            assert_eq!(s.count, whole.count);
            assert!(close(s.mean, whole.mean));
            assert!(close(s.m2, whole.m2));
            assert!(close(s.growth, whole.growth));
        }
    }

    #[test]
    fn equal_block_fold_is_bit_identical_to_merging() {
        let rows: Vec<f64> = (0..60).map(|i| ((i * 37 % 23) as f64 - 11.0) * 0.0013).collect();
        let blocks: Vec<BlockStats> = rows.chunks(5).map(BlockStats::from_rows).collect();
        let fold = EqualBlockFold::new(5, blocks.len());
        for indices in [vec![0, 1, 2, 3, 4, 5], vec![1, 4, 7, 10, 11], vec![3], (0..12).collect()] {
            let a = fold.fold(&blocks, &indices);
            let b = BlockStats::merge_all(&blocks, &indices);
            assert_eq!(
                (a.count, a.mean.to_bits(), a.m2.to_bits(), a.growth.to_bits()),
                (b.count, b.mean.to_bits(), b.m2.to_bits(), b.growth.to_bits()),
                "{indices:?}"
            );
        }
    }

    /// The build `score` chooses on this processor (AVX on any current x86-64) against the
    /// portable build of the same body, on noise wide enough to leave a remainder past the
    /// vector lanes, with constant and empty columns among them.
    #[test]
    fn every_build_of_the_scorer_gives_the_same_bits() {
        let mut rng = crate::cscv::XorShift64::new(11);
        let (columns, blocks, rows) = (37, 8, 5);
        let values: Vec<Vec<f64>> = (0..columns)
            .map(|c| match c {
                3 => vec![0.01; blocks * rows],
                7 => vec![0.0; blocks * rows],
                _ => (0..blocks * rows).map(|_| 0.04 * rng.next_f64() - 0.02).collect(),
            })
            .collect();
        let stats: Vec<BlockStats> = values.iter().flat_map(|c| c.chunks(rows).map(BlockStats::from_rows)).collect();
        let fold = EqualBlockFold::new(rows, blocks);
        let major = BlockMajor::new(&stats, blocks);
        let (mut chosen, mut portable) = (PrefixFold::new(&major, &fold), PrefixFold::new(&major, &fold));
        for metric in [Metric::Sharpe, Metric::Mean, Metric::TotalReturn] {
            for union in crate::cscv::combinations::splits(blocks).iter().map(|s| &s.in_sample) {
                let (mut a, mut b) = (vec![0.0; columns], vec![0.0; columns]);
                chosen.score(union, metric, &mut a);
                portable.score_here(union, metric, &mut b);
                assert_eq!(
                    a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn prefix_fold_scores_are_bit_identical_to_folding_each_column() {
        // Three columns × six blocks of four rows, one of them constant (M2
        // exactly 0 → Sharpe 0) and one with a huge value (non-finite Sharpe).
        let columns: Vec<Vec<f64>> = vec![
            (0..24).map(|i| ((i * 37 % 23) as f64 - 11.0) * 0.0013).collect(),
            vec![0.002; 24],
            (0..24).map(|i| if i == 5 { 1e200 } else { -1e200 * (i % 2) as f64 }).collect(),
        ];
        let stats: Vec<BlockStats> = columns.iter().flat_map(|c| c.chunks(4).map(BlockStats::from_rows)).collect();
        let fold = EqualBlockFold::new(4, 6);
        let major = BlockMajor::new(&stats, 6);
        // One scorer across every union, in an order that shares prefixes of
        // every length, shares none, goes backwards and repeats itself.
        let mut scorer = PrefixFold::new(&major, &fold);
        let unions: Vec<Vec<usize>> = vec![
            vec![0, 1, 2],
            vec![0, 1, 3],
            vec![0, 2, 3],
            vec![1, 3, 5],
            vec![1, 3, 4],
            vec![1, 3],
            vec![1, 3, 4, 5],
            vec![4],
            (0..6).collect(),
            (0..6).collect(),
            vec![],
            vec![2, 5],
        ];
        for metric in [Metric::Sharpe, Metric::Mean, Metric::TotalReturn] {
            for indices in &unions {
                let mut row = vec![0.0; 3];
                scorer.score(indices, metric, &mut row);
                let want: Vec<u64> =
                    stats.chunks(6).map(|blocks| fold.fold(blocks, indices).metric(metric).to_bits()).collect();
                assert_eq!(row.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want, "{metric} {indices:?}");
            }
        }
        // Blocks past the fold's size are ignored, as fold ignores them.
        let short = EqualBlockFold::new(4, 2);
        let mut row = vec![0.0; 3];
        PrefixFold::new(&major, &short).score(&[0, 1, 2], Metric::Mean, &mut row);
        let want: Vec<f64> =
            stats.chunks(6).map(|blocks| short.fold(blocks, &[0, 1, 2]).metric(Metric::Mean)).collect();
        assert_eq!(row, want);
    }

    #[test]
    fn zero_spread_scores_zero_sharpe() {
        // Constant 0.1: Welford keeps mean = 0.1 and M2 = 0 exactly, even
        // after merging (a raw Σx² − (Σx)²/n would leave a rounding residue
        // and an absurd Sharpe of ~1e16).
        let blocks: Vec<BlockStats> = (0..4).map(|_| BlockStats::from_rows(&[0.1, 0.1, 0.1])).collect();
        let s = BlockStats::merge_all(&blocks, &[0, 1, 2, 3]);
        assert_eq!((s.mean, s.m2), (0.1, 0.0));
        assert_eq!(s.metric(Metric::Sharpe), 0.0);
        // A single row has no sample standard deviation either.
        assert_eq!(BlockStats::from_rows(&[0.3]).metric(Metric::Sharpe), 0.0);
        assert_eq!(BlockStats::from_rows(&[0.0, 0.0]).metric(Metric::Sharpe), 0.0);
    }

    #[test]
    fn overflow_surfaces_as_non_finite() {
        let s = BlockStats::from_rows(&[1e200, -1e200]);
        assert!(!s.metric(Metric::Sharpe).is_finite());
    }

    #[test]
    fn metric_names_round_trip() {
        for m in [Metric::Sharpe, Metric::Mean, Metric::TotalReturn] {
            assert_eq!(m.name().parse::<Metric>(), Ok(m));
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{}\"", m.name()));
        }
        assert_eq!("sortino".parse::<Metric>(), Err(CscvError::UnknownMetric("sortino".into())));
        assert_eq!(Metric::default(), Metric::Sharpe);
    }
}
