//! `aegis-bt montecarlo`: how a finished run could have gone (docs/robustness.md).

use std::path::PathBuf;
use std::process::ExitCode;

use aegis_bt::montecarlo::{Options, Refused, analyze, read_run};
use clap::Args;

#[derive(Debug, Args)]
pub struct MontecarloArgs {
    /// A finished results directory (summary.json, equity.arrow, positions.arrow, _SUCCESS).
    #[arg(long)]
    run: PathBuf,
    /// Resamples of each method (1 to 1,000,000).
    #[arg(long, default_value_t = 1000)]
    resamples: u32,
    /// Mean block length of the daily-returns bootstrap, in trading days.
    #[arg(long, default_value_t = 20.0)]
    block: f64,
    /// Seed of the resampling: the same seed, the same report.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Drawdown depths whose probability of being exceeded is reported (fractions, comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "0.1,0.2,0.3")]
    drawdown: Vec<f64>,
}

pub fn run(args: MontecarloArgs) -> anyhow::Result<ExitCode> {
    let series = read_run(&args.run).map_err(anyhow::Error::msg)?;
    let options =
        Options { resamples: args.resamples, block: args.block, seed: args.seed, drawdown_levels: args.drawdown };
    let report = analyze(series.capital, &series.returns, &series.trades, &options).map_err(|e| match e {
        Refused::Capital(_) => anyhow::anyhow!("{}: summary.json: {e}", args.run.display()),
        _ => anyhow::anyhow!("--{e}"),
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}
