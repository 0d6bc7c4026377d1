//! `aegis-bt run`, `aegis-bt validate`, `aegis-bt schema`.
//!
//! `run` takes its scenario and writes its results locally or on S3 (`s3://` URIs, with the `s3`
//! feature), and finds the data root in DESIGN's order (explicit → S3 Files mount → EBS mount →
//! S3 sync). Events are JSON lines: on stderr locally, on stdout in a container (`AEGIS_RUN_ID`
//! set), where CloudWatch collects them.

use std::path::PathBuf;
use std::process::ExitCode;

use aegis_bt::engine::{Progress, RunOptions};
use aegis_bt::job::{self, Job};
use aegis_bt::remote::Location;
use clap::Args;

use crate::exchange::{
    SourceArgs, check_out, data_root, deliver, event, local_results_dir, prepare_out, read_scenario, scenario_dir,
};

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Results directory to write (summary.json, equity.arrow, trades.arrow, run.json, _SUCCESS
    /// last): a path or an s3:// prefix.
    #[arg(long, env = "AEGIS_RESULTS_URI")]
    out: String,
    /// Print no progress lines.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario_at = Location::parse(&args.source.scenario).map_err(anyhow::Error::msg)?;
    let out_at = Location::parse(&args.out).map_err(anyhow::Error::msg)?;
    check_out(&out_at)?;
    let text = read_scenario(&scenario_at)?;
    let source = scenario_at.to_string();
    let scenario_dir = scenario_dir(&scenario_at, &text)?;
    // Validate before touching data, so a bad scenario fails fast and the same way everywhere.
    let mut scenario = job::validate(&text, &source)?;
    if let Some(name) = &args.source.dataset {
        scenario.data.dataset.clone_from(name);
    }
    let selection = aegis_bt::engine::selection_for(&scenario);
    let local_out = local_results_dir(&out_at, &scenario.name);
    // The destination is checked (and its old _SUCCESS removed) before any data is touched.
    prepare_out(&out_at, &local_out, None)?;
    let (root, path) = data_root(&scenario.data.dataset, &selection, args.source.data.clone())?;
    let report = |p: Progress| {
        event(&serde_json::json!({
            "event": "progress",
            "days_done": p.days_done,
            "days_total": p.days_total,
            "date": aegis_bt::dates::iso(p.date),
        }))
    };
    let opts = RunOptions {
        cancel: None,
        progress: if args.quiet { None } else { Some(&report) },
        verify: args.source.verify_policy(),
    };
    let job = Job {
        scenario_text: &text,
        scenario_source: &source,
        scenario_dir: scenario_dir.as_deref(),
        data_root: &root,
        data_path: path.as_str(),
        entry_point: "binary",
        out: Some(&local_out),
        dataset: args.source.dataset.as_deref(),
        mark_success: true,
    };
    let artifacts = job::execute(&job, &opts)?;
    deliver(&local_out, &out_at)?;
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
    /// Also check the scenario against this data (a root holding `<dataset>/manifest.json`, or the
    /// dataset directory): its tickers, and the earnings dates and series its rules read.
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let text = aegis_bt::scenario::read_file(&args.scenario)?;
    let scenario = job::validate(&text, &args.scenario.display().to_string())?;
    let members = scenario.members();
    let shape = match members.as_slice() {
        [one] => format!("{} leg(s)", one.strategy.resolved_legs().len()),
        many => format!(
            "{} strategies: {}",
            many.len(),
            many.iter()
                .map(|m| format!("{} ({} leg(s))", m.name, m.strategy.resolved_legs().len()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let sweep = if scenario.sweep.is_some() {
        let points = aegis_bt::sweep::plan(&text, &args.scenario.display().to_string())?;
        format!("; a sweep of {} point(s), each valid", points.len())
    } else {
        String::new()
    };
    let dir = job::dir_of_source(&args.scenario.display().to_string());
    aegis_bt::engine::check_dates_files(&scenario, dir.as_deref(), &text, &args.scenario.display().to_string())?;
    let mut against = String::new();
    if let Some(root) = &args.data {
        let dir = job::locate_dataset(root, &scenario.data.dataset)?;
        let dataset = aegis_bt::data::Dataset::open(&dir)?;
        let source = args.scenario.display().to_string();
        for t in &scenario.data.tickers {
            if !dataset.manifest.tickers.contains(&t.0) {
                let message = format!(
                    "{} is not in dataset {} (it has {})",
                    t.0,
                    scenario.data.dataset,
                    dataset.manifest.tickers.join(", ")
                );
                return Err(aegis_bt::scenario::ScenarioError::at(&text, &source, "data.tickers", message).into());
            }
        }
        if let Some((field, message)) = aegis_bt::engine::missing_data(&scenario, &dataset)? {
            let message = message.strip_prefix(&format!("{field}: ")).unwrap_or(&message).to_string();
            return Err(aegis_bt::scenario::ScenarioError::at(&text, &source, &field, message).into());
        }
        against = format!("; its data is in {}", dir.display());
    }
    println!(
        "ok: {} ({shape}, {} ticker(s), {} to {}){sweep}{against}",
        scenario.name,
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
