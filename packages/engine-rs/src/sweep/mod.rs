//! Sweeps: the points of a scenario's `sweep:` run in parallel over data loaded once, each
//! through the same engine code as a single run, keeping only its summary and daily returns.
//! Writes `sweep.arrow`, `returns.arrow`, `sweep.json`, `cscv.json` (with a `cscv:` section) and
//! `_SUCCESS` last (docs/sweeps.md). A sweep can be cut into shards and merged back.

pub mod checkpoint;
#[cfg(test)]
mod checkpoint_tests;
mod cscv;
mod info;
mod merge;
mod reopen;
#[cfg(test)]
mod research_tests;
mod shard;
pub mod stats;
mod table;
#[cfg(test)]
mod tests;
mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde_json::Value;

pub use cscv::CscvReport;
pub use info::{PointInfo, ShardInfo, SweepInfo, SweepTimings};
pub use merge::merge_shards;
pub use reopen::{RerunInputs, open_sweep, walk_forward_dir};
pub use shard::Shard;
pub use table::{BenchmarkCloses, Cell, SweepRow, SweepTable};
pub use walk::Rerun;

use crate::cscv::CscvResult;
use crate::data::manifest::{Manifest, sha256_bytes};
use crate::data::{Dataset, VerifyPolicy};
use crate::engine::{self, EngineError, LoadedData, Stepper};
use crate::error::DataError;
use crate::job::{self, Job, JobError, git_sha, host, locate_dataset, now_epoch};
use crate::results::files::{prepare_dir, write_atomic};
use crate::results::write_success;
use crate::scenario::ScenarioError;
use crate::scenario::sweep::{SweepPoint, expand};

/// What to sweep and where from: a run's job (its `out` holds the sweep, a shard under
/// `<out>/shards/<iiii>/`) and how to cut and run the points.
#[derive(Debug, Clone)]
pub struct SweepJob<'a> {
    pub run: Job<'a>,
    /// Run only this shard of the points.
    pub shard: Option<Shard>,
    /// Also write each point's full results under `points/<id>/`.
    pub write_points: bool,
    /// Worker threads (default: rayon's, one per core); at most [`max_threads`].
    pub threads: Option<usize>,
}

/// The most worker threads a sweep may ask for: four per core (points are CPU-bound; more only
/// costs memory and, unbounded, could exhaust the process).
pub fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()) * 4
}

fn check_threads(threads: Option<usize>) -> Result<(), JobError> {
    match threads {
        Some(t) if t == 0 || t > max_threads() => Err(JobError::InvalidArgument(format!(
            "threads: expected a whole number from 1 to {} (4 per core), got {t}",
            max_threads()
        ))),
        _ => Ok(()),
    }
}

/// A point finished.
#[derive(Debug, Clone, Copy)]
pub struct SweepProgress<'a> {
    pub points_done: u64,
    pub points_total: u64,
    pub point_id: &'a str,
}

/// Whether a sweep keeps a checkpoint of its finished points, and where.
#[derive(Default, Clone, Copy)]
pub enum Checkpointing<'a> {
    /// None: a stopped sweep starts over.
    #[default]
    Off,
    /// In `checkpoint/` beside the results (a sweep without an output directory keeps none).
    Beside(checkpoint::Policy),
    /// In this store (an S3 prefix, for the container).
    In(&'a dyn checkpoint::CheckpointStore, checkpoint::Policy),
}

impl std::fmt::Debug for Checkpointing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Checkpointing::Off => f.write_str("Off"),
            Checkpointing::Beside(p) => f.debug_tuple("Beside").field(p).finish(),
            Checkpointing::In(store, p) => f.debug_tuple("In").field(&store.describe()).field(p).finish(),
        }
    }
}

