//! `stats.json` after a sweep: the plateau around its best point (always) and, with a `spa:`
//! section, White's reality check, Hansen's SPA and the Romano–Wolf stepdown across its points.

use serde::Serialize;

use super::{Cell, SweepTable};
use crate::cscv::Matrix;
use crate::job::JobError;
use crate::multitest::{self, Options, Report};
use crate::scenario::research::{SpaBenchmark, SpaSpec};
use crate::scenario::{CscvMetric, CscvSpec};
use crate::walkforward::{Selection, full_sample_scores};

/// The best point's grid neighbourhood: is it on a plateau or a spike?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plateau {
    /// `sharpe` (annualised), `mean` (daily) or `total_return`, over every daily return: CSCV's
    /// metric when the sweep has a `cscv:` section, else `sharpe`.
    pub metric: &'static str,
    pub best_point: String,
    pub best_value: f64,
    /// Points of the sweep within ±1 step of the best on every swept axis (itself excluded).
    pub neighbours: usize,
    /// The neighbours' mean and least value of the metric (`null` without neighbours).
    pub mean: Option<f64>,
    pub min: Option<f64>,
    /// The share of neighbours whose value is within 10% of the best's (|v − best| ≤ 0.1·|best|).
    pub within_10pct: Option<f64>,
}

/// `stats.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub plateau: Option<Plateau>,
    /// The benchmark the points were tested against: `zero`, or the benchmark's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spa: Option<Report>,
}

