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

/// Where the files a scenario names beside itself (`dates: { file }`) are read from: the local
/// scenario's directory; for a scenario in S3, a scratch directory they are downloaded into
/// from beside its key (`aegis-launch` uploads them there). `None` when it names none.
pub fn scenario_dir(location: &Location, text: &str) -> anyhow::Result<Option<PathBuf>> {
    match location {
        Location::Local(path) => Ok(Some(match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        })),
        #[cfg(feature = "s3")]
        Location::S3 { bucket, key } => {
            // Only a scenario in S3 is parsed here, to learn which files to fetch beside it.
            let files = aegis_bt::engine::dates_files(&aegis_bt::job::validate(text, &location.to_string())?);
            if files.is_empty() {
                return Ok(None);
            }
            let prefix = key.rsplit_once('/').map_or(String::new(), |(dir, _)| format!("{dir}/"));
            let run = std::env::var("AEGIS_RUN_ID").unwrap_or_else(|_| "scenario".into());
            let dir = DataRootConfig::from_env(None).scratch_dir.join("scenario").join(run);
            let client = s3_client()?;
            for file in &files {
                let at = format!("s3://{bucket}/{prefix}{file}");
                let bytes = client.get(bucket, &format!("{prefix}{file}")).with_context(|| {
                    format!(
                        "the scenario's dates file {file} is not at {at} (aegis-launch uploads it beside the scenario)"
                    )
                })?;
                let local = dir.join(file);
                if let Some(parent) = local.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::write(&local, &bytes).with_context(|| format!("cannot write {}", local.display()))?;
            }
            Ok(Some(dir))
        }
        #[cfg(not(feature = "s3"))]
        Location::S3 { .. } => {
            let _ = text;
            Err(no_s3("--scenario"))
        }
    }
}

/// Resolves the data root, syncing from S3 when that is the way.
pub fn data_root(
    dataset: &str,
    selection: &aegis_bt::data::Selection,
    explicit: Option<String>,
) -> anyhow::Result<(PathBuf, DataPath)> {
    // The name is joined onto mount points and S3 prefixes: it must be a name, not a path.
    aegis_bt::scenario::check_dataset_name(dataset).map_err(|m| anyhow::anyhow!("dataset: {m}"))?;
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

#[cfg(feature = "s3")]
use aegis_bt::results::RESULT_FILES;

const WRITE_CHECK: &str = ".aegis-write-check";

/// Readies `out` (under `sub`, a shard's `shards/<iiii>`) before any work: the destination exists
/// and can be written (a check object put and deleted), and its old `_SUCCESS` is gone, so an
/// earlier run's marker never vouches for what this run writes. For S3 the local staging
/// directory `local` starts empty. A missing bucket or denied write fails here, before the
/// backtest, in one line.
pub fn prepare_out(out: &Location, local: &Path, sub: Option<&str>) -> anyhow::Result<()> {
    match out {
        Location::Local(dir) => {
            let dir = sub.map_or_else(|| dir.clone(), |s| dir.join(s));
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("{}: cannot create the results directory", dir.display()))?;
            match std::fs::remove_file(dir.join(aegis_bt::results::SUCCESS_FILE)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("{}: cannot remove the old _SUCCESS", dir.display()));
                }
                _ => {}
            }
            let check = dir.join(WRITE_CHECK);
            std::fs::write(&check, b"").with_context(|| format!("{}: cannot write results here", dir.display()))?;
            let _ = std::fs::remove_file(check);
            Ok(())
        }
        #[cfg(feature = "s3")]
        Location::S3 { bucket, key } => {
            if local.exists() {
                std::fs::remove_dir_all(local)
                    .with_context(|| format!("{}: cannot clear the staging directory", local.display()))?;
            }
            let s3 = s3_client()?;
            let prefix = object_key(key, sub.unwrap_or(""));
            s3.delete(bucket, &object_key(&prefix, aegis_bt::results::SUCCESS_FILE))?;
            let check = object_key(&prefix, WRITE_CHECK);
            s3.put(bucket, &check, Vec::new())?;
            s3.delete(bucket, &check)?;
            event(&serde_json::json!({ "event": "results_checked", "out": format!("s3://{bucket}/{prefix}/") }));
            Ok(())
        }
        #[cfg(not(feature = "s3"))]
        Location::S3 { .. } => {
            let _ = local;
            Err(no_s3("--out"))
        }
    }
}

/// `prefix/name`, without doubled or leading slashes.
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
fn object_key(prefix: &str, name: &str) -> String {
    let prefix = prefix.trim_matches('/');
    let name = name.trim_matches('/');
    match (prefix.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}/{name}"),
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
/// for S3, every file under the directory, then the earlier run's result files this run did not
/// write are deleted, then `_SUCCESS` (each directory's) last.
pub fn deliver(local: &Path, out: &Location) -> anyhow::Result<()> {
    match out {
        Location::Local(_) => Ok(()),
        #[cfg(feature = "s3")]
        Location::S3 { bucket, key } => {
            let s3 = s3_client()?;
            let files = files_under(local)?;
            let is_marker = |p: &PathBuf| p.file_name().is_some_and(|n| n == aegis_bt::results::SUCCESS_FILE);
            let (markers, data): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(is_marker);
            let keys = |rels: &[PathBuf]| -> Vec<String> {
                rels.iter().map(|rel| object_key(key, &rel.to_string_lossy().replace('\\', "/"))).collect()
            };
            let data_keys = keys(&data);
            for (rel, object) in data.iter().zip(&data_keys) {
                let bytes = std::fs::read(local.join(rel))
                    .with_context(|| format!("{}: cannot read a result file", local.join(rel).display()))?;
                s3.put(bucket, object, bytes)?;
            }
            // Each directory that gets a `_SUCCESS` loses the result files of an earlier run.
            for marker in &markers {
                let dir = marker.parent().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
                for name in RESULT_FILES {
                    let stale = object_key(&object_key(key, &dir), name);
                    if !data_keys.contains(&stale) {
                        s3.delete(bucket, &stale)?;
                    }
                }
            }
            for (rel, object) in markers.iter().zip(keys(&markers)) {
                let bytes = std::fs::read(local.join(rel))
                    .with_context(|| format!("{}: cannot read a result file", local.join(rel).display()))?;
                s3.put(bucket, &object, bytes)?;
            }
            Ok(())
        }
        #[cfg(not(feature = "s3"))]
        Location::S3 { .. } => {
            let _ = local;
            Err(no_s3("--out"))
        }
    }
}