#[derive(Default)]
pub struct SweepOptions<'a> {
    /// Set to stop the sweep: running points stop at their next day, the rest never start.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Set to stop the sweep gently (a Spot interruption): points not yet started never start,
    /// running ones finish (unless `cancel` is set too), the checkpoint is written, and the sweep
    /// ends with [`JobError::Interrupted`].
    pub stop: Option<Arc<AtomicBool>>,
    /// Keep finished points so a stopped sweep resumes.
    pub checkpoint: Checkpointing<'a>,
    /// Told what a checkpoint gave back or set aside, as the sweep starts (one line each).
    pub notice: Option<&'a (dyn Fn(&str) + Sync)>,
    /// Called from worker threads as each point finishes.
    pub progress: Option<&'a (dyn Fn(SweepProgress<'_>) + Sync)>,
    /// How partitions are checked against the manifest as they are loaded (once, for every point).
    pub verify: VerifyPolicy,
}

impl std::fmt::Debug for SweepOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepOptions")
            .field("cancel", &self.cancel)
            .field("stop", &self.stop)
            .field("checkpoint", &self.checkpoint)
            .field("verify", &self.verify)
            .finish_non_exhaustive()
    }
}

/// The sweep files' bytes and what they hold.
#[derive(Debug, Clone)]
pub struct SweepArtifacts {
    pub sweep_arrow: Vec<u8>,
    pub returns_arrow: Vec<u8>,
    pub sweep_json: Vec<u8>,
    pub cscv_json: Option<Vec<u8>>,
    pub entries_arrow: Vec<u8>,
    pub benchmark_arrow: Vec<u8>,
    /// `stats.json` (the plateau, and the SPA with a `spa:` section); `None` for a shard.
    pub stats_json: Option<Vec<u8>>,
    /// `walk_forward.json` and `walk_forward.arrow`, with a `walk_forward:` section.
    pub walk_forward_json: Option<Vec<u8>>,
    pub walk_forward_arrow: Option<Vec<u8>>,
    pub info: SweepInfo,
    pub table: SweepTable,
    pub cscv: Option<CscvResult>,
    /// The directory written (the shard's own directory for a shard).
    pub dir: Option<PathBuf>,
}

/// Expands the sweep of a scenario text: what `aegis-launch` plans shards with.
pub fn plan(text: &str, source: &str) -> Result<Vec<SweepPoint>, ScenarioError> {
    let scenario = job::validate(text, source)?;
    let points = expand(&scenario, source).map_err(|e| crate::scenario::sweep::place(e, text))?;
    check_cscv_points(&scenario.cscv.is_some(), points.len(), source)?;
    Ok(points)
}

fn check_cscv_points(has_cscv: &bool, n: usize, source: &str) -> Result<(), ScenarioError> {
    if *has_cscv && n < 2 {
        return Err(ScenarioError {
            source_name: source.to_string(),
            path: "cscv".into(),
            message: format!("CSCV compares at least 2 points; the sweep has {n}"),
            line: None,
            column: None,
        });
    }
    Ok(())
}

/// The canonical JSON of a point's parameters (keys sorted): what its id hashes.
fn params_json(params: &[(String, Value)]) -> String {
    let map: BTreeMap<&str, &Value> = params.iter().map(|(p, v)| (p.as_str(), v)).collect();
    serde_json::to_string(&map).unwrap_or_default()
}

fn cell(value: &Value) -> Cell {
    match value.as_f64() {
        Some(x) if value.is_number() => Cell::Number(x),
        _ => Cell::Json(value.to_string()),
    }
}

/// What a point leaves in the sweep's tables.
#[derive(Debug, Clone)]
struct PointResult {
    row: SweepRow,
    returns: Vec<f64>,
    /// The dates its positions were opened on.
    entries: Vec<i32>,
    /// Its benchmark's closes, kept for the first point of the sweep or shard.
    benchmark: Option<BenchmarkCloses>,
}

/// A point's outcome, shared with the checkpoint that may write it while the sweep goes on.
type Finished = Result<Arc<PointResult>, JobError>;

/// Points stepped through the days side by side on one worker: each day's chain is read from
/// memory once for the group, not once per point, and what the day works out for one point
/// (selections, listings) serves the others. As large as leaves each worker about four groups, so
/// the workers stay evenly loaded, between these bounds.
const GROUP_MIN: usize = 16;
const GROUP_MAX: usize = 64;

fn group_size(points: usize, threads: usize) -> usize {
    (points / (4 * threads.max(1))).clamp(GROUP_MIN, GROUP_MAX)
}

