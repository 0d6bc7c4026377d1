//! Stochastic-dominance check: is the out-of-sample performance of the
//! in-sample winner distributed better than that of a configuration picked at
//! random?
//!
//! Let F_s be the empirical CDF of the selected configurations' out-of-sample
//! metric R̄\[n*\] (one value per combination) and F_p the empirical CDF of all
//! out-of-sample values R̄ pooled (every column of every combination), both
//! right-continuous: F(z) = #{values ≤ z}/#values.
//!
//! * First order: F_s(z) ≤ F_p(z) for every z. Decided with exact integer
//!   arithmetic: #s(z)·n_p ≤ #p(z)·n_s.
//! * `max_cdf_gap` = sup over z of F_s(z) − F_p(z). It is ≥ 0 (both CDFs reach
//!   1 at the largest value) and is 0 exactly when first-order dominance holds;
//!   otherwise it is how much more probability the selection puts at or below
//!   some level than random choice does.
//! * Second order: G_s(z) ≤ G_p(z) for every z, where
//!   G(z) = ∫_{−∞}^z F(t) dt = E\[(z − X)⁺\], the expected shortfall below z.
//!   A slack of 1e-12·(max − min of both samples) absorbs the rounding of the
//!   sums (it is not a statistical allowance). First order implies second
//!   order, and the result says so even if rounding would disagree.
//!
//! # Computation without sorting the pool
//!
//! The pool holds C·N values (12.9 M for a 1,000-point sweep), the selection
//! only C, so nothing here sorts or even stores the pool. Let u_1 < … < u_m be
//! the distinct selected values. F_s is constant on [u_k, u_(k+1)) while F_p
//! only grows, so F_s − F_p is largest at the u_k themselves: the first-order
//! test and the gap need only #p(u_k), which one pass counts by dropping every
//! pooled value into its bucket between consecutive u_k. Those counts equal
//! the ones a walk over every value would use, so the gap is the same float.
//!
//! D = G_s − G_p is piecewise linear with slope F_s − F_p, so on [u_k, u_(k+1))
//! it is concave and rises only while F_p < F_s. The same pass sums each
//! bucket's distances to its right end (non-negative terms, compensated), which
//! gives G_p at every u_k; an interval where F_s > F_p at u_k is bounded above
//! by D(u_k) plus that slope times the interval's width. Only intervals whose
//! bound exceeds the slack need the pooled values inside them: a second pass
//! gathers just those buckets and walks them sorted. Past u_m, F_s = 1, so D
//! only grows and its supremum is at the pool's largest value.
//!
//! The pool is visited in fixed chunks ([`Pool`]) whose sums are combined in
//! chunk order, so the result is the same on any number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Result of comparing the selected out-of-sample distribution with the pool.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dominance {
    pub first_order: bool,
    pub second_order: bool,
    pub max_cdf_gap: f64,
}

/// Relative slack of the second-order comparison (see module doc).
const INTEGRAL_SLACK: f64 = 1e-12;

/// Chunks of the pool counted in parallel before their tallies are merged.
const MERGE_GROUP: usize = 16;

/// Values whose buckets are found before any of their tallies is updated.
const FIND_BATCH: usize = 256;

/// The pooled sample, produced chunk by chunk: always the same values in the
/// same order within a chunk, so per-chunk sums combined in chunk order do
/// not depend on which thread computed what.
pub trait Pool: Sync {
    /// Number of values over all chunks.
    fn value_count(&self) -> usize;
    /// Number of chunks (fixed, never derived from the thread count).
    fn chunks(&self) -> usize;
    /// Calls `each` with the values of chunk `chunk`, a slice at a time.
    fn visit(&self, chunk: usize, each: &mut dyn FnMut(&[f64]));
}

/// A pool held in memory, cut into chunks of `chunk_len` values.
#[derive(Debug, Clone, Copy)]
pub struct SlicePool<'a> {
    pub values: &'a [f64],
    pub chunk_len: usize,
}

