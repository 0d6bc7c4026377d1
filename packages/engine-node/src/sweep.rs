//! Sweeps: `expandSweep` answers at once; `runSweep` and `mergeSweepShards` run on the libuv pool
//! (the points themselves on rayon's threads), with progress through a threadsafe callback and
//! cooperative cancellation.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use aegis_bt::job::Job;
use aegis_bt::sweep::{
    self, Checkpointing, Shard, SweepArtifacts, SweepJob, SweepOptions, SweepProgress as Progress, checkpoint,
};
use napi::bindgen_prelude::{AbortSignal, AsyncTask, Buffer};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task};
use napi_derive::napi;

use crate::backtest::{CancelToken, verify_policy};
use crate::error::{Failure, guard, to_js};

#[napi(object)]
pub struct SweepPlan {
    pub name: String,
    pub dataset: String,
    /// The swept paths, in column order.
    pub paths: Vec<String>,
    /// The points as one JSON array of `{ index, id, params }` (one string, so a million points
    /// cost one parse in JavaScript rather than a million objects made through N-API).
    pub points_json: String,
    /// The scenario's `cscv` section as JSON, when it has one.
    pub cscv_json: Option<String>,
}

pub struct PlanTask {
    text: String,
    source: String,
}

impl Task for PlanTask {
    type Output = Result<SweepPlan, Failure>;
    type JsValue = SweepPlan;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| {
            let points = sweep::plan(&self.text, &self.source)?;
            let first = &points[0].scenario;
            let listed: Vec<serde_json::Value> = points
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let params: serde_json::Map<String, serde_json::Value> = p.params.iter().cloned().collect();
                    serde_json::json!({ "index": i, "id": p.id, "params": params })
                })
                .collect();
            Ok(SweepPlan {
                name: first.name.clone(),
                dataset: first.data.dataset.clone(),
                paths: points[0].params.iter().map(|(p, _)| p.clone()).collect(),
                points_json: serde_json::to_string(&listed).unwrap_or_default(),
                cscv_json: first.cscv.as_ref().map(|c| serde_json::to_string(c).unwrap_or_default()),
            })
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<SweepPlan> {
        output.map_err(|f| to_js(&env, &f))
    }
}

/// Expands and validates every point of a scenario's `sweep:` on the libuv pool (a million points
/// take seconds: never on the event loop). Rejects `ERR_SCENARIO` like `validateScenario`, naming
/// the point's values for a bad point.
#[napi(ts_return_type = "Promise<SweepPlan>")]
pub fn expand_sweep(text: String, source: Option<String>, signal: Option<AbortSignal>) -> AsyncTask<PlanTask> {
    let source = source.unwrap_or_else(|| "<scenario>".into());
    AsyncTask::with_optional_signal(PlanTask { text, source }, signal)
}

#[napi(object)]
pub struct SweepRequest {
    /// The scenario, YAML or JSON text, with a `sweep:` section.
    pub scenario_text: String,
    pub scenario_source: Option<String>,
    /// A directory holding `<dataset>/manifest.json`, or the dataset directory itself.
    pub data_root: String,
    /// Also write the sweep directory here (a shard under `<out>/shards/<iiii>/`).
    pub out: Option<String>,
    /// Recorded in sweep.json (default `local`).
    pub data_path: Option<String>,
    /// Run only shard `shard_index` of `shard_count`.
    pub shard_index: Option<u32>,
    pub shard_count: Option<u32>,
    /// Also write each point's results under `points/<id>/`.
    pub points: Option<bool>,
    /// Worker threads (default one per core).
    pub threads: Option<u32>,
    /// How partitions are checked against the manifest: `auto` (default), `always` or `never`.
    pub verify: Option<String>,
    /// Write `_SUCCESS` after the files (default true); `false` leaves it to the caller.
    pub mark_success: Option<bool>,
    /// Keep finished points in `<out>/checkpoint/` so a stopped sweep resumes when run again
    /// (default true when `out` is set).
    pub checkpoint: Option<bool>,
}

#[napi(object)]
pub struct SweepProgress {
    pub points_done: f64,
    pub points_total: f64,
    /// The point that just finished.
    pub point_id: String,
}

#[napi(object)]
pub struct SweepOutput {
    pub sweep_arrow: Buffer,
    pub returns_arrow: Buffer,
    pub sweep_json: String,
    pub cscv_json: Option<String>,
    pub entries_arrow: Buffer,
    pub benchmark_arrow: Buffer,
    /// `stats.json` (null for a shard).
    pub stats_json: Option<String>,
    pub walk_forward_json: Option<String>,
    pub walk_forward_arrow: Option<Buffer>,
}

