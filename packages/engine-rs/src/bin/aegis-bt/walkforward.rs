//! `aegis-bt walk-forward`: walk-forward optimisation over a finished sweep (docs/walk-forward.md).

use std::path::PathBuf;
use std::process::ExitCode;

use aegis_bt::data::VerifyPolicy;
use aegis_bt::sweep::{RerunInputs, walk_forward_dir};
use aegis_bt::walkforward::{Mode, Options, Scheme, Selection};
use clap::Args;

#[derive(Debug, Args)]
pub struct WalkForwardArgs {
    /// A finished sweep directory (sweep.json, sweep.arrow, returns.arrow, _SUCCESS).
    #[arg(long)]
    sweep: PathBuf,
    /// `rolling` windows of --in-sample days, or `anchored` ones from the first day.
    #[arg(long, value_enum, default_value_t = Scheme::Rolling)]
    scheme: Scheme,
    /// Trading days in sample (the first window's, when anchored).
    #[arg(long, default_value_t = 504)]
    in_sample: usize,
    /// Trading days out of sample after each in-sample window.
    #[arg(long, default_value_t = 126)]
    out_of_sample: usize,
    /// What the in-sample best point is chosen by.
    #[arg(long, value_enum, default_value_t = Selection::Sharpe)]
    metric: Selection,
    /// Points that opened fewer positions in sample cannot be chosen.
    #[arg(long)]
    min_trades: Option<u32>,
    /// `returns`: stitch the sweep's daily returns; `rerun`: run each chosen point from flat over
    /// its out-of-sample window (needs --scenario and --data).
    #[arg(long, value_enum, default_value_t = Mode::Returns)]
    mode: Mode,
    /// The sweep's scenario file (rerun mode; checked against the sweep's sha256).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// The data root the sweep ran on (rerun mode; its manifest is checked against the sweep's).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Write walk_forward.json and walk_forward.arrow here instead of into the sweep directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: WalkForwardArgs) -> anyhow::Result<ExitCode> {
    let options = Options {
        scheme: args.scheme,
        in_sample: args.in_sample,
        out_of_sample: args.out_of_sample,
        metric: args.metric,
        min_trades: args.min_trades,
        mode: args.mode,
    };
    let text = match (&args.scenario, args.mode) {
        (Some(path), _) => Some(aegis_bt::scenario::read_file(path).map_err(anyhow::Error::msg)?),
        (None, Mode::Rerun) => {
            anyhow::bail!("--mode rerun runs the chosen points: give the sweep's --scenario and --data")
        }
        (None, Mode::Returns) => None,
    };
    let source = args.scenario.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let scenario_dir = aegis_bt::job::dir_of_source(&source);
    let inputs = match (&text, &args.data, args.mode) {
        (Some(text), Some(data), Mode::Rerun) => Some(RerunInputs {
            scenario_text: text,
            scenario_source: &source,
            scenario_dir: scenario_dir.as_deref(),
            data_root: data,
            verify: VerifyPolicy::default(),
        }),
        (_, None, Mode::Rerun) => anyhow::bail!("--mode rerun runs the chosen points over the data: give --data"),
        _ => None,
    };
    let (report, dir) = walk_forward_dir(&args.sweep, &options, inputs.as_ref(), args.out.as_deref()).map_err(|e| {
        // An option the sweep cannot meet is named as the flag that set it.
        let message = e.to_string();
        match message.strip_prefix("walk_forward: ").and_then(|m| m.split_once(": ")) {
            Some((field @ ("in_sample" | "out_of_sample" | "min_trades"), rest)) => {
                anyhow::anyhow!("--{}: {rest}", field.replace('_', "-"))
            }
            _ => anyhow::Error::new(e),
        }
    })?;
    eprintln!("aegis-bt: wrote walk_forward.json and walk_forward.arrow to {}", dir.display());
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}