impl Pool for SlicePool<'_> {
    fn value_count(&self) -> usize {
        self.values.len()
    }

    fn chunks(&self) -> usize {
        self.values.len().div_ceil(self.chunk_len.max(1))
    }

    fn visit(&self, chunk: usize, each: &mut dyn FnMut(&[f64])) {
        each(self.values.chunks(self.chunk_len.max(1)).nth(chunk).unwrap_or(&[]));
    }
}

/// Compares `selected` (sorted ascending, finite) with the finite values of
/// `pool`. Empty samples compare as trivially dominant.
pub fn dominance(selected: &[f64], pool: &impl Pool) -> Dominance {
    let (ns, np) = (selected.len(), pool.value_count());
    if ns == 0 || np == 0 {
        return Dominance { first_order: true, second_order: true, max_cdf_gap: 0.0 };
    }
    let grid = Grid::new(selected);
    let buckets = Buckets::count(&grid, pool);
    let m = grid.values().len();

    // First order and the gap, at each u_k: #s(u_k) = at_or_below[k], #p(u_k)
    // = every pooled value in the buckets below u_k's.
    let mut pooled_at_or_below = Vec::with_capacity(m);
    let mut running = 0usize;
    let mut first_order = true;
    let mut max_gap: f64 = 0.0;
    for k in 0..m {
        running += buckets.count_in(k);
        pooled_at_or_below.push(running);
        let (i, j) = (grid.at_or_below[k], running);
        if (i as u128) * (np as u128) > (j as u128) * (ns as u128) {
            first_order = false;
        }
        max_gap = max_gap.max(i as f64 / ns as f64 - j as f64 / np as f64);
    }
    let second_order = first_order || second_order_holds(&grid, &buckets, &pooled_at_or_below, pool, ns, np);
    Dominance {
        first_order,
        second_order,
        // Rounding is monotonic, so the exact integer test and the float gap
        // agree: the gap is 0 exactly when first_order holds.
        max_cdf_gap: max_gap,
    }
}

/// Second-order test once first order has failed (see the module doc).
fn second_order_holds(
    grid: &Grid,
    buckets: &Buckets,
    pooled_at_or_below: &[usize],
    pool: &impl Pool,
    ns: usize,
    np: usize,
) -> bool {
    let m = grid.values().len();
    let u = grid.values();
    let lowest = u[0].min(buckets.min);
    let highest = u[m - 1].max(buckets.max);
    let slack = INTEGRAL_SLACK * (highest - lowest);
    let (ns_f, np_f) = (ns as f64, np as f64);

    // ns·G_s(u_k) and np·G_p(u_k), stepped from u_1 (where G_s = 0 and
    // np·G_p is bucket 0's sum of distances to u_1).
    let mut scaled_s = CompensatedSum::default();
    let mut scaled_p = CompensatedSum::default();
    scaled_p.add(buckets.distance_in(0));
    let mut rising = Vec::new();
    for k in 0..m {
        if k > 0 {
            let width = u[k] - u[k - 1];
            scaled_s.add(grid.at_or_below[k - 1] as f64 * width);
            scaled_p.add(pooled_at_or_below[k - 1] as f64 * width);
            scaled_p.add(buckets.distance_in(k));
        }
        let d = scaled_s.value() / ns_f - scaled_p.value() / np_f;
        if d > slack {
            return false;
        }
        let (i, j) = (grid.at_or_below[k], pooled_at_or_below[k]);
        let slope = i as f64 / ns_f - j as f64 / np_f;
        if (i as u128) * (np as u128) <= (j as u128) * (ns as u128) {
            continue;
        }
        if k + 1 == m {
            // Past u_m: F_s = 1, D grows up to the largest pooled value, where
            // it is D(u_m) plus the last bucket's distances above u_m over n_p.
            if d + buckets.distance_in(m) / np_f > slack {
                return false;
            }
        } else if d + slope * (u[k + 1] - u[k]) > slack {
            rising.push(Rising { bucket: k + 1, from: u[k], d, at_or_below_s: i, at_or_below_p: j });
        }
    }
    if rising.is_empty() {
        return true;
    }
    let gathered = gather(grid, pool, &rising);
    rising.iter().zip(gathered).all(|(interval, mut values)| {
        // The walk the bound skipped: D at each pooled value inside the
        // interval, with F_p stepping up as the values are passed.
        values.sort_unstable_by(f64::total_cmp);
        let mut passed = 0usize;
        let mut above_from = CompensatedSum::default();
        values.iter().all(|&z| {
            passed += 1;
            above_from.add(z - interval.from);
            let f_s = interval.at_or_below_s as f64 / ns_f;
            let f_p = (interval.at_or_below_p + passed) as f64 / np_f;
            // D(z) = D(u_k) + (F_s − F_p(z))·(z − u_k) + Σ_(x ≤ z)(x − u_k)/n_p
            // with F_p(z) counting the values passed; the last term puts back
            // what counting them from u_k instead of from x took off.
            let d = interval.d + (f_s - f_p) * (z - interval.from) + above_from.value() / np_f;
            d <= slack
        })
    })
}

