//! `aegis-bt sweep` and `aegis-bt merge-shards`.
//!
//! `sweep` runs every point of a scenario's `sweep:` (or one shard of them) on all cores over data
//! loaded once; on AWS Batch the shard comes from the array index. `merge-shards` joins finished
//! shards into the whole sweep's files (docs/sweeps.md).

use std::path::PathBuf;
use std::process::ExitCode;

use aegis_bt::job::Job;
use aegis_bt::remote::Location;
use aegis_bt::sweep::{self, Shard, SweepArtifacts, SweepJob, SweepOptions, SweepProgress};
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
    let points = sweep::plan(&text, &source)?;
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
    let opts = SweepOptions {
        cancel: None,
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
    let artifacts = sweep::run_sweep(&job, &opts)?;
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
