//! Verification stamps: "this file, as it is now, has the manifest's sha256". A stamp is keyed by
//! the file's identity (path, device, inode, size, modification and change times) and the expected
//! checksum, so any rewrite of the file — or a different manifest — misses it. Stamps live in a
//! user cache, never beside the data, so a read-only mount (EBS snapshot, S3 Files) needs no
//! writing; a cache that cannot be written only means the next run hashes again.
//!
//! Beside a stamp the engine keeps what it learned from the verified file that only a whole
//! read can tell: each day's invalid quote sides ([`StampStore::quote_counts`]). It is keyed
//! like the stamp, so it is read only for the very file the stamp vouches for, and it carries its
//! own checksum, so damaged bytes are ignored (the engine counts again), never believed.

use std::path::{Path, PathBuf};

use crate::data::manifest::sha256_bytes;

/// Where stamps are kept; `None` remembers nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StampStore {
    dir: Option<PathBuf>,
}

impl StampStore {
    /// `$AEGIS_VERIFY_CACHE` (empty or `off` remembers nothing), else `$XDG_CACHE_HOME/aegis-bt/verified`,
    /// else `~/.cache/aegis-bt/verified`.
    pub fn from_env() -> StampStore {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let dir = match std::env::var_os("AEGIS_VERIFY_CACHE") {
            Some(v) if v.is_empty() || v == "off" => None,
            Some(v) => Some(PathBuf::from(v)),
            None => var("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|cache| cache.join("aegis-bt").join("verified")),
        };
        StampStore { dir }
    }

    /// Stamps under `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> StampStore {
        StampStore { dir: Some(dir.into()) }
    }

    /// Remembers nothing: every check hashes.
    pub fn disabled() -> StampStore {
        StampStore { dir: None }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// True when `path`, as it is now, was verified to have `sha256`.
    pub fn contains(&self, path: &Path, sha256: &str) -> bool {
        match (&self.dir, key(path, sha256)) {
            (Some(dir), Some(k)) => dir.join(k).is_file(),
            _ => false,
        }
    }

    /// Records that `path`, as it is now, has `sha256`. Best effort: false when it could not.
    pub fn record(&self, path: &Path, sha256: &str) -> bool {
        let (Some(dir), Some(k)) = (&self.dir, key(path, sha256)) else { return false };
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{k}.{}.partial", std::process::id()));
            std::fs::write(&tmp, format!("{}\n{sha256}\n", path.display()))?;
            std::fs::rename(&tmp, dir.join(&k))
        };
        write().is_ok()
    }
}

/// The rule [`crate::data::DayChain::invalid_quotes`] applies; counts kept under another rule are
/// never read. Change it whenever that rule changes.
pub const QUOTE_RULE: u32 = 1;

impl StampStore {
    /// Each day's invalid quote sides of `path` (in the partition's day order), kept by an earlier
    /// run for this file as it is now with `sha256`; `None` when none were kept, or they are damaged.
    pub fn quote_counts(&self, path: &Path, sha256: &str) -> Option<Vec<u64>> {
        let (Some(dir), Some(k)) = (&self.dir, key(path, sha256)) else { return None };
        let text = std::fs::read_to_string(dir.join(quotes_file(&k))).ok()?;
        let (body, check) = text.strip_suffix('\n')?.rsplit_once('\n')?;
        if sha256_bytes(body.as_bytes()) != check {
            return None;
        }
        let mut lines = body.lines();
        if lines.next()? != quotes_header() {
            return None;
        }
        let days: usize = lines.next()?.parse().ok()?;
        let counts: Vec<u64> = match lines.next() {
            Some(line) => line.split(' ').map(|c| c.parse().ok()).collect::<Option<_>>()?,
            None => Vec::new(),
        };
        (lines.next().is_none() && counts.len() == days).then_some(counts)
    }

    /// Keeps `counts` for `path` as it is now with `sha256`; call it only for a file whose
    /// content was verified. Best effort: false when it could not.
    pub fn record_quote_counts(&self, path: &Path, sha256: &str, counts: &[u64]) -> bool {
        let (Some(dir), Some(k)) = (&self.dir, key(path, sha256)) else { return false };
        let list: Vec<String> = counts.iter().map(u64::to_string).collect();
        let body = format!("{}\n{}\n{}", quotes_header(), counts.len(), list.join(" "));
        let text = format!("{body}\n{}\n", sha256_bytes(body.as_bytes()));
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{k}.quotes.{}.partial", std::process::id()));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, dir.join(quotes_file(&k)))
        };
        write().is_ok()
    }
}

