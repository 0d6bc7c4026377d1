//! The backtest: one pass over the trading days, the same code in the binary and the addon.
//!
//! Each day, for each ticker with data that day (tickers in scenario order), the phases run in
//! order, one module each (docs/scenario.md, "How a day runs"):
//! 1. [`events`]: ex-dividend cash to the shares held at the previous close;
//! 2. [`mark`]: every held leg at its mid (a leg without a quote keeps its last mark, counted),
//!    shares at the underlying, and the day's changes attributed to the greeks;
//! 3. [`settle`] (physically settled tickers): delivered shares closed, early assignment, expiry
//!    into shares;
//! 4. [`exits`]: first trigger wins: expiry → stop_loss → profit_target → dte_exit → max_hold_days
//!    (an exit that needs a quote the day lacks waits for the next day, counted);
//! 5. [`adjust`] (covers written against shares) and [`roll`];
//! 6. [`hedge`]: each position's delta to its target with shares;
//! 7. [`enter`]: an entry, when the schedule, `max_open`, the IV-rank filter, the legs,
//!    `min_credit` and the sizing all allow it;
//!
//! then [`account`]: the day's equity row. A phase the scenario does not use is skipped. On the
//! last day every open position closes (`end_of_data`).
//!
//! Phases 1 and 2 are the ticker's; phases 3 to 7 run for each strategy that trades the ticker,
//! in the scenario's order, each touching only its own positions ([`Sleeve`]). One account holds
//! them all: shared cash, one equity curve, and each strategy's own curve beside it. Fills, slippage, commissions, early
//! assignment and margin are the scenario's [`models`]. Time comes only from the
//! data; nothing iterates a hash map.

mod account;
mod adjust;
#[cfg(test)]
mod earnings_tests;
mod enter;
mod events;
mod exits;
pub mod hedge;
pub mod ivrank;
mod listings;
mod mark;
pub mod models;
pub mod portfolio;
#[cfg(test)]
mod portfolio_tests;
mod quote_count;
pub mod risk;
pub mod roll;
pub mod select;
pub mod settle;
pub mod signals;
#[cfg(test)]
mod signals_tests;
mod split;
#[cfg(test)]
mod split_tests;
#[cfg(test)]
mod stock_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::analytics::{self, MetricInput};
use crate::data::chain::Expiry;
use crate::data::dates::DateList;
use crate::data::events::{EventKind, Events};
use crate::data::integrity::{ContentCheck, PartitionCheck};
use crate::data::series::Series;
use crate::data::stamps::StampStore;
use crate::data::{Dataset, DayChain, Partition, Right, Selection, Verification, VerifyPolicy};
use crate::dates::{date_from_days, iso};
use crate::error::DataError;
use crate::results::{
    Attribution, BenchmarkSummary, Diagnostics, EquityRow, Fill, MarketRow, PositionRecord, Reason, StrategyRow,
    StrategySummary, Summary,
};
use crate::scenario::hedge::HedgeScope;
use crate::scenario::portfolio::Member;
use crate::scenario::settlement::{SharesPolicy, Style};
use crate::scenario::signals::DatesSource;
use crate::scenario::{LegSpec, MAX_UNITS, Scenario, ScenarioError, SizingBasis, Strategy, Structure, Weekday};
use account::{DailySeries, equity_row};
use adjust::write_covers;
use enter::{enter, opening_legs, opening_prices};
use events::pay_dividend;
use exits::exits;
use ivrank::IvHistory;
use mark::{Move, mark};
use models::Models;
use portfolio::{FillContext, Greeks, Portfolio};
use quote_count::SharedCount;
use risk::MULTIPLIER;
use select::{Miss, choose_legs, usable};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{0}")]
    Span(String),
    #[error("{0}")]
    Unfillable(String),
    /// The scenario needs something the dataset does not have (earnings dates for a rule).
    #[error("{0}")]
    Missing(String),
    #[error("the backtest was cancelled")]
    Cancelled,
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Data(e) => e.code(),
            EngineError::Span(_) => "ERR_DATA_RANGE",
            EngineError::Unfillable(_) => "ERR_UNFILLABLE",
            EngineError::Missing(_) => "ERR_DATA_MISSING",
            EngineError::Cancelled => "ABORT_ERR",
        }
    }
}

/// Progress of a run, reported about every 1% of the days.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Progress {
    pub days_done: u64,
    pub days_total: u64,
    pub date: i32,
}

#[derive(Default)]
pub struct RunOptions<'a> {
    /// Set to stop the run between days.
    pub cancel: Option<Arc<AtomicBool>>,
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    /// How partitions are checked against the manifest as they are loaded.
    pub verify: VerifyPolicy,
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions").field("cancel", &self.cancel).field("verify", &self.verify).finish_non_exhaustive()
    }
}

/// Everything a run produces.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub summary: Summary,
    /// The account's row of each trading day (none for a run keeping only its row: [`Keep`]).
    pub equity: Vec<EquityRow>,
    /// The account's daily returns, one per trading day (the first is 0), whatever it keeps.
    pub returns: Vec<f64>,
    pub trades: Vec<Fill>,
    /// Every position, in the order they ended (none for a run keeping only its row: [`Keep`]).
    pub positions: Vec<PositionRecord>,
    /// The day each position opened, in the order they ended, whatever the run keeps.
    pub entries: Vec<i32>,
    /// The strategies' names, in the scenario's order (`strategy` indices of the rows above).
    pub strategy_names: Vec<String>,
    /// The tickers' names, in the order of the data the run read (`ticker` indices of the rows
    /// above).
    pub ticker_names: Vec<String>,
    /// Each strategy's equity, one row per trading day per strategy (date-major).
    pub strategies: Vec<StrategyRow>,
    /// Each ticker's close and the benchmark series, one row per trading day per name.
    pub market: Vec<MarketRow>,
    /// (name, `ticker` | `series`) of `market`'s rows.
    pub market_names: Vec<(String, &'static str)>,
    /// Rows of the day chains the run visited.
    pub rows_scanned: u64,
    pub partitions: usize,
}

impl Outcome {
    /// The result tables' bytes: equity, trades, positions, strategies, market.
    pub fn tables(&self) -> Result<crate::results::Tables, arrow_schema::ArrowError> {
        use crate::results::{equity_ipc, market_ipc, positions_ipc, strategies_ipc, trades_ipc};
        Ok(crate::results::Tables {
            equity: equity_ipc(&self.equity)?,
            trades: trades_ipc(&self.trades, &self.strategy_names, &self.ticker_names)?,
            positions: positions_ipc(&self.positions, &self.strategy_names, &self.ticker_names)?,
            strategies: strategies_ipc(&self.strategies, &self.strategy_names)?,
            market: market_ipc(&self.market, &self.market_names)?,
        })
    }

    /// The benchmark of `scenario` (the one this outcome ran): its name and close on each trading
    /// day (`None` before its first), from `market`.
    pub fn benchmark_closes(&self, scenario: &Scenario) -> Option<(String, Vec<Option<f64>>)> {
        let index = match Benchmark::of(scenario) {
            Benchmark::Ticker(i) => i,
            Benchmark::Series(name) => self.market_names.iter().position(|(n, k)| *n == name && *k == "series")?,
        };
        let name = self.market_names.get(index)?.0.clone();
        Some((name, self.market.iter().filter(|r| r.name == index).map(|r| r.close).collect()))
    }
}

