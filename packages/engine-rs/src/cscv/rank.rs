//! Selection and relative ranking within one combination: which column wins
//! in-sample, and where that column lands out-of-sample.

/// Index of the largest value; the first one wins ties (so identical columns
/// select the leftmost). `None` for an empty slice.
pub fn argmax_first(values: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in values.iter().enumerate() {
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// 1-based ascending rank of `value` among `values` (which contain it), tied
/// values sharing the average of the ranks they span: with `less` values below
/// and `equal` values equal (itself included) the tie group spans ranks
/// less+1 … less+equal, whose average is less + (equal + 1)/2.
///
/// One counting pass: only the selected column's rank is needed, so a full
/// O(N log N) sort would be wasted work. Equality is exact float equality.
pub fn average_rank(values: &[f64], value: f64) -> f64 {
    let (less, equal) = values.iter().fold((0usize, 0usize), |(l, e), &v| {
        if v < value {
            (l + 1, e)
        } else if v == value {
            (l, e + 1)
        } else {
            (l, e)
        }
    });
    less as f64 + (equal as f64 + 1.0) / 2.0
}

/// Logit λ = ln(ω/(1 − ω)) of the relative rank ω = rank/(N + 1).
///
/// Computed as ln(rank/(N + 1 − rank)), which is the same number without the
/// rounding of 1 − ω; a median rank gives exactly 0. Ranks lie in [1, N], so
/// λ is always finite.
pub fn rank_logit(rank: f64, n: usize) -> f64 {
    (rank / (n as f64 + 1.0 - rank)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_first_of_ties() {
        assert_eq!(argmax_first(&[1.0, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmax_first(&[5.0, 5.0]), Some(0));
        assert_eq!(argmax_first(&[-2.0]), Some(0));
        assert_eq!(argmax_first(&[]), None);
    }

    #[test]
    fn average_ranks_by_hand() {
        let values = [0.3, 0.1, 0.3, 0.2, 0.3];
        // Sorted: 0.1 (rank 1), 0.2 (rank 2), 0.3 ×3 (ranks 3, 4, 5 → 4).
        assert_eq!(average_rank(&values, 0.1), 1.0);
        assert_eq!(average_rank(&values, 0.2), 2.0);
        assert_eq!(average_rank(&values, 0.3), 4.0);
        // Two-way tie at the bottom of three: ranks 1 and 2 → 1.5.
        assert_eq!(average_rank(&[0.0, 0.0, 1.0], 0.0), 1.5);
    }

    #[test]
    fn logits_by_hand() {
        // N = 3: rank 1 → ω = 1/4 → ln(1/3); rank 3 → ln 3; rank 2 → ω = ½ → 0.
        assert_eq!(rank_logit(1.0, 3), (1.0f64 / 3.0).ln());
        assert_eq!(rank_logit(3.0, 3), 3.0f64.ln());
        assert_eq!(rank_logit(2.0, 3), 0.0);
        // N = 4, all tied: rank 2.5 → ω = 2.5/5 = ½ → 0.
        assert_eq!(rank_logit(2.5, 4), 0.0);
    }
}
