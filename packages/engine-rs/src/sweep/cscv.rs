//! CSCV after a sweep: the returns of every point as the T×N matrix, `cscv.json` as the result.

use serde::Serialize;

use super::SweepTable;
use crate::cscv::{CscvOptions, CscvResult, Matrix, Metric, analyze};
use crate::job::JobError;
use crate::scenario::{CscvMetric, CscvSpec};

/// `cscv.json`: the analysis and the point ids in column order.
#[derive(Debug, Clone, Serialize)]
pub struct CscvReport {
    #[serde(flatten)]
    pub result: CscvResult,
    /// `points[selected_columns[k]]` is the point selected in combination k.
    pub points: Vec<String>,
}

impl CscvReport {
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

fn metric(m: CscvMetric) -> Metric {
    match m {
        CscvMetric::Sharpe => Metric::Sharpe,
        CscvMetric::Mean => Metric::Mean,
        CscvMetric::TotalReturn => Metric::TotalReturn,
    }
}

pub(super) fn analyse(table: &SweepTable, spec: &CscvSpec) -> Result<CscvReport, JobError> {
    let columns = table.rows.iter().zip(&table.returns).map(|(r, v)| (r.id.clone(), v.clone())).collect();
    let matrix = Matrix::from_columns(columns).map_err(|e| JobError::Cscv(format!("cscv: {e}")))?;
    let options =
        CscvOptions { partitions: spec.partitions as usize, metric: metric(spec.metric), ..CscvOptions::default() };
    let result = analyze(&matrix, &options).map_err(|e| JobError::Cscv(format!("cscv: {e}")))?;
    Ok(CscvReport { result, points: matrix.columns })
}
