//! `aegis-bt run`, `aegis-bt validate`, `aegis-bt schema`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aegis_bt::engine::{Progress, RunOptions};
use aegis_bt::job::{self, Job};
use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (YAML or JSON).
    #[arg(long, env = "AEGIS_CONFIG_URI")]
    scenario: PathBuf,
    /// Data root: a directory holding `<dataset>/manifest.json` (or the dataset directory itself).
    #[arg(long, env = "AEGIS_DATA_ROOT")]
    data: PathBuf,
    /// Results directory to write (summary.json, equity.arrow, trades.arrow, run.json, _SUCCESS).
    #[arg(long, env = "AEGIS_RESULTS_URI")]
    out: PathBuf,
    /// Print no progress lines.
    #[arg(long)]
    quiet: bool,
}

/// One JSON object per line on stderr: progress and the final summary, for people and CloudWatch.
fn event(value: serde_json::Value) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{value}");
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("{}: cannot read the scenario", args.scenario.display()))?;
    let source = args.scenario.display().to_string();
    let report = |p: Progress| {
        event(serde_json::json!({
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
        data_root: &args.data,
        data_path: "explicit",
        entry_point: "binary",
        out: Some(&args.out),
    };
    let artifacts = job::execute(&job, &opts)?;
    let s = &artifacts.outcome.summary;
    event(serde_json::json!({
        "event": "done",
        "scenario": s.scenario,
        "out": args.out.display().to_string(),
        "trading_days": s.trading_days,
        "final_equity": s.final_equity,
        "total_return": s.metrics.total_return,
        "sharpe": s.metrics.sharpe,
        "trades": s.metrics.trade_count,
        "wall_seconds": artifacts.run.wall_seconds,
        "rows_scanned": artifacts.run.rows_scanned,
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
