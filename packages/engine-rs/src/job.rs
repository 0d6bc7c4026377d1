//! A run as every entry point sees it: scenario text and a data root in, the result files' bytes
//! (and optionally a results directory) out. The binary and the addon both call [`execute`], so
//! they produce the same bytes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::data::Dataset;
use crate::data::manifest::{MANIFEST_FILE, Manifest, sha256_bytes};
use crate::engine::{self, EngineError, LoadedData, Outcome, RunOptions};
use crate::error::DataError;
use crate::results::{RunInfo, Tables, Timings, write_results};
use crate::scenario::{self, Scenario, ScenarioError};

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    DatasetNotFound(String),
    #[error("{path}: cannot write results: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode results: {0}")]
    Encode(String),
    /// A shard that does not fit its sweep, or shards that do not make one sweep.
    #[error("{0}")]
    Shard(String),
    #[error("{0}")]
    Cscv(String),
    /// A walk-forward or multiple-testing analysis of a sweep that cannot run.
    #[error("{0}")]
    Analysis(String),
    /// An option out of its range (a thread count, a shard).
    #[error("{0}")]
    InvalidArgument(String),
    /// A sweep stopped on request (a Spot interruption): what finished is in its checkpoint, and
    /// the same command resumes it.
    #[error("{0}")]
    Interrupted(String),
}

impl JobError {
    /// A stable code for typed errors on the Node side.
    pub fn code(&self) -> &'static str {
        match self {
            JobError::Scenario(e) => e.code(),
            JobError::Engine(e) => e.code(),
            JobError::DatasetNotFound(_) => "ERR_DATASET_NOT_FOUND",
            JobError::Write { .. } => "ERR_WRITE",
            JobError::Encode(_) => "ERR_ENCODE",
            JobError::Shard(_) => "ERR_SHARD",
            JobError::Cscv(_) => "ERR_CSCV",
            JobError::Analysis(_) => "ERR_ANALYSIS",
            JobError::InvalidArgument(_) => "ERR_INVALID_ARG",
            JobError::Interrupted(_) => "ERR_INTERRUPTED",
        }
    }
}

/// What to run and where from.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    pub scenario_text: &'a str,
    /// Names the scenario in errors (a file path, or `<scenario>`).
    pub scenario_source: &'a str,
    /// Where files the scenario names beside itself (`dates: { file }`) are read from: its
    /// directory; `None` for scenario text with no file behind it.
    pub scenario_dir: Option<&'a Path>,
    /// A directory holding `<dataset>/manifest.json`, or the dataset directory itself.
    pub data_root: &'a Path,
    /// How the data root was chosen (`explicit`, `s3files`, `ebs`, `s3-sync`, `local`).
    pub data_path: &'a str,
    /// `binary` or `addon`.
    pub entry_point: &'a str,
    /// Write a results directory here as well.
    pub out: Option<&'a Path>,
    /// Run on this dataset instead of the scenario's `data.dataset` (`AEGIS_DATASET`).
    pub dataset: Option<&'a str>,
    /// Write `_SUCCESS` after the results. A caller that writes more into the directory (a
    /// report) says `false` and writes `_SUCCESS` itself, last.
    pub mark_success: bool,
}

/// The result files' bytes and what produced them.
#[derive(Debug, Clone)]
pub struct Artifacts {
    pub summary_json: Vec<u8>,
    pub tables: Tables,
    /// `montecarlo.json`, when the scenario has a `montecarlo:` section.
    pub montecarlo_json: Option<Vec<u8>>,
    pub run: RunInfo,
    pub outcome: Outcome,
}

