//! Walk-forward optimisation over a sweep's daily returns (docs/walk-forward.md): choose the best
//! point in each in-sample window the way a researcher would have at the time, then stitch the
//! chosen points' out-of-sample returns into one curve nobody could have picked in hindsight.
//!
//! Windows cut the daily returns after the first trading day (whose 0 is a placeholder, as in
//! every metric): in-sample `[s, o)`, out-of-sample `[o, o + out_of_sample)`; the next window's
//! out-of-sample starts where this one's ends. Rolling windows keep `in_sample` days; anchored
//! ones start at the first return. A last, shorter out-of-sample window takes the remaining days.
//!
//! Every figure goes through the same metric code as `summary.json`, over the window's equity
//! (growth of 1 from the close before the window). The out-of-sample returns of a chosen point
//! come from a [`Source`]: the sweep's own returns (`returns` mode) or a run of the point from
//! flat over the window (`rerun` mode, provided by the caller, who has the engine and the data).

mod report;
#[cfg(test)]
mod tests;

use std::ops::Range;

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use report::{Figures, Report, Span, WindowReport};

use crate::analytics::statistics::{Cagr, Calmar, MaxDrawdown, Sharpe, TotalReturn};
use crate::analytics::{Metric, MetricInput, drawdown_series};
use crate::cscv::dsr::{deflated_sharpe_ratio, expected_max_sharpe, sample_sd, skewness_kurtosis};

/// How in-sample windows move.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum), value(rename_all = "snake_case"))]
pub enum Scheme {
    /// The last `in_sample` days before each out-of-sample window.
    #[default]
    Rolling,
    /// Every day from the first return up to each out-of-sample window.
    Anchored,
}

/// What the in-sample best point is chosen by (higher is better).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum), value(rename_all = "snake_case"))]
pub enum Selection {
    /// Annualised Sharpe ratio of the window's daily returns.
    #[default]
    Sharpe,
    TotalReturn,
    /// CAGR / |max drawdown| over the window (0 without a drawdown).
    Calmar,
    /// The deflated Sharpe ratio: the point's Sharpe against the best of as many points with no
    /// skill, given the window's spread of Sharpes, its skewness and kurtosis.
    Dsr,
}

/// Where the chosen points' out-of-sample returns come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum), value(rename_all = "snake_case"))]
pub enum Mode {
    /// The sweep's daily returns (cheap; a position open across a boundary keeps its returns).
    #[default]
    Returns,
    /// Each chosen point run by the engine from flat over its out-of-sample window.
    Rerun,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub scheme: Scheme,
    /// Trading days of each in-sample window (the first one's, when anchored).
    pub in_sample: usize,
    pub out_of_sample: usize,
    pub metric: Selection,
    /// A point with fewer positions opened in the in-sample window cannot be chosen.
    pub min_trades: Option<u32>,
    pub mode: Mode,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scheme: Scheme::Rolling,
            in_sample: 504,
            out_of_sample: 126,
            metric: Selection::Sharpe,
            min_trades: None,
            mode: Mode::Returns,
        }
    }
}

/// Why a walk-forward cannot run; the text starts with the option it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("in_sample: at least 2 trading days, got {0}")]
    InSample(usize),
    #[error("out_of_sample: at least 1 trading day, got {0}")]
    OutOfSample(usize),
    #[error(
        "in_sample: {in_sample} + {out_of_sample} out-of-sample trading days do not fit the {returns} daily returns of the \
         sweep ({days} trading days, the first without a return)"
    )]
    DoesNotFit { in_sample: usize, out_of_sample: usize, days: usize, returns: usize },
    #[error(
        "min_trades: the sweep's position entries are not known (entries.arrow), so a minimum trade count cannot be applied"
    )]
    NoEntries,
    #[error("points: a walk-forward needs at least one point")]
    NoPoints,
}

/// One window's day ranges, as indices into the daily returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub in_sample: Range<usize>,
    pub out_of_sample: Range<usize>,
}

