//! The drawdown column of `equity.arrow`.

/// `equity / running peak − 1` for each day (always ≤ 0, exactly 0 on a new
/// high). The peak starts at the first equity point, not at the capital, so
/// the column describes the equity curve alone.
///
/// While the running peak is ≤ 0 the ratio has no meaning (and would divide
/// by zero), so those days report 0.
pub fn drawdown_series(equity: &[f64]) -> Vec<f64> {
    let mut peak = f64::NEG_INFINITY;
    equity
        .iter()
        .map(|&e| {
            if e > peak {
                peak = e;
            }
            if peak > 0.0 { e / peak - 1.0 } else { 0.0 }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::drawdown_series;
    use crate::analytics::test_util::assert_close;

    #[test]
    fn drawdown_series_cases() {
        let cases: [(&[f64], &[f64]); 5] = [
            (&[], &[]),
            (&[100.0], &[0.0]),
            // peaks 100, 110, 110, 121: 99/110 − 1 = −0.1
            (&[100.0, 110.0, 99.0, 121.0], &[0.0, 0.0, -0.1, 0.0]),
            // peak 120 from day 1: 90/120 − 1 = −0.25, 100/120 − 1 = −1/6, 110/120 − 1 = −1/12
            (&[100.0, 120.0, 90.0, 100.0, 110.0], &[0.0, 0.0, -0.25, -1.0 / 6.0, -1.0 / 12.0]),
            // peak ≤ 0 until day 2, then 5 is the peak: 4/5 − 1 = −0.2
            (&[0.0, -3.0, 5.0, 4.0], &[0.0, 0.0, 0.0, -0.2]),
        ];
        for (equity, expected) in cases {
            let got = drawdown_series(equity);
            assert_eq!(got.len(), expected.len());
            for (&g, &e) in got.iter().zip(expected) {
                assert_close(Some(g), e);
            }
        }
    }
}