/// One ticker's data: its partitions and the flattened day index.
struct TickerData {
    name: String,
    parts: Vec<Partition>,
    /// (trade date, partition, day span index), in date order.
    days: Vec<(i32, usize, usize)>,
    /// Per entry of `days`: contract sides whose quote breaks the data contract. Counted once, by
    /// a single run's two threads ([`quote_count`]), a sweep before its points, or whoever asks
    /// first ([`TickerData::invalid`]).
    invalid: std::sync::OnceLock<Vec<u64>>,
    /// Per partition: the manifest's sha256 when its content was verified (hashed or stamped) and
    /// its invalid-quote counts were not read beside its stamp, so a run that counts them all keeps
    /// them there for the next ([`LoadedData::keep_quote_counts`]).
    counts_to_keep: Vec<Option<String>>,
    /// Done once `counts_to_keep` has been written (every run on this data would else write again).
    counts_kept: std::sync::Once,
    /// Every day's rows grouped by expiry, once for every run on this data: `expiries[spans[k]]`
    /// are those of `days[k]`.
    expiries: Vec<Expiry>,
    spans: Vec<std::ops::Range<usize>>,
    /// (ex-date, dividend per share) from the dataset's events, in date order.
    dividends: Vec<(i32, f64)>,
    /// (ex-date, ratio: new shares per old) from the dataset's events, in date order.
    splits: Vec<(i32, f64)>,
    /// Indices into `days` of the earnings reaction days (the first close after each report).
    reactions: Vec<usize>,
    /// Earnings rows of this ticker in the dataset (whether or not they fall inside its days).
    has_earnings: bool,
}

impl TickerData {
    fn chain(&self, at: usize) -> DayChain<'_> {
        let (_, p, d) = self.days[at];
        let part = &self.parts[p];
        let span = part.days[d];
        let expiries = &self.expiries[self.spans[at].clone()];
        DayChain::with_expiries(&part.batches[span.batch], span.trade_date, span.start, span.end, expiries)
    }

    /// Per entry of `days`, its invalid quote sides. Only a run's end needs them, and counting
    /// reads four whole columns: a single run counts them on both cores, mostly while its days run
    /// ([`quote_count`]), a sweep before its points ([`LoadedData::count_invalid_quotes`]).
    fn invalid(&self) -> &[u64] {
        self.invalid.get_or_init(|| (0..self.days.len()).map(|k| self.invalid_on(k)).collect())
    }

    /// The invalid quote sides of day `k` of `days`, counted from its columns.
    fn invalid_on(&self, k: usize) -> u64 {
        self.chain(k).invalid_quotes()
    }
}

/// Per-ticker running state.
#[derive(Debug, Clone, Default)]
struct TickerState {
    /// Next index into `TickerData::days`.
    cursor: usize,
    /// Next index into `TickerData::dividends`.
    dividend: usize,
    /// Next index into `TickerData::splits`.
    split: usize,
    /// The ticker's next trading day is the ex-date of a split positions cannot be carried
    /// across: today everything closes and nothing opens.
    split_next: bool,
    /// Trading days of this ticker seen inside [start, end].
    day_counter: u64,
    /// The index into `TickerData::days` of the run's first day: the run visits `first..cursor`.
    first: usize,
    iv: IvHistory,
    closes: signals::Closes,
    /// Today against the ticker's earnings reaction days (with `strategy.earnings`).
    earnings: crate::scenario::earnings::Today,
}

/// Trading days of ATM IV and of closes the entry filters of every strategy need (today included).
fn lookbacks(scenario: &Scenario) -> (usize, usize) {
    scenario
        .members()
        .iter()
        .map(|m| strategy_lookbacks(m.strategy))
        .fold((0, 0), |(a, b), (c, d)| (a.max(c), b.max(d)))
}

fn strategy_lookbacks(strategy: &Strategy) -> (usize, usize) {
    let entry = &strategy.entry;
    let rank = entry.iv_rank.as_ref().map_or(0, |r| r.lookback.0 as usize);
    entry.signals.iter().map(|s| s.history()).fold((rank, 0), |(a, b), (c, d)| (a.max(c), b.max(d)))
}

/// The benchmark: a ticker of the scenario (its index) or a series of the dataset.
#[derive(Debug, Clone, PartialEq)]
enum Benchmark {
    Ticker(usize),
    Series(String),
}

impl Benchmark {
    /// `benchmark:` if given, else the first ticker; a name that is not a ticker is a series.
    fn of(scenario: &Scenario) -> Benchmark {
        match &scenario.benchmark {
            None => Benchmark::Ticker(0),
            Some(name) => match scenario.data.tickers.iter().position(|t| t.0 == *name) {
                Some(i) => Benchmark::Ticker(i),
                None => Benchmark::Series(name.clone()),
            },
        }
    }

    fn series(&self) -> Option<&str> {
        match self {
            Benchmark::Series(name) => Some(name),
            Benchmark::Ticker(_) => None,
        }
    }
}

/// The tickers a scenario's earnings rules need earnings dates for, and the field of the rule.
fn earnings_needed(scenario: &Scenario) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for m in scenario.members().iter().filter(|m| m.strategy.earnings.is_some()) {
        for t in m.tickers {
            if !out.iter().any(|(n, _)| *n == t.0) {
                out.push((t.0.clone(), format!("{}.earnings", m.path())));
            }
        }
    }
    out
}

/// The lists of the `dates` signals of a scenario, each with the field that names it.
fn dates_needed(scenario: &Scenario) -> Vec<(DatesSource<'_>, String)> {
    let mut out = Vec::new();
    for m in scenario.members() {
        for signal in &m.strategy.entry.signals {
            for source in signal.dates_sources() {
                out.push((source, format!("{}.entry.signals", m.path())));
            }
        }
    }
    out
}

/// The key of a list of dates in [`LoadedData`].
fn dates_key(source: &DatesSource<'_>) -> String {
    match source {
        DatesSource::Set(name) => format!("set:{name}"),
        DatesSource::File(path) => format!("file:{path}"),
    }
}

/// The files beside the scenario its `dates` signals read, each once, in order: what an entry
/// point reads from the scenario's directory (or the launcher uploads beside it).
pub fn dates_files(scenario: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (source, _) in dates_needed(scenario) {
        if let DatesSource::File(f) = source
            && !out.iter().any(|o| o == f)
        {
            out.push(f.to_string());
        }
    }
    out
}

/// The series a scenario reads, each with the field that names it: its strategies' signals,
/// then its benchmark.
fn series_needed(scenario: &Scenario) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for m in scenario.members() {
        for signal in &m.strategy.entry.signals {
            for name in signal.series_names() {
                out.push((name.to_string(), format!("{}.entry.signals", m.path())));
            }
        }
    }
    if let Some(name) = Benchmark::of(scenario).series() {
        out.push((name.to_string(), "benchmark".to_string()));
    }
    out
}

/// Calendar days of history to load before `start` for the filters' lookbacks.
fn warmup_days(scenario: &Scenario) -> i32 {
    let (ivs, closes) = lookbacks(scenario);
    let days = ivs.max(closes) as i32;
    if days == 0 { 0 } else { days * 7 / 5 + 14 }
}

/// The part of a dataset a scenario reads: its tickers, from the IV-rank warm-up to `end`
/// (what an S3 sync needs to copy).
pub fn selection_for(scenario: &Scenario) -> Selection {
    Selection {
        tickers: Some(scenario.data.tickers.iter().map(|t| t.0.clone()).collect()),
        start: Some(scenario.data.start.0 - warmup_days(scenario)),
        end: Some(scenario.data.end.0),
    }
}

