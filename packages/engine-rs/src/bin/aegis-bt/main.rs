//! `aegis-bt`: the engine as a command. The container's entry point on Fargate, and a local tool.
//! Argument parsing and printing only; the work is in the `aegis_bt` library.

mod cscv;
mod dataset;
mod exchange;
mod montecarlo;
mod run;
mod spa;
mod sweep;
mod walkforward;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "aegis-bt", version, about = "Options backtesting engine on ORATS-shaped Arrow datasets")]
struct Cli {
    /// Print every cause of an error, with the raw response of a failed S3 request after its one
    /// line (also AEGIS_VERBOSE=true).
    #[arg(long, global = true, env = "AEGIS_VERBOSE")]
    verbose: bool,
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
    /// Monte Carlo robustness of a finished run: a block bootstrap of its daily returns and a
    /// reshuffle of its trades; prints one JSON object (percentiles 5/50/95 of final equity, CAGR,
    /// max and longest drawdown, the probability of deeper drawdowns, the equity fan).
    Montecarlo(montecarlo::MontecarloArgs),
    /// White's reality check, Hansen's SPA (lower, consistent, upper) and the Romano–Wolf stepdown
    /// of a returns matrix against a benchmark, by a seeded stationary bootstrap; prints one JSON
    /// object.
    Spa(spa::SpaArgs),
    /// Walk-forward optimisation over a finished sweep: the in-sample best point of each window,
    /// its out-of-sample returns stitched into one curve (walk_forward.json and .arrow, written
    /// into the sweep directory); prints walk_forward.json as one line.
    WalkForward(walkforward::WalkForwardArgs),
    /// Print the engine version.
    Version,
    /// Panic inside a worker thread (tests the internal-error path: one line, exit 70).
    #[command(name = "__panic", hide = true)]
    Panic,
}

/// Exit status of an internal error (a panic): EX_SOFTWARE, never confused with a user's mistake (2).
const EXIT_INTERNAL: u8 = 70;

fn main() -> ExitCode {
    // A panic is a bug, whatever the input: one line naming it, then exit 70 — never a backtrace
    // wall, never the default 101.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("a panic without a message");
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("aegis-bt: internal error: {what}{at} (a bug: please report it with the input that caused it)");
    }));
    keep_freed_memory();
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| dispatch(cli)) {
        Ok(code) => code,
        Err(_) => ExitCode::from(EXIT_INTERNAL),
    }
}

/// glibc hands a worker thread's freed memory back to the kernel as soon as the top of its heap
/// is free, and maps a large block afresh each time: a sweep, which builds and drops every point's
/// tables, paid a page fault for each of their pages again and again (a tenth of its time).
/// Freed memory is kept for reuse instead; what the process holds at its peak is unchanged.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    const MIB: libc::c_int = 1 << 20;
    // SAFETY: mallopt only sets the allocator's parameters, before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 * MIB);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * MIB);
        libc::mallopt(libc::M_TOP_PAD, 16 * MIB);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

fn dispatch(cli: Cli) -> ExitCode {
    #[cfg(feature = "s3")]
    aegis_bt::remote::s3::set_verbose(cli.verbose);
    let result = match cli.command {
        Command::Dataset(cmd) => dataset::run(cmd),
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::MergeShards(args) => sweep::merge(args),
        Command::Validate(args) => run::validate(args),
        Command::Schema => run::schema(),
        Command::Cscv(args) => cscv::run(args),
        Command::Montecarlo(args) => montecarlo::run(args),
        Command::Spa(args) => spa::run(args),
        Command::WalkForward(args) => walkforward::run(args),
        Command::Panic => {
            use rayon::prelude::*;
            let sum: u64 = (0..4u64)
                .into_par_iter()
                .map(|i| {
                    assert!(i != 3, "deliberate panic for the internal-error test");
                    i
                })
                .sum();
            println!("{sum}");
            Ok(ExitCode::SUCCESS)
        }
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
