//! The data root, in DESIGN's one canonical order: an explicit setting → the S3 Files mount →
//! the EBS volume → an S3 sync of only the partitions the run needs. The first that holds
//! `<dataset>/manifest.json` wins; `run.json` records which.

use std::path::{Path, PathBuf};

use crate::data::manifest::MANIFEST_FILE;

/// How the data root was found (recorded in run.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataPath {
    Explicit,
    S3Files,
    Ebs,
    S3Sync,
}

impl DataPath {
    pub fn as_str(self) -> &'static str {
        match self {
            DataPath::Explicit => "explicit",
            DataPath::S3Files => "s3files",
            DataPath::Ebs => "ebs",
            DataPath::S3Sync => "s3-sync",
        }
    }
}

/// Where to look. The mount points are settings so tests can use temporary directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRootConfig {
    /// `--data` or `AEGIS_DATA_ROOT`.
    pub explicit: Option<String>,
    /// `AEGIS_S3FILES_MOUNT`, default `/mnt/s3files`.
    pub s3files_mount: PathBuf,
    /// `AEGIS_EBS_MOUNT`, default `/mnt/data`.
    pub ebs_mount: PathBuf,
    /// `AEGIS_DATASET_URI`: the S3 data root for the sync fallback.
    pub dataset_uri: Option<String>,
    /// `AEGIS_SCRATCH_DIR`, default `/tmp/aegis-scratch`: where synced partitions go.
    pub scratch_dir: PathBuf,
}

impl DataRootConfig {
    /// Reads the `AEGIS_*` variables, with `explicit` (from `--data`) taking precedence.
    pub fn from_env(explicit: Option<String>) -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        DataRootConfig {
            explicit: explicit.or_else(|| var("AEGIS_DATA_ROOT")),
            s3files_mount: var("AEGIS_S3FILES_MOUNT").map_or_else(|| PathBuf::from("/mnt/s3files"), PathBuf::from),
            ebs_mount: var("AEGIS_EBS_MOUNT").map_or_else(|| PathBuf::from("/mnt/data"), PathBuf::from),
            dataset_uri: var("AEGIS_DATASET_URI"),
            scratch_dir: var("AEGIS_SCRATCH_DIR").map_or_else(|| PathBuf::from("/tmp/aegis-scratch"), PathBuf::from),
        }
    }
}

/// A local directory holding the dataset, or the S3 prefix to sync it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedRoot {
    Local { root: PathBuf, path: DataPath },
    Sync { uri: String, into: PathBuf },
}

fn holds(root: &Path, dataset: &str) -> bool {
    root.join(dataset).join(MANIFEST_FILE).is_file() || root.join(MANIFEST_FILE).is_file()
}

/// Picks the data root for `dataset`. An explicit root is used as given (a missing dataset there is
/// reported by the run, naming the directory); otherwise the mounts are tried in order and the
/// S3 URI is the fallback. Errors list every place that was tried.
pub fn resolve(dataset: &str, cfg: &DataRootConfig) -> Result<ResolvedRoot, String> {
    if let Some(explicit) = &cfg.explicit {
        if explicit.starts_with("s3://") {
            return Ok(ResolvedRoot::Sync { uri: explicit.clone(), into: cfg.scratch_dir.clone() });
        }
        return Ok(ResolvedRoot::Local { root: PathBuf::from(explicit), path: DataPath::Explicit });
    }
    for (mount, path) in [(&cfg.s3files_mount, DataPath::S3Files), (&cfg.ebs_mount, DataPath::Ebs)] {
        if mount.join(dataset).join(MANIFEST_FILE).is_file() {
            return Ok(ResolvedRoot::Local { root: mount.clone(), path });
        }
    }
    if let Some(uri) = &cfg.dataset_uri {
        return Ok(ResolvedRoot::Sync { uri: uri.clone(), into: cfg.scratch_dir.clone() });
    }
    Err(format!(
        "dataset {dataset}: no data root holds it — tried {}/{dataset} (S3 Files), {}/{dataset} (EBS), and no AEGIS_DATASET_URI is set for an S3 sync; pass --data or set AEGIS_DATA_ROOT",
        cfg.s3files_mount.display(),
        cfg.ebs_mount.display()
    ))
}

/// True when a local root already holds the dataset (used by tests and diagnostics).
pub fn root_holds(root: &Path, dataset: &str) -> bool {
    holds(root, dataset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(tmp: &Path) -> DataRootConfig {
        DataRootConfig {
            explicit: None,
            s3files_mount: tmp.join("s3files"),
            ebs_mount: tmp.join("ebs"),
            dataset_uri: Some("s3://bucket/datasets/".into()),
            scratch_dir: tmp.join("scratch"),
        }
    }

    fn make(root: &Path, dataset: &str) {
        std::fs::create_dir_all(root.join(dataset)).unwrap();
        std::fs::write(root.join(dataset).join(MANIFEST_FILE), "{}").unwrap();
    }

    #[test]
    fn follows_the_canonical_order() {
        let tmp = tempfile::tempdir().unwrap();
        let mut c = cfg(tmp.path());
        assert_eq!(
            resolve("spx", &c).unwrap(),
            ResolvedRoot::Sync { uri: "s3://bucket/datasets/".into(), into: tmp.path().join("scratch") }
        );
        make(&c.ebs_mount, "spx");
        assert_eq!(resolve("spx", &c).unwrap(), ResolvedRoot::Local { root: c.ebs_mount.clone(), path: DataPath::Ebs });
        make(&c.s3files_mount, "spx");
        assert_eq!(
            resolve("spx", &c).unwrap(),
            ResolvedRoot::Local { root: c.s3files_mount.clone(), path: DataPath::S3Files }
        );
        c.explicit = Some("/data".into());
        assert_eq!(resolve("spx", &c).unwrap(), ResolvedRoot::Local { root: "/data".into(), path: DataPath::Explicit });
    }

    #[test]
    fn a_mount_without_the_dataset_is_passed_over() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cfg(tmp.path());
        make(&c.s3files_mount, "other");
        assert!(matches!(resolve("spx", &c).unwrap(), ResolvedRoot::Sync { .. }));
    }

    #[test]
    fn says_where_it_looked_when_nothing_holds_the_dataset() {
        let tmp = tempfile::tempdir().unwrap();
        let c = DataRootConfig { dataset_uri: None, ..cfg(tmp.path()) };
        let err = resolve("spx", &c).unwrap_err();
        assert!(err.contains("s3files/spx (S3 Files)") && err.contains("no AEGIS_DATASET_URI"), "{err}");
    }
}
