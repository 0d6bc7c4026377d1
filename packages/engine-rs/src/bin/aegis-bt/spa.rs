//! `aegis-bt spa`: White's reality check, Hansen's SPA and the Romano–Wolf stepdown of a returns
//! matrix against a benchmark (docs/spa.md).

use std::path::PathBuf;
use std::process::ExitCode;

use aegis_bt::cscv::read_matrix;
use aegis_bt::multitest::{Options, test};
use clap::Args;

#[derive(Debug, Args)]
pub struct SpaArgs {
    /// T×N daily returns, higher is better: a CSV with a header naming the columns, or an Arrow IPC
    /// file whose Float64 columns are the strategies (a sweep's returns.arrow).
    #[arg(long)]
    matrix: PathBuf,
    /// `zero` (the benchmark returns nothing), or a column of the matrix (then not tested itself).
    #[arg(long, default_value = "zero")]
    benchmark: String,
    /// Bootstrap resamples (1 to 1,000,000).
    #[arg(long, default_value_t = 1000)]
    bootstrap: u32,
    /// Mean block length of the stationary bootstrap, in rows (default ⌊√T⌋).
    #[arg(long)]
    block: Option<f64>,
    /// Seed of the bootstrap: the same seed, the same answer.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Levels of the stepdown (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "0.05,0.1")]
    level: Vec<f64>,
}

pub fn run(args: SpaArgs) -> anyhow::Result<ExitCode> {
    let matrix = read_matrix(&args.matrix).map_err(anyhow::Error::msg)?;
    let options = Options {
        benchmark: (args.benchmark != "zero").then_some(args.benchmark),
        bootstrap: args.bootstrap,
        block: args.block,
        seed: args.seed,
        levels: args.level,
    };
    let report = test(&matrix, &options).map_err(|e| match e.to_string().split_once(": ") {
        Some(("matrix", rest)) => anyhow::anyhow!("{}: {rest}", args.matrix.display()),
        _ => anyhow::anyhow!("--{e}"),
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}