/// The directory of a scenario named by `source` when it is a file on this machine: where the
/// files it names beside itself are.
pub fn dir_of_source(source: &str) -> Option<PathBuf> {
    let path = Path::new(source);
    if !path.is_file() {
        return None;
    }
    Some(match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// Parses and checks a scenario; the same errors from every entry point.
pub fn validate(text: &str, source: &str) -> Result<Scenario, ScenarioError> {
    scenario::parse(text, source)
}

/// Finds the dataset directory named `name` under `root` (or `root` itself when it is that dataset).
/// The name is a name, never a path (`--dataset ../x` cannot leave the root).
pub fn locate_dataset(root: &Path, name: &str) -> Result<PathBuf, JobError> {
    scenario::check_dataset_name(name).map_err(|m| JobError::InvalidArgument(format!("dataset: {m}")))?;
    let nested = root.join(name);
    if nested.join(MANIFEST_FILE).is_file() {
        return Ok(nested);
    }
    if root.join(MANIFEST_FILE).is_file() {
        let manifest = Manifest::load(root).map_err(EngineError::from)?;
        if manifest.name == name {
            return Ok(root.to_path_buf());
        }
        return Err(JobError::DatasetNotFound(format!(
            "dataset {name} not found: {} holds dataset {}",
            root.display(),
            manifest.name
        )));
    }
    let mut found: Vec<String> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().join(MANIFEST_FILE).is_file())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let holds = if found.is_empty() { "no datasets".to_string() } else { found.join(", ") };
    Err(JobError::DatasetNotFound(format!("dataset {name} not found under {} (it holds {holds})", root.display())))
}

pub(crate) fn host() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The commit the engine was built from (`AEGIS_GIT_SHA` at run or build time).
pub(crate) fn git_sha() -> String {
    std::env::var("AEGIS_GIT_SHA")
        .ok()
        .or(option_env!("AEGIS_GIT_SHA").map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// Seconds since the Unix epoch.
pub(crate) fn now_epoch() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The run's Monte Carlo analysis as `montecarlo.json` (pretty JSON, a final newline); options the
/// run cannot meet (a block longer than its days) are refused at their field's line.
fn montecarlo_json(
    outcome: &Outcome,
    spec: &scenario::montecarlo::Montecarlo,
    job: &Job<'_>,
) -> Result<Vec<u8>, JobError> {
    let trades: Vec<f64> = outcome.positions.iter().map(|p| p.pnl).collect();
    let report = crate::montecarlo::analyze(outcome.summary.capital, &outcome.returns, &trades, &spec.options())
        .map_err(|e| {
            let fields = ["drawdown", "block", "resamples"];
            ScenarioError::in_section(job.scenario_text, job.scenario_source, "montecarlo", &e.to_string(), &fields)
        })?;
    let mut bytes = serde_json::to_vec_pretty(&report).map_err(|e| JobError::Encode(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Runs a job: parse, locate the data, backtest, encode, and write the directory when asked.
pub fn execute(job: &Job<'_>, opts: &RunOptions<'_>) -> Result<Artifacts, JobError> {
    let started = Instant::now();
    let started_at = now_epoch();
    let mut scenario = validate(job.scenario_text, job.scenario_source)?;
    if let Some(name) = job.dataset {
        scenario.data.dataset = name.to_string();
    }
    let dir = locate_dataset(job.data_root, &scenario.data.dataset)?;
    let dataset = Dataset::open(&dir).map_err(EngineError::from)?;
    let manifest_sha = Manifest::file_sha256(&dir).map_err(|e: DataError| EngineError::from(e))?;
    let mut loaded = LoadedData::load(std::iter::once(&scenario), &dataset, &opts.verify)?;
    loaded.attach_dates_files(std::iter::once(&scenario), job.scenario_dir, job.scenario_text, job.scenario_source)?;
    let days_started = Instant::now();
    let outcome = engine::run_loaded(&scenario, &loaded, opts)?;
    let days = days_started.elapsed().as_secs_f64();
    let write_started = Instant::now();
    let summary_json = outcome.summary.to_json_bytes();
    let tables = outcome.tables().map_err(|e| JobError::Encode(e.to_string()))?;
    let montecarlo_json = match &scenario.montecarlo {
        Some(spec) => Some(montecarlo_json(&outcome, spec, job)?),
        None => None,
    };
    let mut run = RunInfo {
        engine_version: crate::VERSION.to_string(),
        git_sha: git_sha(),
        entry_point: job.entry_point.to_string(),
        scenario: scenario.name,
        scenario_sha256: sha256_bytes(job.scenario_text.as_bytes()),
        dataset: dataset.manifest.name,
        dataset_manifest_sha256: manifest_sha,
        data_path: job.data_path.to_string(),
        data_dir: dir.display().to_string(),
        rows_scanned: outcome.rows_scanned,
        partitions: outcome.partitions,
        wall_seconds: 0.0,
        host: host(),
        started_at,
        verification: loaded.verification,
        timings: Timings { open_verify: loaded.open_verify_seconds, index: loaded.index_seconds, days, write: 0.0 },
    };
    // Encoding so far; writing the directory adds its own time (in run.json and here). The wall
    // time and the write phase are read at one instant, so the phases never exceed the wall.
    let clock = |run: &mut RunInfo| {
        let now = Instant::now();
        run.timings.write = now.duration_since(write_started).as_secs_f64();
        run.wall_seconds = now.duration_since(started).as_secs_f64();
    };
    clock(&mut run);
    if let Some(out) = job.out {
        write_results(out, &summary_json, &tables, montecarlo_json.as_deref(), &run, job.mark_success)
            .map_err(|source| JobError::Write { path: out.to_path_buf(), source })?;
        clock(&mut run);
    }
    Ok(Artifacts { summary_json, tables, montecarlo_json, run, outcome })
}