impl From<SweepArtifacts> for SweepOutput {
    fn from(a: SweepArtifacts) -> Self {
        SweepOutput {
            sweep_arrow: a.sweep_arrow.into(),
            returns_arrow: a.returns_arrow.into(),
            sweep_json: String::from_utf8_lossy(&a.sweep_json).into_owned(),
            cscv_json: a.cscv_json.map(|b| String::from_utf8_lossy(&b).into_owned()),
            entries_arrow: a.entries_arrow.into(),
            benchmark_arrow: a.benchmark_arrow.into(),
            stats_json: a.stats_json.map(|b| String::from_utf8_lossy(&b).into_owned()),
            walk_forward_json: a.walk_forward_json.map(|b| String::from_utf8_lossy(&b).into_owned()),
            walk_forward_arrow: a.walk_forward_arrow.map(Into::into),
        }
    }
}

type ProgressFn = ThreadsafeFunction<SweepProgress, (), SweepProgress, Status, false>;

pub struct SweepTask {
    request: SweepRequest,
    cancel: Arc<AtomicBool>,
    progress: Option<ProgressFn>,
}

impl Task for SweepTask {
    type Output = Result<SweepArtifacts, Failure>;
    type JsValue = SweepOutput;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| self.run()))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<SweepOutput> {
        output.map(SweepOutput::from).map_err(|f| to_js(&env, &f))
    }
}

impl SweepTask {
    fn run(&self) -> Result<SweepArtifacts, Failure> {
        let r = &self.request;
        let shard = match (r.shard_index, r.shard_count) {
            (None, None) => None,
            (Some(i), Some(k)) => {
                Some(Shard::new(i as usize, k as usize).map_err(|e| Failure::invalid(format!("shard: {e}")))?)
            }
            _ => return Err(Failure::invalid("shard: give both shardIndex and shardCount, or neither")),
        };
        let source = r.scenario_source.clone().unwrap_or_else(|| "<scenario>".into());
        // Files the scenario names beside itself are read from its directory.
        let scenario_dir = aegis_bt::job::dir_of_source(&source);
        let out = r.out.as_ref().map(PathBuf::from);
        let root = PathBuf::from(&r.data_root);
        let tsfn = self.progress.as_ref();
        let report = |p: Progress<'_>| {
            if let Some(f) = tsfn {
                let event = SweepProgress {
                    points_done: p.points_done as f64,
                    points_total: p.points_total as f64,
                    point_id: p.point_id.to_string(),
                };
                f.call(event, ThreadsafeFunctionCallMode::NonBlocking);
            }
        };
        let checkpoint = if r.checkpoint.unwrap_or(true) {
            Checkpointing::Beside(checkpoint::Policy::default())
        } else {
            Checkpointing::Off
        };
        let opts = SweepOptions {
            cancel: Some(self.cancel.clone()),
            checkpoint,
            progress: Some(&report),
            verify: verify_policy(r.verify.as_deref())?,
            ..SweepOptions::default()
        };
        let job = SweepJob {
            run: Job {
                scenario_text: &r.scenario_text,
                scenario_source: &source,
                scenario_dir: scenario_dir.as_deref(),
                data_root: &root,
                data_path: r.data_path.as_deref().unwrap_or("local"),
                entry_point: "addon",
                out: out.as_deref(),
                dataset: None,
                mark_success: r.mark_success.unwrap_or(true),
            },
            shard,
            write_points: r.points.unwrap_or(false),
            threads: r.threads.map(|t| t as usize),
        };
        Ok(sweep::run_sweep(&job, &opts)?)
    }
}

/// Runs a sweep (or one shard) off the event loop; progress arrives as each point finishes.
#[napi(ts_return_type = "Promise<SweepOutput>")]
pub fn run_sweep(
    request: SweepRequest,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "((progress: SweepProgress) => void) | undefined | null")] on_progress: Option<ProgressFn>,
    signal: Option<AbortSignal>,
) -> AsyncTask<SweepTask> {
    let cancel = cancel.map_or_else(|| Arc::new(AtomicBool::new(false)), CancelToken::flag);
    AsyncTask::with_optional_signal(SweepTask { request, cancel, progress: on_progress }, signal)
}

pub struct MergeTask {
    dirs: Vec<PathBuf>,
    out: Option<PathBuf>,
}

impl Task for MergeTask {
    type Output = Result<SweepArtifacts, Failure>;
    type JsValue = SweepOutput;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| Ok(sweep::merge_shards(&self.dirs, self.out.as_deref())?)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<SweepOutput> {
        output.map(SweepOutput::from).map_err(|f| to_js(&env, &f))
    }
}

/// Merges finished shard directories of one sweep into its whole files (written to `out` when
/// given), byte-identical to the sweep run unsharded.
#[napi(ts_return_type = "Promise<SweepOutput>")]
pub fn merge_sweep_shards(dirs: Vec<String>, out: Option<String>, signal: Option<AbortSignal>) -> AsyncTask<MergeTask> {
    let task = MergeTask { dirs: dirs.into_iter().map(PathBuf::from).collect(), out: out.map(PathBuf::from) };
    AsyncTask::with_optional_signal(task, signal)
}
