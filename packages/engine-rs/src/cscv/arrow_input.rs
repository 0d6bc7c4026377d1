//! A returns matrix from an Arrow IPC file: every Float64 column is a strategy (other columns,
//! such as a `date`, are ignored), rows in time order — the layout of a sweep's `returns.arrow`.

use std::path::Path;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_ipc::reader::FileReader;
use arrow_schema::DataType;

use super::{CscvError, Matrix};

pub fn matrix_from_arrow(path: &Path) -> Result<Matrix, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let reader =
        FileReader::try_new(file, None).map_err(|e| format!("{}: not an Arrow IPC file: {e}", path.display()))?;
    let schema = reader.schema();
    let picked: Vec<(usize, String)> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| *f.data_type() == DataType::Float64)
        .map(|(i, f)| (i, f.name().clone()))
        .collect();
    let mut columns: Vec<(String, Vec<f64>)> = picked.iter().map(|(_, n)| (n.clone(), Vec::new())).collect();
    for batch in reader {
        let batch = batch.map_err(|e| format!("{}: {e}", path.display()))?;
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