/// A scenario's data, indexed once: several scenarios that share `data` (the points of a sweep)
/// run over the same loaded data.
pub struct LoadedData {
    tickers: Vec<TickerData>,
    /// Calendar days of IV history loaded before `start`.
    warmup: i32,
    /// The dataset's series, when a scenario's signals read one.
    series: Series,
    /// The lists of the `dates` signals, by [`dates_key`].
    dates: BTreeMap<String, DateList>,
    /// How every partition loaded was checked against the manifest.
    pub verification: Verification,
    /// Where verified partitions' stamps, and the invalid-quote counts beside them, are kept.
    stamps: StampStore,
    /// Seconds spent opening and verifying the files, and indexing the days.
    pub open_verify_seconds: f64,
    pub index_seconds: f64,
}

impl std::fmt::Debug for LoadedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tickers: Vec<&str> = self.tickers.iter().map(|t| t.name.as_str()).collect();
        f.debug_struct("LoadedData").field("tickers", &tickers).field("warmup", &self.warmup).finish()
    }
}

impl LoadedData {
    /// Indexes the data `scenarios` read; they must share `data` (a sweep's points do), and the
    /// warm-up is the longest any of them needs.
    pub fn load<'s>(
        scenarios: impl IntoIterator<Item = &'s Scenario>,
        dataset: &Dataset,
        policy: &VerifyPolicy,
    ) -> Result<LoadedData, EngineError> {
        let mut first: Option<&Scenario> = None;
        let mut warmup = 0;
        let mut needs_earnings: Vec<(String, String)> = Vec::new();
        let mut series_names: Vec<(String, String)> = Vec::new();
        let mut sets: Vec<(String, String)> = Vec::new();
        for s in scenarios {
            warmup = warmup.max(warmup_days(s));
            needs_earnings.extend(earnings_needed(s));
            series_names.extend(series_needed(s));
            for (source, field) in dates_needed(s) {
                if let DatesSource::Set(name) = source {
                    sets.push((name.to_string(), field));
                }
            }
            first.get_or_insert(s);
        }
        let Some(scenario) = first else {
            return Err(EngineError::Span("no scenario to load data for".into()));
        };
        let started = std::time::Instant::now();
        let (mut tickers, mut partitions, index_seconds) = load(scenario, dataset, warmup, policy)?;
        let (events, check) = Events::load(&dataset.dir, &dataset.manifest, policy)?;
        partitions.extend(check);
        for t in &mut tickers {
            t.dividends = events
                .of(&t.name)
                .iter()
                .filter(|e| e.kind == EventKind::ExDividend)
                .filter_map(|e| e.amount.map(|a| (e.date, a)))
                .collect();
            t.splits = events
                .of(&t.name)
                .iter()
                .filter(|e| e.kind == EventKind::Split)
                .filter_map(|e| e.amount.map(|a| (e.date, a)))
                .collect();
            let earnings: Vec<_> = events.of(&t.name).iter().filter(|e| e.kind == EventKind::Earnings).collect();
            t.has_earnings = !earnings.is_empty();
            // Before the open, the report's own close knows it; after the close, the next one.
            let mut reactions: Vec<usize> = earnings
                .iter()
                .map(|e| {
                    let before_open = e.before_open.unwrap_or(false);
                    t.days.partition_point(|d| if before_open { d.0 < e.date } else { d.0 <= e.date })
                })
                .filter(|&i| i < t.days.len())
                .collect();
            reactions.dedup();
            t.reactions = reactions;
        }
        for (name, field) in &needs_earnings {
            if tickers.iter().any(|t| t.name == *name && !t.has_earnings) {
                return Err(EngineError::Missing(missing_earnings(field, name)));
            }
        }
        // Series are read (and verified) only when a signal names one, and every name must be there.
        // Date sets live in series.arrow too.
        let mut series = Series::default();
        let mut dates = BTreeMap::new();
        if !series_names.is_empty() || !sets.is_empty() {
            let (loaded, check) = Series::load(&dataset.dir, &dataset.manifest, policy)?;
            partitions.extend(check);
            if let Some((name, field)) = series_names.iter().find(|(n, _)| loaded.get(n).is_none()) {
                return Err(EngineError::Missing(missing_series(field, name, loaded.names())));
            }
            for (name, field) in &sets {
                let list = DateList::from_series(&loaded, name)
                    .ok_or_else(|| EngineError::Missing(missing_set(field, name)))?;
                dates.insert(dates_key(&DatesSource::Set(name)), list);
            }
            series = loaded;
        }
        let verification = Verification { mode: policy.mode, partitions };
        let open_verify_seconds = (started.elapsed().as_secs_f64() - index_seconds).max(0.0);
        let stamps = policy.stamps.clone();
        Ok(LoadedData { tickers, warmup, series, dates, verification, stamps, open_verify_seconds, index_seconds })
    }

    /// Reads the dates files `scenarios` name beside themselves from `dir` (the scenarios'
    /// directory; `None` for scenario text with no file behind it). A file missing is a scenario
    /// error at the signal's line of `text` (the scenario, named `source`); a malformed one names
    /// the file and its own line.
    pub fn attach_dates_files<'s>(
        &mut self,
        scenarios: impl IntoIterator<Item = &'s Scenario>,
        dir: Option<&Path>,
        text: &str,
        source: &str,
    ) -> Result<(), ScenarioError> {
        for s in scenarios {
            for (from, field) in dates_needed(s) {
                let DatesSource::File(file) = from else { continue };
                let key = dates_key(&from);
                if let std::collections::btree_map::Entry::Vacant(slot) = self.dates.entry(key) {
                    slot.insert(read_dates_file(dir, file, &field, text, source)?);
                }
            }
        }
        Ok(())
    }

    /// Counts every day's invalid quote sides now, on all cores: what a sweep does before its
    /// points, so none of them waits at its end for a count another started.
    pub fn count_invalid_quotes(&self) {
        for td in &self.tickers {
            td.invalid.get_or_init(|| (0..td.days.len()).into_par_iter().map(|k| td.invalid_on(k)).collect());
        }
        self.keep_quote_counts();
    }

    /// Keeps the invalid-quote counts of every verified partition counted whole beside its stamp,
    /// for the runs after this one ([`StampStore::quote_counts`]). Best effort, once per file.
    fn keep_quote_counts(&self) {
        for td in &self.tickers {
            let Some(invalid) = td.invalid.get() else { continue };
            td.counts_kept.call_once(|| {
                for (p, part) in td.parts.iter().enumerate() {
                    let Some(sha) = &td.counts_to_keep[p] else { continue };
                    let counts: Vec<u64> =
                        td.days.iter().zip(invalid).filter(|((_, q, _), _)| *q == p).map(|(_, &c)| c).collect();
                    if counts.len() == part.days.len() {
                        self.stamps.record_quote_counts(&part.path, sha, &counts);
                    }
                }
            });
        }
    }

    /// The trading days from `start` on: each day some ticker has data, oldest first.
    pub fn trading_days(&self, start: i32) -> Vec<i32> {
        let mut dates: Vec<i32> =
            self.tickers.iter().flat_map(|t| t.days.iter().map(|d| d.0)).filter(|&d| d >= start).collect();
        dates.sort_unstable();
        dates.dedup();
        dates
    }
}

