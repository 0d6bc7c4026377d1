//! A returns matrix from an Arrow IPC file: every Float64 column is a strategy (other columns,
//! such as a `date`, are ignored), rows in time order — the layout of a sweep's `returns.arrow`.

use std::path::Path;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_schema::DataType;

use super::{CscvError, Matrix};

pub fn matrix_from_arrow(path: &Path) -> Result<Matrix, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let batches = crate::data::ipc::decode_bytes(&bytes)
        .map_err(|e| format!("{}: not a readable Arrow IPC file: {e}", path.display()))?;
    let Some(first) = batches.first() else {
        return Err(format!("{}: the file holds no record batches", path.display()));
    };
    let schema = first.schema();
    let picked: Vec<(usize, String)> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| *f.data_type() == DataType::Float64)
        .map(|(i, f)| (i, f.name().clone()))
        .collect();
    let mut columns: Vec<(String, Vec<f64>)> = picked.iter().map(|(_, n)| (n.clone(), Vec::new())).collect();
    for batch in &batches {
        for (k, (i, name)) in picked.iter().enumerate() {
            let array = batch.column(*i).as_primitive::<Float64Type>();
            if array.null_count() > 0 {
                return Err(format!("{}: column `{name}` has null values", path.display()));
            }
            columns[k].1.extend_from_slice(array.values());
        }
    }
    Matrix::from_columns(columns).map_err(|e: CscvError| format!("{}: {e}", path.display()))
}

/// A matrix file as the commands take it: Arrow IPC (`.arrow`, `.feather`, `.ipc`: every Float64
/// column) or CSV (a header of column names, then rows of numbers). Errors name the file.
pub fn read_matrix(path: &Path) -> Result<Matrix, String> {
    let is_arrow = path.extension().is_some_and(|e| e == "arrow" || e == "feather" || e == "ipc");
    if is_arrow {
        return matrix_from_arrow(path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read the matrix: {e}", path.display()))?;
    Matrix::from_csv(&text).map_err(|e| format!("{}: {e}", path.display()))
}
