//! Longest drawdown, in trading days.

use crate::analytics::input::MetricInput;
use crate::analytics::metric::Metric;

/// The longest stretch from a peak until equity is first back at (≥) that
/// peak, counted as the difference of the two days' indices: a peak on day p
/// recovered on day q counts q − p. A drawdown still open at the end counts
/// to the last day L: L − p. A run with no drawdown reports 0.
///
/// Computed from `equity` (the definition is about equity regaining a peak);
/// the peak starts at the first equity point, like the drawdown column.
/// `None` when there is no equity.
#[derive(Debug)]
pub struct MaxDrawdownDays;

impl Metric for MaxDrawdownDays {
    const NAME: &'static str = "max_drawdown_days";
    type Output = Option<u64>;

    fn compute(input: &MetricInput<'_>) -> Option<u64> {
        let (&first, rest) = input.equity.split_first()?;
        let mut peak = first;
        let mut peak_day = 0usize;
        let mut underwater = false;
        let mut longest = 0usize;
        for (offset, &e) in rest.iter().enumerate() {
            let day = offset + 1;
            if e >= peak {
                if underwater {
                    // Back at (or above) the peak: the open stretch ends today.
                    longest = longest.max(day - peak_day);
                    underwater = false;
                }
                peak = e;
                peak_day = day;
            } else {
                underwater = true;
            }
        }
        if underwater {
            // Never recovered: count to the last day.
            longest = longest.max(rest.len() - peak_day);
        }
        Some(longest as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_drawdown_days_cases() {
        let cases: [(&[f64], Option<u64>); 9] = [
            // peak 110 on day 1, back above on day 3: 3 − 1 = 2
            (&[100.0, 110.0, 99.0, 121.0], Some(2)),
            // peak 120 on day 1, never regained, last day 4: 4 − 1 = 3
            (&[100.0, 120.0, 90.0, 100.0, 110.0], Some(3)),
            // day 0 → 3 (equal to the peak counts as recovered) = 3, then
            // day 3 → 5 = 2; longest 3
            (&[100.0, 90.0, 95.0, 100.0, 80.0, 101.0], Some(3)),
            // recovered dip day 0 → 2 = 2, then open from day 3 to the last
            // day 6: 6 − 3 = 3; longest 3
            (&[100.0, 99.0, 100.0, 105.0, 104.0, 103.0, 104.9], Some(3)),
            // rising every day: each new high is one day after the last, no
            // day spent below a peak, so 0
            (&[100.0, 101.0, 102.0], Some(0)),
            (&[100.0, 100.0, 100.0], Some(0)), // flat: always at the peak
            (&[100.0, 90.0], Some(1)),         // down on the last day: 1 − 0
            (&[100.0], Some(0)),
            (&[], None),
        ];
        for (equity, expected) in cases {
            let input = MetricInput { equity, ..Default::default() };
            assert_eq!(MaxDrawdownDays::compute(&input), expected, "{equity:?}");
        }
    }
}