fn load(
    scenario: &Scenario,
    dataset: &Dataset,
    warmup: i32,
    policy: &VerifyPolicy,
) -> Result<(Vec<TickerData>, Vec<PartitionCheck>, f64), EngineError> {
    let data = &scenario.data;
    let (start, end) = (data.start.0, data.end.0);
    let mut out = Vec::new();
    let mut checks = Vec::new();
    let mut index_seconds = 0.0;
    for t in &data.tickers {
        let name = t.0.clone();
        // The run's span must lie inside the dataset: a silently shorter backtest misleads.
        let whole = dataset.prune(&Selection { tickers: Some(vec![name.clone()]), start: None, end: None })?;
        let first = whole.iter().map(|p| p.first_day()).min().unwrap_or(i32::MAX);
        let last = whole.iter().map(|p| p.last_day()).max().unwrap_or(i32::MIN);
        if start < first || end > last {
            return Err(EngineError::Span(format!(
                "data: {} to {} is outside dataset {}'s {name} data, which covers {} to {}",
                iso(start),
                iso(end),
                dataset.manifest.name,
                iso(first),
                iso(last)
            )));
        }
        let sel = Selection { tickers: Some(vec![name.clone()]), start: Some(start - warmup), end: Some(end) };
        let mut parts: Vec<Partition> = Vec::new();
        // What earlier runs counted in verified partitions, read beside their stamps.
        let mut kept: Vec<Option<Vec<u64>>> = Vec::new();
        let mut counts_to_keep = Vec::new();
        for (entry, part, check) in dataset.open_partitions(&sel, policy)? {
            let verified = check.content != ContentCheck::Skipped;
            let read = verified
                .then(|| policy.stamps.quote_counts(&part.path, &entry.sha256))
                .flatten()
                .filter(|counts| counts.len() == part.days.len());
            counts_to_keep.push((verified && read.is_none()).then_some(entry.sha256));
            kept.push(read);
            parts.push(part);
            checks.push(check);
        }
        let indexing = std::time::Instant::now();
        let mut days = Vec::new();
        for (pi, p) in parts.iter().enumerate() {
            for (di, span) in p.days.iter().enumerate() {
                if span.trade_date <= end && span.trade_date >= start - warmup {
                    days.push((span.trade_date, pi, di));
                }
            }
        }
        // Grouped once here, for every scenario that runs on this data (a sweep's points).
        let per_day: Vec<Vec<Expiry>> = days
            .par_iter()
            .map(|&(_, pi, di)| {
                let span = parts[pi].days[di];
                DayChain::group(&parts[pi].batches[span.batch], span.start, span.end)
            })
            .collect();
        let mut expiries = Vec::new();
        let mut spans = Vec::with_capacity(days.len());
        for group in per_day {
            spans.push(expiries.len()..expiries.len() + group.len());
            expiries.extend(group);
        }
        index_seconds += indexing.elapsed().as_secs_f64();
        let invalid = std::sync::OnceLock::new();
        if kept.iter().all(Option::is_some) {
            let _ = invalid.set(days.iter().map(|&(_, p, d)| kept[p].as_ref().map_or(0, |counts| counts[d])).collect());
        }
        out.push(TickerData {
            name,
            parts,
            days,
            invalid,
            counts_to_keep,
            counts_kept: std::sync::Once::new(),
            expiries,
            spans,
            dividends: Vec::new(),
            splits: Vec::new(),
            reactions: Vec::new(),
            has_earnings: false,
        });
    }
    Ok((out, checks, index_seconds))
}

/// What the dataset must hold beyond its chains for the rules a scenario uses: what it is missing,
/// if anything, as (the scenario field at fault, the message). `aegis-bt validate --data` asks
/// this before any run; a run finds the same from the data it loads.
pub fn missing_data(scenario: &Scenario, dataset: &Dataset) -> Result<Option<(String, String)>, EngineError> {
    let needed = earnings_needed(scenario);
    if !needed.is_empty() {
        let (events, _) = Events::load(&dataset.dir, &dataset.manifest, &VerifyPolicy::metadata_only())?;
        for (ticker, field) in needed {
            if !events.of(&ticker).iter().any(|e| e.kind == EventKind::Earnings) {
                let message = missing_earnings(&field, &ticker);
                return Ok(Some((field, message)));
            }
        }
    }
    let has: Vec<&str> =
        dataset.manifest.series.as_ref().map(|s| s.names.iter().map(String::as_str).collect()).unwrap_or_default();
    if let Some((name, field)) = series_needed(scenario).into_iter().find(|(n, _)| !has.contains(&n.as_str())) {
        let message = missing_series(&field, &name, has.iter().copied());
        return Ok(Some((field, message)));
    }
    for (source, field) in dates_needed(scenario) {
        if let DatesSource::Set(name) = source {
            let prefix = format!("{name}.");
            if !has.iter().any(|h| *h == name || h.starts_with(&prefix)) {
                let message = missing_set(&field, name);
                return Ok(Some((field, message)));
            }
        }
    }
    Ok(None)
}

fn missing_set(field: &str, name: &str) -> String {
    format!(
        "{field}: the dataset has no date set {name} (series {name} or {name}.<ticker> in series.arrow); import it with \
         `aegis-data import-dates`, or read the dates from a file beside the scenario (`dates: {{ file: … }}`)"
    )
}

/// Reads every dates file `scenario` names from `dir`, as a run would (`aegis-bt validate`).
pub fn check_dates_files(
    scenario: &Scenario,
    dir: Option<&Path>,
    text: &str,
    source: &str,
) -> Result<(), ScenarioError> {
    let mut none = LoadedData {
        tickers: Vec::new(),
        warmup: 0,
        series: Series::default(),
        dates: BTreeMap::new(),
        verification: Verification { mode: crate::data::VerifyMode::Never, partitions: Vec::new() },
        stamps: StampStore::disabled(),
        open_verify_seconds: 0.0,
        index_seconds: 0.0,
    };
    none.attach_dates_files(std::iter::once(scenario), dir, text, source)
}

