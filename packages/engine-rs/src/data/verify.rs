//! Dataset verification: is every byte the manifest promises there, and does every row keep the
//! data contract? Each problem names the file it is in. Used by `aegis-bt dataset verify` and by
//! `aegis-data validate` (through the addon), so both give the same answer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::data::manifest::{MANIFEST_FILE, Manifest, PartitionEntry, sha256_file};
use crate::data::partition::{Columns, Partition};
use crate::data::stamps::StampStore;
use crate::dates::{iso, year_of};

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Recompute each partition's sha256 (reads every byte).
    pub checksums: bool,
    /// Check every row: order, duplicates, quotes, dates, finite numbers.
    pub contents: bool,
    /// Where to remember partitions whose sha256 matched, so runs need not hash them again.
    pub stamps: StampStore,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { checksums: true, contents: true, stamps: StampStore::disabled() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Relative to the dataset directory.
    pub file: String,
    /// A stable kind: `missing`, `extra`, `size`, `checksum`, `unreadable`, `schema`, `layout`,
    /// `rows`, `dates`, `ticker`, `order`, `duplicate`, `quote`, `value`, `null`, `manifest`.
    pub kind: String,
    pub message: String,
    /// How many rows share this problem (the message describes the first).
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub dir: String,
    pub dataset: Option<String>,
    pub partitions_checked: usize,
    pub rows_checked: u64,
    pub bytes_checked: u64,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the dataset at `dir`. Never fails: every problem, including an unreadable manifest,
/// is in the report.
pub fn verify(dir: &Path, opts: VerifyOptions) -> VerifyReport {
    let mut report = VerifyReport {
        dir: dir.display().to_string(),
        dataset: None,
        partitions_checked: 0,
        rows_checked: 0,
        bytes_checked: 0,
        problems: Vec::new(),
    };
    let manifest = match Manifest::load(dir) {
        Ok(m) => m,
        Err(e) => {
            report.problems.push(problem(MANIFEST_FILE, "manifest", e.reason(), 1));
            return report;
        }
    };
    report.dataset = Some(manifest.name.clone());
    let listed: BTreeSet<&str> = manifest.partitions.iter().map(|p| p.path.as_str()).collect();
    for extra in stray_files(dir).into_iter().filter(|f| !listed.contains(f.as_str())) {
        let message = if extra.ends_with(".partial") {
            "an unfinished partition file (an interrupted write?)".to_string()
        } else {
            "a partition file the manifest does not list".to_string()
        };
        report.problems.push(problem(&extra, "extra", message, 1));
    }
    let results: Vec<(u64, u64, Vec<Problem>)> =
        manifest.partitions.par_iter().map(|entry| verify_partition(dir, entry, &opts)).collect();
    for (rows, bytes, problems) in results {
        report.partitions_checked += 1;
        report.rows_checked += rows;
        report.bytes_checked += bytes;
        report.problems.extend(problems);
    }
    if let Some(entry) = &manifest.events {
        report.problems.extend(verify_side_file(dir, &manifest, &entry.path, "events", &opts));
    }
    if let Some(entry) = &manifest.series {
        report.problems.extend(verify_side_file(dir, &manifest, &entry.path, "series", &opts));
    }
    report
}

/// events.arrow or series.arrow (`kind`): present, its size and (with checksums) its sha256 as
/// listed, and its rows by the format's rules (events: known tickers, dates inside their data,
/// kinds, amounts, order; series: names, finite values, order).
fn verify_side_file(
    dir: &Path,
    manifest: &Manifest,
    file: &str,
    kind: &'static str,
    opts: &VerifyOptions,
) -> Vec<Problem> {
    if !dir.join(file).is_file() {
        return vec![problem(file, "missing", "listed in the manifest but not on disk".into(), 1)];
    }
    let mode = if opts.checksums { super::integrity::VerifyMode::Always } else { super::integrity::VerifyMode::Never };
    let policy = super::integrity::VerifyPolicy::new(mode, opts.stamps.clone());
    let loaded = match kind {
        "events" => super::events::Events::load(dir, manifest, &policy).map(|_| ()),
        _ => super::series::Series::load(dir, manifest, &policy).map(|_| ()),
    };
    match loaded {
        Ok(()) => Vec::new(),
        Err(e) => {
            let kind = match &e {
                crate::error::DataError::Mismatch { .. } => "mismatch",
                _ => kind,
            };
            vec![problem(file, kind, e.reason(), 1)]
        }
    }
}

/// Files under the dataset that look like partitions: `<TICKER>/<name>.arrow[.partial]`.
fn stray_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(tickers) = std::fs::read_dir(dir) else { return out };
    for t in tickers.flatten().filter(|e| e.path().is_dir()) {
        let Ok(files) = std::fs::read_dir(t.path()) else { continue };
        for f in files.flatten() {
            let name = f.file_name().to_string_lossy().to_string();
            if name.ends_with(".arrow") || name.ends_with(".partial") {
                out.push(format!("{}/{}", t.file_name().to_string_lossy(), name));
            }
        }
    }
    out.sort();
    out
}

fn problem(file: &str, kind: &str, message: String, count: u64) -> Problem {
    Problem { file: file.to_string(), kind: kind.to_string(), message, count }
}

