//! Enumeration of the CSCV train/test splits: every choice of S/2 of the S
//! blocks, in lexicographic order of block indices, so that result vectors
//! (logits, selected performances) have a documented, reproducible order.

/// Binomial coefficient C(n, k), or `None` if it does not fit in a `u64`.
pub fn binomial(n: usize, k: usize) -> Option<u64> {
    if k > n {
        return Some(0);
    }
    let k = k.min(n - k) as u64;
    let n = n as u64;
    let mut value: u64 = 1;
    for i in 0..k {
        // value·(n − i) is divisible by (i + 1) because value = C(n, i) and the
        // product is (i+1)·C(n, i+1); u128 keeps the intermediate exact.
        let wide = u128::from(value) * u128::from(n - i) / u128::from(i + 1);
        value = u64::try_from(wide).ok()?;
    }
    Some(value)
}

/// One CSCV split: the in-sample blocks J and their complement J̄, both
/// ascending, i.e. in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub in_sample: Vec<usize>,
    pub out_of_sample: Vec<usize>,
}

/// The k-subsets of {0, …, n−1} in lexicographic order.
#[derive(Debug, Clone)]
pub struct Combinations {
    n: usize,
    next: Option<Vec<usize>>,
}

impl Combinations {
    pub fn new(n: usize, k: usize) -> Self {
        let next = (k <= n).then(|| (0..k).collect());
        Combinations { n, next }
    }
}

impl Iterator for Combinations {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let current = self.next.take()?;
        let k = current.len();
        // Advance the rightmost position that still has room (position i can
        // hold at most n − k + i), then reset the positions after it.
        let mut successor = current.clone();
        if let Some(i) = (0..k).rev().find(|&i| successor[i] < self.n - k + i) {
            successor[i] += 1;
            for j in i + 1..k {
                successor[j] = successor[j - 1] + 1;
            }
            self.next = Some(successor);
        }
        Some(current)
    }
}

/// All C(S, S/2) splits of `partitions` blocks, lexicographic in J.
pub fn splits(partitions: usize) -> Vec<Split> {
    Combinations::new(partitions, partitions / 2)
        .map(|in_sample| {
            let out_of_sample = (0..partitions).filter(|b| !in_sample.contains(b)).collect();
            Split { in_sample, out_of_sample }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_values() {
        let cases = [
            (2, 1, Some(2)),
            (4, 2, Some(6)),
            (10, 5, Some(252)),
            (16, 8, Some(12_870)),
            (5, 0, Some(1)),
            (3, 4, Some(0)),
            (64, 32, Some(1_832_624_140_942_590_534)),
            (70, 35, None),
        ];
        for (n, k, want) in cases {
            assert_eq!(binomial(n, k), want, "C({n}, {k})");
        }
    }

    #[test]
    fn lexicographic_order_for_s4() {
        let got = splits(4);
        let want_is = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
        let want_oos = [[2, 3], [1, 3], [1, 2], [0, 3], [0, 2], [0, 1]];
        assert_eq!(got.len(), 6);
        for (split, (is, oos)) in got.iter().zip(want_is.iter().zip(&want_oos)) {
            assert_eq!(split.in_sample, is);
            assert_eq!(split.out_of_sample, oos);
        }
    }

    #[test]
    fn s16_has_12870_distinct_ordered_splits() {
        let all = splits(16);
        assert_eq!(all.len(), 12_870);
        assert!(all.windows(2).all(|w| w[0].in_sample < w[1].in_sample));
        assert!(all.iter().all(|s| s.in_sample.len() == 8 && s.out_of_sample.len() == 8));
        assert_eq!(all[0].in_sample, (0..8).collect::<Vec<_>>());
        assert_eq!(all[12_869].in_sample, (8..16).collect::<Vec<_>>());
    }

    /// The analysis relies on J̄ of split k being J of split C − 1 − k.
    #[test]
    fn complement_reverses_the_order() {
        for s in [2, 4, 6, 8, 16] {
            let all = splits(s);
            let last = all.len() - 1;
            for (k, split) in all.iter().enumerate() {
                assert_eq!(split.out_of_sample, all[last - k].in_sample, "S = {s}, k = {k}");
            }
        }
    }

    #[test]
    fn degenerate_sizes() {
        assert_eq!(Combinations::new(3, 0).collect::<Vec<_>>(), vec![Vec::<usize>::new()]);
        assert_eq!(Combinations::new(2, 3).count(), 0);
        assert_eq!(splits(2).len(), 2);
    }
}
