//! Shared numeric kernels. Every sum runs in index order on one thread, so the
//! same slice always gives the same bits.

/// Trading days per year, used for every annualization.
pub const TRADING_DAYS_PER_YEAR: f64 = 252.0;

/// Keeps a result only if it is a real number: NaN and ±∞ are never written
/// to `summary.json` (JSON has no spelling for them), they become `None`.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Plain left-to-right sum.
pub fn sum(xs: &[f64]) -> f64 {
    xs.iter().fold(0.0, |acc, &x| acc + x)
}

/// Arithmetic mean; `None` for an empty slice.
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    Some(sum(xs) / xs.len() as f64)
}

/// True when every element equals the first (vacuously for 0 or 1 element).
/// Checked explicitly because `x − mean(x)` of a constant series need not be
/// exactly 0 in floating point, and a 1e-18 "deviation" would turn a flat
/// run's Sharpe into a huge number instead of the specified 0.
fn is_constant(xs: &[f64]) -> bool {
    xs.iter().all(|&x| x == xs[0])
}

/// Σ (x − mean)^k / n for k = 2, 3, 4 (the biased central moments), or `None`
/// when the slice is empty.
pub fn central_moments(xs: &[f64]) -> Option<[f64; 3]> {
    let m = mean(xs)?;
    let n = xs.len() as f64;
    if is_constant(xs) {
        return Some([0.0; 3]);
    }
    let (s2, s3, s4) = xs.iter().fold((0.0, 0.0, 0.0), |(s2, s3, s4), &x| {
        let d = x - m;
        let d2 = d * d;
        (s2 + d2, s3 + d2 * d, s4 + d2 * d2)
    });
    Some([s2 / n, s3 / n, s4 / n])
}

/// Sample standard deviation (divisor n − 1); `None` below two observations,
/// exactly 0 for a constant series.
pub fn sample_sd(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let [m2, _, _] = central_moments(xs)?;
    let n = xs.len() as f64;
    Some((m2 * n / (n - 1.0)).sqrt())
}

/// The p-quantile with linear interpolation between order statistics
/// (Hyndman & Fan type 7, the default of R and NumPy): with x sorted ascending,
/// h = (n − 1)·p, answer x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
/// `None` for an empty slice or p outside [0, 1].
pub fn quantile_type7(xs: &[f64], p: f64) -> Option<f64> {
    if xs.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (xs.len() - 1) as f64 * p;
    let lo = h.floor();
    let frac = h - lo;
    let (below, above) = order_statistics(xs, lo as usize);
    match above {
        Some(above) if frac > 0.0 => Some(below + frac * (above - below)),
        _ => Some(below),
    }
}

/// Order statistics i and i + 1 (0-based, ascending by `total_cmp`, a total order, so the answer
/// is deterministic even if a NaN slipped in); the second is `None` past the end. Every method
/// finds the same two values, bit for bit; the cheapest one for where i falls is used.
fn order_statistics(xs: &[f64], i: usize) -> (f64, Option<f64>) {
    let n = xs.len();
    // In a tail (a VaR's 5 %, a fan's 95 %): the few values at that end, kept in a heap as one
    // pass goes by, instead of partitioning a copy of them all.
    let tail = n / 16;
    if i + 2 <= tail
        && let Some([a, b]) = extremes(xs, i + 2, false)
    {
        return (a, Some(b));
    }
    if n - i <= tail
        && let Some([b, a]) = extremes(xs, n - i, true)
    {
        return (a, Some(b));
    }
    // Elsewhere: x[i] by selection, x[i+1] as the least of what selection leaves above it.
    let mut values = xs.to_vec();
    let (_, &mut below, above) = values.select_nth_unstable_by(i, f64::total_cmp);
    (below, above.iter().copied().min_by(f64::total_cmp))
}

/// A value ordered by `total_cmp`, or by its reverse when `.1` is set.
#[derive(Clone, Copy)]
struct Keyed(f64, bool);

impl PartialEq for Keyed {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let order = self.0.total_cmp(&other.0);
        if self.1 { order.reverse() } else { order }
    }
}

