//! What a walk-forward writes: `walk_forward.json` (the windows and their choices) and
//! `walk_forward.arrow` (the stitched out-of-sample curve beside the in-hindsight best point's).

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Float64Array, StringArray, UInt32Array};
use arrow_schema::ArrowError;
use serde::Serialize;

use super::{Mode, Scheme, Selection};
use crate::dates::iso;
use crate::results::arrow::ipc_file;

/// A window's days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub first: String,
    pub last: String,
    pub days: usize,
}

impl Span {
    pub(super) fn of(dates: &[i32], range: &Range<usize>) -> Span {
        Span { first: iso(dates[range.start]), last: iso(dates[range.end - 1]), days: range.len() }
    }
}

/// Figures of a stretch of daily returns, by the metric code of `summary.json` (growth of 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub days: usize,
    pub total_return: Option<f64>,
    pub cagr: Option<f64>,
    pub sharpe: Option<f64>,
    pub max_drawdown: Option<f64>,
    pub calmar: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowReport {
    pub index: usize,
    pub in_sample: Span,
    pub out_of_sample: Span,
    /// The point chosen in sample; `null` when no point could be (then the window is in cash).
    pub point: Option<String>,
    pub params: Option<serde_json::Value>,
    /// Points that could be chosen (a finite score and enough trades).
    pub eligible: usize,
    /// The chosen point's in-sample score by the selection metric.
    pub score: Option<f64>,
    /// The chosen point over its in-sample window.
    pub in_sample_figures: Option<Figures>,
    /// What it earned out of sample.
    pub out_of_sample_figures: Figures,
    /// Out-of-sample CAGR / in-sample CAGR (`null` unless the in-sample CAGR is positive).
    pub efficiency: Option<f64>,
}

/// `walk_forward.json`; the daily series are `walk_forward.arrow`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub scheme: Scheme,
    pub in_sample: usize,
    #[serde(rename = "out_of_sample")]
    pub out_of_sample_days: usize,
    pub metric: Selection,
    pub min_trades: Option<u32>,
    pub mode: Mode,
    pub points: usize,
    /// The out-of-sample days, first window to last.
    pub span: Span,
    /// The stitched out-of-sample curve.
    #[serde(rename = "out_of_sample_figures")]
    pub out_of_sample: Figures,
    /// The mean of the chosen points' in-sample CAGRs.
    pub in_sample_cagr_mean: Option<f64>,
    /// Walk-forward efficiency: the stitched out-of-sample CAGR / the mean in-sample CAGR.
    pub efficiency: Option<f64>,
    /// The point best by the metric over the whole out-of-sample span, chosen in hindsight.
    pub hindsight_point: Option<String>,
    pub hindsight: Option<Figures>,
    pub windows: Vec<WindowReport>,
    #[serde(skip)]
    pub dates: Vec<i32>,
    #[serde(skip)]
    pub stitched: Vec<f64>,
    #[serde(skip)]
    pub hindsight_returns: Vec<f64>,
}

impl Report {
    /// Pretty JSON with a final newline.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// `walk_forward.arrow`: per out-of-sample day its window, the chosen point, the stitched
    /// return and equity (growth of 1), and the in-hindsight best point's equity.
    pub fn to_ipc(&self) -> Result<Vec<u8>, ArrowError> {
        let mut window = Vec::with_capacity(self.dates.len());
        let mut point = Vec::with_capacity(self.dates.len());
        for w in &self.windows {
            for _ in 0..w.out_of_sample.days {
                window.push(w.index as u32);
                point.push(w.point.clone());
            }
        }
        let growth = |r: &[f64]| -> Vec<f64> {
            let mut e = 1.0;
            r.iter()
                .map(|x| {
                    e *= 1.0 + x;
                    e
                })
                .collect()
        };
        let hindsight: Option<Vec<f64>> = (!self.hindsight_returns.is_empty()).then(|| growth(&self.hindsight_returns));
        let columns: Vec<(String, ArrayRef, bool)> = vec![
            ("date".into(), Arc::new(Date32Array::from(self.dates.clone())), false),
            ("window".into(), Arc::new(UInt32Array::from(window)), false),
            ("point".into(), Arc::new(StringArray::from(point)), true),
            ("return".into(), Arc::new(Float64Array::from(self.stitched.clone())), false),
            ("equity".into(), Arc::new(Float64Array::from(growth(&self.stitched))), false),
            (
                "hindsight_equity".into(),
                Arc::new(match hindsight {
                    Some(h) => Float64Array::from(h),
                    None => Float64Array::from(vec![None; self.dates.len()]),
                }),
                true,
            ),
        ];
        ipc_file(columns)
    }
}