/// A `dates` file beside the scenario, read and parsed; errors name the signal's field (with the
/// scenario's line) when the file cannot be read, and the file's own line when it is malformed.
fn read_dates_file(
    dir: Option<&Path>,
    file: &str,
    field: &str,
    text: &str,
    source: &str,
) -> Result<DateList, ScenarioError> {
    let unreadable = |message: String| ScenarioError::at(text, source, field, message);
    let Some(dir) = dir else {
        return Err(unreadable(format!(
            "dates: file {file}: the scenario was given as text, so there is no directory to read it from; \
             give the scenario as a file, or import the dates into the dataset (`aegis-data import-dates`)"
        )));
    };
    let path = dir.join(file);
    let size = std::fs::metadata(&path).map_err(|e| unreadable(format!("dates: file {}: {e}", path.display())))?.len();
    if size > crate::data::dates::MAX_FILE_BYTES as u64 {
        return Err(unreadable(format!(
            "dates: file {}: {size} bytes; a dates file holds at most {}",
            path.display(),
            crate::data::dates::MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(&path).map_err(|e| unreadable(format!("dates: file {}: {e}", path.display())))?;
    DateList::parse_csv(&bytes, &path.display().to_string())
}

fn missing_earnings(field: &str, ticker: &str) -> String {
    format!(
        "{field}: the dataset has no earnings dates for {ticker} (events.arrow); add them with \
         `aegis-data import-events`, or remove the rule"
    )
}

fn missing_series<'a>(field: &str, name: &str, has: impl Iterator<Item = &'a str>) -> String {
    let has: Vec<&str> = has.collect();
    let has = if has.is_empty() { "no series.arrow".to_string() } else { format!("only {}", has.join(", ")) };
    let what = if field == "benchmark" {
        "name a ticker of data.tickers or a series the dataset has"
    } else {
        "or remove the signal"
    };
    format!("{field}: the dataset has no series {name} ({has}); add it with `aegis-data import-series`, {what}")
}

/// Runs `scenario` on `dataset`, loading (and checking) its data as `opts.verify` says.
pub fn run(scenario: &Scenario, dataset: &Dataset, opts: &RunOptions<'_>) -> Result<Outcome, EngineError> {
    let loaded = LoadedData::load(std::iter::once(scenario), dataset, &opts.verify)?;
    run_loaded(scenario, &loaded, opts)
}

/// One strategy of the scenario, ready to act: its rules, its models (the margin model is the
/// strategy's; the others the scenario's) and the tickers it trades.
struct Sleeve<'s> {
    member: Member<'s>,
    structure: Structure,
    /// Every leg a held leg's index can name: the strategy's, then its cover.
    specs: Vec<LegSpec>,
    models: Models,
    policy: SharesPolicy,
    /// Per loaded ticker: whether the strategy trades it.
    trades: Vec<bool>,
}

/// What a strategy counted over the run.
struct Tally {
    diag: Diagnostics,
    /// Per leg: entry days that missed it, by [`Miss`] kind.
    misses: Vec<[u64; 3]>,
}

impl<'s> Sleeve<'s> {
    fn new(scenario: &'s Scenario, member: Member<'s>, data: &[TickerData]) -> Sleeve<'s> {
        let structure = member.strategy.structure();
        let specs = structure.legs.iter().chain(structure.cover.iter()).cloned().collect();
        Sleeve {
            models: Models::of(scenario, member.strategy),
            policy: scenario.shares_policy(member.strategy),
            trades: data.iter().map(|td| member.trades(&td.name)).collect(),
            member,
            structure,
            specs,
        }
    }
}

/// Runs `scenario` on data loaded for it (or for scenarios sharing its `data`): the same bytes
/// out as [`run`], whatever else the data was loaded for.
pub fn run_loaded(scenario: &Scenario, loaded: &LoadedData, opts: &RunOptions<'_>) -> Result<Outcome, EngineError> {
    let mut run = Stepper::new(scenario, loaded)?;
    let rights = || run.sleeves.iter().flat_map(|s| &s.specs).map(|leg| leg.right);
    let (calls, puts) = (rights().any(|r| r == Right::Call), rights().any(|r| r == Right::Put));
    // Only the run's end needs the invalid-quote counts: both cores make them (see quote_count).
    let count = SharedCount::new(loaded, calls, puts);
    std::thread::scope(|scope| {
        let helper = count.as_ref().map(|c| scope.spawn(|| c.count_backward()));
        let stepped = step_all(&mut run, opts);
        let front = match (&count, &stepped) {
            (Some(c), Ok(())) => c.count_forward(),
            (Some(c), Err(_)) => {
                c.abandon();
                Vec::new()
            }
            (None, _) => Vec::new(),
        };
        let back = helper.map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        if let (Some(c), Ok(())) = (&count, &stepped) {
            c.finish(front.into_iter().chain(back.into_iter().flatten()));
            loaded.keep_quote_counts();
        }
        stepped
    })?;
    run.finish()
}

fn step_all(run: &mut Stepper<'_>, opts: &RunOptions<'_>) -> Result<(), EngineError> {
    let total = run.days() as u64;
    let step = (total / 100).max(1);
    while let Some(date) = run.next_date() {
        if opts.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(EngineError::Cancelled);
        }
        run.step();
        let done = run.days_done() as u64;
        if let Some(progress) = opts.progress
            && (done.is_multiple_of(step) || done == total)
        {
            progress(Progress { days_done: done, days_total: total, date });
        }
    }
    Ok(())
}

/// What runs stepped side by side on the same data (a sweep's points) work out once a day for
/// all of them: the legs chosen for entry and the listings of the contracts they hold. Each is a
/// function of the day's chain alone, so sharing them changes no byte of any run.
#[derive(Debug, Default)]
pub struct Shared {
    selections: select::Selections,
    listings: listings::Listings,
}

/// How much of what it did a run keeps for its [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every table and the whole summary: a run, or a sweep point whose files are written.
    Everything,
    /// What a sweep point's row and returns read (its summary and metrics, daily returns and the
    /// days its positions opened): the account's days as the few columns the metrics read instead
    /// of its rows, no fills or position records, no strategy or market rows, no comparison with
    /// the benchmark (`Outcome::equity`, `trades`, `positions`, `strategies` and `market` are
    /// empty, `summary.strategies` too, `summary.benchmark` is `None`). Writing those every day
    /// took a good part of a sweep's time (memory written, not instructions).
    Row,
}

/// One backtest a trading day at a time: [`run_loaded`] steps it through every day in one go; a
/// sweep steps several points' side by side, so each day's chain is read from memory once for all
/// of them rather than once per point.
pub struct Stepper<'a> {
    scenario: &'a Scenario,
    loaded: &'a LoadedData,
    sleeves: Vec<Sleeve<'a>>,
    tallies: Vec<Tally>,
    styles: Vec<Style>,
    start: i32,
    dates: Vec<i32>,
    /// Each ticker's last day of the run (its data may reach past `end`).
    last_of: Vec<i32>,
    /// A ticker without a row on some day is valued at its last known underlying price.
    underlyings: Vec<f64>,
    book: Portfolio,
    states: Vec<TickerState>,
    /// The data's counters (quotes, marks, dividends); each strategy keeps its own beside them.
    diag: Diagnostics,
    equity: Vec<EquityRow>,
    /// The account's days of a run keeping only its row (empty otherwise).
    series: DailySeries,
    /// The account's last row (the next one's return and P&L start from it).
    last: Option<EquityRow>,
    accounts: Accounts,
    market: Market<'a>,
    rows_scanned: u64,
    peak: f64,
    iv_days: usize,
    close_days: usize,
    earnings_rules: bool,
    /// The index into `dates` of the next day to run.
    next: usize,
    /// What the day works out (selections, listings), for a run stepped on its own.
    shared: Shared,
    keep: Keep,
}