/// An interval [u_k, u_(k+1)) on which D may rise above the slack.
#[derive(Debug, Clone, Copy)]
struct Rising {
    /// Bucket of the pooled values in (u_k, u_(k+1)].
    bucket: usize,
    from: f64,
    /// D(u_k).
    d: f64,
    at_or_below_s: usize,
    at_or_below_p: usize,
}

/// The pooled values of the rising intervals' buckets, in `rising`'s order.
fn gather(grid: &Grid, pool: &impl Pool, rising: &[Rising]) -> Vec<Vec<f64>> {
    let mut wanted = vec![usize::MAX; grid.values().len() + 1];
    for (i, interval) in rising.iter().enumerate() {
        wanted[interval.bucket] = i;
    }
    let mut gathered = vec![Vec::new(); rising.len()];
    in_chunk_order(
        pool,
        |chunk| {
            let mut found = vec![Vec::new(); rising.len()];
            pool.visit(chunk, &mut |values| {
                for &x in values {
                    let i = wanted[grid.bucket(x)];
                    if i != usize::MAX {
                        found[i].push(x);
                    }
                }
            });
            found
        },
        |found| {
            for (all, some) in gathered.iter_mut().zip(found) {
                all.extend(some);
            }
        },
    );
    gathered
}

/// Computes `per_chunk` for every chunk of `pool` in parallel and hands the
/// results to `merge` in chunk order, [`MERGE_GROUP`] chunks at a time: the
/// merge order never depends on the threads, and no more than that many
/// results (m + 1 tallies each when counting; with C(20, 10) combinations m
/// reaches 184,756) are alive at once.
fn in_chunk_order<T: Send>(pool: &impl Pool, per_chunk: impl Fn(usize) -> T + Sync, mut merge: impl FnMut(T)) {
    let chunks: Vec<usize> = (0..pool.chunks()).collect();
    for group in chunks.chunks(MERGE_GROUP) {
        let parts: Vec<T> = group.par_iter().map(|&chunk| per_chunk(chunk)).collect();
        parts.into_iter().for_each(&mut merge);
    }
}

/// The distinct selected values and a lookup that finds, for any x, how many
/// of them lie strictly below it (its bucket) in a step or two.
#[derive(Debug, Clone)]
struct Grid {
    /// u_1 < … < u_m, then +∞ (so a scan stops without a length check).
    padded: Vec<f64>,
    /// #selected ≤ u_k.
    at_or_below: Vec<usize>,
    /// start[slot(x)] = #{u : slot(u) < slot(x)}, all of which are < x since
    /// slot is non-decreasing; saturating at u32::MAX only starts lower.
    start: Vec<u32>,
    lowest: f64,
    scale: f64,
    /// Highest slot (start's length less one), as a float.
    top: f64,
}

