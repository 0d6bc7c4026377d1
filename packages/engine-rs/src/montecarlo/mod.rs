//! Monte Carlo robustness of one run (docs/robustness.md): how the same run could have gone.
//!
//! - **Block bootstrap of daily returns**: each resample draws the run's daily returns (after the
//!   first day, whose 0 is a placeholder) by a stationary bootstrap with mean block length
//!   `block` ([`crate::rng::stationary_bootstrap`]), so streaks and volatility clusters survive,
//!   and compounds them from the capital into a new equity curve of the run's length.
//! - **Trade reshuffling**: each resample puts the run's positions' net P&L (positions.arrow) in a
//!   random order and adds them to the capital one by one: the same trades, another sequence. The
//!   final equity (and so the CAGR) is the run's in every order; the drawdowns are what changes,
//!   measured over the sequence of trades (the longest in trades, not days).
//!
//! Each resample has its own random stream derived from the seed and its index, so results are the
//! same on any number of threads. Every figure is computed by the same metric code as
//! `summary.json` (CAGR over 252-day years, drawdowns from the running peak).

mod input;

use rayon::prelude::*;
use serde::Serialize;

pub use input::{RunSeries, f64_column, read_run};

use crate::analytics::statistics::{Cagr, MaxDrawdown, MaxDrawdownDays};
use crate::analytics::{Metric, MetricInput, drawdown_series, quantile_type7};
use crate::rng::{SplitMix64, stationary_bootstrap};

/// Most resamples of one analysis.
pub const MAX_RESAMPLES: u32 = 1_000_000;

/// What to resample and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub resamples: u32,
    /// Mean block length of the daily bootstrap, in trading days.
    pub block: f64,
    pub seed: u64,
    /// Drawdown depths (fractions, 0.2 = 20%) whose probability of being exceeded is reported.
    pub drawdown_levels: Vec<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options { resamples: 1000, block: 20.0, seed: 1, drawdown_levels: vec![0.1, 0.2, 0.3] }
    }
}

/// 5th, 50th and 95th percentiles (type 7) and the mean of one figure over the resamples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub mean: f64,
}

/// The probability that a resample's max drawdown is deeper than `level`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeeperThan {
    pub level: f64,
    pub probability: f64,
}

/// One method's distributions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub resamples: u32,
    pub final_equity: Spread,
    /// `None` when some resample's CAGR is undefined (its equity went to zero or below).
    pub cagr: Option<Spread>,
    /// As fractions ≤ 0 (−0.2 = a 20% drawdown).
    pub max_drawdown: Spread,
    /// Trading days (bootstrap) or trades (reshuffle).
    pub longest_drawdown: Spread,
    pub drawdown_deeper_than: Vec<DeeperThan>,
    /// The resamples' max drawdowns counted in [`HISTOGRAM_BINS`] equal bins from the deepest to
    /// the shallowest (one bin when they are all equal), for the drawdown distribution chart.
    pub max_drawdown_histogram: Vec<Bin>,
    /// Percentiles 5, 50 and 95 of the equity along the path (at most [`FAN_POINTS`] steps, evenly
    /// spaced, the last one included), for a fan chart.
    pub fan: Vec<FanPoint>,
}

/// Bins of the max-drawdown histogram.
pub const HISTOGRAM_BINS: usize = 20;

/// A histogram bin: the values in `[from, to)` (the last bin includes `to`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: u32,
}

/// Counts `xs` in `bins` equal bins between their least and greatest value.
fn histogram(xs: &[f64], bins: usize) -> Vec<Bin> {
    let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| (l.min(x), h.max(x)));
    if xs.is_empty() || !lo.is_finite() || !hi.is_finite() {
        return Vec::new();
    }
    if lo == hi {
        return vec![Bin { from: lo, to: hi, count: xs.len() as u32 }];
    }
    let width = (hi - lo) / bins as f64;
    let mut out: Vec<Bin> = (0..bins)
        .map(|k| Bin {
            from: lo + width * k as f64,
            to: if k + 1 == bins { hi } else { lo + width * (k + 1) as f64 },
            count: 0,
        })
        .collect();
    for &x in xs {
        let k = (((x - lo) / width) as usize).min(bins - 1);
        out[k].count += 1;
    }
    out
}

/// Most points of a fan chart.
pub const FAN_POINTS: usize = 250;

/// The equity's spread at one step (day or trade) of the resampled paths.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FanPoint {
    /// 0 is the capital, before the first resampled return or trade.
    pub step: usize,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// The analysis of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub seed: u64,
    pub capital: f64,
    /// The block bootstrap of daily returns; `None` with fewer than two days.
    pub bootstrap: Option<BootstrapReport>,
    /// The trade reshuffle; `None` with fewer than two trades.
    pub reshuffle: Option<Distribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapReport {
    pub block: f64,
    #[serde(flatten)]
    pub distribution: Distribution,
}

/// Why an analysis cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("resamples: at least 1 and at most {MAX_RESAMPLES}, got {0}")]
    Resamples(u32),
    #[error("block: a mean block length of at least 1 trading day and at most the {days} daily returns, got {block}")]
    Block { block: String, days: usize },
    #[error("drawdown: each level a fraction in (0, 1), got {0}")]
    Level(String),
    #[error("capital: a positive number, got {0}")]
    Capital(String),
}

