//! The sweep's tables in memory and as Arrow IPC: `sweep.arrow` (a row per point) and
//! `returns.arrow` (a column per point). Shards and their merge go through the same encoder, so a
//! merged sweep is byte-identical to the same sweep run whole.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, UInt32Type};
use arrow_array::{Array, ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{ArrowError, DataType};

use crate::analytics::Metrics;
use crate::results::arrow::ipc_file;

/// A swept value in its column: a number, or the JSON text of anything else.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Number(f64),
    Json(String),
}

/// One row of `sweep.arrow`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub point: u32,
    pub id: String,
    /// Canonical JSON of the point's parameters.
    pub params: String,
    /// One cell per swept path.
    pub cells: Vec<Cell>,
    pub error: Option<String>,
    pub final_equity: Option<f64>,
    /// In [`Metrics::NAMES`] order.
    pub metrics: Vec<Option<f64>>,
}

/// A sweep (or a shard of one): its rows and the daily returns of each point.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    pub paths: Vec<String>,
    /// Per path: `true` when every value of the path in the whole sweep is a number.
    pub numeric: Vec<bool>,
    /// The trading days, days since the Unix epoch, oldest first.
    pub dates: Vec<i32>,
    pub rows: Vec<SweepRow>,
    /// `returns[k]` is the daily-return column of `rows[k]`, one value per date.
    pub returns: Vec<Vec<f64>>,
    /// `entries[k]`: the dates `rows[k]`'s positions were opened on, in the order they ended.
    pub entries: Vec<Vec<i32>>,
    /// The first point's benchmark: its name and close on each date (`None` before its first).
    pub benchmark: Option<BenchmarkCloses>,
}

/// A benchmark's closes over the sweep's trading days (`benchmark.arrow`).
#[derive(Debug, Clone, PartialEq)]
pub struct BenchmarkCloses {
    pub name: String,
    pub closes: Vec<Option<f64>>,
}

impl BenchmarkCloses {
    /// Daily returns of buying and holding it: 0 on the first day and wherever it or the day
    /// before has no close.
    pub fn returns(&self) -> Vec<f64> {
        (0..self.closes.len())
            .map(|t| match (t.checked_sub(1).and_then(|p| self.closes[p]), self.closes[t]) {
                (Some(a), Some(b)) if a > 0.0 => b / a - 1.0,
                _ => 0.0,
            })
            .collect()
    }
}

