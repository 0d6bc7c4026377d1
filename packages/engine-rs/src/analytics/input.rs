//! What every metric reads: one run's daily series and its closed positions.

/// One closed position, reduced to what the trade statistics need.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ClosedTrade {
    /// Σ close-fill P&L − Σ fees of all its fills, in dollars.
    pub net_pnl: f64,
    /// Calendar days from the opening fill to the closing fill.
    pub days_held: i64,
}

/// Borrowed view of a finished run. The daily slices are expected to share
/// one length (one entry per trading day); metrics never index across them,
/// so a mismatch gives a wrong answer rather than a panic.
///
/// `Default` (capital 0, empty slices) exists so tests and callers can fill
/// only the fields a metric reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricInput<'a> {
    /// Starting capital, the base of `total_return` and `cagr`.
    pub capital: f64,
    /// End-of-day equity, one per trading day.
    pub equity: &'a [f64],
    /// Daily returns, same length as `equity`; the first is 0 by construction.
    pub returns: &'a [f64],
    /// `equity / running peak − 1`, same length (see [`super::drawdown_series`]).
    pub drawdown: &'a [f64],
    /// Whether a position was open at that day's close.
    pub in_market: &'a [bool],
    /// Closed positions, in closing order.
    pub trades: &'a [ClosedTrade],
}

impl<'a> MetricInput<'a> {
    /// The daily returns the return statistics are computed over: every day
    /// but the first. The first day's 0 is a placeholder (there is no prior
    /// close), not an observed return, and keeping it would bias the mean,
    /// the deviation and the tails toward zero.
    pub fn return_sample(&self) -> &'a [f64] {
        self.returns.get(1..).unwrap_or(&[])
    }

    /// Last equity point, if any.
    pub fn final_equity(&self) -> Option<f64> {
        self.equity.last().copied()
    }

    /// `final equity / capital`, the base of `total_return` and `cagr`.
    /// `None` with no equity or a capital that is not a positive number
    /// (there is nothing to measure growth against).
    pub fn growth(&self) -> Option<f64> {
        let final_equity = self.final_equity()?;
        (self.capital > 0.0).then(|| final_equity / self.capital)
    }
}

#[cfg(test)]
mod tests {
    use super::MetricInput;

    #[test]
    fn return_sample_drops_the_first_day() {
        let cases: [(&[f64], &[f64]); 3] = [(&[], &[]), (&[0.0], &[]), (&[0.0, 0.1, -0.2], &[0.1, -0.2])];
        for (returns, expected) in cases {
            let input = MetricInput { returns, ..Default::default() };
            assert_eq!(input.return_sample(), expected);
        }
    }
}