/// A group of points (each with its index in the sweep), run in lockstep, day by day: each
/// point's row and returns, or the error that stops the sweep. Point `benchmark_of` keeps its
/// benchmark's closes (the first point of the sweep or shard).
fn run_group(
    group: &[(usize, &SweepPoint)],
    loaded: &LoadedData,
    days: usize,
    points_dir: Option<&Path>,
    cancel: &Arc<AtomicBool>,
    benchmark_of: usize,
) -> Vec<Result<PointResult, JobError>> {
    let cancelled = || group.iter().map(|_| Err(EngineError::Cancelled.into())).collect();
    if cancel.load(Ordering::Relaxed) {
        return cancelled();
    }
    // A point keeps every table only when they are written, or its benchmark's closes are kept.
    let keep = |index: usize| {
        if points_dir.is_some() || index == benchmark_of { engine::Keep::Everything } else { engine::Keep::Row }
    };
    let mut runs: Vec<Result<Stepper<'_>, EngineError>> =
        group.iter().map(|&(index, p)| Stepper::keeping(&p.scenario, loaded, keep(index))).collect();
    let mut shared = engine::Shared::default();
    loop {
        if cancel.load(Ordering::Relaxed) {
            return cancelled();
        }
        let mut stepped = false;
        for run in runs.iter_mut().flatten() {
            if run.next_date().is_some() {
                run.step_sharing(&mut shared);
                stepped = true;
            }
        }
        if !stepped {
            break;
        }
    }
    runs.into_iter()
        .zip(group)
        .map(|(run, &(index, point))| {
            let outcome = run.and_then(Stepper::finish);
            point_result(point, index, outcome, days, points_dir, index == benchmark_of)
        })
        .collect()
}

/// What a point's leg selections depend on besides the data: every strategy's legs.
fn selection_key(scenario: &crate::scenario::Scenario) -> String {
    let legs: Vec<Vec<crate::scenario::LegSpec>> =
        scenario.members().iter().map(|m| m.strategy.structure().legs).collect();
    serde_json::to_string(&legs).unwrap_or_default()
}

/// A point that did not fail of its own: stopped because another failed, or the sweep was
/// cancelled or told to stop. Such errors rank after any real failure.
fn stopped_by_another(e: &JobError) -> bool {
    matches!(e, JobError::Engine(EngineError::Cancelled) | JobError::Interrupted(_))
}

/// A point's row before it has run: what it is, no results.
fn blank_row(point: &SweepPoint, index: usize) -> SweepRow {
    SweepRow {
        point: index as u32,
        id: point.id.clone(),
        params: params_json(&point.params),
        cells: point.params.iter().map(|(_, v)| cell(v)).collect(),
        error: None,
        final_equity: None,
        metrics: vec![None; crate::analytics::Metrics::NAMES.len()],
    }
}

/// One point's row and returns from its outcome, or the error that stops the sweep.
fn point_result(
    point: &SweepPoint,
    index: usize,
    outcome: Result<engine::Outcome, EngineError>,
    days: usize,
    points_dir: Option<&Path>,
    keep_benchmark: bool,
) -> Result<PointResult, JobError> {
    let mut row = blank_row(point, index);
    match outcome {
        Ok(outcome) => {
            if outcome.returns.len() != days {
                return Err(JobError::Shard(format!(
                    "sweep point {}: {} daily returns for {days} trading days",
                    point.id,
                    outcome.returns.len()
                )));
            }
            if let Some(dir) = points_dir {
                write_point(&dir.join(&point.id), &outcome)?;
            }
            row.final_equity = Some(outcome.summary.final_equity);
            row.metrics = outcome.summary.metrics.values();
            let benchmark = keep_benchmark
                .then(|| outcome.benchmark_closes(&point.scenario))
                .flatten()
                .map(|(name, closes)| BenchmarkCloses { name, closes });
            Ok(PointResult { row, returns: outcome.returns, entries: outcome.entries, benchmark })
        }
        // A point that never trades is a result, not a failure: its equity stayed flat.
        Err(EngineError::Unfillable(message)) => {
            row.error = Some(message);
            Ok(PointResult { row, returns: vec![0.0; days], entries: Vec::new(), benchmark: None })
        }
        Err(e) => Err(e.into()),
    }
}

