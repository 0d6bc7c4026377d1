//! A finished results directory as the Monte Carlo analysis reads it: the capital
//! (summary.json), the daily returns (equity.arrow) and the positions' net P&L in the order they
//! ended (positions.arrow). Every problem names the file and the field.

use std::path::Path;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_schema::DataType;

use crate::results::SUCCESS_FILE;

/// What the analysis needs of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSeries {
    pub capital: f64,
    pub returns: Vec<f64>,
    pub trades: Vec<f64>,
}

/// Reads `dir`, a finished run's results directory or a point of a finished sweep
/// (`<sweep>/points/<id>`, the sweep's `_SUCCESS` vouching for it); anything unfinished is refused.
pub fn read_run(dir: &Path) -> Result<RunSeries, String> {
    let sweep_point = dir.parent().filter(|p| p.file_name().is_some_and(|n| n == "points")).and_then(Path::parent);
    let finished =
        dir.join(SUCCESS_FILE).is_file() || sweep_point.is_some_and(|sweep| sweep.join(SUCCESS_FILE).is_file());
    if !finished {
        return Err(format!(
            "{}: no {SUCCESS_FILE}: not a finished results directory (a run writes it last)",
            dir.display()
        ));
    }
    let summary_path = dir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).map_err(|e| format!("{}: {e}", summary_path.display()))?;
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", summary_path.display()))?;
    let capital = summary
        .get("capital")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| format!("{}: `capital` is missing or not a number", summary_path.display()))?;
    Ok(RunSeries {
        capital,
        returns: f64_column(&dir.join("equity.arrow"), "daily_return")?,
        trades: f64_column(&dir.join("positions.arrow"), "pnl")?,
    })
}

/// The non-null Float64 column `name` of an Arrow IPC file, every batch in order.
pub fn f64_column(path: &Path, name: &str) -> Result<Vec<f64>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let batches = crate::data::ipc::decode_bytes(&bytes)
        .map_err(|e| format!("{}: not a readable Arrow IPC file: {e}", path.display()))?;
    let mut out = Vec::new();
    for batch in &batches {
        let Some(index) = batch.schema().index_of(name).ok() else {
            return Err(format!("{}: no column `{name}`", path.display()));
        };
        let column = batch.column(index);
        if column.data_type() != &DataType::Float64 {
            return Err(format!("{}: column `{name}` is {}, not Float64", path.display(), column.data_type()));
        }
        let values = column.as_primitive::<Float64Type>();
        if values.null_count() > 0 {
            return Err(format!("{}: column `{name}` has null values", path.display()));
        }
        if let Some(bad) = values.values().iter().find(|v| !v.is_finite()) {
            return Err(format!("{}: column `{name}` holds {bad}, not a finite number", path.display()));
        }
        out.extend_from_slice(values.values());
    }
    Ok(out)
}