/// The windows over `days` trading days (`days − 1` daily returns after the placeholder).
pub fn windows(days: usize, options: &Options) -> Result<Vec<Window>, Refused> {
    if options.in_sample < 2 {
        return Err(Refused::InSample(options.in_sample));
    }
    if options.out_of_sample == 0 {
        return Err(Refused::OutOfSample(options.out_of_sample));
    }
    let returns = days.saturating_sub(1);
    if options.in_sample + options.out_of_sample > returns {
        return Err(Refused::DoesNotFit {
            in_sample: options.in_sample,
            out_of_sample: options.out_of_sample,
            days,
            returns,
        });
    }
    let mut out = Vec::new();
    let mut start = 1 + options.in_sample;
    while start < days {
        let is_start = match options.scheme {
            Scheme::Rolling => start - options.in_sample,
            Scheme::Anchored => 1,
        };
        let end = (start + options.out_of_sample).min(days);
        out.push(Window { in_sample: is_start..start, out_of_sample: start..end });
        start = end;
    }
    Ok(out)
}

/// The sweep as the walk-forward reads it.
#[derive(Debug, Clone, Copy)]
pub struct Sweep<'a> {
    /// Trading days, days since the epoch, oldest first.
    pub dates: &'a [i32],
    /// Point ids, in column order.
    pub points: &'a [String],
    /// Each point's parameters (JSON object; `null` when not known).
    pub params: &'a [serde_json::Value],
    /// `returns[p][t]`: point p's daily return on `dates[t]` (`returns[p][0]` is the placeholder).
    pub returns: &'a [Vec<f64>],
    /// Per point, the dates its positions were opened on (any order); needed for `min_trades`.
    pub entries: Option<&'a [Vec<i32>]>,
}

/// The out-of-sample daily returns of `point` over `window`: in `returns` mode a slice of the
/// sweep's, in `rerun` mode a run of the point by the engine.
pub trait Source: Sync {
    type Error: Send;
    fn out_of_sample(&self, point: usize, window: &Window) -> Result<Vec<f64>, Self::Error>;
}

/// The sweep's own returns.
#[derive(Debug)]
pub struct SweepReturns<'a>(pub &'a [Vec<f64>]);

impl Source for SweepReturns<'_> {
    type Error = std::convert::Infallible;
    fn out_of_sample(&self, point: usize, window: &Window) -> Result<Vec<f64>, Self::Error> {
        Ok(self.0[point][window.out_of_sample.clone()].to_vec())
    }
}

/// The metric code of `summary.json` over daily returns `r`, from a growth of 1.
#[derive(Debug)]
struct Curve {
    returns: Vec<f64>,
    equity: Vec<f64>,
    drawdown: Vec<f64>,
    in_market: Vec<bool>,
}

impl Curve {
    fn new(r: &[f64]) -> Curve {
        let mut returns = Vec::with_capacity(r.len() + 1);
        let mut equity = Vec::with_capacity(r.len() + 1);
        returns.push(0.0);
        equity.push(1.0);
        let mut e = 1.0;
        for &x in r {
            e *= 1.0 + x;
            returns.push(x);
            equity.push(e);
        }
        let drawdown = drawdown_series(&equity);
        Curve { in_market: vec![true; equity.len()], returns, equity, drawdown }
    }

    fn input(&self) -> MetricInput<'_> {
        MetricInput {
            capital: 1.0,
            equity: &self.equity,
            returns: &self.returns,
            drawdown: &self.drawdown,
            in_market: &self.in_market,
            trades: &[],
        }
    }

    fn figures(&self) -> Figures {
        let input = self.input();
        Figures {
            days: self.returns.len() - 1,
            total_return: TotalReturn::compute(&input),
            cagr: Cagr::compute(&input),
            sharpe: Sharpe::compute(&input),
            max_drawdown: MaxDrawdown::compute(&input),
            calmar: Calmar::compute(&input),
        }
    }
}