impl Grid {
    fn new(selected: &[f64]) -> Self {
        let mut values: Vec<f64> = Vec::new();
        let mut at_or_below = Vec::new();
        for (i, &x) in selected.iter().enumerate() {
            match (values.last(), at_or_below.last_mut()) {
                (Some(&last), Some(count)) if last == x => *count = i + 1,
                _ => {
                    values.push(x);
                    at_or_below.push(i + 1);
                }
            }
        }
        let m = values.len();
        let slots = (2 * m).next_power_of_two().clamp(1 << 10, 1 << 20);
        let (lowest, highest) = (values[0], values[m - 1]);
        let scale = slots as f64 / (highest - lowest);
        values.push(f64::INFINITY);
        let mut grid = Grid {
            padded: values,
            at_or_below,
            start: Vec::new(),
            lowest,
            scale: if scale.is_finite() { scale } else { 0.0 },
            top: (slots - 1) as f64,
        };
        let mut start = vec![0u32; slots];
        let mut below = 0usize;
        for (s, entry) in start.iter_mut().enumerate() {
            while below < m && grid.slot(grid.padded[below]) < s {
                below += 1;
            }
            *entry = u32::try_from(below).unwrap_or(u32::MAX);
        }
        grid.start = start;
        grid
    }

    /// A non-decreasing map of x onto 0..slots: rounding is monotonic, a
    /// negative or NaN product goes to 0 and a large one to the last slot.
    /// Clamped as a float (`max` drops a NaN), so the cast cannot saturate:
    /// fewer instructions than clamping after a saturating cast, the same
    /// slot (this runs once for each of the pool's C·N values).
    #[inline]
    fn slot(&self, x: f64) -> usize {
        ((x - self.lowest) * self.scale).max(0.0).min(self.top) as u32 as usize
    }

    /// #{u_k < x}: bucket 0 holds x ≤ u_1, bucket k holds u_k < x ≤ u_(k+1),
    /// bucket m holds x > u_m.
    #[inline]
    fn bucket(&self, x: f64) -> usize {
        let mut k = self.start[self.slot(x)] as usize;
        // A slot rarely holds more than two u_k: two steps without a branch
        // to mispredict, then the rest.
        k += usize::from(self.padded[k] < x);
        k += usize::from(self.padded[k] < x);
        while self.padded[k] < x {
            k += 1;
        }
        k
    }

    /// u_1 < … < u_m.
    fn values(&self) -> &[f64] {
        &self.padded[..self.padded.len() - 1]
    }
}

/// Per bucket: how many pooled values fell in it and the sum of their
/// distances to its right end u_(k+1) (to u_m, upwards, for the last bucket),
/// plus the pool's extremes.
#[derive(Debug, Clone)]
struct Buckets {
    tally: Vec<Tally>,
    min: f64,
    max: f64,
}

/// One bucket's count and distances, side by side: a value's update touches
/// one cache line.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    count: usize,
    distance: CompensatedSum,
}

impl Buckets {
    fn empty(m: usize) -> Self {
        Buckets { tally: vec![Tally::default(); m + 1], min: f64::INFINITY, max: f64::NEG_INFINITY }
    }

    fn count(grid: &Grid, pool: &impl Pool) -> Self {
        let m = grid.values().len();
        let mut total = Buckets::empty(m);
        in_chunk_order(
            pool,
            |chunk| Buckets::count_chunk(grid, pool, chunk),
            |part| {
                for (sum, part) in total.tally.iter_mut().zip(&part.tally) {
                    sum.count += part.count;
                    sum.distance.merge(&part.distance);
                }
                total.min = total.min.min(part.min);
                total.max = total.max.max(part.max);
            },
        );
        total
    }

