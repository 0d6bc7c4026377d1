//! The walk-forward after a sweep (`walk_forward:`): the sweep's table as the walk-forward's
//! input, and the `rerun` mode's source — each chosen point run by the engine from flat over its
//! out-of-sample window, on the data the sweep loaded.

use serde_json::Value;

use super::{SweepInfo, SweepTable};
use crate::data::VerifyPolicy;
use crate::engine::{self, EngineError, LoadedData, RunOptions};
use crate::job::JobError;
use crate::scenario::sweep::SweepPoint;
use crate::scenario::values::IsoDate;
use crate::walkforward::{self, Options, Report, Source, Sweep, SweepReturns, WalkForwardError, Window};

/// Runs points of the sweep over a window of its days.
pub struct Rerun<'a> {
    /// Every point of the sweep, in point order.
    pub points: &'a [SweepPoint],
    pub loaded: &'a LoadedData,
    pub dates: &'a [i32],
}

impl std::fmt::Debug for Rerun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rerun").field("points", &self.points.len()).field("days", &self.dates.len()).finish()
    }
}

impl Source for Rerun<'_> {
    type Error = JobError;
    /// The point's daily returns from a run over exactly the window's days, the first measured
    /// from the capital (the run starts flat; its first day's fills and marks count).
    fn out_of_sample(&self, point: usize, window: &Window) -> Result<Vec<f64>, JobError> {
        let mut scenario = self.points[point].scenario.clone();
        let range = &window.out_of_sample;
        scenario.data.start = IsoDate(self.dates[range.start]);
        scenario.data.end = IsoDate(self.dates[range.end - 1]);
        let opts = RunOptions { cancel: None, progress: None, verify: VerifyPolicy::metadata_only() };
        let outcome = match engine::run_loaded(&scenario, self.loaded, &opts) {
            Ok(o) => o,
            // A point that cannot trade in the window stays in cash there.
            Err(EngineError::Unfillable(_)) => return Ok(vec![0.0; range.len()]),
            Err(e) => return Err(e.into()),
        };
        let mut previous = outcome.summary.capital;
        Ok(outcome
            .equity
            .iter()
            .map(|r| {
                let x = if previous != 0.0 { r.equity / previous - 1.0 } else { 0.0 };
                previous = r.equity;
                x
            })
            .collect())
    }
}

/// The walk-forward of a finished sweep; `rerun` is required in `rerun` mode.
pub fn analyse(
    table: &SweepTable,
    info: &SweepInfo,
    options: &Options,
    rerun: Option<&Rerun<'_>>,
) -> Result<Report, JobError> {
    let points: Vec<String> = table.rows.iter().map(|r| r.id.clone()).collect();
    let params: Vec<Value> = info.points.iter().map(|p| Value::Object(p.params.clone())).collect();
    let sweep = Sweep {
        dates: &table.dates,
        points: &points,
        params: &params,
        returns: &table.returns,
        entries: Some(&table.entries),
    };
    let fail = |e: String| JobError::Analysis(format!("walk_forward: {e}"));
    match (options.mode, rerun) {
        (walkforward::Mode::Returns, _) => {
            walkforward::analyze(&sweep, options, &SweepReturns(&table.returns)).map_err(|e| fail(e.to_string()))
        }
        (walkforward::Mode::Rerun, Some(source)) => {
            walkforward::analyze(&sweep, options, source).map_err(|e| match e {
                WalkForwardError::Source(e) => e,
                other => fail(other.to_string()),
            })
        }
        (walkforward::Mode::Rerun, None) => {
            Err(fail("mode rerun runs the chosen points, and the data is not loaded here".into()))
        }
    }
}
