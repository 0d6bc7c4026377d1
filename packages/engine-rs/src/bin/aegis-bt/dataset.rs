//! `aegis-bt dataset info|verify|scan`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aegis_bt::data::scan::{ScanFilter, scan_all};
use aegis_bt::data::stamps::StampStore;
use aegis_bt::data::verify::{VerifyOptions, verify};
use aegis_bt::data::{Dataset, Partition, Right, Selection, VerifyPolicy};
use aegis_bt::dates::parse_iso;
use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Summarize a dataset from its manifest: source, tickers, date range, rows, bytes.
    Info {
        /// Dataset directory.
        dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a dataset against its manifest (presence, sizes, sha256, row counts) and every row
    /// against the data contract. Exits 1 and names each file with a problem.
    Verify {
        dir: PathBuf,
        /// Skip recomputing sha256 checksums.
        #[arg(long)]
        no_checksums: bool,
        /// Skip the row-by-row content checks.
        #[arg(long)]
        no_contents: bool,
        #[arg(long)]
        json: bool,
    },
    /// Copy a whole dataset from `s3://<bucket>/<prefix>/<dataset>/` into `<out>/<dataset>/`, each
    /// file checked against the manifest's sha256, files already there with the right checksum
    /// kept, the manifest written last (what fills an EBS volume before it is snapshotted). Takes
    /// the standard AWS environment (AWS_ENDPOINT_URL, AWS_REGION, credentials).
    Pull(PullArgs),
    /// Count contracts a DTE and |delta| filter selects, scanning every row of the selected
    /// partitions through the memory map (a reader benchmark and a sanity check).
    Scan(ScanArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    dir: PathBuf,
    /// Option side to filter.
    #[arg(long, value_enum, default_value_t = RightArg::Put)]
    right: RightArg,
    /// Days-to-expiry window, MIN:MAX (calendar days).
    #[arg(long, default_value = "30:60")]
    dte: String,
    /// |delta| window, MIN:MAX.
    #[arg(long, default_value = "0.25:0.35")]
    delta: String,
    /// Comma-separated tickers (default: all).
    #[arg(long, value_delimiter = ',')]
    tickers: Option<Vec<String>>,
    /// First trade date, YYYY-MM-DD.
    #[arg(long)]
    start: Option<String>,
    /// Last trade date, YYYY-MM-DD.
    #[arg(long)]
    end: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Scan this many times (after one warm-up pass) and report the fastest.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// The bucket holding the datasets.
    #[arg(long)]
    bucket: String,
    /// The dataset's name (its folder under the prefix).
    #[arg(long)]
    dataset: String,
    /// The folder to fill: the dataset lands in `<out>/<dataset>/`.
    #[arg(long)]
    out: PathBuf,
    /// The key prefix of the datasets in the bucket.
    #[arg(long, default_value = "datasets")]
    prefix: String,
    /// Refuse, before copying anything, unless the manifest in S3 has this sha256 (a snapshot
    /// tagged with a manifest must hold that manifest's files).
    #[arg(long, value_name = "SHA256")]
    manifest_sha256: Option<String>,
    /// Downloads in flight.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    parallelism: u16,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RightArg {
    Call,
    Put,
}

pub fn run(cmd: DatasetCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DatasetCommand::Info { dir, json } => info(&dir, json),
        DatasetCommand::Verify { dir, no_checksums, no_contents, json } => {
            // Partitions whose checksum matches are stamped, with their invalid-quote counts beside
            // the stamp, so later runs need neither hash them again nor count.
            let report = verify(
                &dir,
                VerifyOptions { checksums: !no_checksums, contents: !no_contents, stamps: StampStore::from_env() },
            );
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for p in &report.problems {
                    eprintln!("{}: {} [{}]", dir.join(&p.file).display(), p.message, p.kind);
                }
                let verdict = if report.ok() { "ok" } else { "FAILED" };
                println!(
                    "{verdict}: {} partitions, {} rows, {} bytes checked, {} problem(s)",
                    report.partitions_checked,
                    report.rows_checked,
                    report.bytes_checked,
                    report.problems.len()
                );
            }
            Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        DatasetCommand::Scan(args) => scan(args),
        DatasetCommand::Pull(args) => pull(args),
    }
}