/// The first line of a counts file: what it holds and under which rule.
fn quotes_header() -> String {
    format!("invalid quote sides per day, rule {QUOTE_RULE}")
}

/// The counts file beside the stamp named `key`.
fn quotes_file(key: &str) -> String {
    format!("{key}.quotes")
}

/// The stamp name of a file's current identity and its expected checksum.
fn key(path: &Path, sha256: &str) -> Option<String> {
    let path = std::fs::canonicalize(path).ok()?;
    let meta = std::fs::metadata(&path).ok()?;
    Some(sha256_bytes(format!("{}\n{}\n{sha256}", path.display(), identity(&meta)).as_bytes()))
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{} {} {} {}.{} {}.{}",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

#[cfg(not(unix))]
fn identity(meta: &std::fs::Metadata) -> String {
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    format!("{} {:?}", meta.len(), modified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_holds_until_the_file_or_the_checksum_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a.arrow");
        std::fs::write(&file, b"one").unwrap();
        let stamps = StampStore::at(tmp.path().join("stamps"));
        assert!(!stamps.contains(&file, "abc"));
        assert!(stamps.record(&file, "abc"));
        assert!(stamps.contains(&file, "abc"));
        assert!(!stamps.contains(&file, "abd"), "another manifest's checksum");
        // A rewrite, even of the same size, is another file.
        std::thread::sleep(std::time::Duration::from_millis(5));
        std::fs::write(&file, b"two").unwrap();
        assert!(!stamps.contains(&file, "abc"));
    }

    #[test]
    fn quote_counts_are_read_back_only_for_the_same_file_and_intact() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a.arrow");
        std::fs::write(&file, b"one").unwrap();
        let stamps = StampStore::at(tmp.path().join("stamps"));
        assert_eq!(stamps.quote_counts(&file, "abc"), None);
        assert!(stamps.record_quote_counts(&file, "abc", &[0, 3, 12, 0]));
        assert_eq!(stamps.quote_counts(&file, "abc"), Some(vec![0, 3, 12, 0]));
        assert_eq!(stamps.quote_counts(&file, "abd"), None, "another manifest's checksum");
        assert!(stamps.record_quote_counts(&file, "abd", &[]));
        assert_eq!(stamps.quote_counts(&file, "abd"), Some(vec![]), "a file without days");
        // Damaged bytes, a changed count (even with the length kept), another rule, garbage: ignored.
        let kept = tmp.path().join("stamps").join(quotes_file(&key(&file, "abc").unwrap()));
        let good = std::fs::read_to_string(&kept).unwrap();
        for bad in [
            good.replace("0 3 12 0", "0 4 12 0"),
            good.replace("0 3 12 0", "0 3 12"),
            good.replace("rule 1", "rule 2"),
            good[..good.len() - 2].to_string(),
            String::new(),
            "\n\n\n".to_string(),
            good.replace('\n', "\r\n"),
        ] {
            std::fs::write(&kept, &bad).unwrap();
            assert_eq!(stamps.quote_counts(&file, "abc"), None, "{bad:?}");
        }
        // Counts whose checksum matches but whose length does not: ignored too.
        let body = format!("invalid quote sides per day, rule {QUOTE_RULE}\n3\n1 2");
        std::fs::write(&kept, format!("{body}\n{}\n", sha256_bytes(body.as_bytes()))).unwrap();
        assert_eq!(stamps.quote_counts(&file, "abc"), None);
        // A rewrite of the file is another file.
        std::fs::write(&kept, &good).unwrap();
        assert_eq!(stamps.quote_counts(&file, "abc"), Some(vec![0, 3, 12, 0]));
        std::thread::sleep(std::time::Duration::from_millis(5));
        std::fs::write(&file, b"two").unwrap();
        assert_eq!(stamps.quote_counts(&file, "abc"), None);
        assert!(!StampStore::disabled().record_quote_counts(&file, "abc", &[1]));
        assert_eq!(StampStore::disabled().quote_counts(&file, "abc"), None);
    }

    #[test]
    fn a_disabled_or_unwritable_store_remembers_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a.arrow");
        std::fs::write(&file, b"one").unwrap();
        let off = StampStore::disabled();
        assert!(!off.record(&file, "abc") && !off.contains(&file, "abc"));
        let blocked = tmp.path().join("blocked");
        std::fs::write(&blocked, b"a file where the directory should be").unwrap();
        let unwritable = StampStore::at(blocked.join("stamps"));
        assert!(!unwritable.record(&file, "abc") && !unwritable.contains(&file, "abc"));
    }
}
