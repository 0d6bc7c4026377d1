//! The files beside the partitions — `events.arrow`, `series.arrow` — read whole (they hold
//! thousands of rows, not millions) and checked against their manifest entry as the verify policy
//! says: size always, sha256 on first use (then a stamp), never under `--no-verify`.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use super::integrity::{ContentCheck, PartitionCheck, VerifyMode, VerifyPolicy};
use super::manifest::sha256_bytes;
use crate::dates::iso;
use crate::error::{DataError, DataResult};

/// What a manifest says of a side file.
#[derive(Debug, Clone, Copy)]
pub struct Listed<'a> {
    pub path: &'a str,
    pub bytes: u64,
    pub sha256: &'a str,
}

/// Reads `dir/<path>` and checks its size and (as `policy` says) its sha256 against `listed`.
pub fn read(dir: &Path, listed: Listed<'_>, policy: &VerifyPolicy) -> DataResult<(PathBuf, Vec<u8>, PartitionCheck)> {
    let path = dir.join(listed.path);
    let bytes = std::fs::read(&path).map_err(|e| DataError::io(&path, e))?;
    let mismatch = |message: String| DataError::Mismatch { path: path.clone(), message };
    if bytes.len() as u64 != listed.bytes {
        return Err(mismatch(format!("{} bytes, the manifest says {}", bytes.len(), listed.bytes)));
    }
    let content = match policy.mode {
        VerifyMode::Never => ContentCheck::Skipped,
        VerifyMode::Auto if policy.stamps.contains(&path, listed.sha256) => ContentCheck::Stamp,
        VerifyMode::Auto | VerifyMode::Always => {
            let actual = sha256_bytes(&bytes);
            if actual != listed.sha256 {
                return Err(mismatch(format!("sha256 {actual} does not match the manifest's {}", listed.sha256)));
            }
            policy.stamps.record(&path, listed.sha256);
            ContentCheck::Hashed
        }
    };
    let check = PartitionCheck { path: listed.path.to_string(), sha256: listed.sha256.to_string(), content };
    Ok((path, bytes, check))
}

/// Checks the rows and date span read against the manifest's (`first`/`last` ISO dates).
pub fn check_counts(
    path: &Path,
    rows: u64,
    listed_rows: u64,
    span: Option<(i32, i32)>,
    listed: (&str, &str),
) -> DataResult<()> {
    let mismatch = |message: String| DataError::Mismatch { path: path.to_path_buf(), message };
    if rows != listed_rows {
        return Err(mismatch(format!("{rows} rows, the manifest says {listed_rows}")));
    }
    let (first, last) = (span.map(|s| iso(s.0)), span.map(|s| iso(s.1)));
    if first.as_deref() != Some(listed.0) || last.as_deref() != Some(listed.1) {
        return Err(mismatch(format!(
            "dates {} to {}, the manifest says {} to {}",
            first.unwrap_or_default(),
            last.unwrap_or_default(),
            listed.0,
            listed.1
        )));
    }
    Ok(())
}

/// The manifest entry's own fields: its fixed `path`, ISO dates and a sha256 of 64 hex digits.
pub fn check_entry(field: &str, expected_path: &str, listed: Listed<'_>, dates: [&str; 2]) -> Result<(), String> {
    if listed.path != expected_path {
        return Err(format!("{field}.path is \"{}\", expected \"{expected_path}\"", listed.path));
    }
    for (name, value) in [("firstDate", dates[0]), ("lastDate", dates[1])] {
        if crate::dates::parse_iso(value).is_none() {
            return Err(format!("{field}.{name} \"{value}\" is not a YYYY-MM-DD date"));
        }
    }
    if listed.sha256.len() != 64 || !listed.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{field}.sha256 is not 64 hex digits"));
    }
    Ok(())
}

/// A string column, plain or dictionary-encoded.
#[derive(Debug)]
pub enum Strings<'a> {
    Plain(&'a arrow_array::StringArray),
    Dictionary(&'a arrow_array::DictionaryArray<Int32Type>, &'a arrow_array::StringArray),
}

impl<'a> Strings<'a> {
    /// Column `name` of `batch` (of the file `file`, for errors).
    pub fn of(batch: &'a RecordBatch, name: &str, file: &str, path: &Path) -> DataResult<Strings<'a>> {
        let bad = |message: String| DataError::Schema { path: PathBuf::from(path), message };
        let c = batch.column_by_name(name).ok_or_else(|| bad(format!("{file} has no `{name}` column")))?;
        match c.data_type() {
            DataType::Utf8 => Ok(Strings::Plain(c.as_string::<i32>())),
            DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                let d = c.as_dictionary::<Int32Type>();
                Ok(Strings::Dictionary(d, d.values().as_string::<i32>()))
            }
            other => Err(bad(format!("`{name}` is {other}, expected Utf8 or Dictionary<Int32, Utf8>"))),
        }
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            Strings::Plain(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Dictionary(d, values) => {
                let k = d.keys();
                if !k.is_valid(i) {
                    return None;
                }
                let key = usize::try_from(k.value(i)).ok()?;
                (key < values.len() && values.is_valid(key)).then(|| values.value(key))
            }
        }
    }
}