#[cfg(feature = "s3")]
fn pull(args: PullArgs) -> anyhow::Result<ExitCode> {
    use aegis_bt::remote::sync::{Pull, pull_dataset};
    use serde_json::json;
    aegis_bt::scenario::check_dataset_name(&args.dataset).map_err(|m| anyhow::anyhow!("--dataset: {m}"))?;
    if let Some(sha) = &args.manifest_sha256
        && !(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        bail!("--manifest-sha256: expected 64 hexadecimal digits, got \"{sha}\"");
    }
    let prefix = args.prefix.trim_matches('/');
    let root_uri =
        if prefix.is_empty() { format!("s3://{}", args.bucket) } else { format!("s3://{}/{prefix}", args.bucket) };
    let stamps = StampStore::from_env();
    let pull = Pull {
        root_uri: &root_uri,
        dataset: &args.dataset,
        into: &args.out,
        parallelism: usize::from(args.parallelism),
        stamps: &stamps,
        manifest_sha256: args.manifest_sha256.as_deref(),
    };
    let into = args.out.join(&args.dataset);
    crate::exchange::event(
        &json!({ "event": "pull_start", "dataset": args.dataset, "from": root_uri, "into": into.display().to_string(), "parallelism": args.parallelism }),
    );
    let s3 = aegis_bt::remote::s3::S3::from_env()?;
    let stats = pull_dataset(&s3, &pull, &mut |landed| {
        crate::exchange::event(&json!({ "event": "pull_file", "file": landed }));
    })?;
    crate::exchange::event(
        &json!({ "event": "pull_done", "dataset": args.dataset, "into": into.display().to_string(), "stats": stats }),
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "s3"))]
fn pull(args: PullArgs) -> anyhow::Result<ExitCode> {
    let _ = (args.bucket, args.dataset, args.out, args.prefix, args.manifest_sha256, args.parallelism);
    bail!("dataset pull reads S3, but this aegis-bt was built without S3 support (cargo feature `s3`)")
}

fn info(dir: &std::path::Path, json: bool) -> anyhow::Result<ExitCode> {
    let info = Dataset::open(dir)?.info();
    if json {
        println!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("dataset    {}", info.name);
    println!("directory  {}", info.dir);
    println!("source     {}", info.source);
    println!(
        "dates      {} to {}",
        info.first_trade_date.as_deref().unwrap_or("-"),
        info.last_trade_date.as_deref().unwrap_or("-")
    );
    println!("partitions {}   rows {}   bytes {}", info.partitions, info.rows, info.bytes);
    for t in &info.per_ticker {
        println!(
            "  {:<8} {} to {}  {:>3} partition(s) {:>12} rows",
            t.ticker, t.first_trade_date, t.last_trade_date, t.partitions, t.rows
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn range<T: std::str::FromStr>(text: &str, what: &str) -> anyhow::Result<(T, T)> {
    let parse = |s: &str| s.trim().parse::<T>().ok();
    match text.split_once(':').map(|(a, b)| (parse(a), parse(b))) {
        Some((Some(a), Some(b))) => Ok((a, b)),
        _ => bail!("--{what} expects MIN:MAX, got \"{text}\""),
    }
}

fn date(text: &Option<String>, flag: &str) -> anyhow::Result<Option<i32>> {
    text.as_deref()
        .map(|t| parse_iso(t).with_context(|| format!("--{flag} expects YYYY-MM-DD, got \"{t}\"")))
        .transpose()
}

fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let (min_dte, max_dte) = range::<i32>(&args.dte, "dte")?;
    let (min_abs_delta, max_abs_delta) = range::<f64>(&args.delta, "delta")?;
    let right = match args.right {
        RightArg::Call => Right::Call,
        RightArg::Put => Right::Put,
    };
    let filter = ScanFilter { right, min_dte, max_dte, min_abs_delta, max_abs_delta };
    let sel = Selection { tickers: args.tickers, start: date(&args.start, "start")?, end: date(&args.end, "end")? };
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let dataset = Dataset::open(&args.dir)?;
    // A reader benchmark: the metadata is checked, the content is not hashed.
    let opened = pool.install(|| dataset.open_partitions(&sel, &VerifyPolicy::metadata_only()))?;
    let parts: Vec<&Partition> = opened.iter().map(|(_, p, _)| p).collect();
    let mut stats = pool.install(|| scan_all(&parts, &filter, sel.start, sel.end)); // warm-up: fault pages in
    let mut best = f64::INFINITY;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        stats = pool.install(|| scan_all(&parts, &filter, sel.start, sel.end));
        best = best.min(t.elapsed().as_secs_f64());
    }
    let rows_per_sec = stats.rows_scanned as f64 / best;
    let out = serde_json::json!({
        "rowsScanned": stats.rows_scanned,
        "rowsMatched": stats.rows_matched,
        "days": stats.days,
        "threads": threads,
        "seconds": best,
        "rowsPerSecond": rows_per_sec,
        "rowsPerSecondPerThread": rows_per_sec / threads as f64,
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "{} of {} rows matched over {} days in {:.4} s: {:.0} rows/s ({:.0} rows/s per thread, {threads} threads)",
            stats.rows_matched,
            stats.rows_scanned,
            stats.days,
            best,
            rows_per_sec,
            rows_per_sec / threads as f64
        );
    }
    Ok(ExitCode::SUCCESS)
}
