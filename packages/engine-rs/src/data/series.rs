//! `series.arrow`: daily named series beside the chains — an index level (`VIX`), a benchmark, a
//! researcher's indicator (docs/data-format.md, "series.arrow"). Optional; listed in the manifest
//! under `series`. Read whole and checked against its manifest entry and the format's rules:
//! valid names, finite values, sorted by (name, date) without repeats.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type};
use arrow_array::{Array, RecordBatch};
use serde::{Deserialize, Serialize};

use super::integrity::{PartitionCheck, VerifyPolicy};
use super::manifest::Manifest;
use super::sidecar::{self, Listed, Strings};
use crate::dates::iso;
use crate::error::{DataError, DataResult};

pub const SERIES_FILE: &str = "series.arrow";

/// Longest series name.
pub const MAX_NAME: usize = 64;

/// The manifest's `series` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesEntry {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    /// The series' names, sorted.
    pub names: Vec<String>,
    pub first_date: String,
    pub last_date: String,
}

/// Whether `name` is a valid series name: 1 to 64 of `A–Z a–z 0–9 _ . -`, starting with a letter.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Every series of a dataset, each a list of (date, value) in date order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    by_name: BTreeMap<String, Vec<(i32, f64)>>,
}

impl Series {
    pub fn get(&self, name: &str) -> Option<&[(i32, f64)]> {
        self.by_name.get(name).map(Vec::as_slice)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.by_name.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the dataset's series, checked as `policy` says; none when the manifest lists none.
    pub fn load(
        dir: &Path,
        manifest: &Manifest,
        policy: &VerifyPolicy,
    ) -> DataResult<(Series, Option<PartitionCheck>)> {
        let Some(entry) = &manifest.series else { return Ok((Series::default(), None)) };
        let listed = Listed { path: &entry.path, bytes: entry.bytes, sha256: &entry.sha256 };
        let (path, bytes, check) = sidecar::read(dir, listed, policy)?;
        let series = parse(&bytes, &path)?;
        let first = series.by_name.values().filter_map(|l| l.first()).map(|v| v.0).min();
        let last = series.by_name.values().filter_map(|l| l.last()).map(|v| v.0).max();
        let listed_dates = (entry.first_date.as_str(), entry.last_date.as_str());
        sidecar::check_counts(&path, series.len() as u64, entry.rows, first.zip(last), listed_dates)?;
        let names: Vec<&str> = series.names().collect();
        if names != entry.names.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(DataError::Mismatch {
                path,
                message: format!("series {}, the manifest says {}", names.join(", "), entry.names.join(", ")),
            });
        }
        Ok((series, Some(check)))
    }
}

/// Decodes and checks series.arrow's bytes against the format.
pub fn parse(bytes: &[u8], path: &Path) -> DataResult<Series> {
    let batches =
        super::ipc::decode_bytes(bytes).map_err(|message| DataError::Arrow { path: path.to_path_buf(), message })?;
    let mut series = Series::default();
    let mut previous: Option<(String, i32)> = None;
    let mut row = 0usize;
    for batch in &batches {
        let columns = Columns::of(batch, path)?;
        for i in 0..batch.num_rows() {
            row += 1;
            let at = |m: String| DataError::Layout { path: path.to_path_buf(), message: format!("row {row}: {m}") };
            let (Some(name), Some(date), Some(value)) = (columns.name.get(i), columns.date(i), columns.value(i)) else {
                return Err(at("name, date and value must not be null".into()));
            };
            if !valid_name(name) {
                return Err(at(format!(
                    "name: \"{name}\" is not 1 to {MAX_NAME} of A-Z a-z 0-9 _ . - starting with a letter"
                )));
            }
            if !value.is_finite() {
                return Err(at(format!("value: {value} is not a finite number")));
            }
            let key = (name.to_string(), date);
            if let Some(prev) = &previous
                && *prev >= key
            {
                let what = if *prev == key { "repeats the row before it" } else { "is out of order" };
                return Err(at(format!("({name}, {}) {what}; rows are sorted by name, date", iso(date))));
            }
            previous = Some(key);
            series.by_name.entry(name.to_string()).or_default().push((date, value));
        }
    }
    Ok(series)
}

/// The three columns of a series batch, by name, of the expected types.
struct Columns<'a> {
    name: Strings<'a>,
    date: &'a arrow_array::PrimitiveArray<Date32Type>,
    value: &'a arrow_array::PrimitiveArray<Float64Type>,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a RecordBatch, path: &Path) -> DataResult<Columns<'a>> {
        let bad = |message: String| DataError::Schema { path: PathBuf::from(path), message };
        let column =
            |name: &str| batch.column_by_name(name).ok_or_else(|| bad(format!("{SERIES_FILE} has no `{name}` column")));
        let date = column("date")?;
        let date = date
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| bad(format!("`date` is {}, expected Date32", date.data_type())))?;
        let value = column("value")?;
        let value = value
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| bad(format!("`value` is {}, expected Float64", value.data_type())))?;
        Ok(Columns { name: Strings::of(batch, "name", SERIES_FILE, path)?, date, value })
    }

    fn date(&self, i: usize) -> Option<i32> {
        self.date.is_valid(i).then(|| self.date.value(i))
    }
    fn value(&self, i: usize) -> Option<f64> {
        self.value.is_valid(i).then(|| self.value.value(i))
    }
}
