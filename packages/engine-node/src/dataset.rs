//! Dataset functions: info, verify, scan. Each is an `AsyncTask` so the work runs on the libuv
//! pool and the event loop stays free; each accepts an optional `AbortSignal`.

use std::path::PathBuf;

use aegis_bt::data::scan::{ScanFilter, scan_all};
use aegis_bt::data::stamps::StampStore;
use aegis_bt::data::verify::{VerifyOptions, verify};
use aegis_bt::data::{Dataset, Partition, Right, Selection, VerifyPolicy};
use aegis_bt::dates::parse_iso;
use napi::bindgen_prelude::{AbortSignal, AsyncTask};
use napi::{Env, Task};
use napi_derive::napi;

use crate::error::{Failure, guard, to_js};

/// A dataset's summary, from its manifest.
#[napi(object)]
pub struct DatasetInfo {
    pub dir: String,
    pub name: String,
    /// The manifest's `source` object, as JSON text.
    pub source_json: String,
    pub tickers: Vec<String>,
    pub first_trade_date: Option<String>,
    pub last_trade_date: Option<String>,
    pub partitions: u32,
    pub rows: i64,
    pub bytes: i64,
    pub per_ticker: Vec<TickerInfo>,
}

#[napi(object)]
pub struct TickerInfo {
    pub ticker: String,
    pub first_trade_date: String,
    pub last_trade_date: String,
    pub partitions: u32,
    pub rows: i64,
}

pub struct InfoTask(PathBuf);

impl Task for InfoTask {
    type Output = Result<aegis_bt::data::dataset::DatasetInfo, Failure>;
    type JsValue = DatasetInfo;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| Ok(Dataset::open(&self.0)?.info())))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<DatasetInfo> {
        let i = output.map_err(|f| to_js(&env, &f))?;
        Ok(DatasetInfo {
            dir: i.dir,
            name: i.name,
            source_json: i.source.to_string(),
            tickers: i.tickers,
            first_trade_date: i.first_trade_date,
            last_trade_date: i.last_trade_date,
            partitions: i.partitions as u32,
            rows: i.rows as i64,
            bytes: i.bytes as i64,
            per_ticker: i
                .per_ticker
                .into_iter()
                .map(|t| TickerInfo {
                    ticker: t.ticker,
                    first_trade_date: t.first_trade_date,
                    last_trade_date: t.last_trade_date,
                    partitions: t.partitions as u32,
                    rows: t.rows as i64,
                })
                .collect(),
        })
    }
}

/// Summarizes the dataset at `dir` from its manifest.
#[napi(ts_return_type = "Promise<DatasetInfo>")]
pub fn dataset_info(dir: String, signal: Option<AbortSignal>) -> AsyncTask<InfoTask> {
    AsyncTask::with_optional_signal(InfoTask(PathBuf::from(dir)), signal)
}

#[napi(object)]
pub struct VerifyDatasetOptions {
    /// Recompute sha256 checksums (default true).
    pub checksums: Option<bool>,
    /// Check every row against the data contract (default true).
    pub contents: Option<bool>,
}

#[napi(object)]
pub struct DatasetProblem {
    /// Relative to the dataset directory.
    pub file: String,
    pub kind: String,
    pub message: String,
    pub count: i64,
}

#[napi(object)]
pub struct VerifyReport {
    pub dir: String,
    pub dataset: Option<String>,
    pub ok: bool,
    pub partitions_checked: u32,
    pub rows_checked: i64,
    pub bytes_checked: i64,
    pub problems: Vec<DatasetProblem>,
}

pub struct VerifyTask(PathBuf, VerifyOptions);

impl Task for VerifyTask {
    type Output = Result<aegis_bt::data::verify::VerifyReport, Failure>;
    type JsValue = VerifyReport;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| Ok(verify(&self.0, self.1.clone()))))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<VerifyReport> {
        let r = output.map_err(|f| to_js(&env, &f))?;
        Ok(VerifyReport {
            ok: r.ok(),
            dir: r.dir,
            dataset: r.dataset,
            partitions_checked: r.partitions_checked as u32,
            rows_checked: r.rows_checked as i64,
            bytes_checked: r.bytes_checked as i64,
            problems: r
                .problems
                .into_iter()
                .map(|p| DatasetProblem { file: p.file, kind: p.kind, message: p.message, count: p.count as i64 })
                .collect(),
        })
    }
}

