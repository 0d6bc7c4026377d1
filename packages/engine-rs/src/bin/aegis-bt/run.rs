//! `aegis-bt run`, `aegis-bt validate`, `aegis-bt schema`.
//!
//! `run` takes its scenario and writes its results locally or on S3 (`s3://` URIs, with the `s3`
//! feature), and finds the data root in DESIGN's order (explicit → S3 Files mount → EBS mount →
//! S3 sync). Events are JSON lines: on stderr locally, on stdout in a container (`AEGIS_RUN_ID`
//! set), where CloudWatch collects them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aegis_bt::engine::{Progress, RunOptions};
use aegis_bt::job::{self, Job};
use aegis_bt::remote::Location;
use aegis_bt::remote::data_root::{self, DataPath, DataRootConfig, ResolvedRoot};
use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (YAML or JSON): a path or an s3:// URI.
    #[arg(long, env = "AEGIS_CONFIG_URI")]
    scenario: String,
    /// Data root holding `<dataset>/manifest.json` (a path, or an s3:// prefix to sync from).
    /// Default: the S3 Files mount, then the EBS mount, then an S3 sync from AEGIS_DATASET_URI.
    #[arg(long, env = "AEGIS_DATA_ROOT")]
    data: Option<String>,
    /// Results directory to write (summary.json, equity.arrow, trades.arrow, run.json, _SUCCESS
    /// last): a path or an s3:// prefix.
    #[arg(long, env = "AEGIS_RESULTS_URI")]
    out: String,
    /// Run on this dataset instead of the scenario's `data.dataset`.
    #[arg(long, env = "AEGIS_DATASET")]
    dataset: Option<String>,
    /// Print no progress lines.
    #[arg(long)]
    quiet: bool,
}