/// The (k − 1)-th and k-th of `xs`, ascending (or descending): the k first values by one pass
/// with a heap of k, whose top is the kept value furthest from that end. `None` unless
/// 2 ≤ k ≤ xs.len().
fn extremes(xs: &[f64], k: usize, descending: bool) -> Option<[f64; 2]> {
    if k < 2 || k > xs.len() {
        return None;
    }
    let mut heap: std::collections::BinaryHeap<Keyed> = xs[..k].iter().map(|&x| Keyed(x, descending)).collect();
    for &x in &xs[k..] {
        let key = Keyed(x, descending);
        if let Some(mut top) = heap.peek_mut()
            && key < *top
        {
            *top = key;
        }
    }
    let kth = heap.pop()?.0;
    let before = heap.pop()?.0;
    Some([before, kth])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::test_util::assert_close;

    #[test]
    fn mean_and_sd() {
        // [1, 2, 3, 4]: mean 10/4 = 2.5; Σd² = 2.25+0.25+0.25+2.25 = 5, s = √(5/3).
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_close(mean(&xs), 2.5);
        assert_close(sample_sd(&xs), (5.0f64 / 3.0).sqrt());
        assert_eq!(mean(&[]), None);
        assert_eq!(sample_sd(&[1.0]), None);
        // 0.1 three times: the mean is not exactly 0.1 in binary, but the
        // constant check still yields an exact 0.
        assert_eq!(sample_sd(&[0.1, 0.1, 0.1]), Some(0.0));
    }

    #[test]
    fn quantile_type7_cases() {
        // (data, p, expected, arithmetic)
        let cases: [(&[f64], f64, Option<f64>); 7] = [
            (&[], 0.05, None),
            (&[7.0], 0.05, Some(7.0)), // h = 0 → x[0]
            // sorted [1,2,3,4,5], h = 4·0.05 = 0.2 → 1 + 0.2·(2 − 1) = 1.2
            (&[5.0, 1.0, 4.0, 2.0, 3.0], 0.05, Some(1.2)),
            // h = 4·0.5 = 2 exactly → x[2] = 3
            (&[5.0, 1.0, 4.0, 2.0, 3.0], 0.5, Some(3.0)),
            // h = 4·1 = 4 → x[4] = 5 (no x[5] needed)
            (&[5.0, 1.0, 4.0, 2.0, 3.0], 1.0, Some(5.0)),
            (&[1.0, 2.0], -0.1, None),
            (&[1.0, 2.0], 1.1, None),
        ];
        for (xs, p, expected) in cases {
            match expected {
                Some(e) => assert_close(quantile_type7(xs, p), e),
                None => assert_eq!(quantile_type7(xs, p), None),
            }
        }
    }

    #[test]
    fn quantile_by_selection_is_the_sorted_answer_bit_for_bit() {
        // Pseudo-random returns with ties, ±0 and a NaN, at many p: the same bits as the
        // textbook sort-then-interpolate.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state % 2001) as f64 - 1000.0) * 1e-4
        };
        // Sizes whose tails are kept in a heap (n ≥ 32) and are not, at every p a hundredth
        // apart and at each order statistic near both ends.
        for n in [3, 31, 40, 997, 5000] {
            let mut xs: Vec<f64> = (0..n).map(|_| next()).collect();
            xs.extend([0.0, -0.0, 0.0, f64::NAN, 0.05, 0.05, -0.0]);
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            let last = (sorted.len() - 1) as f64;
            let near_ends = (0..12).flat_map(|i| [i as f64 / last, (last - i as f64) / last, (i as f64 + 0.3) / last]);
            for p in (0..=200).map(|k| k as f64 / 200.0).chain(near_ends).filter(|p| (0.0..=1.0).contains(p)) {
                let h = last * p;
                let (i, frac) = (h.floor() as usize, h - h.floor());
                let want = if frac > 0.0 { sorted[i] + frac * (sorted[i + 1] - sorted[i]) } else { sorted[i] };
                assert_eq!(quantile_type7(&xs, p).map(f64::to_bits), Some(want.to_bits()), "n = {n}, p = {p}");
            }
        }
    }

    #[test]
    fn finite_filters_non_numbers() {
        assert_eq!(finite(1.5), Some(1.5));
        assert_eq!(finite(f64::NAN), None);
        assert_eq!(finite(f64::INFINITY), None);
        assert_eq!(finite(f64::NEG_INFINITY), None);
    }
}
