//! `aegis-bt cscv`: the probability of backtest overfitting of a returns matrix.

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use aegis_bt::cscv::{CscvOptions, Matrix, Metric, analyze, matrix_from_arrow};
use anyhow::Context;
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
    let is_arrow = args.matrix.extension().is_some_and(|e| e == "arrow" || e == "feather" || e == "ipc");
    let matrix = if is_arrow {
        matrix_from_arrow(&args.matrix).map_err(anyhow::Error::msg)?
    } else {
        let text = std::fs::read_to_string(&args.matrix)
            .with_context(|| format!("{}: cannot read the matrix", args.matrix.display()))?;
        Matrix::from_csv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.matrix.display()))?
    };
    let options = CscvOptions { partitions: args.partitions, metric, ..CscvOptions::default() };
    let result = analyze(&matrix, &options).map_err(|e| anyhow::anyhow!("{}: {e}", args.matrix.display()))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(ExitCode::SUCCESS)
}