impl std::fmt::Debug for Stepper<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stepper")
            .field("scenario", &self.scenario.name)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl<'a> Stepper<'a> {
    /// Everything before the first day: the strategies, the days, the warm-up's history.
    pub fn new(scenario: &'a Scenario, loaded: &'a LoadedData) -> Result<Stepper<'a>, EngineError> {
        Stepper::keeping(scenario, loaded, Keep::Everything)
    }

    /// [`Stepper::new`], keeping `keep` of the days.
    pub fn keeping(scenario: &'a Scenario, loaded: &'a LoadedData, keep: Keep) -> Result<Stepper<'a>, EngineError> {
        let data = &loaded.tickers;
        debug_assert!(warmup_days(scenario) <= loaded.warmup, "data loaded with too short a warm-up");
        // Days before this scenario's own warm-up were loaded for another scenario: skip them, so
        // the IV history is exactly what a run of this scenario alone would see.
        let first_day = scenario.data.start.0 - warmup_days(scenario);
        let sleeves: Vec<Sleeve<'a>> = scenario.members().into_iter().map(|m| Sleeve::new(scenario, m, data)).collect();
        // A dates file is read by the entry point (`attach_dates_files`): never run without it.
        if let Some((source, field)) =
            dates_needed(scenario).into_iter().find(|(s, _)| !loaded.dates.contains_key(&dates_key(s)))
        {
            return Err(EngineError::Missing(format!("{field}: the dates of {source:?} were not read before the run")));
        }
        let tallies: Vec<Tally> = sleeves
            .iter()
            .map(|s| Tally { diag: Diagnostics::default(), misses: vec![[0u64; 3]; s.structure.legs.len()] })
            .collect();
        let styles: Vec<Style> = data.iter().map(|td| scenario.settlement.style_of(&td.name)).collect();
        let (start, end) = (scenario.data.start.0, scenario.data.end.0);
        // The data may reach past `end` (a walk-forward reruns a point over a window of a sweep's days).
        let mut dates = loaded.trading_days(start);
        dates.retain(|&d| d <= end);
        if dates.is_empty() {
            return Err(EngineError::Span(format!("data: no trading days between {} and {}", iso(start), iso(end))));
        }
        // Each ticker closes what it holds on its own last trading day of the run.
        let last_of: Vec<i32> =
            data.iter().map(|t| t.days.iter().rev().map(|d| d.0).find(|&d| d <= end).unwrap_or(i32::MIN)).collect();
        let mut states: Vec<TickerState> = data
            .iter()
            .map(|td| TickerState { cursor: td.days.partition_point(|d| d.0 < first_day), ..TickerState::default() })
            .collect();
        // Room for the rows kept (none of the strategies' and market's for a row).
        let rows = if keep == Keep::Everything { dates.len() } else { 0 };
        let accounts = Accounts::new(scenario, &sleeves, rows);
        let book = match keep {
            Keep::Everything => Portfolio::for_days(scenario.capital.0, dates.len()),
            Keep::Row => Portfolio::for_days_without_tables(scenario.capital.0, dates.len()),
        };
        let benchmark = Benchmark::of(scenario);
        let market = Market::new(data, &benchmark, &loaded.series, rows);
        // Warm-up days (before `start`) only feed the filters' history.
        let (iv_days, close_days) = lookbacks(scenario);
        if iv_days + close_days > 0 {
            for (t, td) in data.iter().enumerate() {
                while states[t].cursor < td.days.len() && td.days[states[t].cursor].0 < start {
                    let chain = td.chain(states[t].cursor);
                    remember(&mut states[t], &chain, iv_days, close_days);
                    states[t].cursor += 1;
                }
            }
        }
        for st in &mut states {
            st.first = st.cursor;
        }
        let earnings_rules = sleeves.iter().any(|s| s.member.strategy.earnings.is_some());
        Ok(Stepper {
            scenario,
            loaded,
            tallies,
            styles,
            start,
            underlyings: vec![f64::NAN; data.len()],
            book,
            states,
            diag: Diagnostics::default(),
            equity: Vec::with_capacity(rows),
            series: DailySeries::with_capacity(if keep == Keep::Row { dates.len() } else { 0 }),
            last: None,
            accounts,
            market,
            rows_scanned: 0,
            peak: f64::NEG_INFINITY,
            iv_days,
            close_days,
            earnings_rules,
            next: 0,
            shared: Shared::default(),
            keep,
            sleeves,
            dates,
            last_of,
        })
    }

    /// Trading days of the run.
    pub fn days(&self) -> usize {
        self.dates.len()
    }

    pub fn days_done(&self) -> usize {
        self.next
    }

    /// The day [`Stepper::step`] runs next; `None` after the last.
    pub fn next_date(&self) -> Option<i32> {
        self.dates.get(self.next).copied()
    }

    /// Runs the next trading day (nothing after the last).
    pub fn step(&mut self) {
        let mut shared = std::mem::take(&mut self.shared);
        self.step_sharing(&mut shared);
        self.shared = shared;
    }

    /// [`Stepper::step`], with the day's leg selections and listings shared with other runs on the
    /// same data (a sweep's points stepped side by side): the same bytes out either way.
    pub fn step_sharing(&mut self, shared: &mut Shared) {
        let Some(date) = self.next_date() else { return };
        self.next += 1;
        let (scenario, loaded) = (self.scenario, self.loaded);
        let data = &loaded.tickers;
        let start = self.start;
        let mut attribution = Attribution::default();
        for (t, td) in data.iter().enumerate() {
            let st = &mut self.states[t];
            if st.cursor >= td.days.len() || td.days[st.cursor].0 != date {
                continue;
            }
            let chain = td.chain(st.cursor);
            let last_day = date == self.last_of[t];
            st.cursor += 1;
            st.day_counter += 1;
            self.rows_scanned += chain.len() as u64;
            // A day without a usable underlying price is skipped for this ticker, except its last
            // day, when what it holds still closes (at the last usable price, or the last marks).
            let underlying = chain.usable_underlying();
            if underlying.is_none() {
                self.diag.underlying_unusable_days += 1;
                if !last_day {
                    continue;
                }
            }
            let book = &mut self.book;
            // Splits effective today, before anything is valued in the new shares.
            while st.split < td.splits.len() && td.splits[st.split].0 <= date {
                let (ex, ratio) = td.splits[st.split];
                st.split += 1;
                if ex >= start && book.positions.iter().any(|p| p.ticker == t) {
                    let held = book.positions.iter().filter(|p| p.ticker == t).count() as u64;
                    if split::carried(ratio) && split::apply(book, t, ratio, &mut self.underlyings[t]) {
                        self.diag.splits_adjusted += held;
                    } else {
                        // Not closed the day before (the data starts on the ex-date, or the
                        // contracts would overflow): closed now at their last marks.
                        split::close_at_marks(book, t, &td.name, date, &self.sleeves);
                    }
                }
            }
            st.split_next = td.days.get(st.cursor).is_some_and(|&(next, _, _)| {
                td.splits[st.split..].iter().take_while(|s| s.0 <= next).any(|s| !split::carried(s.1))
            });
            let previous_s = self.underlyings[t];
            self.underlyings[t] = underlying.unwrap_or(self.underlyings[t]);
            remember(st, &chain, self.iv_days, self.close_days);
            if self.earnings_rules {
                st.earnings = crate::scenario::earnings::Today::at(&td.reactions, st.cursor - 1);
            }
            let settle_at = Some(self.underlyings[t]).filter(|s| s.is_finite());
            // Ex-dates up to today not yet paid (one that fell on a day without data is paid on
            // the next day the ticker has), to the shares held at the previous close.
            while st.dividend < td.dividends.len() && td.dividends[st.dividend].0 <= date {
                let (ex, amount) = td.dividends[st.dividend];
                st.dividend += 1;
                if ex >= start {
                    pay_dividend(book, t, amount, &mut self.diag);
                }
            }
            let moved = Move { date, from: previous_s, to: underlying };
            mark(book, t, &chain, moved, &mut attribution, &mut self.diag, &mut shared.listings);
            for (k, sleeve) in self.sleeves.iter().enumerate() {
                if !sleeve.trades[t] {
                    continue;
                }
                let ctx = FillContext {
                    ticker: &td.name,
                    date,
                    underlying: settle_at.unwrap_or(f64::NAN),
                    models: &sleeve.models,
                    strategy: k,
                };
                let day = TickerDay { t, chain: &chain, physical: self.styles[t] == Style::Physical, last_day };
                trade_ticker(
                    scenario,
                    sleeve,
                    &mut self.tallies[k],
                    book,
                    &day,
                    &ctx,
                    st,
                    loaded,
                    &mut shared.selections,
                );
            }
        }
        let row = equity_row(
            &self.book,
            date,
            &self.underlyings,
            self.last.as_ref(),
            &mut self.peak,
            scenario.capital.0,
            attribution,
        );
        if self.keep == Keep::Everything {
            self.accounts.record(&self.book, &row);
            self.market.record(date, &self.underlyings);
            self.equity.push(row);
        } else {
            self.series.push(&row);
        }
        self.last = Some(row);
    }

    /// After the last day: the summary and the tables (as much as it [`Keep`]s), or why the
    /// strategy could never trade.
    pub fn finish(mut self) -> Result<Outcome, EngineError> {
        let scenario = self.scenario;
        // The invalid quotes of the days this run visited (counted by now: see `run_loaded`).
        self.diag.quotes_invalid = self
            .loaded
            .tickers
            .iter()
            .zip(&self.states)
            .map(|(td, st)| td.invalid()[st.first..st.cursor].iter().sum::<u64>())
            .sum();
        let total = self.dates.len() as u64;
        // A strategy that opened nothing and missed a leg on some entry day could never be filled:
        // say which leg and why rather than report an empty run.
        for (sleeve, tally) in self.sleeves.iter().zip(&self.tallies) {
            if tally.diag.positions_opened == 0
                && let Some((leg, kind)) = worst_miss(&tally.misses)
            {
                let message = unfillable_message(
                    &sleeve.member,
                    &sleeve.structure.legs,
                    leg,
                    kind,
                    tally.misses[leg][kind],
                    total,
                );
                return Err(EngineError::Unfillable(message));
            }
        }
        let series = match self.keep {
            Keep::Everything => DailySeries::of(&self.equity),
            Keep::Row => std::mem::take(&mut self.series),
        };
        let mut summary = summarize(scenario, &self.book, &series, self.diag, &self.tallies);
        if self.keep == Keep::Everything {
            summary.strategies = self.accounts.summaries(&self.sleeves, &self.book, &self.tallies, &summary.metrics);
            summary.benchmark = self.market.benchmark(scenario.capital.0, &series.returns, summary.metrics.cagr);
        }
        Ok(Outcome {
            summary,
            equity: self.equity,
            returns: series.returns,
            entries: self.book.entries(),
            trades: self.book.fills,
            positions: self.book.records,
            strategy_names: self.sleeves.iter().map(|s| s.member.name.to_string()).collect(),
            ticker_names: self.loaded.tickers.iter().map(|t| t.name.clone()).collect(),
            strategies: self.accounts.rows,
            market: self.market.rows,
            market_names: self.market.names,
            rows_scanned: self.rows_scanned,
            partitions: self.loaded.tickers.iter().map(|t| t.parts.len()).sum(),
        })
    }
}