    fn count_chunk(grid: &Grid, pool: &impl Pool, chunk: usize) -> Self {
        let m = grid.values().len();
        let mut buckets = Buckets::empty(m);
        let mut found = [0u32; FIND_BATCH];
        // The extremes in locals: kept in the struct, every tally written would make them a
        // store and a load per value.
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        pool.visit(chunk, &mut |values| {
            for batch in values.chunks(FIND_BATCH) {
                // Every value's bucket first (independent lookups the processor overlaps),
                // then the tallies, in the values' order as before.
                for (k, &x) in found.iter_mut().zip(batch) {
                    *k = grid.bucket(x) as u32;
                    // Plain compares: a NaN is skipped as f64::min/max skip it, in fewer
                    // instructions (CSCV refuses a non-finite score before this anyway).
                    if x < min {
                        min = x;
                    }
                    if x > max {
                        max = x;
                    }
                }
                for (&k, &x) in found.iter().zip(batch) {
                    let k = k as usize;
                    // |u − x| with u the bucket's right end, or u_m for the last
                    // bucket (x above it): exact either way, as u − x and x − u
                    // round to opposites.
                    let distance = (grid.padded[k.min(m - 1)] - x).abs();
                    let tally = &mut buckets.tally[k];
                    tally.count += 1;
                    tally.distance.add(distance);
                }
            }
        });
        buckets.min = min;
        buckets.max = max;
        buckets
    }

    fn count_in(&self, k: usize) -> usize {
        self.tally[k].count
    }

    fn distance_in(&self, k: usize) -> f64 {
        self.tally[k].distance.value()
    }
}

/// Neumaier's compensated summation.
#[derive(Debug, Default, Clone, Copy)]
struct CompensatedSum {
    sum: f64,
    carry: f64,
}