/// Each point's selection score over `range` (`None`: not finite, cannot be chosen).
fn scores(returns: &[Vec<f64>], range: Range<usize>, metric: Selection) -> Vec<Option<f64>> {
    let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
    match metric {
        Selection::Dsr => {
            let per_period: Vec<f64> = returns
                .iter()
                .map(|r| {
                    let w = &r[range.clone()];
                    let sd = sample_sd(w);
                    if sd > 0.0 { w.iter().sum::<f64>() / w.len() as f64 / sd } else { 0.0 }
                })
                .collect();
            let expected = expected_max_sharpe(sample_sd(&per_period), returns.len());
            returns
                .iter()
                .zip(&per_period)
                .map(|(r, &sr)| {
                    let w = &r[range.clone()];
                    let (skew, kurt) = skewness_kurtosis(w);
                    finite(Some(deflated_sharpe_ratio(sr, expected, w.len(), skew, kurt)))
                })
                .collect()
        }
        _ => returns
            .par_iter()
            .map(|r| {
                let curve = Curve::new(&r[range.clone()]);
                let input = curve.input();
                finite(match metric {
                    Selection::Sharpe => Sharpe::compute(&input),
                    Selection::TotalReturn => TotalReturn::compute(&input),
                    Selection::Calmar => Calmar::compute(&input),
                    Selection::Dsr => None,
                })
            })
            .collect(),
    }
}

/// Each point's score by `metric` over all its daily returns (after the placeholder).
pub fn full_sample_scores(returns: &[Vec<f64>], metric: Selection) -> Vec<Option<f64>> {
    let days = returns.first().map_or(0, Vec::len);
    scores(returns, 1.min(days)..days, metric)
}

/// The first point with the highest score among those allowed (`None` when none is).
fn best(scores: &[Option<f64>], allowed: impl Fn(usize) -> bool) -> Option<usize> {
    let mut chosen: Option<(usize, f64)> = None;
    for (p, s) in scores.iter().enumerate() {
        if let Some(s) = *s
            && allowed(p)
            && chosen.is_none_or(|(_, c)| s > c)
        {
            chosen = Some((p, s));
        }
    }
    chosen.map(|(p, _)| p)
}