struct TickerDay<'a, 'c> {
    t: usize,
    chain: &'a DayChain<'c>,
    physical: bool,
    /// The ticker's last trading day of the run: everything it holds closes.
    last_day: bool,
}

/// Phases 3 to 7 of one strategy on one ticker's day (settle, exits, covers, rolls, hedge,
/// entries), touching only the strategy's own positions.
#[allow(clippy::too_many_arguments)]
fn trade_ticker(
    scenario: &Scenario,
    sleeve: &Sleeve<'_>,
    tally: &mut Tally,
    book: &mut Portfolio,
    day: &TickerDay<'_, '_>,
    ctx: &FillContext<'_>,
    st: &TickerState,
    loaded: &LoadedData,
    selections: &mut select::Selections,
) {
    let TickerDay { t, chain, physical, last_day } = *day;
    let td = &loaded.tickers[t];
    let strategy = sleeve.member.strategy;
    let diag = &mut tally.diag;
    let settle_at = Some(ctx.underlying).filter(|s| s.is_finite());
    if physical && let Some(s) = settle_at {
        let day = settle::SettleDay {
            ticker: t,
            underlying: s,
            // An ex-date on the ticker's next trading day (ex-dates between trading days count
            // for the next one).
            next_dividend: td.days.get(st.cursor).and_then(|&(next, _, _)| {
                td.dividends[st.dividend..].iter().take_while(|d| d.0 <= next).map(|d| d.1).reduce(|a, b| a + b)
            }),
            rules: &scenario.settlement,
            policy: sleeve.policy,
        };
        settle::settle(book, ctx, &day, diag);
    }
    exits(strategy, book, t, chain, settle_at, ctx, st, last_day, diag);
    if last_day {
        return;
    }
    let legs = sleeve.structure.legs.len();
    if sleeve.policy == SharesPolicy::Keep
        && let Some(cover) = &sleeve.structure.cover
    {
        write_covers(cover, legs, book, t, chain, ctx, diag);
    }
    if let Some(rule) = &strategy.roll {
        roll::roll_positions(rule, &sleeve.specs, legs, book, t, chain, ctx, diag);
    }
    if let Some(rules) = &strategy.hedge
        && rules.scope == HedgeScope::Ticker
    {
        hedge::hedge_ticker(book, ctx, t, rules, st.day_counter, false);
    } else if let Some(rules) = &strategy.hedge {
        for i in 0..book.positions.len() {
            let p = &book.positions[i];
            if p.ticker == t && p.strategy == ctx.strategy {
                let days = st.day_counter - p.opened_day;
                hedge::hedge_position(book, ctx, i, rules, days, false);
            }
        }
    }
    enter(sleeve, book, day, ctx, st, loaded, tally, selections);
}

/// Each strategy's own account inside the shared one: its P&L (closed positions, then what its
/// open ones would realize at their marks) on top of its share of the capital, day by day.
struct Accounts {
    capital: Vec<f64>,
    /// One strategy holding the whole account: its curve is the account's, bit for bit.
    whole: bool,
    realized: Vec<f64>,
    /// How many of `book.records` are in `realized`.
    records_seen: usize,
    peaks: Vec<f64>,
    rows: Vec<StrategyRow>,
    /// Per strategy, today: what its open positions would realize, and how many it holds
    /// (kept between days so recording a day allocates nothing).
    open_pnl: Vec<f64>,
    open: Vec<i32>,
}