impl Stats {
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// Each axis's values in order (numbers ascending, other values as the sweep first lists them)
/// and each point's position on every axis.
fn grid(table: &SweepTable) -> Vec<Vec<usize>> {
    let axes = table.paths.len();
    let mut coords = vec![vec![0; axes]; table.rows.len()];
    for (a, &numeric) in table.numeric.iter().enumerate().take(axes) {
        let mut values: Vec<&Cell> = Vec::new();
        for r in &table.rows {
            if !values.contains(&&r.cells[a]) {
                values.push(&r.cells[a]);
            }
        }
        if numeric {
            values.sort_by(|x, y| match (x, y) {
                (Cell::Number(x), Cell::Number(y)) => x.total_cmp(y),
                _ => std::cmp::Ordering::Equal,
            });
        }
        for (k, r) in table.rows.iter().enumerate() {
            coords[k][a] = values.iter().position(|v| **v == r.cells[a]).unwrap_or(0);
        }
    }
    coords
}

/// The plateau score of the best point by `scores` (`None`: no point has a score).
pub fn plateau(table: &SweepTable, scores: &[Option<f64>], metric: &'static str) -> Option<Plateau> {
    let (best, best_value) = scores.iter().enumerate().filter_map(|(k, s)| s.map(|s| (k, s))).fold(
        None,
        |acc: Option<(usize, f64)>, (k, s)| if acc.is_none_or(|(_, b)| s > b) { Some((k, s)) } else { acc },
    )?;
    let coords = grid(table);
    let near = |k: usize| k != best && coords[k].iter().zip(&coords[best]).all(|(a, b)| a.abs_diff(*b) <= 1);
    let values: Vec<f64> = (0..table.rows.len()).filter(|&k| near(k)).filter_map(|k| scores[k]).collect();
    let n = values.len();
    let share = |pred: &dyn Fn(f64) -> bool| values.iter().filter(|&&v| pred(v)).count() as f64 / n as f64;
    Some(Plateau {
        metric,
        best_point: table.rows[best].id.clone(),
        best_value,
        neighbours: n,
        mean: (n > 0).then(|| values.iter().sum::<f64>() / n as f64),
        min: values.iter().copied().reduce(f64::min),
        within_10pct: (n > 0).then(|| share(&|v| (v - best_value).abs() <= 0.1 * best_value.abs())),
    })
}

/// The plateau's metric and each point's value of it.
fn plateau_scores(table: &SweepTable, cscv: Option<&CscvSpec>) -> (&'static str, Vec<Option<f64>>) {
    let whole = 1..table.dates.len();
    match cscv.map(|c| c.metric) {
        Some(CscvMetric::Mean) => (
            "mean",
            table
                .returns
                .iter()
                .map(|r| (!whole.is_empty()).then(|| r[whole.clone()].iter().sum::<f64>() / whole.len() as f64))
                .collect(),
        ),
        Some(CscvMetric::TotalReturn) => ("total_return", full_sample_scores(&table.returns, Selection::TotalReturn)),
        Some(CscvMetric::Sharpe) | None => ("sharpe", full_sample_scores(&table.returns, Selection::Sharpe)),
    }
}

/// The SPA options of a `spa:` section.
pub fn spa_options(spec: &SpaSpec, benchmark_column: Option<String>) -> Options {
    Options {
        benchmark: benchmark_column,
        bootstrap: spec.bootstrap.0,
        block: spec.block.map(|b| f64::from(b.0)),
        seed: spec.seed,
        levels: spec.levels.iter().map(|l| l.0).collect(),
    }
}

/// Checks a `spa:` section against a sweep of `days` trading days before any point runs; the
/// text starts with the field it is about.
pub fn check_spa(spec: &SpaSpec, days: usize) -> Result<(), String> {
    let rows = days.saturating_sub(1);
    if spec.bootstrap.0 > multitest::MAX_BOOTSTRAP {
        return Err(format!("bootstrap: at most {} resamples, got {}", multitest::MAX_BOOTSTRAP, spec.bootstrap.0));
    }
    if rows < 3 {
        return Err(format!("the sweep has {rows} daily returns; the bootstrap needs at least 3"));
    }
    if let Some(b) = spec.block
        && b.0 as usize > rows
    {
        return Err(format!("block: {} trading days is longer than the sweep's {rows} daily returns", b.0));
    }
    Ok(())
}

/// `stats.json` of a finished sweep.
pub fn analyse(table: &SweepTable, cscv: Option<&CscvSpec>, spa: Option<&SpaSpec>) -> Result<Stats, JobError> {
    let (metric, scores) = plateau_scores(table, cscv);
    let plateau = plateau(table, &scores, metric);
    let Some(spec) = spa else { return Ok(Stats { plateau, benchmark: None, spa: None }) };
    let fail = |m: String| JobError::Analysis(format!("spa: {m}"));
    let rows = 1..table.dates.len();
    let mut columns: Vec<(String, Vec<f64>)> =
        table.rows.iter().zip(&table.returns).map(|(r, v)| (r.id.clone(), v[rows.clone()].to_vec())).collect();
    let (name, column) = match spec.benchmark {
        SpaBenchmark::Zero => ("zero".to_string(), None),
        SpaBenchmark::BuyAndHold => {
            let b = table.benchmark.as_ref().ok_or_else(|| {
                fail(
                    "benchmark: buy_and_hold needs the benchmark's closes, and the sweep's first point did not run"
                        .into(),
                )
            })?;
            let column = format!("benchmark:{}", b.name);
            columns.push((column.clone(), b.returns()[rows].to_vec()));
            (b.name.clone(), Some(column))
        }
    };
    let matrix = Matrix::from_columns(columns).map_err(|e| fail(e.to_string()))?;
    let report = multitest::test(&matrix, &spa_options(spec, column)).map_err(|e| fail(e.to_string()))?;
    Ok(Stats { plateau, benchmark: Some(name), spa: Some(report) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::SweepRow;

    /// A 3 × 3 grid (a ∈ {1, 2, 3} listed out of order, b ∈ {"x", "y", "z"}) with scores by hand.
    fn table(cells: &[(f64, &str)]) -> SweepTable {
        let rows = cells
            .iter()
            .enumerate()
            .map(|(k, (a, b))| SweepRow {
                point: k as u32,
                id: format!("p{k}"),
                params: String::new(),
                cells: vec![Cell::Number(*a), Cell::Json(format!("\"{b}\""))],
                error: None,
                final_equity: None,
                metrics: Vec::new(),
            })
            .collect();
        SweepTable {
            paths: vec!["a".into(), "b".into()],
            numeric: vec![true, false],
            dates: vec![0, 1],
            rows,
            returns: vec![vec![0.0; 2]; cells.len()],
            entries: vec![Vec::new(); cells.len()],
            benchmark: None,
        }
    }

    #[test]
    fn the_plateau_is_the_best_points_grid_neighbourhood() {
        let mut cells = Vec::new();
        for a in [3.0, 1.0, 2.0] {
            for b in ["x", "y", "z"] {
                cells.push((a, b));
            }
        }
        let t = table(&cells);
        // Scores by (a, b): the best is (1, "y") = 2.0; its neighbours are a ∈ {1, 2}, any b,
        // less itself: (1,x) 1.9, (1,z) 1.0, (2,x) 1.85, (2,y) 1.5, (2,z) 0.5. a = 3 is two steps away.
        let score = |a: f64, b: &str| match (a as i32, b) {
            (1, "x") => 1.9,
            (1, "y") => 2.0,
            (1, "z") => 1.0,
            (2, "x") => 1.85,
            (2, "y") => 1.5,
            (2, "z") => 0.5,
            _ => 1.99,
        };
        let scores: Vec<Option<f64>> = cells.iter().map(|(a, b)| Some(score(*a, b))).collect();
        let p = plateau(&t, &scores, "sharpe").unwrap();
        assert_eq!(p.best_point, "p4");
        assert_eq!((p.best_value, p.neighbours), (2.0, 5));
        assert!((p.mean.unwrap() - (1.9 + 1.0 + 1.85 + 1.5 + 0.5) / 5.0).abs() < 1e-12);
        assert_eq!(p.min, Some(0.5));
        // Within 10% of 2.0 (≥ 1.8): 1.9 and 1.85.
        assert_eq!(p.within_10pct, Some(0.4));
    }

    #[test]
    fn a_lone_or_scoreless_best_point_has_no_neighbourhood() {
        let t = table(&[(1.0, "x")]);
        let p = plateau(&t, &[Some(0.3)], "sharpe").unwrap();
        assert_eq!((p.neighbours, p.mean, p.min, p.within_10pct), (0, None, None, None));
        assert_eq!(plateau(&t, &[None], "sharpe"), None);
    }
}
