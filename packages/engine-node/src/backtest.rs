//! Backtests and scenarios: `runBacktest` runs on the libuv pool with progress through a
//! threadsafe callback and cooperative cancellation; `validateScenario` and
//! `scenarioJsonSchema` answer at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aegis_bt::data::stamps::StampStore;
use aegis_bt::data::{VerifyMode, VerifyPolicy};
use aegis_bt::engine::{Progress, RunOptions};
use aegis_bt::job::{self, Artifacts, Job};
use napi::bindgen_prelude::{AbortSignal, AsyncTask, Buffer};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task};
use napi_derive::napi;

use crate::error::{Failure, guard, to_js};

/// A flag the JavaScript side sets to stop a running backtest between trading days.
#[napi]
#[derive(Debug)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelToken { flag: Arc::new(AtomicBool::new(false)) }
    }

    /// Asks the run to stop; it rejects with an `ABORT_ERR` at the next day boundary.
    #[napi]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

impl CancelToken {
    /// The shared flag, for a task to watch.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

#[napi(object)]
pub struct BacktestRequest {
    /// The scenario, YAML or JSON text.
    pub scenario_text: String,
    /// Names the scenario in errors (usually its file path).
    pub scenario_source: Option<String>,
    /// A directory holding `<dataset>/manifest.json`, or the dataset directory itself.
    pub data_root: String,
    /// Also write a results directory here.
    pub out: Option<String>,
    /// Recorded in run.json (default `local`).
    pub data_path: Option<String>,
    /// How partitions are checked against the manifest: `auto` (default), `always` or `never`.
    pub verify: Option<String>,
    /// Write `_SUCCESS` after the results (default true); `false` leaves it to the caller.
    pub mark_success: Option<bool>,
}

/// The verification policy a request names; stamps live in the user cache (`AEGIS_VERIFY_CACHE`).
pub fn verify_policy(mode: Option<&str>) -> Result<VerifyPolicy, Failure> {
    let mode: VerifyMode =
        mode.unwrap_or("auto").parse().map_err(|e: String| Failure::invalid(format!("verify: {e}")))?;
    Ok(VerifyPolicy::new(mode, StampStore::from_env()))
}

#[napi(object)]
pub struct BacktestProgress {
    pub days_done: f64,
    pub days_total: f64,
    /// The trading day just finished, YYYY-MM-DD.
    pub date: String,
}

#[napi(object)]
pub struct BacktestOutput {
    /// The exact bytes of summary.json, as text.
    pub summary_json: String,
    /// equity.arrow, Arrow IPC file bytes.
    pub equity_arrow: Buffer,
    /// trades.arrow, Arrow IPC file bytes.
    pub trades_arrow: Buffer,
    /// positions.arrow, Arrow IPC file bytes.
    pub positions_arrow: Buffer,
    /// strategies.arrow, Arrow IPC file bytes.
    pub strategies_arrow: Buffer,
    /// market.arrow, Arrow IPC file bytes.
    pub market_arrow: Buffer,
    /// montecarlo.json, as text, when the scenario has a `montecarlo:` section.
    pub montecarlo_json: Option<String>,
    pub run_json: String,
}

type ProgressFn = ThreadsafeFunction<BacktestProgress, (), BacktestProgress, Status, false>;

pub struct BacktestTask {
    request: BacktestRequest,
    cancel: Arc<AtomicBool>,
    progress: Option<ProgressFn>,
}

impl Task for BacktestTask {
    type Output = Result<Artifacts, Failure>;
    type JsValue = BacktestOutput;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| self.run()))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<BacktestOutput> {
        let a = output.map_err(|f| to_js(&env, &f))?;
        let t = a.tables;
        Ok(BacktestOutput {
            summary_json: String::from_utf8_lossy(&a.summary_json).into_owned(),
            equity_arrow: t.equity.into(),
            trades_arrow: t.trades.into(),
            positions_arrow: t.positions.into(),
            strategies_arrow: t.strategies.into(),
            market_arrow: t.market.into(),
            montecarlo_json: a.montecarlo_json.map(|b| String::from_utf8_lossy(&b).into_owned()),
            run_json: serde_json::to_string_pretty(&a.run).unwrap_or_default(),
        })
    }
}