impl Accounts {
    fn new(scenario: &Scenario, sleeves: &[Sleeve<'_>], days: usize) -> Accounts {
        let capital: Vec<f64> = sleeves.iter().map(|s| s.member.weight * scenario.capital.0).collect();
        Accounts {
            whole: sleeves.len() == 1 && sleeves[0].member.weight == 1.0,
            realized: vec![0.0; sleeves.len()],
            records_seen: 0,
            peaks: capital.clone(),
            rows: Vec::with_capacity(days * sleeves.len()),
            open_pnl: Vec::with_capacity(sleeves.len()),
            open: Vec::with_capacity(sleeves.len()),
            capital,
        }
    }

    fn record(&mut self, book: &Portfolio, account: &EquityRow) {
        if self.whole {
            // The account's row, as the strategy's: its equity, return, drawdown (a running peak
            // from the same capital) and open positions (every position is the strategy's).
            self.rows.push(StrategyRow {
                date: account.date,
                strategy: 0,
                equity: account.equity,
                pnl: account.equity - self.capital[0],
                daily_return: account.daily_return,
                drawdown: account.drawdown,
                open_positions: account.open_positions,
            });
            return;
        }
        for r in &book.records[self.records_seen..] {
            self.realized[r.strategy] += r.pnl;
        }
        self.records_seen = book.records.len();
        let n = self.capital.len();
        let (open_pnl, open) = (&mut self.open_pnl, &mut self.open);
        open_pnl.clear();
        open_pnl.resize(n, 0.0);
        open.clear();
        open.resize(n, 0);
        for p in &book.positions {
            open_pnl[p.strategy] += p.net_pnl();
            if !p.hedge_book {
                open[p.strategy] += 1;
            }
        }
        // Where the previous day's rows start (they stay put while today's are pushed).
        let previous = self.rows.len().checked_sub(n);
        for s in 0..n {
            let pnl = self.realized[s] + self.open_pnl[s];
            let equity = self.capital[s] + pnl;
            let before = previous.map_or(self.capital[s], |first| self.rows[first + s].equity);
            self.peaks[s] = self.peaks[s].max(equity);
            self.rows.push(StrategyRow {
                date: account.date,
                strategy: s,
                equity,
                pnl,
                daily_return: if previous.is_some() && before != 0.0 { equity / before - 1.0 } else { 0.0 },
                drawdown: if self.peaks[s] > 0.0 { equity / self.peaks[s] - 1.0 } else { 0.0 },
                open_positions: self.open[s],
            });
        }
    }

    /// Every strategy's summary. A strategy holding the whole account has the account's curve,
    /// positions and trades, bit for bit, so its metrics are `account`'s and are not worked out again.
    fn summaries(
        &self,
        sleeves: &[Sleeve<'_>],
        book: &Portfolio,
        tallies: &[Tally],
        account: &analytics::Metrics,
    ) -> Vec<StrategySummary> {
        let n = sleeves.len();
        sleeves
            .iter()
            .enumerate()
            .map(|(s, sleeve)| {
                let rows: Vec<&StrategyRow> = self.rows.iter().skip(s).step_by(n).collect();
                let trades: Vec<analytics::ClosedTrade> =
                    book.closed.iter().zip(&book.closed_strategy).filter(|(_, k)| **k == s).map(|(t, _)| *t).collect();
                let metrics = if self.whole { account.clone() } else { metrics_of(self.capital[s], &rows, &trades) };
                let mut diagnostics = tallies[s].diag;
                diagnostics.positions_closed = trades.len() as u64;
                let final_equity = rows.last().map_or(self.capital[s], |r| r.equity);
                StrategySummary {
                    name: sleeve.member.name.to_string(),
                    weight: sleeve.member.weight,
                    tickers: sleeve.member.tickers.iter().map(|t| t.0.clone()).collect(),
                    capital: self.capital[s],
                    final_equity,
                    pnl: rows.last().map_or(0.0, |r| r.pnl),
                    metrics,
                    diagnostics,
                }
            })
            .collect()
    }
}

/// A strategy's metrics from its own rows (one a day) and closed trades.
fn metrics_of(capital: f64, rows: &[&StrategyRow], trades: &[analytics::ClosedTrade]) -> analytics::Metrics {
    let eq: Vec<f64> = rows.iter().map(|r| r.equity).collect();
    let returns: Vec<f64> = rows.iter().map(|r| r.daily_return).collect();
    let drawdown: Vec<f64> = rows.iter().map(|r| r.drawdown).collect();
    let in_market: Vec<bool> = rows.iter().map(|r| r.open_positions > 0).collect();
    analytics::compute(&MetricInput {
        capital,
        equity: &eq,
        returns: &returns,
        drawdown: &drawdown,
        in_market: &in_market,
        trades,
    })
}

/// `market.arrow`: every ticker's close, and the benchmark series if it is one, each day.
struct Market<'a> {
    names: Vec<(String, &'static str)>,
    series: Option<&'a [(i32, f64)]>,
    benchmark: usize,
    rows: Vec<MarketRow>,
}

impl<'a> Market<'a> {
    fn new(data: &[TickerData], benchmark: &Benchmark, series: &'a Series, days: usize) -> Market<'a> {
        let mut names: Vec<(String, &'static str)> = data.iter().map(|td| (td.name.clone(), "ticker")).collect();
        let points = benchmark.series().and_then(|name| series.get(name));
        let index = match benchmark {
            Benchmark::Ticker(i) => *i,
            Benchmark::Series(name) => {
                names.push((name.clone(), "series"));
                names.len() - 1
            }
        };
        let rows = Vec::with_capacity(days * names.len());
        Market { names, series: points, benchmark: index, rows }
    }

    fn record(&mut self, date: i32, underlyings: &[f64]) {
        for (t, s) in underlyings.iter().enumerate() {
            self.rows.push(MarketRow { date, name: t, close: Some(*s).filter(|s| s.is_finite()) });
        }
        if let Some(points) = self.series {
            let close = signals::series_value(points, date, None);
            self.rows.push(MarketRow { date, name: underlyings.len(), close });
        }
    }

    /// The benchmark against the run, whose CAGR is `run_cagr`.
    fn benchmark(&self, capital: f64, returns: &[f64], run_cagr: Option<f64>) -> Option<BenchmarkSummary> {
        let closes: Vec<Option<f64>> = self.rows.iter().filter(|r| r.name == self.benchmark).map(|r| r.close).collect();
        let c = analytics::benchmark::compare(capital, returns, &closes)?;
        let (name, kind) = self.names.get(self.benchmark)?;
        Some(BenchmarkSummary {
            name: name.clone(),
            kind: kind.to_string(),
            total_return: c.total_return,
            cagr: c.cagr,
            beta: c.beta,
            correlation: c.correlation,
            excess_return: run_cagr.zip(c.cagr).map(|(a, b)| a - b),
        })
    }
}

/// Adds a day to the ticker's history, as much of it as the filters read.
fn remember(st: &mut TickerState, chain: &DayChain<'_>, iv_days: usize, close_days: usize) {
    if iv_days > 0
        && let Some(iv) = ivrank::atm_iv(chain)
    {
        st.iv.push(iv, iv_days);
    }
    if close_days > 0
        && let Some(s) = chain.usable_underlying()
    {
        st.closes.push(s, close_days);
    }
}

fn worst_miss(misses: &[[u64; 3]]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize, u64)> = None;
    for (leg, counts) in misses.iter().enumerate() {
        for (kind, &n) in counts.iter().enumerate() {
            if n > 0 && best.is_none_or(|(_, _, b)| n > b) {
                best = Some((leg, kind, n));
            }
        }
    }
    best.map(|(l, k, _)| (l, k))
}

fn unfillable_message(member: &Member<'_>, legs: &[LegSpec], leg: usize, kind: usize, count: u64, days: u64) -> String {
    let spec = &legs[leg];
    let what = if kind == 2 {
        "contracts inside its windows, but none that passed its liquidity filter".to_string()
    } else if kind == 0 {
        match &spec.dte {
            Some(w) => format!(
                "no expiration with DTE in [{}, {}] near {}",
                w.min.unwrap_or(0),
                w.max.map_or("∞".to_string(), |m| m.to_string()),
                w.target
            ),
            None => "no expiration".to_string(),
        }
    } else if let Some(w) = &spec.delta {
        format!(
            "no {} with |delta| in [{}, {}] and a usable quote",
            if spec.right == Right::Call { "call" } else { "put" },
            w.min.map_or(0.0, |m| m.0),
            w.max.map_or(1.0, |m| m.0)
        )
    } else if spec.otm_pct.is_some() {
        "no strike inside its otm_pct window with a usable quote".to_string()
    } else {
        "no strike at its offset with a usable quote".to_string()
    };
    format!(
        "{}.legs[{leg}] could never be filled: {what} on {count} entry day(s) of {days}; no position was opened. \
         Check the leg's windows against the data (`aegis-bt dataset info`)",
        member.path()
    )
}

fn summarize(
    scenario: &Scenario,
    book: &Portfolio,
    series: &DailySeries,
    mut diag: Diagnostics,
    tallies: &[Tally],
) -> Summary {
    for tally in tallies {
        diag.absorb(&tally.diag);
    }
    diag.positions_closed = book.closed.len() as u64;
    let metrics = analytics::compute(&MetricInput {
        capital: scenario.capital.0,
        equity: &series.equity,
        returns: &series.returns,
        drawdown: &series.drawdown,
        in_market: &series.in_market,
        trades: &book.closed,
    });
    Summary {
        scenario: scenario.name.clone(),
        start: series.dates.first().map(|&d| iso(d)).unwrap_or_default(),
        end: series.dates.last().map(|&d| iso(d)).unwrap_or_default(),
        trading_days: series.dates.len() as u64,
        capital: scenario.capital.0,
        final_equity: series.equity.last().copied().unwrap_or(scenario.capital.0),
        metrics,
        diagnostics: diag,
        hedge: book.hedge,
        strategies: Vec::new(),
        benchmark: None,
    }
}
