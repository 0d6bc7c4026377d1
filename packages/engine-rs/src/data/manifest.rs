//! `manifest.json`: schema version, name, source, tickers and per-partition path, trade-date range,
//! rows, bytes and sha256. Producers (aegis-data) write it last; a directory without it is not a
//! dataset.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{DataError, DataResult};

pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest layout this engine reads.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    pub name: String,
    #[serde(default)]
    pub created_by: Option<String>,
    pub source: serde_json::Value,
    pub tickers: Vec<String>,
    pub partitions: Vec<PartitionEntry>,
    /// `events.arrow`, when the dataset has events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<super::events::EventsEntry>,
    /// `series.arrow`, when the dataset has series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<super::series::SeriesEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionEntry {
    /// Relative to the dataset directory, `<TICKER>/<YEAR>.arrow`.
    pub path: String,
    pub ticker: String,
    pub year: i32,
    pub first_trade_date: String,
    pub last_trade_date: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    /// Reads and checks `<dir>/manifest.json`.
    pub fn load(dir: &Path) -> DataResult<Manifest> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read(&path).map_err(|e| DataError::io(&path, e))?;
        Self::parse(&text, &path)
    }

    /// Parses manifest bytes; `path` only names the file in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> DataResult<Manifest> {
        let bad = |message: String| DataError::Manifest { path: path.to_path_buf(), message };
        let manifest: Manifest = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("{e} (line {}, column {})", e.line(), e.column())))?;
        if manifest.schema_version != SCHEMA_VERSION {
            return Err(bad(format!(
                "schemaVersion {} is not supported (this engine reads {SCHEMA_VERSION})",
                manifest.schema_version
            )));
        }
        for (i, p) in manifest.partitions.iter().enumerate() {
            let expected = format!("{}/{}.arrow", p.ticker, p.year);
            if p.path != expected {
                return Err(bad(format!("partitions[{i}].path is \"{}\", expected \"{expected}\"", p.path)));
            }
            for (field, value) in [("firstTradeDate", &p.first_trade_date), ("lastTradeDate", &p.last_trade_date)] {
                if crate::dates::parse_iso(value).is_none() {
                    return Err(bad(format!("partitions[{i}].{field} \"{value}\" is not a YYYY-MM-DD date")));
                }
            }
            if p.sha256.len() != 64 || !p.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(format!("partitions[{i}].sha256 is not 64 hex digits")));
            }
        }
        if let Some(e) = &manifest.events {
            let listed = super::sidecar::Listed { path: &e.path, bytes: e.bytes, sha256: &e.sha256 };
            super::sidecar::check_entry("events", super::events::EVENTS_FILE, listed, [&e.first_date, &e.last_date])
                .map_err(bad)?;
        }
        if let Some(e) = &manifest.series {
            let listed = super::sidecar::Listed { path: &e.path, bytes: e.bytes, sha256: &e.sha256 };
            super::sidecar::check_entry("series", super::series::SERIES_FILE, listed, [&e.first_date, &e.last_date])
                .map_err(bad)?;
        }
        Ok(manifest)
    }

    /// sha256 of the manifest file itself (recorded in run provenance).
    pub fn file_sha256(dir: &Path) -> DataResult<String> {
        sha256_file(&dir.join(MANIFEST_FILE))
    }
}

impl PartitionEntry {
    pub fn first_day(&self) -> i32 {
        crate::dates::parse_iso(&self.first_trade_date).unwrap_or(i32::MIN)
    }
    pub fn last_day(&self) -> i32 {
        crate::dates::parse_iso(&self.last_trade_date).unwrap_or(i32::MAX)
    }
    pub fn full_path(&self, dir: &Path) -> PathBuf {
        dir.join(&self.path)
    }
}

/// Streams a file through sha256; lower-case hex.
pub fn sha256_file(path: &Path) -> DataResult<String> {
    let mut file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| DataError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(path: &str) -> String {
        format!(
            r#"{{"schemaVersion":1,"name":"t","source":{{"kind":"synthetic"}},"tickers":["SPX"],
            "partitions":[{{"path":"{path}","ticker":"SPX","year":2023,"firstTradeDate":"2023-01-03",
            "lastTradeDate":"2023-12-29","rows":10,"bytes":100,"sha256":"{}"}}]}}"#,
            "a".repeat(64)
        )
    }

    #[test]
    fn parses_a_manifest() {
        let m = Manifest::parse(sample("SPX/2023.arrow").as_bytes(), Path::new("m.json")).unwrap();
        assert_eq!(m.partitions[0].first_day(), 19360);
    }

    #[test]
    fn names_the_field_of_a_bad_partition_path() {
        let err = Manifest::parse(sample("SPX/2022.arrow").as_bytes(), Path::new("m.json")).unwrap_err();
        assert!(err.to_string().contains("partitions[0].path"), "{err}");
    }

    #[test]
    fn reports_line_and_column_of_bad_json() {
        let err = Manifest::parse(b"{\n  \"schemaVersion\": ,", Path::new("m.json")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn hashes_known_bytes() {
        assert_eq!(sha256_bytes(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