impl SweepTable {
    /// `sweep.arrow`: point, id, params, a column per path, error, final_equity, the metrics.
    pub fn sweep_ipc(&self) -> Result<Vec<u8>, ArrowError> {
        let rows = &self.rows;
        let mut columns: Vec<(String, ArrayRef, bool)> = vec![
            ("point".into(), Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.point))), false),
            ("id".into(), Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.id))), false),
            ("params".into(), Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.params))), false),
        ];
        for (k, path) in self.paths.iter().enumerate() {
            let column: ArrayRef = if self.numeric[k] {
                Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| match &r.cells[k] {
                    Cell::Number(x) => *x,
                    Cell::Json(_) => f64::NAN,
                })))
            } else {
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| match &r.cells[k] {
                    Cell::Number(x) => serde_json::to_string(x).unwrap_or_default(),
                    Cell::Json(s) => s.clone(),
                })))
            };
            columns.push((path.clone(), column, false));
        }
        columns.push(("error".into(), Arc::new(StringArray::from_iter(rows.iter().map(|r| r.error.as_deref()))), true));
        columns.push((
            "final_equity".into(),
            Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.final_equity))),
            true,
        ));
        for (m, name) in Metrics::NAMES.iter().enumerate() {
            let values = Float64Array::from_iter(rows.iter().map(|r| r.metrics[m]));
            columns.push(((*name).into(), Arc::new(values), true));
        }
        ipc_file(columns)
    }

    /// `returns.arrow`: `date`, then a Float64 column per point named by its id.
    pub fn returns_ipc(&self) -> Result<Vec<u8>, ArrowError> {
        let mut columns: Vec<(String, ArrayRef, bool)> =
            vec![("date".into(), Arc::new(Date32Array::from(self.dates.clone())), false)];
        for (row, values) in self.rows.iter().zip(&self.returns) {
            columns.push((row.id.clone(), Arc::new(Float64Array::from(values.clone())), false));
        }
        ipc_file(columns)
    }

    /// `entries.arrow`: a row per position of every point (`point`, the date it was `opened`), in
    /// point order: what a walk-forward's minimum trade count counts.
    pub fn entries_ipc(&self) -> Result<Vec<u8>, ArrowError> {
        let (mut point, mut opened) = (Vec::new(), Vec::new());
        for (row, dates) in self.rows.iter().zip(&self.entries) {
            point.extend(std::iter::repeat_n(row.point, dates.len()));
            opened.extend_from_slice(dates);
        }
        ipc_file(vec![
            ("point".into(), Arc::new(UInt32Array::from(point)), false),
            ("opened".into(), Arc::new(Date32Array::from(opened)), false),
        ])
    }

    /// `benchmark.arrow`: `date` and the benchmark's close, the column named after it; no column
    /// but `date` when the sweep has no point that ran.
    pub fn benchmark_ipc(&self) -> Result<Vec<u8>, ArrowError> {
        let mut columns: Vec<(String, ArrayRef, bool)> =
            vec![("date".into(), Arc::new(Date32Array::from(self.dates.clone())), false)];
        if let Some(b) = &self.benchmark {
            columns.push((b.name.clone(), Arc::new(Float64Array::from(b.closes.clone())), true));
        }
        ipc_file(columns)
    }

    /// Reads `entries.arrow` and `benchmark.arrow` back into a table decoded from the other two.
    pub fn decode_extras(&mut self, entries_arrow: &[u8], benchmark_arrow: &[u8]) -> Result<(), String> {
        self.entries = decode_entries(&self.rows, entries_arrow).map_err(|e| format!("entries.arrow: {e}"))?;
        let b = read_one_batch(benchmark_arrow).map_err(|e| format!("benchmark.arrow: {e}"))?;
        let date = b.column_by_name("date").ok_or("benchmark.arrow: no column `date`")?;
        if date.data_type() != &DataType::Date32 || date.as_primitive::<Date32Type>().values().to_vec() != self.dates {
            return Err("benchmark.arrow: its dates are not the sweep's trading days".into());
        }
        self.benchmark = match b.num_columns() {
            1 => None,
            2 => {
                let field = b.schema_ref().field(1).clone();
                let c = b.column(1);
                if c.data_type() != &DataType::Float64 {
                    return Err(format!(
                        "benchmark.arrow: column `{}` is {}, not Float64",
                        field.name(),
                        c.data_type()
                    ));
                }
                Some(BenchmarkCloses {
                    name: field.name().clone(),
                    closes: c.as_primitive::<Float64Type>().iter().collect(),
                })
            }
            n => return Err(format!("benchmark.arrow: expected `date` and one close column, found {n} columns")),
        };
        Ok(())
    }

    /// Reads a table back from the bytes of `sweep.arrow` and `returns.arrow` (a shard's, for the
    /// merge). `paths` comes from the shard's `sweep.json`. Its entries are empty and its
    /// benchmark unknown until [`SweepTable::decode_extras`].
    pub fn decode(paths: &[String], sweep_arrow: &[u8], returns_arrow: &[u8]) -> Result<SweepTable, String> {
        let sweep = read_one_batch(sweep_arrow).map_err(|e| format!("sweep.arrow: {e}"))?;
        let returns = read_one_batch(returns_arrow).map_err(|e| format!("returns.arrow: {e}"))?;
        let column =
            |name: &str| sweep.column_by_name(name).cloned().ok_or_else(|| format!("sweep.arrow: no column `{name}`"));
        let typed = |name: &str, want: &DataType| -> Result<ArrayRef, String> {
            let c = column(name)?;
            if c.data_type() == want {
                Ok(c)
            } else {
                Err(format!("sweep.arrow: column `{name}` is {}, not {want}", c.data_type()))
            }
        };
        let point = typed("point", &DataType::UInt32)?;
        let id = typed("id", &DataType::Utf8)?;
        let params = typed("params", &DataType::Utf8)?;
        let error = typed("error", &DataType::Utf8)?;
        let final_equity = typed("final_equity", &DataType::Float64)?;
        let (point, id, params, error) = (
            point.as_primitive::<UInt32Type>(),
            id.as_string::<i32>(),
            params.as_string::<i32>(),
            error.as_string::<i32>(),
        );
        let final_equity = final_equity.as_primitive::<Float64Type>();
        let mut numeric = Vec::new();
        let mut cells_by_path = Vec::new();
        for path in paths {
            let c = column(path)?;
            match c.data_type() {
                DataType::Float64 => {
                    numeric.push(true);
                    cells_by_path
                        .push(c.as_primitive::<Float64Type>().values().iter().map(|&x| Cell::Number(x)).collect());
                }
                DataType::Utf8 => {
                    numeric.push(false);
                    cells_by_path
                        .push(c.as_string::<i32>().iter().map(|s| Cell::Json(s.unwrap_or("").into())).collect());
                }
                other => return Err(format!("sweep.arrow: column `{path}` is {other}, not Float64 or Utf8")),
            }
        }
        let metric_columns: Vec<ArrayRef> =
            Metrics::NAMES.iter().map(|m| typed(m, &DataType::Float64)).collect::<Result<_, _>>()?;
        let n = sweep.num_rows();
        let opt = |a: &Float64Array, i: usize| if a.is_null(i) { None } else { Some(a.value(i)) };
        let mut rows = Vec::with_capacity(n);
        for i in 0..n {
            rows.push(SweepRow {
                point: point.value(i),
                id: id.value(i).to_string(),
                params: params.value(i).to_string(),
                cells: cells_by_path.iter().map(|cells: &Vec<Cell>| cells[i].clone()).collect(),
                error: if error.is_null(i) { None } else { Some(error.value(i).to_string()) },
                final_equity: opt(final_equity, i),
                metrics: metric_columns.iter().map(|c| opt(c.as_primitive::<Float64Type>(), i)).collect(),
            });
        }

        let date = returns.column_by_name("date").ok_or("returns.arrow: no column `date`")?;
        if date.data_type() != &DataType::Date32 {
            return Err(format!("returns.arrow: column `date` is {}, not Date32", date.data_type()));
        }
        let dates = date.as_primitive::<Date32Type>().values().to_vec();
        let mut series = Vec::with_capacity(n);
        for row in &rows {
            let c = returns
                .column_by_name(&row.id)
                .ok_or_else(|| format!("returns.arrow: no column for point {}", row.id))?;
            if c.data_type() != &DataType::Float64 || c.null_count() > 0 {
                return Err(format!("returns.arrow: column {} is not Float64 without nulls", row.id));
            }
            series.push(c.as_primitive::<Float64Type>().values().to_vec());
        }
        let entries = vec![Vec::new(); rows.len()];
        Ok(SweepTable { paths: paths.to_vec(), numeric, dates, rows, returns: series, entries, benchmark: None })
    }
}

