//! Full filtered scans over memory-mapped partitions: how many contracts a day-by-day selection by
//! DTE and |delta| would consider. Used by `aegis-bt dataset scan`, the addon's `scanCount` and the
//! reader benchmark.
//!
//! The loop is branch-free over the columns (`expirDate`, `delta`) of each day's contiguous slice,
//! so it streams at memory speed: the DTE window becomes an expiry-date window per day.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::chain::Right;
use crate::data::partition::Partition;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanFilter {
    pub right: Right,
    pub min_dte: i32,
    pub max_dte: i32,
    /// Bounds on the contract's |delta|, inclusive.
    pub min_abs_delta: f64,
    pub max_abs_delta: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanStats {
    pub rows_scanned: u64,
    pub rows_matched: u64,
    pub days: u64,
}

impl std::ops::Add for ScanStats {
    type Output = ScanStats;
    fn add(self, o: ScanStats) -> ScanStats {
        ScanStats {
            rows_scanned: self.rows_scanned + o.rows_scanned,
            rows_matched: self.rows_matched + o.rows_matched,
            days: self.days + o.days,
        }
    }
}

impl ScanFilter {
    /// The call-delta interval equivalent to the |delta| bounds for this right.
    fn call_delta_bounds(&self) -> (f64, f64) {
        match self.right {
            Right::Call => (self.min_abs_delta, self.max_abs_delta),
            // put delta = call delta − 1, so |put delta| ∈ [a, b] ⇔ call delta ∈ [1 − b, 1 − a].
            Right::Put => (1.0 - self.max_abs_delta, 1.0 - self.min_abs_delta),
        }
    }
}

/// Scans one partition, optionally restricted to trade dates in `[start, end]`.
pub fn scan_partition(p: &Partition, filter: &ScanFilter, start: Option<i32>, end: Option<i32>) -> ScanStats {
    let (dlo, dhi) = filter.call_delta_bounds();
    let mut stats = ScanStats::default();
    for span in &p.days {
        if start.is_some_and(|s| span.trade_date < s) || end.is_some_and(|e| span.trade_date > e) {
            continue;
        }
        let cols = &p.batches[span.batch];
        let (elo, ehi) = (span.trade_date + filter.min_dte, span.trade_date + filter.max_dte);
        let exp = &cols.expir_date[span.start..span.end];
        let delta = &cols.delta[span.start..span.end];
        let mut matched = 0u64;
        for (&e, &d) in exp.iter().zip(delta) {
            matched += u64::from((e >= elo) & (e <= ehi) & (d >= dlo) & (d <= dhi));
        }
        stats.rows_matched += matched;
        stats.rows_scanned += exp.len() as u64;
        stats.days += 1;
    }
    stats
}

/// Scans many partitions in parallel on the rayon pool.
pub fn scan_all(parts: &[&Partition], filter: &ScanFilter, start: Option<i32>, end: Option<i32>) -> ScanStats {
    parts.par_iter().map(|p| scan_partition(p, filter, start, end)).reduce(ScanStats::default, |a, b| a + b)
}
