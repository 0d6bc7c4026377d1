//! `aegis-bt cscv`: the probability of backtest overfitting of a returns matrix.

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use aegis_bt::cscv::{CscvOptions, Metric, analyze, read_matrix};
use clap::Args;

#[derive(Debug, Args)]
pub struct CscvArgs {
    /// T×N performance matrix: a CSV with a header naming the N columns and T rows of numbers, or
    /// an Arrow IPC file whose Float64 columns are the strategies (a sweep's returns.arrow).
    #[arg(long)]
    matrix: PathBuf,
    /// S, the number of contiguous blocks (even; the oldest T mod S rows are dropped).
    #[arg(long, default_value_t = 16)]
    partitions: usize,
    /// Performance measure: sharpe, mean or total_return.
    #[arg(long, default_value = "sharpe")]
    metric: String,
}

pub fn run(args: CscvArgs) -> anyhow::Result<ExitCode> {
    let metric = Metric::from_str(&args.metric).map_err(|e| anyhow::anyhow!("--metric: {e}"))?;
    let matrix = read_matrix(&args.matrix).map_err(anyhow::Error::msg)?;
    let options = CscvOptions { partitions: args.partitions, metric, ..CscvOptions::default() };
    let result = analyze(&matrix, &options).map_err(|e| anyhow::anyhow!("{}: {e}", args.matrix.display()))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(ExitCode::SUCCESS)
}