fn verify_partition(dir: &Path, entry: &PartitionEntry, opts: &VerifyOptions) -> (u64, u64, Vec<Problem>) {
    let path = entry.full_path(dir);
    let file = entry.path.as_str();
    let mut problems = Vec::new();
    let size = match std::fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(_) => {
            problems.push(problem(file, "missing", "listed in the manifest but not on disk".into(), 1));
            return (0, 0, problems);
        }
    };
    if size != entry.bytes {
        problems.push(problem(file, "size", format!("{size} bytes on disk, the manifest says {}", entry.bytes), 1));
    }
    let mut stamped = false;
    if opts.checksums {
        match sha256_file(&path) {
            Ok(sum) if sum != entry.sha256 => problems.push(problem(
                file,
                "checksum",
                format!("sha256 {sum} does not match the manifest's {}", entry.sha256),
                1,
            )),
            Ok(_) => stamped = opts.stamps.record(&path, &entry.sha256),
            Err(e) => problems.push(problem(file, "unreadable", e.reason(), 1)),
        }
    }
    let part = match Partition::open(&path) {
        Ok(p) => p,
        Err(e) => {
            let kind = match e {
                crate::DataError::Schema { .. } => "schema",
                crate::DataError::Layout { .. } => "layout",
                _ => "unreadable",
            };
            problems.push(problem(file, kind, e.reason(), 1));
            return (0, size, problems);
        }
    };
    if stamped {
        // Beside the stamp, what a first run would otherwise count from four whole columns.
        let counts: Vec<u64> = part.iter_days().map(|day| day.invalid_quotes()).collect();
        opts.stamps.record_quote_counts(&path, &entry.sha256, &counts);
    }
    if part.rows as u64 != entry.rows {
        problems.push(problem(file, "rows", format!("{} rows, the manifest says {}", part.rows, entry.rows), 1));
    }
    let (first, last) = (part.first_day().map(iso), part.last_day().map(iso));
    if first.as_deref() != Some(entry.first_trade_date.as_str())
        || last.as_deref() != Some(entry.last_trade_date.as_str())
    {
        problems.push(problem(
            file,
            "dates",
            format!(
                "trade dates {} to {}, the manifest says {} to {}",
                first.unwrap_or_default(),
                last.unwrap_or_default(),
                entry.first_trade_date,
                entry.last_trade_date
            ),
            1,
        ));
    }
    if opts.contents {
        let mut rows = RowProblems::default();
        for (b, cols) in part.batches.iter().enumerate() {
            check_rows(entry, b, cols, &mut rows);
        }
        problems.extend(rows.into_problems(file));
    }
    (part.rows as u64, size, problems)
}

/// Row-level problems grouped by kind: the first occurrence's message and a count.
#[derive(Default)]
struct RowProblems(BTreeMap<&'static str, (String, u64)>);

impl RowProblems {
    fn add(&mut self, kind: &'static str, message: impl FnOnce() -> String) {
        self.0.entry(kind).and_modify(|(_, n)| *n += 1).or_insert_with(|| (message(), 1));
    }

    fn into_problems(self, file: &str) -> Vec<Problem> {
        self.0
            .into_iter()
            .map(|(kind, (message, count))| {
                let message = if count > 1 { format!("{message} (and {} more rows)", count - 1) } else { message };
                problem(file, kind, message, count)
            })
            .collect()
    }
}

fn check_rows(entry: &PartitionEntry, b: usize, c: &Columns, out: &mut RowProblems) {
    if c.null_count > 0 {
        out.add("null", || format!("record batch {b} has {} null values; the contract has none", c.null_count));
    }
    if c.tickers.iter().any(|t| t != &entry.ticker) {
        out.add("ticker", || {
            format!("record batch {b} holds ticker(s) {:?}, expected only {}", c.tickers, entry.ticker)
        });
    }
    let at = |i: usize| {
        format!(
            "row {i} of batch {b} ({} expiry {} strike {})",
            iso(c.trade_date[i]),
            iso(c.expir_date[i]),
            c.strike[i]
        )
    };
    for i in 0..c.len {
        let (d, e, k) = (c.trade_date[i], c.expir_date[i], c.strike[i]);
        if year_of(d) != entry.year {
            out.add("dates", || format!("{}: trade date is not in {}", at(i), entry.year));
        }
        if e <= d {
            out.add("dates", || format!("{}: expires on or before its trade date", at(i)));
        }
        if !(k.is_finite() && k > 0.0) {
            out.add("value", || format!("{}: strike must be a positive number", at(i)));
        }
        if i > 0 && c.trade_date[i - 1] == d {
            let (pe, pk) = (c.expir_date[i - 1], c.strike[i - 1]);
            if (pe, pk) == (e, k) {
                out.add("duplicate", || format!("{}: duplicates the previous row's key", at(i)));
            } else if pe > e || (pe == e && pk > k) {
                out.add("order", || format!("{}: not sorted by (tradeDate, expirDate, strike)", at(i)));
            }
        }
        for (side, bid, ask) in [("call", c.c_bid[i], c.c_ask[i]), ("put", c.p_bid[i], c.p_ask[i])] {
            if !(bid.is_finite() && ask.is_finite() && 0.0 <= bid && bid <= ask) {
                out.add("quote", || format!("{}: {side} quote bid {bid} ask {ask} breaks 0 ≤ bid ≤ ask", at(i)));
            }
        }
        let finite = [
            c.stk_px[i],
            c.spot_px[i],
            c.yte[i],
            c.smv_vol[i],
            c.i_rate[i],
            c.div_rate[i],
            c.delta[i],
            c.c_value[i],
            c.p_value[i],
        ];
        if finite.iter().any(|v| !v.is_finite()) {
            out.add("value", || format!("{}: a price, rate, vol or delta is not a finite number", at(i)));
        }
        if c.yte[i].is_nan() || c.yte[i] <= 0.0 {
            out.add("value", || format!("{}: yte {} must be positive", at(i), c.yte[i]));
        }
    }
}
