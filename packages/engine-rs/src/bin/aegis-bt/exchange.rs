//! What `run` and `sweep` share: JSON-line events, reading the scenario, finding (or syncing) the
//! data root, and uploading a finished results directory to S3 with `_SUCCESS` last.

use std::io::Write;
use std::path::{Path, PathBuf};

use aegis_bt::data::stamps::StampStore;
use aegis_bt::data::{VerifyMode, VerifyPolicy};
use aegis_bt::remote::Location;
use aegis_bt::remote::data_root::{self, DataPath, DataRootConfig, ResolvedRoot};
use anyhow::Context;
use clap::Args;

/// What a run or a sweep reads: the scenario, the data root and the dataset.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Scenario file (YAML or JSON): a path or an s3:// URI.
    #[arg(long, env = "AEGIS_CONFIG_URI")]
    pub scenario: String,
    /// Data root holding `<dataset>/manifest.json` (a path, or an s3:// prefix to sync from).
    /// Default: the S3 Files mount, then the EBS mount, then an S3 sync from AEGIS_DATASET_URI.
    #[arg(long, env = "AEGIS_DATA_ROOT")]
    pub data: Option<String>,
    /// Run on this dataset instead of the scenario's `data.dataset`.
    #[arg(long, env = "AEGIS_DATASET")]
    pub dataset: Option<String>,
    /// Hash every partition the run reads, even those verified before (default: hash a partition
    /// the first time it is used and remember it; sizes, rows, dates and tickers are always checked).
    #[arg(long, conflicts_with = "no_verify")]
    pub verify: bool,
    /// Check partitions' sizes, rows, dates and tickers against the manifest, but not their
    /// sha256 (run.json records it).
    #[arg(long)]
    pub no_verify: bool,
}

impl SourceArgs {
    /// How to check partitions as they are loaded; stamps live in the user cache
    /// (`AEGIS_VERIFY_CACHE`, docs/data-format.md).
    pub fn verify_policy(&self) -> VerifyPolicy {
        let mode = if self.verify {
            VerifyMode::Always
        } else if self.no_verify {
            VerifyMode::Never
        } else {
            VerifyMode::Auto
        };
        VerifyPolicy::new(mode, StampStore::from_env())
    }
}

/// One JSON object per line: on stdout in a container (`AEGIS_RUN_ID` set, for CloudWatch), on
/// stderr locally.
pub fn event(value: &serde_json::Value) {
    let line = format!("{value}\n");
    if std::env::var_os("AEGIS_RUN_ID").is_some() {
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    } else {
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[cfg(feature = "s3")]
fn s3_client() -> anyhow::Result<aegis_bt::remote::s3::S3> {
    Ok(aegis_bt::remote::s3::S3::from_env()?)
}

#[cfg(not(feature = "s3"))]
pub fn no_s3(what: &str) -> anyhow::Error {
    anyhow::anyhow!("{what} is an s3:// URI, but this aegis-bt was built without S3 support (cargo feature `s3`)")
}

/// Refuses an `s3://` output early when this build cannot write there.
pub fn check_out(out: &Location) -> anyhow::Result<()> {
    #[cfg(not(feature = "s3"))]
    if out.is_s3() {
        return Err(no_s3("--out"));
    }
    let _ = out;
    Ok(())
}

pub fn read_scenario(location: &Location) -> anyhow::Result<String> {
    match location {
        Location::Local(path) => Ok(aegis_bt::scenario::read_file(path)?),
        #[cfg(feature = "s3")]
        Location::S3 { bucket, key } => {
            let bytes = s3_client()?.get(bucket, key)?;
            Ok(aegis_bt::scenario::guard::text_from_bytes(bytes.to_vec(), &location.to_string())?)
        }
        #[cfg(not(feature = "s3"))]
        Location::S3 { .. } => Err(no_s3("--scenario")),
    }
}

/// Resolves the data root, syncing from S3 when that is the way.
pub fn data_root(
    dataset: &str,
    selection: &aegis_bt::data::Selection,
    explicit: Option<String>,
) -> anyhow::Result<(PathBuf, DataPath)> {
    let cfg = DataRootConfig::from_env(explicit);
    let resolved = match data_root::resolve(dataset, &cfg).map_err(anyhow::Error::msg)? {
        ResolvedRoot::Local { root, path } => (root, path),
        #[cfg(feature = "s3")]
        ResolvedRoot::Sync { uri, into } => {
            // Requests in flight while syncing partitions (`AEGIS_SYNC_PARALLELISM`, default 8).
            let parallelism = std::env::var("AEGIS_SYNC_PARALLELISM").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
            event(
                &serde_json::json!({ "event": "sync_start", "dataset": dataset, "from": uri, "into": into.display().to_string(), "parallelism": parallelism }),
            );
            let (root, stats) = aegis_bt::remote::sync::sync_dataset(
                &s3_client()?,
                &uri,
                dataset,
                selection,
                &into,
                parallelism,
                &StampStore::from_env(),
            )?;
            event(&serde_json::json!({ "event": "sync_done", "dataset": dataset, "stats": stats }));
            (root, DataPath::S3Sync)
        }
        #[cfg(not(feature = "s3"))]
        ResolvedRoot::Sync { uri, .. } => {
            let _ = selection;
            return Err(no_s3(&format!("the data root {uri}")));
        }
    };
    event(
        &serde_json::json!({ "event": "data_root", "path": resolved.1.as_str(), "root": resolved.0.display().to_string() }),
    );
    Ok(resolved)
}

/// Where to write results before they go to `out`: `out` itself, or a scratch directory that is
/// uploaded afterwards.
pub fn local_results_dir(out: &Location, fallback_name: &str) -> PathBuf {
    match out {
        Location::Local(dir) => dir.clone(),
        Location::S3 { .. } => {
            let run = std::env::var("AEGIS_RUN_ID").unwrap_or_else(|_| fallback_name.to_string());
            DataRootConfig::from_env(None).scratch_dir.join("results").join(run)
        }
    }
}

/// Every file under `dir`, relative, sorted; temporary `.…partial` files left out.
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&rel)).with_context(|| format!("{}", dir.join(&rel).display()))? {
            let entry = entry?;
            let name = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(name);
            } else if !entry.file_name().to_string_lossy().ends_with(".partial") {
                out.push(name);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Sends a finished local results directory where `out` says: nothing to do for a local `out`;
/// for S3, every file under the directory, then `_SUCCESS` (each directory's) last.
pub fn deliver(local: &Path, out: &Location) -> anyhow::Result<()> {
    match out {
        Location::Local(_) => Ok(()),
        #[cfg(feature = "s3")]
        Location::S3 { bucket, key } => {
            let s3 = s3_client()?;
            let prefix = key.trim_end_matches('/');
            let files = files_under(local)?;
            let is_marker = |p: &PathBuf| p.file_name().is_some_and(|n| n == aegis_bt::results::SUCCESS_FILE);
            let (markers, data): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(is_marker);
            for rel in data.iter().chain(&markers) {
                let bytes = std::fs::read(local.join(rel))
                    .with_context(|| format!("{}: cannot read a result file", local.join(rel).display()))?;
                let rel = rel.to_string_lossy().replace('\\', "/");
                let object = if prefix.is_empty() { rel } else { format!("{prefix}/{rel}") };
                s3.put(bucket, &object, bytes)?;
            }
            Ok(())
        }
        #[cfg(not(feature = "s3"))]
        Location::S3 { .. } => Err(no_s3("--out")),
    }
}