/// Each row's entry dates from `entries.arrow`, whose points must be the rows' (in order).
fn decode_entries(rows: &[SweepRow], bytes: &[u8]) -> Result<Vec<Vec<i32>>, String> {
    let b = read_one_batch(bytes)?;
    let (Some(point), Some(opened)) = (b.column_by_name("point"), b.column_by_name("opened")) else {
        return Err("expected columns `point` and `opened`".into());
    };
    if point.data_type() != &DataType::UInt32
        || opened.data_type() != &DataType::Date32
        || point.null_count() + opened.null_count() > 0
    {
        return Err("`point` must be UInt32 and `opened` Date32, without nulls".into());
    }
    let index: std::collections::HashMap<u32, usize> = rows.iter().enumerate().map(|(k, r)| (r.point, k)).collect();
    let mut out = vec![Vec::new(); rows.len()];
    let mut last = 0usize;
    for (p, d) in point.as_primitive::<UInt32Type>().values().iter().zip(opened.as_primitive::<Date32Type>().values()) {
        let k = *index.get(p).ok_or_else(|| format!("point {p} is not one of the sweep's rows"))?;
        if k < last {
            return Err(format!("point {p} comes after a later point: rows must be in point order"));
        }
        last = k;
        out[k].push(*d);
    }
    Ok(out)
}

/// The single record batch of an IPC file (the writers above write exactly one), every header
/// checked before it is decoded: a shard's files are input like any other.
fn read_one_batch(bytes: &[u8]) -> Result<RecordBatch, String> {
    let mut batches =
        crate::data::ipc::decode_bytes(bytes).map_err(|e| format!("not a readable Arrow IPC file: {e}"))?;
    match batches.len() {
        1 => Ok(batches.remove(0)),
        n => Err(format!("expected one record batch, found {n}")),
    }
}

#[cfg(test)]
pub(super) mod tests_support {
    /// The field names of an IPC file's schema.
    pub fn schema_names(bytes: &[u8]) -> Vec<String> {
        let batches = crate::data::ipc::decode_bytes(bytes).expect("IPC file");
        batches[0].schema().fields().iter().map(|f| f.name().clone()).collect()
    }
}