/// Verifies a dataset against its manifest and the data contract. Problems are returned in the
/// report (never thrown), each naming its file.
#[napi(ts_return_type = "Promise<VerifyReport>")]
pub fn verify_dataset(
    dir: String,
    options: Option<VerifyDatasetOptions>,
    signal: Option<AbortSignal>,
) -> AsyncTask<VerifyTask> {
    let o = options.unwrap_or(VerifyDatasetOptions { checksums: None, contents: None });
    // Partitions whose checksum matches are stamped (their invalid-quote counts kept beside), so
    // runs need neither hash them again nor count.
    let opts = VerifyOptions {
        checksums: o.checksums.unwrap_or(true),
        contents: o.contents.unwrap_or(true),
        stamps: StampStore::from_env(),
    };
    AsyncTask::with_optional_signal(VerifyTask(PathBuf::from(dir), opts), signal)
}

#[napi(object)]
pub struct ScanRequest {
    /// "call" or "put".
    pub right: String,
    pub min_dte: i32,
    pub max_dte: i32,
    pub min_abs_delta: f64,
    pub max_abs_delta: f64,
    pub tickers: Option<Vec<String>>,
    /// First trade date, YYYY-MM-DD.
    pub start: Option<String>,
    /// Last trade date, YYYY-MM-DD.
    pub end: Option<String>,
}

#[napi(object)]
pub struct ScanResult {
    pub rows_scanned: i64,
    pub rows_matched: i64,
    pub days: i64,
    pub partitions: u32,
    pub seconds: f64,
}

pub struct ScanTask(PathBuf, ScanFilter, Selection);

impl Task for ScanTask {
    type Output = Result<ScanResult, Failure>;
    type JsValue = ScanResult;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let run = || -> Result<ScanResult, Failure> {
            let started = std::time::Instant::now();
            let dataset = Dataset::open(&self.0)?;
            // A counting scan: the metadata is checked, the content is not hashed.
            let opened = dataset.open_partitions(&self.2, &VerifyPolicy::metadata_only())?;
            let parts: Vec<&Partition> = opened.iter().map(|(_, p, _)| p).collect();
            let s = scan_all(&parts, &self.1, self.2.start, self.2.end);
            Ok(ScanResult {
                rows_scanned: s.rows_scanned as i64,
                rows_matched: s.rows_matched as i64,
                days: s.days as i64,
                partitions: parts.len() as u32,
                seconds: started.elapsed().as_secs_f64(),
            })
        };
        Ok(guard(run))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<ScanResult> {
        output.map_err(|f| to_js(&env, &f))
    }
}

/// Counts the contracts a DTE and |delta| filter selects, scanning every row of the selected
/// partitions through the memory map.
#[napi(ts_return_type = "Promise<ScanResult>")]
pub fn scan_count(
    env: Env,
    dir: String,
    request: ScanRequest,
    signal: Option<AbortSignal>,
) -> napi::Result<AsyncTask<ScanTask>> {
    let bad_argument = |message: String| to_js(&env, &Failure::invalid(message));
    let right = match request.right.as_str() {
        "call" => Right::Call,
        "put" => Right::Put,
        other => return Err(bad_argument(format!("right: expected \"call\" or \"put\", got \"{other}\""))),
    };
    let date = |field: &str, v: &Option<String>| -> napi::Result<Option<i32>> {
        v.as_deref()
            .map(|t| parse_iso(t).ok_or_else(|| bad_argument(format!("{field}: expected YYYY-MM-DD, got \"{t}\""))))
            .transpose()
    };
    let selection =
        Selection { tickers: request.tickers, start: date("start", &request.start)?, end: date("end", &request.end)? };
    let filter = ScanFilter {
        right,
        min_dte: request.min_dte,
        max_dte: request.max_dte,
        min_abs_delta: request.min_abs_delta,
        max_abs_delta: request.max_abs_delta,
    };
    Ok(AsyncTask::with_optional_signal(ScanTask(PathBuf::from(dir), filter, selection), signal))
}
