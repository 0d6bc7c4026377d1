//! `aegis-bt sweep` and `aegis-bt merge-shards`.
//!
//! `sweep` runs every point of a scenario's `sweep:` (or one shard of them) on all cores over data
//! loaded once; on AWS Batch the shard comes from the array index. `merge-shards` joins finished
//! shards into the whole sweep's files (docs/sweeps.md).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aegis_bt::job::Job;
use aegis_bt::job::JobError;
use aegis_bt::remote::Location;
use aegis_bt::sweep::checkpoint::{CheckpointStore, Policy};
use aegis_bt::sweep::{self, Checkpointing, Shard, SweepArtifacts, SweepJob, SweepOptions, SweepProgress};
use clap::Args;

use crate::exchange::{
    SourceArgs, check_out, data_root, deliver, event, local_results_dir, prepare_out, read_scenario, scenario_dir,
};

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Output directory (sweep.arrow, returns.arrow, sweep.json, cscv.json, _SUCCESS last): a
    /// path or an s3:// prefix. A shard writes under <out>/shards/<iiii>/.
    #[arg(long, env = "AEGIS_RESULTS_URI")]
    out: String,
    /// Run only shard i of K (0 ≤ i < K), e.g. 3/8. Without it, AEGIS_SHARDS=K with
    /// AWS_BATCH_JOB_ARRAY_INDEX (and AEGIS_SHARD_LIST) picks the shard of an AWS Batch array child.
    #[arg(long, env = "AEGIS_SHARD")]
    shard: Option<String>,
    /// Also write each point's summary.json, equity.arrow and trades.arrow under points/<id>/.
    #[arg(long)]
    points: bool,
    /// Worker threads (default: one per available core).
    #[arg(long, env = "AEGIS_THREADS")]
    threads: Option<usize>,
    /// Print no progress lines.
    #[arg(long)]
    quiet: bool,
    /// Write finished points to the checkpoint (`checkpoint/` beside the results, or under the
    /// shard's S3 prefix) at least this often, so a stopped sweep resumes when run again with the
    /// same arguments. 0 writes after every group of points.
    #[arg(long, env = "AEGIS_CHECKPOINT_SECONDS", default_value_t = 10.0, value_parser = seconds)]
    checkpoint_seconds: f64,
    /// Also write the checkpoint once this many finished points are waiting.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    checkpoint_points: Option<u32>,
    /// Keep no checkpoint: a stopped sweep starts over.
    #[arg(long)]
    no_checkpoint: bool,
    /// After SIGTERM or Ctrl-C, the points finished are written at once and none start; those
    /// running get this long to finish before they are abandoned. Then the checkpoint is written
    /// and the sweep exits with status 75 (retry: the same command resumes). Fargate gives a task
    /// 120 s after a Spot notice, Batch 30 s by default.
    #[arg(long, env = "AEGIS_STOP_GRACE_SECONDS", default_value_t = 20.0, value_parser = seconds)]
    grace: f64,
}

/// Exit status of a sweep stopped on request with its checkpoint written: EX_TEMPFAIL, which the
/// launcher and the Batch job definition retry.
pub const EXIT_RETRY: u8 = 75;

fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=86_400.0).contains(&s) => Ok(s),
        _ => Err(format!("expected seconds from 0 to 86400, got \"{text}\"")),
    }
}

/// Turns SIGTERM and Ctrl-C into a gentle stop: `stop` at once (no new points), `cancel` after
/// `grace` (running points abandoned). A second Ctrl-C ends the process at once.
fn watch_signals(stop: &Arc<AtomicBool>, cancel: &Arc<AtomicBool>, grace: f64) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let got = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register_conditional_shutdown(SIGINT, 130, got.clone())?;
    signal_hook::flag::register(SIGTERM, got.clone())?;
    signal_hook::flag::register(SIGINT, got.clone())?;
    let (stop, cancel) = (stop.clone(), cancel.clone());
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        while !got.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        stop.store(true, Ordering::Relaxed);
        event(&serde_json::json!({ "event": "stopping", "grace_seconds": grace }));
        std::thread::sleep(Duration::from_secs_f64(grace));
        cancel.store(true, Ordering::Relaxed);
    })?;
    Ok(())
}