/// Checks the options against a run of `days` daily returns.
pub fn check(options: &Options, days: usize, capital: f64) -> Result<(), Refused> {
    if options.resamples == 0 || options.resamples > MAX_RESAMPLES {
        return Err(Refused::Resamples(options.resamples));
    }
    let sample = days.saturating_sub(1);
    if !(options.block.is_finite() && options.block >= 1.0 && (sample < 2 || options.block <= sample as f64)) {
        return Err(Refused::Block { block: options.block.to_string(), days: sample });
    }
    if let Some(bad) = options.drawdown_levels.iter().find(|l| !(l.is_finite() && **l > 0.0 && **l < 1.0)) {
        return Err(Refused::Level(bad.to_string()));
    }
    if !(capital.is_finite() && capital > 0.0) {
        return Err(Refused::Capital(capital.to_string()));
    }
    Ok(())
}

/// Runs both methods on a run's daily returns (`returns[0]` is the placeholder 0) and its
/// positions' net P&L in the order they closed.
pub fn analyze(capital: f64, returns: &[f64], trades: &[f64], options: &Options) -> Result<Report, Refused> {
    check(options, returns.len(), capital)?;
    let sample = returns.get(1..).unwrap_or_default();
    let bootstrap = (sample.len() >= 2).then(|| {
        let paths = resample(options, |rng| {
            let picks = stationary_bootstrap(rng, sample.len(), options.block);
            let mut equity = Vec::with_capacity(sample.len() + 1);
            let mut e = capital;
            equity.push(e);
            for i in picks {
                e *= 1.0 + sample[i];
                equity.push(e);
            }
            equity
        });
        BootstrapReport { block: options.block, distribution: summarize(capital, &paths, options, None) }
    });
    let reshuffle = (trades.len() >= 2).then(|| {
        let paths = resample(options, |rng| {
            let mut order: Vec<f64> = trades.to_vec();
            // Fisher–Yates.
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let mut equity = Vec::with_capacity(order.len() + 1);
            let mut e = capital;
            equity.push(e);
            for pnl in order {
                e += pnl;
                equity.push(e);
            }
            equity
        });
        // Every order ends at the same equity after the run's days: the run's CAGR, not one that
        // counts a trade as a day.
        summarize(capital, &paths, options, Some(returns.len()))
    });
    Ok(Report { seed: options.seed, capital, bootstrap, reshuffle })
}

/// Every resample's equity path, in resample order whatever the threads.
fn resample(options: &Options, path: impl Fn(&mut SplitMix64) -> Vec<f64> + Sync) -> Vec<Vec<f64>> {
    (0..options.resamples).into_par_iter().map(|k| path(&mut SplitMix64::stream(options.seed, u64::from(k)))).collect()
}

/// The figures of each path, then their spreads; `cagr_days`: the days the CAGR is taken over
/// (default each path's length).
fn summarize(capital: f64, paths: &[Vec<f64>], options: &Options, cagr_days: Option<usize>) -> Distribution {
    struct Figures {
        final_equity: f64,
        cagr: Option<f64>,
        max_drawdown: f64,
        longest: f64,
    }
    let figures: Vec<Figures> = paths
        .par_iter()
        .map(|equity| {
            let drawdown = drawdown_series(equity);
            let flat = vec![0.0; equity.len()];
            let in_market = vec![true; equity.len()];
            let input = MetricInput {
                capital,
                equity,
                returns: &flat,
                drawdown: &drawdown,
                in_market: &in_market,
                trades: &[],
            };
            Figures {
                final_equity: equity.last().copied().unwrap_or(capital),
                cagr: match cagr_days {
                    Some(days) => input.growth().and_then(|g| Cagr::of_growth(g, days)),
                    None => Cagr::compute(&input),
                },
                max_drawdown: MaxDrawdown::compute(&input).unwrap_or(0.0),
                longest: MaxDrawdownDays::compute(&input).unwrap_or(0) as f64,
            }
        })
        .collect();
    let column = |f: &dyn Fn(&Figures) -> f64| -> Vec<f64> { figures.iter().map(f).collect() };
    let cagr: Option<Vec<f64>> = figures.iter().map(|f| f.cagr).collect();
    let max_drawdown = column(&|f| f.max_drawdown);
    let n = figures.len() as f64;
    let steps = paths.first().map_or(0, Vec::len);
    let every = steps.div_ceil(FAN_POINTS).max(1);
    let mut at_steps: Vec<usize> = (0..steps).step_by(every).collect();
    if steps > 0 && at_steps.last() != Some(&(steps - 1)) {
        at_steps.push(steps - 1);
    }
    let fan = at_steps
        .par_iter()
        .map(|&k| {
            let at: Vec<f64> = paths.iter().map(|p| p[k]).collect();
            let s = spread(&at);
            FanPoint { step: k, p5: s.p5, p50: s.p50, p95: s.p95 }
        })
        .collect();
    Distribution {
        resamples: options.resamples,
        final_equity: spread(&column(&|f| f.final_equity)),
        cagr: cagr.map(|c| spread(&c)),
        max_drawdown: spread(&max_drawdown),
        longest_drawdown: spread(&column(&|f| f.longest)),
        drawdown_deeper_than: options
            .drawdown_levels
            .iter()
            .map(|&level| DeeperThan {
                level,
                probability: max_drawdown.iter().filter(|&&d| d < -level).count() as f64 / n,
            })
            .collect(),
        max_drawdown_histogram: histogram(&max_drawdown, HISTOGRAM_BINS),
        fan,
    }
}

fn spread(xs: &[f64]) -> Spread {
    let q = |p: f64| quantile_type7(xs, p).unwrap_or(f64::NAN);
    Spread { p5: q(0.05), p50: q(0.5), p95: q(0.95), mean: xs.iter().sum::<f64>() / xs.len().max(1) as f64 }
}

#[cfg(test)]
mod tests;
