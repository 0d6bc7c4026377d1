//! The S3 sync fallback: copy only the partitions a run needs from `s3://…/datasets/<dataset>/`
//! into a scratch directory, in parallel, each checked against the manifest's sha256, the
//! manifest written last. Partitions already present with the right checksum are kept, so a
//! retried task does not download twice.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::data::manifest::{MANIFEST_FILE, Manifest, sha256_bytes, sha256_file};
use crate::data::stamps::StampStore;
use crate::data::{Dataset, Selection};
use crate::remote::Location;
use crate::remote::s3::{S3, S3Error};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    S3(#[from] S3Error),
    #[error("{0}")]
    Data(String),
    #[error("{uri}: sha256 {actual} does not match the manifest's {expected}")]
    Checksum { uri: String, expected: String, actual: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a sync did (recorded in logs and used by the benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct SyncStats {
    pub partitions: usize,
    pub downloaded: usize,
    pub reused: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub parallelism: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SyncError + '_ {
    move |source| SyncError::Io { path: path.to_path_buf(), source }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// One file of a sync, as it lands (for progress lines).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Landed<'a> {
    pub path: &'a str,
    pub bytes: u64,
    /// Files landed so far, of `of` to download.
    pub done: usize,
    pub of: usize,
}

/// Syncs `<root_uri>/<dataset>/` into `<into>/<dataset>/` for the selection; returns the local
/// data root (`into`) and what was done.
pub fn sync_dataset(
    s3: &S3,
    root_uri: &str,
    dataset: &str,
    selection: &Selection,
    into: &Path,
    parallelism: usize,
    stamps: &StampStore,
) -> Result<(PathBuf, SyncStats), SyncError> {
    let pull = Pull { root_uri, dataset, into, parallelism, stamps, manifest_sha256: None };
    sync(s3, &pull, selection, &mut |_| {})
}

/// What `aegis-bt dataset pull` copies: a whole dataset, optionally only if its manifest is the
/// one expected (a snapshot tagged with a manifest must hold that manifest's files).
#[derive(Debug, Clone, Copy)]
pub struct Pull<'a> {
    /// `s3://bucket/prefix` holding `<dataset>/`.
    pub root_uri: &'a str,
    pub dataset: &'a str,
    pub into: &'a Path,
    pub parallelism: usize,
    pub stamps: &'a StampStore,
    /// The sha256 the manifest's bytes must have; a different manifest is refused before any file
    /// is copied.
    pub manifest_sha256: Option<&'a str>,
}

/// Copies every file of a dataset into `<into>/<dataset>/`, each checked against the manifest's
/// sha256, files already there with the right checksum kept, the manifest written last.
pub fn pull_dataset(s3: &S3, pull: &Pull<'_>, progress: &mut dyn FnMut(Landed<'_>)) -> Result<SyncStats, SyncError> {
    sync(s3, pull, &Selection::default(), progress).map(|(_, stats)| stats)
}

fn sync(
    s3: &S3,
    pull: &Pull<'_>,
    selection: &Selection,
    progress: &mut dyn FnMut(Landed<'_>),
) -> Result<(PathBuf, SyncStats), SyncError> {
    let (root_uri, dataset, into, parallelism, stamps) =
        (pull.root_uri, pull.dataset, pull.into, pull.parallelism, pull.stamps);
    let started = Instant::now();
    let Location::S3 { bucket, key } = Location::parse(root_uri).map_err(SyncError::Data)? else {
        return Err(SyncError::Data(format!("{root_uri}: expected an s3:// URI")));
    };
    let prefix = Location::S3 { bucket: bucket.clone(), key }.join(dataset);
    let Location::S3 { key: prefix_key, .. } = &prefix else { unreachable!("joined an S3 location") };
    let manifest_key = format!("{}/{MANIFEST_FILE}", prefix_key.trim_end_matches('/'));
    let manifest_bytes = s3.get(&bucket, &manifest_key).map_err(|e| match e {
        S3Error::NotFound { uri } => SyncError::Data(format!(
            "dataset {dataset} not found: {uri} does not exist (an upload writes it last: none finished)"
        )),
        other => other.into(),
    })?;
    if let Some(expected) = pull.manifest_sha256 {
        let actual = sha256_bytes(&manifest_bytes);
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(SyncError::Data(format!(
                "s3://{bucket}/{manifest_key}: the manifest's sha256 is {actual}, not the expected {expected} (the dataset was uploaded again since)"
            )));
        }
    }
    let manifest =
        Manifest::parse(&manifest_bytes, Path::new(&manifest_key)).map_err(|e| SyncError::Data(e.to_string()))?;
    let dir = into.join(dataset);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let events = manifest.events.as_ref().map(|e| (e.path.clone(), e.sha256.clone()));
    let series = manifest.series.as_ref().map(|e| (e.path.clone(), e.sha256.clone()));
    // (path, sha256) of every file the run reads: its partitions, the dataset's events and series.
    let wanted: Vec<(String, String)> = Dataset { dir: dir.clone(), manifest }
        .prune(selection)
        .map_err(|e| SyncError::Data(e.to_string()))?
        .into_iter()
        .map(|p| (p.path.clone(), p.sha256.clone()))
        .chain(events)
        .chain(series)
        .collect();

    let mut stats = SyncStats { partitions: wanted.len(), parallelism, ..Default::default() };
    let mut missing = Vec::new();
    for (path, sha256) in &wanted {
        let local = dir.join(path);
        if local.is_file() && (stamps.contains(&local, sha256) || sha256_file(&local).is_ok_and(|s| s == *sha256)) {
            stamps.record(&local, sha256);
            stats.reused += 1;
        } else {
            missing.push((path.clone(), sha256.clone()));
        }
    }
    // A manifest from an earlier, different pull is removed first: the directory is complete
    // only once the new one is written, last.
    let manifest_path = dir.join(MANIFEST_FILE);
    if manifest_path.is_file() && std::fs::read(&manifest_path).ok().as_deref() != Some(&manifest_bytes[..]) {
        std::fs::remove_file(&manifest_path).map_err(io(&manifest_path))?;
    }
    let keys: Vec<String> =
        missing.iter().map(|(path, _)| format!("{}/{}", prefix_key.trim_end_matches('/'), path)).collect();
    let of = missing.len();
    s3.get_each(&bucket, &keys, parallelism, |i, bytes| {
        let ((path, sha256), key) = (&missing[i], &keys[i]);
        let actual = sha256_bytes(&bytes);
        if actual != *sha256 {
            return Err(SyncError::Checksum { uri: format!("s3://{bucket}/{key}"), expected: sha256.clone(), actual });
        }
        write_atomic(&dir.join(path), &bytes)?;
        // Hashed on the way in: the run need not hash it again.
        stamps.record(&dir.join(path), sha256);
        stats.downloaded += 1;
        stats.bytes += bytes.len() as u64;
        progress(Landed { path, bytes: bytes.len() as u64, done: stats.downloaded, of });
        Ok(())
    })?;
    // The full manifest, written last: partitions outside the selection are simply not opened.
    write_atomic(&manifest_path, &manifest_bytes)?;
    stats.seconds = started.elapsed().as_secs_f64();
    Ok((into.to_path_buf(), stats))
}