/// The shard to run: `--shard`/`AEGIS_SHARD`, else an AWS Batch array child's, else none.
fn shard(args: &SweepArgs) -> anyhow::Result<Option<Shard>> {
    if let Some(s) = &args.shard {
        return Ok(Some(s.parse().map_err(|e: String| anyhow::anyhow!("--shard: {e}"))?));
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (var("AEGIS_SHARDS"), var("AWS_BATCH_JOB_ARRAY_INDEX")) {
        (Some(count), Some(index)) => {
            Ok(Some(Shard::from_array(&index, &count, var("AEGIS_SHARD_LIST").as_deref()).map_err(anyhow::Error::msg)?))
        }
        (Some(count), None) if count.trim() == "1" => Ok(Some(Shard { index: 0, count: 1 })),
        (Some(_), None) => anyhow::bail!("AEGIS_SHARDS is set but AWS_BATCH_JOB_ARRAY_INDEX is not: pass --shard i/K"),
        _ => Ok(None),
    }
}

fn done_event(a: &SweepArtifacts, out: &str) {
    let sharpe = aegis_bt::analytics::Metrics::NAMES.iter().position(|&m| m == "sharpe").unwrap_or_default();
    let best = a
        .table
        .rows
        .iter()
        .filter_map(|r| r.metrics[sharpe].map(|s| (s, r)))
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(sharpe, r)| serde_json::json!({ "id": r.id, "params": serde_json::from_str::<serde_json::Value>(&r.params).ok(), "sharpe": sharpe }));
    event(&serde_json::json!({
        "event": "done",
        "scenario": a.info.scenario,
        "out": out,
        "points": a.table.rows.len(),
        "points_total": a.info.points_total,
        "shard": a.info.shard,
        "failed_points": a.table.rows.iter().filter(|r| r.error.is_some()).count(),
        "best_sharpe": best,
        "pbo": a.cscv.as_ref().map(|c| c.pbo),
        "dsr": a.cscv.as_ref().map(|c| c.dsr.dsr),
        "wall_seconds": a.info.wall_seconds,
        "threads": a.info.threads,
        "max_rss_mib": max_rss_mib(),
    }));
}