/// A point's `summary.json` and tables: the bytes of a single run.
fn write_point(dir: &Path, outcome: &engine::Outcome) -> Result<(), JobError> {
    let tables = outcome.tables().map_err(|e| JobError::Encode(e.to_string()))?;
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        tables.write(dir, &outcome.summary.to_json_bytes())
    };
    write().map_err(|source| JobError::Write { path: dir.to_path_buf(), source })
}

/// Runs a sweep (or one shard of it): expand and validate every point, load the data once, run
/// the points in parallel, encode, analyse, and write the directory when asked.
pub fn run_sweep(job: &SweepJob<'_>, opts: &SweepOptions<'_>) -> Result<SweepArtifacts, JobError> {
    run_planned(job, None, opts)
}

/// [`run_sweep`] with the points [`plan`] gave for the job's scenario text and the time that
/// took, so a caller that needed them first (the binary, to choose the data to sync) does not
/// expand the sweep twice. The job's dataset override applies to them as to points expanded
/// here, and the sweep's wall time counts their expansion as it counts its own.
pub fn run_planned(
    job: &SweepJob<'_>,
    planned: Option<(Vec<SweepPoint>, Duration)>,
    opts: &SweepOptions<'_>,
) -> Result<SweepArtifacts, JobError> {
    let started = Instant::now();
    let started_at = now_epoch();
    check_threads(job.threads)?;
    let mut scenario = job::validate(job.run.scenario_text, job.run.scenario_source)?;
    if let Some(name) = job.run.dataset {
        scenario.data.dataset = name.to_string();
    }
    // Every point is validated here (or was by `plan`), before any data is read.
    let planning = planned.as_ref().map_or(0.0, |(_, took)| took.as_secs_f64());
    let points = match planned {
        Some((mut points, _)) => {
            if let Some(name) = job.run.dataset {
                points.iter_mut().for_each(|p| p.scenario.data.dataset = name.to_string());
            }
            points
        }
        None => expand(&scenario, job.run.scenario_source)
            .map_err(|e| crate::scenario::sweep::place(e, job.run.scenario_text))?,
    };
    check_cscv_points(&scenario.cscv.is_some(), points.len(), job.run.scenario_source)?;
    let n = points.len();
    if let Some(shard) = job.shard {
        shard.check(n).map_err(JobError::Shard)?;
    }
    let range = job.shard.map_or(0..n, |s| s.range(n));
    let mine = &points[range.clone()];
    let paths: Vec<String> = points[0].params.iter().map(|(p, _)| p.clone()).collect();
    // A column's type comes from the whole sweep, so every shard writes the same schema.
    let numeric: Vec<bool> =
        (0..paths.len()).map(|k| points.iter().all(|p| matches!(cell(&p.params[k].1), Cell::Number(_)))).collect();

    let dir = locate_dataset(job.run.data_root, &scenario.data.dataset)?;
    let dataset = Dataset::open(&dir).map_err(EngineError::from)?;
    let manifest_sha = Manifest::file_sha256(&dir).map_err(|e: DataError| EngineError::from(e))?;
    let mut loaded = LoadedData::load(mine.iter().map(|p| &p.scenario), &dataset, &opts.verify)?;
    let (text, source) = (job.run.scenario_text, job.run.scenario_source);
    loaded.attach_dates_files(mine.iter().map(|p| &p.scenario), job.run.scenario_dir, text, source)?;
    loaded.count_invalid_quotes();
    let dates = loaded.trading_days(scenario.data.start.0);
    if let Some(spec) = &scenario.cscv
        && spec.partitions as usize > dates.len()
    {
        return Err(ScenarioError {
            source_name: job.run.scenario_source.to_string(),
            path: "cscv.partitions".into(),
            message: format!(
                "{} blocks of trading days, but the run has {} trading days",
                spec.partitions,
                dates.len()
            ),
            line: None,
            column: None,
        }
        .into());
    }

    check_analyses(&scenario, dates.len(), job.run.scenario_text, job.run.scenario_source)?;
    let out_dir = job.run.out.map(|o| job.shard.map_or_else(|| o.to_path_buf(), |s| o.join(s.dir_name())));
    if let Some(d) = &out_dir {
        prepare_dir(d).map_err(|source| JobError::Write { path: d.clone(), source })?;
    }
    let points_dir = out_dir.as_ref().filter(|_| job.write_points).map(|d| d.join("points"));

    let cancel = opts.cancel.clone().unwrap_or_default();
    let stop = opts.stop.clone().unwrap_or_default();
    let beside = out_dir.as_deref().map(checkpoint::DirStore::beside);
    let store: Option<(&dyn checkpoint::CheckpointStore, checkpoint::Policy)> = match opts.checkpoint {
        Checkpointing::Off => None,
        Checkpointing::Beside(policy) => beside.as_ref().map(|s| (s as &dyn checkpoint::CheckpointStore, policy)),
        Checkpointing::In(store, policy) => Some((store, policy)),
    };
    let identity = checkpoint::Identity {
        scenario_sha256: sha256_bytes(job.run.scenario_text.as_bytes()),
        dataset: dataset.manifest.name.clone(),
        dataset_manifest_sha256: manifest_sha.clone(),
        engine_version: crate::VERSION.to_string(),
        git_sha: git_sha(),
        points_total: n,
        first: range.start,
        end: range.end,
        trading_days: dates.len(),
        first_date: dates.first().copied(),
        last_date: dates.last().copied(),
    };
    let layout = checkpoint::Layout { paths: paths.clone(), numeric: numeric.clone(), dates: dates.clone() };
    let (checkpointer, restored) = match store {
        Some((store, policy)) => {
            let (c, r) = checkpoint::Checkpointer::open(store, policy, identity, layout, &points);
            if let Some(notice) = opts.notice {
                r.notes.iter().for_each(|n| notice(n));
            }
            (Some(c), r.points)
        }
        None => (None, Vec::new()),
    };
    // With `--points`, a point is kept only if its own files are still there (a task's scratch
    // directory does not outlive it): the others run again to write them.
    let mut restored = restored;
    if let Some(dir) = &points_dir {
        let before = restored.len();
        let last = crate::results::files::TABLE_FILES[crate::results::files::TABLE_FILES.len() - 1];
        restored.retain(|(i, _)| dir.join(&points[*i].id).join(last).is_file());
        if let (Some(notice), true) = (opts.notice, restored.len() < before) {
            notice(&format!(
                "{} checkpointed point(s) run again: their files under points/ are not here",
                before - restored.len()
            ));
        }
    }
    // Each of this sweep's points: restored from the checkpoint, or run below.
    let mut slots: Vec<Option<Finished>> = (0..mine.len()).map(|_| None).collect();
    let resumed = restored.len();
    for (index, point) in restored {
        slots[index - range.start] = Some(Ok(Arc::new(point)));
    }
    if let (Some(notice), true) = (opts.notice, resumed > 0) {
        notice(&format!("resuming: {resumed} of {} point(s) kept from the checkpoint", mine.len()));
    }
    let mut todo: Vec<(usize, &SweepPoint)> =
        (range.clone()).zip(mine).filter(|(i, _)| slots[i - range.start].is_none()).collect();
    // Points that choose the same legs run in the same groups, where each day's choice is made
    // once for all of them (results are placed by index: the order changes no byte).
    todo.sort_by_cached_key(|&(index, point)| (selection_key(&point.scenario), index));
    let done = AtomicU64::new(resumed as u64);
    let total = mine.len() as u64;
    let run_all = || -> Vec<(usize, Finished)> {
        let group = group_size(todo.len(), rayon::current_num_threads());
        let groups: Vec<Vec<(usize, Finished)>> = todo
            .par_chunks(group)
            .map(|group| {
                // After a stop, points not yet started never start.
                if stop.load(Ordering::Relaxed) {
                    return group.iter().map(|(i, _)| (*i, Err(JobError::Interrupted(String::new())))).collect();
                }
                let results: Vec<Finished> =
                    run_group(group, &loaded, dates.len(), points_dir.as_deref(), &cancel, range.start)
                        .into_iter()
                        .map(|r| r.map(Arc::new))
                        .collect();
                let mut finished = Vec::new();
                for ((index, p), r) in group.iter().zip(&results) {
                    match r {
                        Ok(point) => {
                            let points_done = done.fetch_add(1, Ordering::Relaxed) + 1;
                            if let Some(progress) = opts.progress {
                                progress(SweepProgress { points_done, points_total: total, point_id: &p.id });
                            }
                            if checkpointer.is_some() {
                                finished.push((*index, Arc::clone(point)));
                            }
                        }
                        // The first failure stops the points not yet started.
                        Err(_) => cancel.store(true, Ordering::Relaxed),
                    }
                }
                if let Some(c) = &checkpointer {
                    c.offer(finished);
                }
                group.iter().map(|(i, _)| *i).zip(results).collect()
            })
            .collect();
        groups.into_iter().flatten().collect()
    };
    let pool = match job.threads {
        Some(t) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| JobError::Shard(format!("cannot start {t} worker threads: {e}")))?,
        ),
        None => None,
    };
    let threads = job.threads.unwrap_or_else(rayon::current_num_threads);
    let running = AtomicBool::new(true);
    let points_started = Instant::now();
    let results = std::thread::scope(|scope| {
        // The moment the sweep is told to stop, the points already finished are written: the
        // kill may come before the running ones end (Batch allows 30 s after SIGTERM).
        if let Some(c) = &checkpointer {
            let (stop, running) = (&stop, &running);
            scope.spawn(move || {
                while running.load(Ordering::Relaxed) {
                    if stop.load(Ordering::Relaxed) {
                        c.flush();
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        }
        let results = match &pool {
            Some(pool) => pool.install(run_all),
            None => run_all(),
        };
        running.store(false, Ordering::Relaxed);
        results
    });
    let points_seconds = points_started.elapsed().as_secs_f64();
    let complete = results.iter().all(|(_, r)| r.is_ok());
    for (index, r) in results {
        slots[index - range.start] = Some(r);
    }
    // A cancel that came after the last point finished still stops the sweep before its analyses
    // and files (a failed point cancels too, but then not every point is complete).
    let cancelled_late = complete && cancel.load(Ordering::Relaxed);
    // Whatever stopped the sweep, what finished is kept for the next attempt (a sweep that
    // completes writes its results instead).
    if let (Some(c), false) = (&checkpointer, complete && !cancelled_late) {
        c.flush();
    } else if let Some(c) = &checkpointer {
        c.release();
    }
    let mut rows = Vec::with_capacity(slots.len());
    let mut returns = Vec::with_capacity(slots.len());
    let mut entries = Vec::with_capacity(slots.len());
    let mut benchmark = None;
    // The error of the earliest point that failed for a reason of its own; a point stopped only
    // because another failed (or the sweep was stopped) ranks last.
    let mut failure: Option<JobError> = cancelled_late.then(|| EngineError::Cancelled.into());
    for r in slots.into_iter().flatten() {
        match r {
            Ok(point) => {
                // Alone by now (the checkpoint has let go of it): taken without a copy.
                let point = Arc::unwrap_or_clone(point);
                rows.push(point.row);
                returns.push(point.returns);
                entries.push(point.entries);
                benchmark = benchmark.or(point.benchmark);
            }
            Err(e) => {
                if failure.as_ref().is_none_or(|f| !stopped_by_another(&e) && stopped_by_another(f)) {
                    failure = Some(e);
                }
            }
        }
    }
    if let Some(e) = failure {
        // Only points stopped, none failed of its own: the sweep was told to stop.
        if stop.load(Ordering::Relaxed) && stopped_by_another(&e) {
            let kept = checkpointer.as_ref().map_or(rows.len(), |c| c.kept());
            let at = checkpointer.as_ref().and(store).map(|(s, _)| s.describe());
            let mut message = match at {
                Some(at) => format!(
                    "stopped: {kept} of {} point(s) finished and kept in {at}; run the same command again to resume",
                    mine.len()
                ),
                None => format!(
                    "stopped after {kept} of {} point(s); without a checkpoint a new run starts over",
                    mine.len()
                ),
            };
            if let Some(why) = checkpointer.as_ref().and_then(|c| c.failure()) {
                message.push_str(&format!(" (the checkpoint could not be written: {why})"));
            }
            return Err(JobError::Interrupted(message));
        }
        return Err(e);
    }
    let table = SweepTable { paths: paths.clone(), numeric, dates, rows, returns, entries, benchmark };
    let info = SweepInfo {
        scenario: scenario.name.clone(),
        scenario_sha256: sha256_bytes(job.run.scenario_text.as_bytes()),
        engine_version: crate::VERSION.to_string(),
        git_sha: git_sha(),
        entry_point: job.run.entry_point.to_string(),
        dataset: dataset.manifest.name,
        dataset_manifest_sha256: manifest_sha,
        data_path: job.run.data_path.to_string(),
        points_total: n,
        shard: job.shard.map(|s| ShardInfo { index: s.index, count: s.count, first: range.start, end: range.end }),
        paths,
        points: mine
            .iter()
            .enumerate()
            .map(|(k, p)| PointInfo {
                index: range.start + k,
                id: p.id.clone(),
                params: p.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            })
            .collect(),
        cscv: scenario.cscv,
        walk_forward: scenario.walk_forward.clone(),
        spa: scenario.spa,
        notes: checkpointer
            .as_ref()
            .and_then(|c| c.failure())
            .map(|why| format!("the checkpoint could not be written ({why}): an interruption would have started over"))
            .into_iter()
            .collect(),
        resumed_points: resumed,
        trading_days: table.dates.len(),
        threads,
        wall_seconds: planning,
        timings: SweepTimings {
            open_verify: loaded.open_verify_seconds,
            index: loaded.index_seconds,
            points: points_seconds,
            ..SweepTimings::default()
        },
        host: host(),
        started_at,
        verification: loaded.verification.clone(),
    };
    // The analyses compare every point, so a shard leaves them to the merge.
    let analyse = job.shard.is_none();
    let rerun = Rerun { points: &points, loaded: &loaded, dates: &table.dates.clone() };
    let artifacts = finish(table, info, analyse, out_dir, job.run.mark_success, started, Some(&rerun))?;
    // The results are written: the checkpoint has served.
    if let Some(c) = &checkpointer
        && let Err(why) = c.clear()
        && let Some(notice) = opts.notice
    {
        notice(&format!("the checkpoint could not be removed ({why}); it is not needed any more"));
    }
    Ok(artifacts)
}

/// Refuses a `walk_forward:` or `spa:` section the sweep's trading days cannot meet, at its
/// field's line, before any point runs.
fn check_analyses(
    scenario: &crate::scenario::Scenario,
    days: usize,
    text: &str,
    source: &str,
) -> Result<(), ScenarioError> {
    let at = |section: &str, message: String| {
        let fields = ["in_sample", "out_of_sample", "min_trades", "bootstrap", "block"];
        ScenarioError::in_section(text, source, section, &message, &fields)
    };
    if let Some(spec) = &scenario.walk_forward {
        crate::walkforward::windows(days, &spec.options()).map_err(|e| at("walk_forward", e.to_string()))?;
    }
    if let Some(spec) = &scenario.spa {
        stats::check_spa(spec, days).map_err(|m| at("spa", m))?;
    }
    Ok(())
}

/// Encodes the tables, runs CSCV when the sweep asks for it and writes the directory: the same
/// last steps for a whole sweep and a merge, so both give the same bytes.
fn finish(
    table: SweepTable,
    mut info: SweepInfo,
    analyse: bool,
    out_dir: Option<PathBuf>,
    mark_success: bool,
    started: Instant,
    rerun: Option<&Rerun<'_>>,
) -> Result<SweepArtifacts, JobError> {
    let encode = |e: arrow_schema::ArrowError| JobError::Encode(e.to_string());
    let write_err = |d: &Path| {
        let path = d.to_path_buf();
        move |source| JobError::Write { path, source }
    };
    // The tables are encoded and written while CSCV runs (it reads them from memory), and both
    // finish before either's error is returned: a failed analysis loses no backtest.
    let write_tables = || -> Result<([Vec<u8>; 4], f64), JobError> {
        let tables_started = Instant::now();
        let tables = [table.sweep_ipc(), table.returns_ipc(), table.entries_ipc(), table.benchmark_ipc()]
            .map(|t| t.map_err(encode));
        let [sweep_arrow, returns_arrow, entries_arrow, benchmark_arrow] = tables;
        let tables = [sweep_arrow?, returns_arrow?, entries_arrow?, benchmark_arrow?];
        if let Some(d) = &out_dir {
            prepare_dir(d).map_err(write_err(d))?;
            for (name, bytes) in
                ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow"].iter().zip(&tables)
            {
                write_atomic(d, name, bytes).map_err(write_err(d))?;
            }
        }
        Ok((tables, tables_started.elapsed().as_secs_f64()))
    };
    // Each analysis's time counts only when it runs (a shard's stay 0 for the merge to fill).
    let analyse_cscv = || match (&info.cscv, analyse) {
        (Some(spec), true) => {
            let cscv_started = Instant::now();
            (cscv::analyse(&table, spec).map(Some), cscv_started.elapsed().as_secs_f64())
        }
        _ => (Ok(None), 0.0),
    };
    // The statistics read neither CSCV's result nor the tables' bytes: they run beside CSCV too.
    let analyse_stats = || -> (Result<Option<Vec<u8>>, JobError>, f64) {
        if !analyse {
            return (Ok(None), 0.0);
        }
        let stats_started = Instant::now();
        let bytes = stats::analyse(&table, info.cscv.as_ref(), info.spa.as_ref()).map(|s| Some(s.to_json_bytes()));
        (bytes, stats_started.elapsed().as_secs_f64())
    };
    let ((tables, (stats_json, stats_seconds)), (report, cscv_seconds)) =
        rayon::join(|| (write_tables(), analyse_stats()), analyse_cscv);
    let ([sweep_arrow, returns_arrow, entries_arrow, benchmark_arrow], tables_seconds) = tables?;
    let report = report?;
    let stats_json = stats_json?;
    info.timings.tables += tables_seconds;
    info.timings.cscv += cscv_seconds;
    info.timings.stats += stats_seconds;
    let cscv_json = report.as_ref().map(CscvReport::to_json_bytes);
    let walk_forward_started = Instant::now();
    let walk_forward = match (&info.walk_forward, analyse) {
        (Some(spec), true) => {
            let options = spec.options();
            if options.mode == crate::walkforward::Mode::Rerun && rerun.is_none() {
                info.notes.push(
                    "walk_forward: mode rerun runs the chosen points over the data, which a merge does not have: \
                     run `aegis-bt walk-forward --sweep <this directory> --mode rerun --scenario <file> --data <root>`"
                        .into(),
                );
                None
            } else {
                Some(walk::analyse(&table, &info, &options, rerun)?)
            }
        }
        _ => None,
    };
    let walk_forward_json = walk_forward.as_ref().map(crate::walkforward::Report::to_json_bytes);
    let walk_forward_arrow = walk_forward.as_ref().map(|w| w.to_ipc()).transpose().map_err(encode)?;
    if walk_forward.is_some() {
        info.timings.walk_forward += walk_forward_started.elapsed().as_secs_f64();
    }
    info.wall_seconds += started.elapsed().as_secs_f64();
    let sweep_json = info.to_json_bytes();
    if let Some(d) = &out_dir {
        for (name, bytes) in [
            ("cscv.json", &cscv_json),
            ("stats.json", &stats_json),
            ("walk_forward.json", &walk_forward_json),
            ("walk_forward.arrow", &walk_forward_arrow),
        ] {
            if let Some(bytes) = bytes {
                write_atomic(d, name, bytes).map_err(write_err(d))?;
            }
        }
        write_atomic(d, "sweep.json", &sweep_json).map_err(write_err(d))?;
        if mark_success {
            write_success(d).map_err(write_err(d))?;
        }
    }
    Ok(SweepArtifacts {
        sweep_arrow,
        returns_arrow,
        sweep_json,
        cscv_json,
        entries_arrow,
        benchmark_arrow,
        stats_json,
        walk_forward_json,
        walk_forward_arrow,
        info,
        table,
        cscv: report.map(|r| r.result),
        dir: out_dir,
    })
}