/// Runs the walk-forward: windows, the in-sample choice in each, the stitched out-of-sample curve
/// and the in-hindsight best point over the same days.
pub fn analyze<S: Source>(
    sweep: &Sweep<'_>,
    options: &Options,
    source: &S,
) -> Result<Report, WalkForwardError<S::Error>> {
    if sweep.points.is_empty() {
        return Err(WalkForwardError::Refused(Refused::NoPoints));
    }
    let all = windows(sweep.dates.len(), options).map_err(WalkForwardError::Refused)?;
    let entries = match (options.min_trades, sweep.entries) {
        (Some(_), None) => return Err(WalkForwardError::Refused(Refused::NoEntries)),
        (Some(_), Some(e)) => Some(e),
        (None, _) => None,
    };
    let span = |r: &Range<usize>| Span::of(sweep.dates, r);
    // Each window's choice from the sweep's returns, whatever the mode.
    let choices: Vec<(Option<usize>, usize, Vec<Option<f64>>)> = all
        .iter()
        .map(|w| {
            let scores = scores(sweep.returns, w.in_sample.clone(), options.metric);
            let (first, last) = (sweep.dates[w.in_sample.start], sweep.dates[w.in_sample.end - 1]);
            let enough = |p: usize| match (options.min_trades, entries) {
                (Some(min), Some(e)) => e[p].iter().filter(|&&d| d >= first && d <= last).count() >= min as usize,
                _ => true,
            };
            let eligible = (0..sweep.points.len()).filter(|&p| scores[p].is_some() && enough(p)).count();
            (best(&scores, enough), eligible, scores)
        })
        .collect();
    // The chosen points' out-of-sample returns (the engine's runs in `rerun` mode), in parallel.
    let oos: Vec<Vec<f64>> = all
        .par_iter()
        .zip(&choices)
        .map(|(w, (chosen, _, _))| match chosen {
            Some(p) => source.out_of_sample(*p, w),
            // Nothing could be chosen: the window stays in cash.
            None => Ok(vec![0.0; w.out_of_sample.len()]),
        })
        .collect::<Result<_, _>>()
        .map_err(WalkForwardError::Source)?;
    for (w, r) in all.iter().zip(&oos) {
        if r.len() != w.out_of_sample.len() {
            return Err(WalkForwardError::Length { expected: w.out_of_sample.len(), got: r.len() });
        }
    }

    let mut windows = Vec::with_capacity(all.len());
    let mut is_cagrs = Vec::new();
    for (k, (w, ((chosen, eligible, scores), r))) in all.iter().zip(choices.iter().zip(&oos)).enumerate() {
        let (is_figures, oos_figures) =
            (chosen.map(|p| Curve::new(&sweep.returns[p][w.in_sample.clone()]).figures()), Curve::new(r).figures());
        if let Some(c) = is_figures.as_ref().and_then(|f| f.cagr) {
            is_cagrs.push(c);
        }
        windows.push(WindowReport {
            index: k,
            in_sample: span(&w.in_sample),
            out_of_sample: span(&w.out_of_sample),
            point: chosen.map(|p| sweep.points[p].clone()),
            params: chosen.map(|p| sweep.params[p].clone()),
            eligible: *eligible,
            score: chosen.and_then(|p| scores[p]),
            efficiency: efficiency(oos_figures.cagr, is_figures.as_ref().and_then(|f| f.cagr)),
            in_sample_figures: is_figures,
            out_of_sample_figures: oos_figures,
        });
    }
    let stitched: Vec<f64> = oos.concat();
    let span_all = all[0].out_of_sample.start..all[all.len() - 1].out_of_sample.end;
    let out_of_sample = Curve::new(&stitched).figures();
    let is_mean = (!is_cagrs.is_empty()).then(|| is_cagrs.iter().sum::<f64>() / is_cagrs.len() as f64);
    // In hindsight: the point best by the same metric over the whole out-of-sample span.
    let hindsight_scores = scores(sweep.returns, span_all.clone(), options.metric);
    let hindsight = best(&hindsight_scores, |_| true);
    let hindsight_returns = hindsight.map(|p| sweep.returns[p][span_all.clone()].to_vec());
    Ok(Report {
        scheme: options.scheme,
        in_sample: options.in_sample,
        out_of_sample_days: options.out_of_sample,
        metric: options.metric,
        min_trades: options.min_trades,
        mode: options.mode,
        points: sweep.points.len(),
        span: span(&span_all),
        efficiency: efficiency(out_of_sample.cagr, is_mean),
        in_sample_cagr_mean: is_mean,
        out_of_sample,
        hindsight_point: hindsight.map(|p| sweep.points[p].clone()),
        hindsight: hindsight_returns.as_deref().map(|r| Curve::new(r).figures()),
        windows,
        dates: sweep.dates[span_all].to_vec(),
        stitched,
        hindsight_returns: hindsight_returns.unwrap_or_default(),
    })
}

/// Walk-forward efficiency: annualised out-of-sample over in-sample return; `None` unless the
/// in-sample one is positive (a ratio to a loss or to nothing says nothing).
fn efficiency(out_of_sample: Option<f64>, in_sample: Option<f64>) -> Option<f64> {
    match (out_of_sample, in_sample) {
        (Some(o), Some(i)) if i > 0.0 => Some(o / i).filter(|x| x.is_finite()),
        _ => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WalkForwardError<E> {
    #[error(transparent)]
    Refused(Refused),
    #[error("a rerun of an out-of-sample window failed")]
    Source(E),
    #[error("an out-of-sample run gave {got} daily returns for a window of {expected} trading days")]
    Length { expected: usize, got: usize },
}