/// Peak resident memory of this process (Linux), for the benchmark's memory figure.
fn max_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let scenario_at = Location::parse(&args.source.scenario).map_err(anyhow::Error::msg)?;
    let out_at = Location::parse(&args.out).map_err(anyhow::Error::msg)?;
    check_out(&out_at)?;
    let shard = shard(&args)?;
    let text = read_scenario(&scenario_at)?;
    let source = scenario_at.to_string();
    let scenario_dir = scenario_dir(&scenario_at, &text)?;
    // Expand and validate every point before touching data.
    let planning = Instant::now();
    let points = sweep::plan(&text, &source)?;
    let planning = planning.elapsed();
    let mut scenario = points[0].scenario.clone();
    if let Some(name) = &args.source.dataset {
        scenario.data.dataset.clone_from(name);
    }
    if let Some(s) = shard {
        s.check(points.len()).map_err(|e| anyhow::anyhow!("--shard {s}: {e}"))?;
    }
    // The longest IV-rank warm-up of any point decides what to sync.
    let selection = points
        .iter()
        .map(|p| aegis_bt::engine::selection_for(&p.scenario))
        .min_by_key(|s| s.start)
        .unwrap_or_else(|| aegis_bt::engine::selection_for(&scenario));
    let local_out = local_results_dir(&out_at, &format!("{}-sweep", scenario.name));
    // The destination is checked (and its old _SUCCESS removed) before any data is touched.
    prepare_out(&out_at, &local_out, shard.map(|s| s.dir_name()).as_deref())?;
    let (root, path) = data_root(&scenario.data.dataset, &selection, args.source.data.clone())?;

    let total = shard.map_or(points.len(), |s| s.range(points.len()).len()) as u64;
    let step = (total / 100).max(1);
    let report = |p: SweepProgress<'_>| {
        // About every 1%: the workers finish points in any order, so report counts, not ids.
        if p.points_done.is_multiple_of(step) || p.points_done == p.points_total {
            event(&serde_json::json!({
                "event": "sweep_progress",
                "points_done": p.points_done,
                "points_total": p.points_total,
                "point": p.point_id,
            }));
        }
    };
    event(&serde_json::json!({
        "event": "sweep_start",
        "scenario": scenario.name,
        "points_total": points.len(),
        "points": total,
        "shard": shard.map(|s| s.to_string()),
    }));
    let (stop, cancel) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    watch_signals(&stop, &cancel, args.grace)?;
    let policy = Policy {
        every: Duration::from_secs_f64(args.checkpoint_seconds),
        every_points: args.checkpoint_points.map(|n| n as usize),
    };
    let remote = checkpoint_in_s3(&out_at, shard)?;
    let checkpoint = match (&remote, args.no_checkpoint) {
        (_, true) => Checkpointing::Off,
        (Some(store), false) => Checkpointing::In(store.as_ref(), policy),
        (None, false) => Checkpointing::Beside(policy),
    };
    let notice = |line: &str| event(&serde_json::json!({ "event": "checkpoint", "message": line }));
    let opts = SweepOptions {
        cancel: Some(cancel),
        stop: Some(stop),
        checkpoint,
        notice: Some(&notice),
        progress: if args.quiet { None } else { Some(&report) },
        verify: args.source.verify_policy(),
    };
    let job = SweepJob {
        run: Job {
            scenario_text: &text,
            scenario_source: &source,
            scenario_dir: scenario_dir.as_deref(),
            data_root: &root,
            data_path: path.as_str(),
            entry_point: "binary",
            out: Some(&local_out),
            dataset: args.source.dataset.as_deref(),
            mark_success: true,
        },
        shard,
        write_points: args.points,
        threads: args.threads,
    };
    let artifacts = match sweep::run_planned(&job, Some((points, planning)), &opts) {
        Err(JobError::Interrupted(message)) => {
            event(&serde_json::json!({ "event": "interrupted", "message": message, "exit": EXIT_RETRY }));
            eprintln!("aegis-bt: {message}");
            return Ok(ExitCode::from(EXIT_RETRY));
        }
        other => other?,
    };
    deliver(&local_out, &out_at)?;
    let written = match (&out_at, shard) {
        (Location::S3 { .. }, Some(s)) => format!("{}/{}/", out_at.to_string().trim_end_matches('/'), s.dir_name()),
        (Location::Local(dir), Some(s)) => dir.join(s.dir_name()).display().to_string(),
        _ => out_at.to_string(),
    };
    done_event(&artifacts, &written);
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Finished shard directories of one sweep (each with sweep.json and _SUCCESS), or one sweep
    /// output directory holding shards/.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Where to write the whole sweep's files.
    #[arg(long)]
    out: PathBuf,
}

pub fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let dirs: Vec<PathBuf> = match args.shards.as_slice() {
        [one] if one.join("shards").is_dir() => {
            let mut found: Vec<PathBuf> =
                std::fs::read_dir(one.join("shards"))?.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
            found.sort();
            found
        }
        many => many.to_vec(),
    };
    let artifacts = sweep::merge_shards(&dirs, Some(&args.out))?;
    done_event(&artifacts, &args.out.display().to_string());
    Ok(ExitCode::SUCCESS)
}

/// The checkpoint of a sweep written to S3: under the shard's prefix, so a retry on another
/// machine finds it. `None` for a local output (the checkpoint goes beside the results).
#[cfg(feature = "s3")]
fn checkpoint_in_s3(out: &Location, shard: Option<Shard>) -> anyhow::Result<Option<Box<dyn CheckpointStore>>> {
    let Location::S3 { bucket, key } = out else { return Ok(None) };
    let s3 = aegis_bt::remote::s3::S3::from_env()?;
    let base = key.trim_matches('/');
    let dir = shard.map_or_else(|| base.to_string(), |s| format!("{base}/{}", s.dir_name()));
    let prefix = format!("{}/{}", dir.trim_start_matches('/'), sweep::checkpoint::DIR_NAME);
    Ok(Some(Box::new(aegis_bt::remote::checkpoint::S3Store::new(s3, bucket, prefix.trim_start_matches('/')))))
}

#[cfg(not(feature = "s3"))]
fn checkpoint_in_s3(_: &Location, _: Option<Shard>) -> anyhow::Result<Option<Box<dyn CheckpointStore>>> {
    Ok(None)
}
