//! Writing a results directory: every file through a temporary name and a rename, `_SUCCESS`
//! last, so a reader never mistakes a half-written run for a finished one.

use std::path::Path;

use serde::Serialize;

use crate::data::Verification;

pub const SUCCESS_FILE: &str = "_SUCCESS";

/// `run.json`: provenance. The only result file allowed to differ between identical runs.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RunInfo {
    pub engine_version: String,
    pub git_sha: String,
    /// `binary` or `addon`.
    pub entry_point: String,
    pub scenario: String,
    pub scenario_sha256: String,
    pub dataset: String,
    pub dataset_manifest_sha256: String,
    /// How the data root was found: `explicit`, `s3files`, `ebs`, `s3-sync` or `local`.
    pub data_path: String,
    pub data_dir: String,
    pub rows_scanned: u64,
    pub partitions: usize,
    pub wall_seconds: f64,
    pub host: String,
    /// Seconds since the Unix epoch when the run started.
    pub started_at: u64,
    /// How every partition read was checked against the dataset's manifest.
    pub verification: Verification,
    /// Where `wall_seconds` went.
    #[serde(default)]
    pub timings: Timings,
}

/// A run's time by phase, in seconds (`run.json` `timings`); the rest of `wall_seconds` is parsing
/// the scenario and locating the data.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Timings {
    /// Mapping the partitions (and the events and series files) and checking them against the
    /// manifest: sizes, rows, dates, tickers, sha256 unless stamped.
    pub open_verify: f64,
    /// Indexing the run's days: each day's rows by expiry, its invalid quotes counted.
    pub index: f64,
    /// The backtest itself: every trading day of every strategy, then the metrics.
    pub days: f64,
    /// Encoding the result tables and writing the directory.
    pub write: f64,
}

/// Writes `name` in `dir` through a temporary name and a rename.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.partial"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(name))
}

/// Creates `dir` and removes a previous `_SUCCESS`: an earlier run's marker must not vouch for
/// the files about to be replaced.
pub(crate) fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // `_SUCCESS` first: from here the directory is unfinished. Then the files an earlier run left
    // that this one may not write again (a `montecarlo.json` of a scenario since edited).
    for name in std::iter::once(SUCCESS_FILE).chain(RESULT_FILES) {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Every file a run's or a sweep's directory may hold at its top level: an earlier run's are
/// removed before a new one writes there (locally and in S3), so `_SUCCESS` never vouches for a
/// mix of two runs.
pub const RESULT_FILES: [&str; 18] = [
    "summary.json",
    "equity.arrow",
    "trades.arrow",
    "positions.arrow",
    "strategies.arrow",
    "market.arrow",
    "montecarlo.json",
    "run.json",
    "report.html",
    "sweep.arrow",
    "returns.arrow",
    "entries.arrow",
    "benchmark.arrow",
    "sweep.json",
    "cscv.json",
    "stats.json",
    "walk_forward.json",
    "walk_forward.arrow",
];

/// The Arrow tables of a run's results, as IPC file bytes.
/// The result tables' Arrow IPC bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Tables {
    pub equity: Vec<u8>,
    pub trades: Vec<u8>,
    pub positions: Vec<u8>,
    pub strategies: Vec<u8>,
    pub market: Vec<u8>,
}

/// The table files of a results directory, in the order they are written.
pub const TABLE_FILES: [&str; 5] =
    ["equity.arrow", "trades.arrow", "positions.arrow", "strategies.arrow", "market.arrow"];

impl Tables {
    /// (file name, bytes), in [`TABLE_FILES`] order.
    pub fn files(&self) -> [(&'static str, &[u8]); 5] {
        let [e, t, p, s, m] = TABLE_FILES;
        [(e, &self.equity), (t, &self.trades), (p, &self.positions), (s, &self.strategies), (m, &self.market)]
    }

    /// Writes `summary.json` and the tables into `dir` (a sweep point's directory).
    pub fn write(&self, dir: &Path, summary_json: &[u8]) -> std::io::Result<()> {
        write_atomic(dir, "summary.json", summary_json)?;
        for (name, bytes) in self.files() {
            write_atomic(dir, name, bytes)?;
        }
        Ok(())
    }
}

/// Writes `summary.json`, the tables ([`TABLE_FILES`]), `montecarlo.json` when the scenario asks
/// for it, `run.json`, then (with `mark_success`) `_SUCCESS`. `run.json`'s `timings.write` and
/// `wall_seconds` gain the time spent writing the files before it.
pub fn write_results(
    dir: &Path,
    summary_json: &[u8],
    tables: &Tables,
    montecarlo_json: Option<&[u8]>,
    run: &RunInfo,
    mark_success: bool,
) -> std::io::Result<()> {
    let started = std::time::Instant::now();
    prepare_dir(dir)?;
    tables.write(dir, summary_json)?;
    if let Some(bytes) = montecarlo_json {
        write_atomic(dir, "montecarlo.json", bytes)?;
    }
    let mut run = run.clone();
    let writing = started.elapsed().as_secs_f64();
    run.timings.write += writing;
    run.wall_seconds += writing;
    let mut run_json = serde_json::to_vec_pretty(&run).map_err(std::io::Error::other)?;
    run_json.push(b'\n');
    write_atomic(dir, "run.json", &run_json)?;
    if mark_success { write_success(dir) } else { Ok(()) }
}

/// Marks a results directory finished: `_SUCCESS`, written last.
pub fn write_success(dir: &Path) -> std::io::Result<()> {
    write_atomic(dir, SUCCESS_FILE, b"")
}