impl CompensatedSum {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.carry += (self.sum - t) + x;
        } else {
            self.carry += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn merge(&mut self, other: &CompensatedSum) {
        self.add(other.sum);
        self.carry += other.carry;
    }

    fn value(&self) -> f64 {
        self.sum + self.carry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cscv::XorShift64;

    /// The definition walked literally: every distinct value of either sample
    /// in order, both CDFs and their running integrals. The bucketed
    /// computation must agree with it on all three fields.
    fn reference(selected: &[f64], pooled: &[f64]) -> Dominance {
        let mut selected = selected.to_vec();
        let mut pooled = pooled.to_vec();
        selected.sort_by(f64::total_cmp);
        pooled.sort_by(f64::total_cmp);
        let (ns, np) = (selected.len(), pooled.len());
        if ns == 0 || np == 0 {
            return Dominance { first_order: true, second_order: true, max_cdf_gap: 0.0 };
        }
        let slack = INTEGRAL_SLACK * (selected[ns - 1].max(pooled[np - 1]) - selected[0].min(pooled[0]));
        let (mut i, mut j) = (0, 0);
        let (mut first_order, mut second_order, mut max_gap) = (true, true, 0.0f64);
        let (mut integral_s, mut integral_p) = (CompensatedSum::default(), CompensatedSum::default());
        let (mut cdf_s, mut cdf_p, mut previous) = (0.0, 0.0, None);
        while i < ns || j < np {
            let z =
                selected.get(i).copied().unwrap_or(f64::INFINITY).min(pooled.get(j).copied().unwrap_or(f64::INFINITY));
            if let Some(prev) = previous {
                integral_s.add(cdf_s * (z - prev));
                integral_p.add(cdf_p * (z - prev));
            }
            while i < ns && selected[i] <= z {
                i += 1;
            }
            while j < np && pooled[j] <= z {
                j += 1;
            }
            cdf_s = i as f64 / ns as f64;
            cdf_p = j as f64 / np as f64;
            first_order &= (i as u128) * (np as u128) <= (j as u128) * (ns as u128);
            max_gap = max_gap.max(cdf_s - cdf_p);
            second_order &= integral_s.value() <= integral_p.value() + slack;
            previous = Some(z);
        }
        Dominance { first_order, second_order: first_order || second_order, max_cdf_gap: max_gap }
    }

    /// The bucketed result (pool in chunks of 3, so chunks are combined),
    /// checked against the reference.
    fn check(selected: &[f64], pooled: &[f64]) -> Dominance {
        let mut sorted = selected.to_vec();
        sorted.sort_by(f64::total_cmp);
        let got = dominance(&sorted, &SlicePool { values: pooled, chunk_len: 3 });
        let want = reference(selected, pooled);
        assert_eq!(
            (got.first_order, got.second_order, got.max_cdf_gap.to_bits()),
            (want.first_order, want.second_order, want.max_cdf_gap.to_bits()),
            "selected {selected:?} pooled {pooled:?}"
        );
        got
    }

    #[test]
    fn identical_distributions_dominate_weakly() {
        let d = check(&[1.0, 2.0, 3.0], &[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
        assert_eq!(d, Dominance { first_order: true, second_order: true, max_cdf_gap: 0.0 });
    }

    #[test]
    fn shifted_up_selection_dominates() {
        // Selected {2, 3} vs pool {1, 2}: F_s ≤ F_p everywhere.
        let d = check(&[2.0, 3.0], &[1.0, 2.0]);
        assert!(d.first_order && d.second_order);
        assert_eq!(d.max_cdf_gap, 0.0);
    }

    #[test]
    fn worse_selection_fails_both_orders() {
        // Selected {0, 1} vs pool {1, 2, 3, 4}: at z = 0, F_s = ½ and F_p = 0;
        // at z = 1, F_s = 1 and F_p = ¼ → max gap ¾.
        let d = check(&[0.0, 1.0], &[1.0, 2.0, 3.0, 4.0]);
        assert!(!d.first_order && !d.second_order);
        assert_eq!(d.max_cdf_gap, 0.75);
    }

    #[test]
    fn second_order_without_first_order() {
        // Selected {0, 2} (mean 1) vs pool {−1, 3} (mean 1, wider): on the grid
        // −1, 0, 2, 3 the CDFs are F_s = 0, ½, 1, 1 and F_p = ½, ½, ½, 1, so
        // F_s > F_p at z = 2 (gap ½): no first-order dominance.
        // Integrals: G_s = 0, 0, 1, 2 and G_p = 0, ½, 1.5, 2 → G_s ≤ G_p
        // everywhere: the selection is a mean-preserving contraction of the
        // pool, which is exactly second-order dominance.
        let d = check(&[0.0, 2.0], &[-1.0, 3.0]);
        assert!(!d.first_order);
        assert!(d.second_order);
        assert_eq!(d.max_cdf_gap, 0.5);
    }

    #[test]
    fn rise_inside_an_interval_is_found() {
        // Selected {0, 10}, pool {−1, 2, 3, 3, 3, 3, 3, 3, 3, 11}. On [0, 10)
        // F_s = ½ while F_p is 1/10 up to 2, 2/10 up to 3 and 9/10 after:
        // D(0) = −(0 + 1)/10 = −0.1 and D(10) = ½·10 − (11 + 8 + 7·7)/10 = −1.8,
        // both below zero, but D(3) = ½·3 − (4 + 1)/10 = 1.0 > 0, a point of
        // the pool inside the interval that only the walk inside finds.
        let d = check(&[0.0, 10.0], &[-1.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 11.0]);
        assert!(!d.first_order && !d.second_order);
    }

    #[test]
    fn rise_past_the_last_selected_value_is_found() {
        // Selected {5, 5}: F_s = 1 from 5 on. Pool {0, 9, 9, 9}: D(5) = 0 − 5/4
        // < 0, but D grows past 5 up to 9: D(9) = 4 − (9 + 0 + 0 + 0)/4 = 1.75.
        let d = check(&[5.0, 5.0], &[0.0, 9.0, 9.0, 9.0]);
        assert!(!d.first_order && !d.second_order);
    }

    #[test]
    fn agrees_with_the_definition_on_random_samples() {
        let mut rng = XorShift64::new(12);
        for case in 0..400 {
            // Few distinct levels (many ties) in half the cases, continuous values in the rest; the
            // selection drawn from the pool's own law, shifted a little either way, so both orders
            // hold in some cases and fail narrowly in others.
            let levels = if case % 2 == 0 { Some(2 + (rng.next_u64() % 12) as usize) } else { None };
            let draw = |rng: &mut XorShift64| match levels {
                Some(l) => (rng.next_u64() % l as u64) as f64 * 0.25 - 1.0,
                None => rng.next_f64() * 2.0 - 1.0,
            };
            let np = 1 + (rng.next_u64() % 300) as usize;
            let ns = 1 + (rng.next_u64() % 40) as usize;
            let shift = (rng.next_f64() - 0.5) * 0.2;
            let pooled: Vec<f64> = (0..np).map(|_| draw(&mut rng)).collect();
            let selected: Vec<f64> =
                (0..ns).map(|_| draw(&mut rng) + if levels.is_some() { 0.0 } else { shift }).collect();
            check(&selected, &pooled);
            // And the selection as a subset of the pool, as CSCV's is.
            let subset: Vec<f64> = pooled.iter().copied().step_by(1 + case % 7).collect();
            check(&subset, &pooled);
        }
    }

    #[test]
    fn the_result_does_not_depend_on_the_chunking() {
        let mut rng = XorShift64::new(3);
        let pooled: Vec<f64> = (0..5_000).map(|_| rng.next_f64() - 0.5).collect();
        let mut selected: Vec<f64> = (0..200).map(|_| rng.next_f64() - 0.49).collect();
        selected.sort_by(f64::total_cmp);
        let whole = dominance(&selected, &SlicePool { values: &pooled, chunk_len: pooled.len() });
        for chunk_len in [1, 7, 64, 4_999] {
            let got = dominance(&selected, &SlicePool { values: &pooled, chunk_len });
            assert_eq!(got.max_cdf_gap.to_bits(), whole.max_cdf_gap.to_bits());
            assert_eq!((got.first_order, got.second_order), (whole.first_order, whole.second_order));
        }
    }

    #[test]
    fn buckets_count_values_strictly_above() {
        // Far apart, close together and repeated selected values, and pooled
        // values on, between and beyond them.
        let selected = [-1e300, -1.0, -1.0, 0.0, 1e-300, 2e-300, 0.5, 1e300];
        let grid = Grid::new(&selected);
        assert_eq!(grid.values().len(), 7);
        assert_eq!(grid.at_or_below, vec![1, 3, 4, 5, 6, 7, 8]);
        for x in [
            f64::NEG_INFINITY,
            -1e301,
            -1e300,
            -2.0,
            -1.0,
            -0.5,
            0.0,
            1e-300,
            1.5e-300,
            0.5,
            0.6,
            1e300,
            1e301,
            f64::INFINITY,
        ] {
            let want = grid.values().iter().filter(|&&u| u < x).count();
            assert_eq!(grid.bucket(x), want, "x = {x}");
        }
        // A single distinct value (no spread to scale by).
        let one = Grid::new(&[0.25, 0.25]);
        assert_eq!((one.bucket(0.2), one.bucket(0.25), one.bucket(0.3)), (0, 0, 1));
    }

    #[test]
    fn empty_inputs_do_not_panic() {
        assert!(dominance(&[], &SlicePool { values: &[1.0], chunk_len: 1 }).first_order);
        assert!(dominance(&[1.0], &SlicePool { values: &[], chunk_len: 0 }).second_order);
    }
}