impl BacktestTask {
    fn run(&self) -> Result<Artifacts, Failure> {
        let r = &self.request;
        let source = r.scenario_source.clone().unwrap_or_else(|| "<scenario>".into());
        // Files the scenario names beside itself are read from its directory.
        let scenario_dir = job::dir_of_source(&source);
        let out = r.out.as_ref().map(PathBuf::from);
        let root = PathBuf::from(&r.data_root);
        let tsfn = self.progress.as_ref();
        let report = |p: Progress| {
            if let Some(f) = tsfn {
                let event = BacktestProgress {
                    days_done: p.days_done as f64,
                    days_total: p.days_total as f64,
                    date: aegis_bt::dates::iso(p.date),
                };
                f.call(event, ThreadsafeFunctionCallMode::NonBlocking);
            }
        };
        let opts = RunOptions {
            cancel: Some(self.cancel.clone()),
            progress: Some(&report),
            verify: verify_policy(r.verify.as_deref())?,
        };
        let job = Job {
            scenario_text: &r.scenario_text,
            scenario_source: &source,
            scenario_dir: scenario_dir.as_deref(),
            data_root: &root,
            data_path: r.data_path.as_deref().unwrap_or("local"),
            entry_point: "addon",
            out: out.as_deref(),
            dataset: None,
            mark_success: r.mark_success.unwrap_or(true),
        };
        Ok(job::execute(&job, &opts)?)
    }
}

/// Runs a backtest off the event loop. Progress arrives about every 1% of the trading days.
#[napi(ts_return_type = "Promise<BacktestOutput>")]
pub fn run_backtest(
    request: BacktestRequest,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "((progress: BacktestProgress) => void) | undefined | null")] on_progress: Option<ProgressFn>,
    signal: Option<AbortSignal>,
) -> AsyncTask<BacktestTask> {
    let cancel = cancel.map_or_else(|| Arc::new(AtomicBool::new(false)), |c| c.flag.clone());
    AsyncTask::with_optional_signal(BacktestTask { request, cancel, progress: on_progress }, signal)
}

/// A valid scenario's essentials.
#[napi(object)]
pub struct ScenarioSummary {
    pub name: String,
    pub dataset: String,
    pub tickers: Vec<String>,
    pub start: String,
    pub end: String,
    /// Option legs of every strategy together.
    pub legs: u32,
    /// The strategies' names, in the order they act (`main` for the single-strategy form).
    pub strategies: Vec<String>,
    /// Files the scenario reads beside itself (`dates: { file }`), as written: relative to its
    /// directory (a remote run needs them uploaded beside the scenario).
    pub files: Vec<String>,
    /// The scenario with every default filled in, as JSON.
    pub normalized_json: String,
}

/// Parses and checks a scenario. Throws an error with `code: "ERR_SCENARIO"` and the field
/// `path`, `line` and `column`, the same message `aegis-bt validate` prints.
#[napi]
pub fn validate_scenario(env: Env, text: String, source: Option<String>) -> napi::Result<ScenarioSummary> {
    let source = source.unwrap_or_else(|| "<scenario>".into());
    let s = guard(|| Ok(job::validate(&text, &source)?)).map_err(|f| to_js(&env, &f))?;
    Ok(ScenarioSummary {
        name: s.name.clone(),
        dataset: s.data.dataset.clone(),
        tickers: s.data.tickers.iter().map(|t| t.0.clone()).collect(),
        start: s.data.start.to_string(),
        end: s.data.end.to_string(),
        legs: s.members().iter().map(|m| m.strategy.resolved_legs().len() as u32).sum(),
        strategies: s.members().iter().map(|m| m.name.to_string()).collect(),
        files: aegis_bt::engine::dates_files(&s),
        normalized_json: serde_json::to_string(&s).unwrap_or_default(),
    })
}

/// The scenario's JSON Schema, as JSON text.
#[napi]
pub fn scenario_json_schema() -> String {
    serde_json::to_string_pretty(&aegis_bt::scenario::json_schema()).unwrap_or_default()
}

/// The JSON Schema of `summary.json` and `run.json`, as JSON text (for the TypeScript types).
#[napi]
pub fn results_json_schema() -> String {
    serde_json::to_string_pretty(&aegis_bt::results::json_schema()).unwrap_or_default()
}

/// Marks a results directory finished: writes `_SUCCESS` (through a temporary name and a rename).
/// For callers that passed `markSuccess: false` and wrote files of their own after the engine's.
#[napi]
pub fn write_success_marker(env: Env, dir: String) -> napi::Result<()> {
    aegis_bt::results::write_success(std::path::Path::new(&dir)).map_err(|source| {
        let e = job::JobError::Write { path: PathBuf::from(&dir), source };
        to_js(&env, &Failure::from(e))
    })
}
