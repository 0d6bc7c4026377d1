//! `aegis-bt`: the engine as a command. The container's entry point on Fargate, and a local tool.
//! Argument parsing and printing only; the work is in the `aegis_bt` library.

mod cscv;
mod dataset;
mod exchange;
mod run;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "aegis-bt", version, about = "Options backtesting engine on ORATS-shaped Arrow datasets")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect and check datasets (a directory with manifest.json and <TICKER>/<YEAR>.arrow).
    #[command(subcommand)]
    Dataset(dataset::DatasetCommand),
    /// Run a backtest: scenario + data root → results directory. Progress as JSON lines on stderr.
    Run(run::RunArgs),
    /// Run every point of a scenario's `sweep:` (or one shard of them) on all cores: sweep.arrow,
    /// returns.arrow, sweep.json and, with `cscv:`, cscv.json. Progress as JSON lines on stderr.
    Sweep(sweep::SweepArgs),
    /// Merge finished sweep shards into the whole sweep's files, byte-identical to an unsharded run.
    MergeShards(sweep::MergeArgs),
    /// Check a scenario file; errors name the field path, line and column.
    Validate(run::ValidateArgs),
    /// Print the scenario's JSON Schema.
    Schema,
    /// Probability of backtest overfitting (CSCV) and the deflated Sharpe ratio of a returns
    /// matrix; prints one JSON object.
    Cscv(cscv::CscvArgs),
    /// Print the engine version.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dataset(cmd) => dataset::run(cmd),
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::MergeShards(args) => sweep::merge(args),
        Command::Validate(args) => run::validate(args),
        Command::Schema => run::schema(),
        Command::Cscv(args) => cscv::run(args),
        Command::Version => {
            println!("aegis-bt {}", aegis_bt::VERSION);
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("aegis-bt: error: {}", aegis_bt::error::describe(err.as_ref()));
            ExitCode::from(2)
        }
    }
}
