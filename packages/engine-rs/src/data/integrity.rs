//! A run never uses data that differs from its manifest (docs/data-format.md, "What is verified
//! when"). Every partition a run opens is checked against its manifest entry:
//! - always, cheaply: byte size, ticker, row count, first and last trade date, year;
//! - its content (sha256 of every byte) the first time it is used, then remembered by a
//!   [`StampStore`] stamp, so a repeated run pays nothing (`auto`); or every time (`always`); or
//!   never (`never`, metadata only).
//!
//! What was checked, and how, goes into `run.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::data::manifest::{PartitionEntry, sha256_bytes, sha256_file};
use crate::data::partition::Partition;
use crate::data::stamps::StampStore;
use crate::dates::{iso, year_of};
use crate::error::{DataError, DataResult};

/// How a partition's content is checked before a run uses it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VerifyMode {
    /// Hash a partition the first time it is used and remember it (the default).
    #[default]
    Auto,
    /// Hash every partition on every run (`--verify`).
    Always,
    /// Check sizes, rows, dates and tickers only (`--no-verify`).
    Never,
}

impl VerifyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyMode::Auto => "auto",
            VerifyMode::Always => "always",
            VerifyMode::Never => "never",
        }
    }
}

impl std::str::FromStr for VerifyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(VerifyMode::Auto),
            "always" => Ok(VerifyMode::Always),
            "never" => Ok(VerifyMode::Never),
            other => Err(format!("verify mode \"{other}\": expected auto, always or never")),
        }
    }
}

/// How a partition's content was found to match its manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContentCheck {
    /// Hashed during this run.
    Hashed,
    /// Hashed by an earlier run or `dataset verify`; the file has not changed since.
    Stamp,
    /// Not hashed (`never`): only the metadata was checked.
    Skipped,
}

/// One partition a run read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartitionCheck {
    /// Relative to the dataset directory.
    pub path: String,
    /// The manifest's checksum.
    pub sha256: String,
    pub content: ContentCheck,
}

/// What a run verified (in `run.json` and `sweep.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verification {
    pub mode: VerifyMode,
    /// Every partition read, in (ticker, year) order; each had its metadata checked.
    pub partitions: Vec<PartitionCheck>,
}

/// How to check partitions as they are opened.
#[derive(Debug, Clone, Default)]
pub struct VerifyPolicy {
    pub mode: VerifyMode,
    pub stamps: StampStore,
}

impl VerifyPolicy {
    pub fn new(mode: VerifyMode, stamps: StampStore) -> VerifyPolicy {
        VerifyPolicy { mode, stamps }
    }

    /// Metadata only, remembering nothing (scans and benchmarks).
    pub fn metadata_only() -> VerifyPolicy {
        VerifyPolicy { mode: VerifyMode::Never, stamps: StampStore::disabled() }
    }

    /// Checks an opened partition against its manifest entry, as the mode asks.
    pub fn check(&self, entry: &PartitionEntry, part: &Partition) -> DataResult<PartitionCheck> {
        check_metadata(entry, part)?;
        let content = match self.mode {
            VerifyMode::Never => ContentCheck::Skipped,
            VerifyMode::Auto if self.stamps.contains(&part.path, &entry.sha256) => ContentCheck::Stamp,
            VerifyMode::Auto | VerifyMode::Always => {
                let actual = match part.raw_bytes() {
                    Some(bytes) => sha256_bytes(bytes),
                    None => sha256_file(&part.path)?,
                };
                if actual != entry.sha256 {
                    return Err(mismatch(
                        part,
                        format!("sha256 {actual} does not match the manifest's {}", entry.sha256),
                    ));
                }
                self.stamps.record(&part.path, &entry.sha256);
                ContentCheck::Hashed
            }
        };
        Ok(PartitionCheck { path: entry.path.clone(), sha256: entry.sha256.clone(), content })
    }
}

fn mismatch(part: &Partition, message: String) -> DataError {
    DataError::Mismatch { path: part.path.clone(), message }
}

/// The cheap checks, on every open: a partition replaced by another year's file, another
/// ticker's, or a rewrite with other rows is refused before any of it is used.
pub fn check_metadata(entry: &PartitionEntry, part: &Partition) -> DataResult<()> {
    let bad = |message: String| Err(mismatch(part, message));
    if part.bytes as u64 != entry.bytes {
        return bad(format!("{} bytes, the manifest says {}", part.bytes, entry.bytes));
    }
    if part.rows as u64 != entry.rows {
        return bad(format!("{} rows, the manifest says {}", part.rows, entry.rows));
    }
    let (first, last) = (part.first_day(), part.last_day());
    if first != Some(entry.first_day()) || last != Some(entry.last_day()) {
        return bad(format!(
            "trade dates {} to {}, the manifest says {} to {}",
            first.map(iso).unwrap_or_default(),
            last.map(iso).unwrap_or_default(),
            entry.first_trade_date,
            entry.last_trade_date
        ));
    }
    if first.is_some_and(|d| year_of(d) != entry.year) || last.is_some_and(|d| year_of(d) != entry.year) {
        return bad(format!("trade dates outside {}, the partition's year", entry.year));
    }
    if let Some(other) = part.batches.iter().flat_map(|b| &b.tickers).find(|t| **t != entry.ticker) {
        return bad(format!("holds ticker {other}, the manifest says {}", entry.ticker));
    }
    if part.batches.iter().any(|b| b.tickers.is_empty() && b.len > 0) {
        return bad(format!("a record batch has no readable ticker, the manifest says {}", entry.ticker));
    }
    Ok(())
}