/// One JSON object per line: progress, data-root decisions, the final summary.
fn event(value: &serde_json::Value) {
    let line = format!("{value}\n");
    if std::env::var_os("AEGIS_RUN_ID").is_some() {
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    } else {
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[cfg(feature = "s3")]
fn s3_client() -> anyhow::Result<aegis_bt::remote::s3::S3> {
    Ok(aegis_bt::remote::s3::S3::from_env()?)
}

#[cfg(not(feature = "s3"))]
fn no_s3(what: &str) -> anyhow::Error {
    anyhow::anyhow!("{what} is an s3:// URI, but this aegis-bt was built without S3 support (cargo feature `s3`)")
}

fn read_scenario(location: &Location) -> anyhow::Result<String> {
    match location {
        Location::Local(path) => {
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the scenario", path.display()))
        }
        #[cfg(feature = "s3")]
        Location::S3 { bucket, key } => {
            let bytes = s3_client()?.get(bucket, key)?;
            String::from_utf8(bytes.to_vec()).with_context(|| format!("{location}: the scenario is not UTF-8 text"))
        }
        #[cfg(not(feature = "s3"))]
        Location::S3 { .. } => Err(no_s3("--scenario")),
    }
}

/// Resolves the data root, syncing from S3 when that is the way.
fn data_root(
    dataset: &str,
    selection: &aegis_bt::data::Selection,
    explicit: Option<String>,
) -> anyhow::Result<(PathBuf, DataPath)> {
    let cfg = DataRootConfig::from_env(explicit);
    match data_root::resolve(dataset, &cfg).map_err(anyhow::Error::msg)? {
        ResolvedRoot::Local { root, path } => Ok((root, path)),
        #[cfg(feature = "s3")]
        ResolvedRoot::Sync { uri, into } => {
            // Requests in flight while syncing partitions (`AEGIS_SYNC_PARALLELISM`, default 8).
            let parallelism = std::env::var("AEGIS_SYNC_PARALLELISM").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
            event(
                &serde_json::json!({ "event": "sync_start", "dataset": dataset, "from": uri, "into": into.display().to_string(), "parallelism": parallelism }),
            );
            let (root, stats) =
                aegis_bt::remote::sync::sync_dataset(&s3_client()?, &uri, dataset, selection, &into, parallelism)?;
            event(&serde_json::json!({ "event": "sync_done", "dataset": dataset, "stats": stats }));
            Ok((root, DataPath::S3Sync))
        }
        #[cfg(not(feature = "s3"))]
        ResolvedRoot::Sync { uri, .. } => {
            let _ = selection;
            Err(no_s3(&format!("the data root {uri}")))
        }
    }
}

/// Uploads a finished local results directory to S3, `_SUCCESS` last.
#[cfg(feature = "s3")]
fn upload_results(dir: &std::path::Path, bucket: &str, key: &str) -> anyhow::Result<()> {
    let s3 = s3_client()?;
    let prefix = key.trim_end_matches('/');
    for name in ["summary.json", "equity.arrow", "trades.arrow", "run.json", aegis_bt::results::SUCCESS_FILE] {
        let bytes = std::fs::read(dir.join(name))
            .with_context(|| format!("{}: missing result file", dir.join(name).display()))?;
        let object = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        s3.put(bucket, &object, bytes)?;
    }
    Ok(())
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario_at = Location::parse(&args.scenario).map_err(anyhow::Error::msg)?;
    let out_at = Location::parse(&args.out).map_err(anyhow::Error::msg)?;
    #[cfg(not(feature = "s3"))]
    if out_at.is_s3() {
        return Err(no_s3("--out"));
    }
    let text = read_scenario(&scenario_at)?;
    let source = scenario_at.to_string();
    // Validate before touching data, so a bad scenario fails fast and the same way everywhere.
    let mut scenario = job::validate(&text, &source)?;
    if let Some(name) = &args.dataset {
        scenario.data.dataset.clone_from(name);
    }
    let selection = aegis_bt::engine::selection_for(&scenario);
    let (root, path) = data_root(&scenario.data.dataset, &selection, args.data.clone())?;
    event(&serde_json::json!({ "event": "data_root", "path": path.as_str(), "root": root.display().to_string() }));

    let local_out: PathBuf = match &out_at {
        Location::Local(dir) => dir.clone(),
        Location::S3 { .. } => {
            let run = std::env::var("AEGIS_RUN_ID").unwrap_or_else(|_| scenario.name.clone());
            DataRootConfig::from_env(None).scratch_dir.join("results").join(run)
        }
    };
    let report = |p: Progress| {
        event(&serde_json::json!({
            "event": "progress",
            "days_done": p.days_done,
            "days_total": p.days_total,
            "date": aegis_bt::dates::iso(p.date),
        }))
    };
    let opts = RunOptions { cancel: None, progress: if args.quiet { None } else { Some(&report) } };
    let job = Job {
        scenario_text: &text,
        scenario_source: &source,
        data_root: &root,
        data_path: path.as_str(),
        entry_point: "binary",
        out: Some(&local_out),
        dataset: args.dataset.as_deref(),
    };
    let artifacts = job::execute(&job, &opts)?;
    match &out_at {
        Location::Local(_) => {}
        #[cfg(feature = "s3")]
        Location::S3 { bucket, key } => upload_results(&local_out, bucket, key)?,
        #[cfg(not(feature = "s3"))]
        Location::S3 { .. } => return Err(no_s3("--out")),
    }
    let s = &artifacts.outcome.summary;
    event(&serde_json::json!({
        "event": "done",
        "scenario": s.scenario,
        "out": out_at.to_string(),
        "trading_days": s.trading_days,
        "final_equity": s.final_equity,
        "total_return": s.metrics.total_return,
        "sharpe": s.metrics.sharpe,
        "trades": s.metrics.trade_count,
        "wall_seconds": artifacts.run.wall_seconds,
        "rows_scanned": artifacts.run.rows_scanned,
        "data_path": path.as_str(),
    }));
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario file (YAML or JSON).
    scenario: PathBuf,
}

pub fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("{}: cannot read the scenario", args.scenario.display()))?;
    let scenario = job::validate(&text, &args.scenario.display().to_string())?;
    let legs = scenario.strategy.resolved_legs();
    println!(
        "ok: {} ({} leg(s), {} ticker(s), {} to {})",
        scenario.name,
        legs.len(),
        scenario.data.tickers.len(),
        scenario.data.start,
        scenario.data.end
    );
    Ok(ExitCode::SUCCESS)
}

pub fn schema() -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(&aegis_bt::scenario::json_schema())?);
    Ok(ExitCode::SUCCESS)
}
