//! The backtest: one pass over the trading days, the same code in the binary and the addon.
//!
//! Each day, for each ticker with data that day (tickers in scenario order):
//! 1. mark every held leg at its mid (a leg without a quote keeps its last mark, counted);
//! 2. exits, first trigger wins: expiry → stop_loss → profit_target → dte_exit → max_hold_days
//!    (an exit that needs a quote the day lacks waits for the next day, counted);
//! 3. an entry, when the schedule, `max_open`, the IV-rank filter, the legs, `min_credit` and the
//!    sizing all allow it;
//!
//! then the day's equity row. On the last day every open position closes (`end_of_data`).
//! Time comes only from the data; nothing iterates a hash map.

pub mod hedge;
pub mod ivrank;
pub mod portfolio;
pub mod risk;
pub mod roll;
pub mod select;
pub mod settle;
pub mod stock;
#[cfg(test)]
mod stock_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::analytics::{self, MetricInput};
use crate::data::events::{EventKind, Events};
use crate::data::integrity::PartitionCheck;
use crate::data::{Dataset, DayChain, Partition, Right, Selection, Verification, VerifyPolicy};
use crate::dates::{date_from_days, iso};
use crate::error::DataError;
use crate::results::{Attribution, Diagnostics, EquityRow, Fill, PositionRecord, Reason, Summary};
use crate::scenario::settlement::{SharesPolicy, Style};
use crate::scenario::{LegSpec, MAX_UNITS, Scenario, SizingBasis, Structure, Weekday};
use ivrank::IvHistory;
use portfolio::{FillContext, Greeks, Portfolio, fill_price, greeks_of};
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
    #[error("the backtest was cancelled")]
    Cancelled,
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Data(e) => e.code(),
            EngineError::Span(_) => "ERR_DATA_RANGE",
            EngineError::Unfillable(_) => "ERR_UNFILLABLE",
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
    pub equity: Vec<EquityRow>,
    pub trades: Vec<Fill>,
    /// Every position, in the order they ended.
    pub positions: Vec<PositionRecord>,
    /// Rows of the day chains the run visited.
    pub rows_scanned: u64,
    pub partitions: usize,
}

/// One ticker's data: its partitions and the flattened day index.
struct TickerData {
    name: String,
    parts: Vec<Partition>,
    /// (trade date, partition, day span index), in date order.
    days: Vec<(i32, usize, usize)>,
    /// Per entry of `days`: contract sides whose quote breaks the data contract.
    invalid: Vec<u64>,
    /// (ex-date, dividend per share) from the dataset's events, in date order.
    dividends: Vec<(i32, f64)>,
}

impl TickerData {
    fn chain(&self, at: usize) -> DayChain<'_> {
        let (_, p, d) = self.days[at];
        let part = &self.parts[p];
        let span = part.days[d];
        part.day(span.trade_date).unwrap_or_else(|| unreachable!("day index built from the partition"))
    }
}

/// Per-ticker running state.
#[derive(Debug, Clone, Default)]
struct TickerState {
    /// Next index into `TickerData::days`.
    cursor: usize,
    /// Next index into `TickerData::dividends`.
    dividend: usize,
    /// Trading days of this ticker seen inside [start, end].
    day_counter: u64,
    iv: IvHistory,
}

/// Calendar days of IV history to load before `start` for the IV-rank lookback.
fn warmup_days(scenario: &Scenario) -> i32 {
    scenario.strategy.entry.iv_rank.as_ref().map_or(0, |r| (r.lookback.0 as i32) * 7 / 5 + 14)
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
    /// How every partition loaded was checked against the manifest.
    pub verification: Verification,
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
        for s in scenarios {
            warmup = warmup.max(warmup_days(s));
            first.get_or_insert(s);
        }
        let Some(scenario) = first else {
            return Err(EngineError::Span("no scenario to load data for".into()));
        };
        let (mut tickers, mut partitions) = load(scenario, dataset, warmup, policy)?;
        let (events, check) = Events::load(&dataset.dir, &dataset.manifest, policy)?;
        partitions.extend(check);
        for t in &mut tickers {
            t.dividends = events
                .of(&t.name)
                .iter()
                .filter(|e| e.kind == EventKind::ExDividend)
                .filter_map(|e| e.amount.map(|a| (e.date, a)))
                .collect();
        }
        Ok(LoadedData { tickers, warmup, verification: Verification { mode: policy.mode, partitions } })
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
) -> Result<(Vec<TickerData>, Vec<PartitionCheck>), EngineError> {
    let data = &scenario.data;
    let (start, end) = (data.start.0, data.end.0);
    let mut out = Vec::new();
    let mut checks = Vec::new();
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
        for (_, part, check) in dataset.open_partitions(&sel, policy)? {
            parts.push(part);
            checks.push(check);
        }
        let mut days = Vec::new();
        for (pi, p) in parts.iter().enumerate() {
            for (di, span) in p.days.iter().enumerate() {
                if span.trade_date <= end && span.trade_date >= start - warmup {
                    days.push((span.trade_date, pi, di));
                }
            }
        }
        // Counted once here, for every scenario that runs on this data (a sweep's points).
        let invalid = days
            .par_iter()
            .map(|&(date, pi, _)| parts[pi].day(date).map_or(0, |chain| chain.invalid_quotes()))
            .collect();
        out.push(TickerData { name, parts, days, invalid, dividends: Vec::new() });
    }
    Ok((out, checks))
}

/// Runs `scenario` on `dataset`, loading (and checking) its data as `opts.verify` says.
pub fn run(scenario: &Scenario, dataset: &Dataset, opts: &RunOptions<'_>) -> Result<Outcome, EngineError> {
    let loaded = LoadedData::load(std::iter::once(scenario), dataset, &opts.verify)?;
    run_loaded(scenario, &loaded, opts)
}

/// Runs `scenario` on data loaded for it (or for scenarios sharing its `data`): the same bytes
/// out as [`run`], whatever else the data was loaded for.
pub fn run_loaded(scenario: &Scenario, loaded: &LoadedData, opts: &RunOptions<'_>) -> Result<Outcome, EngineError> {
    let data = &loaded.tickers;
    debug_assert!(warmup_days(scenario) <= loaded.warmup, "data loaded with too short a warm-up");
    // Days before this scenario's own warm-up were loaded for another scenario: skip them, so
    // the IV history is exactly what a run of this scenario alone would see.
    let first_day = scenario.data.start.0 - warmup_days(scenario);
    let structure = scenario.strategy.structure();
    let legs = structure.legs.clone();
    // Every leg a held leg's index can name: the strategy's, then its cover.
    let specs: Vec<LegSpec> = legs.iter().chain(structure.cover.iter()).cloned().collect();
    let styles: Vec<Style> = data.iter().map(|td| scenario.settlement.style_of(&td.name)).collect();
    let policy = scenario.shares_policy();
    let (start, end) = (scenario.data.start.0, scenario.data.end.0);
    let dates = loaded.trading_days(start);
    let total = dates.len() as u64;
    if dates.is_empty() {
        return Err(EngineError::Span(format!("data: no trading days between {} and {}", iso(start), iso(end))));
    }
    // Each ticker closes what it holds on its own last trading day of the run.
    let last_of: Vec<i32> = data.iter().map(|t| t.days.last().map_or(i32::MIN, |d| d.0)).collect();
    // A ticker without a row on some day is valued at its last known underlying price.
    let mut underlyings = vec![f64::NAN; data.len()];

    let mut book = Portfolio::new(scenario.capital.0);
    let mut states: Vec<TickerState> = data
        .iter()
        .map(|td| TickerState { cursor: td.days.partition_point(|d| d.0 < first_day), ..TickerState::default() })
        .collect();
    let mut diag = Diagnostics::default();
    let mut misses = vec![[0u64; 2]; legs.len()];
    let mut equity: Vec<EquityRow> = Vec::with_capacity(dates.len());
    let mut rows_scanned = 0u64;
    let mut peak = f64::NEG_INFINITY;
    let step = (total / 100).max(1);

    // Warm-up days (before `start`) only feed the IV history.
    if let Some(r) = &scenario.strategy.entry.iv_rank {
        for (t, td) in data.iter().enumerate() {
            while states[t].cursor < td.days.len() && td.days[states[t].cursor].0 < start {
                let chain = td.chain(states[t].cursor);
                if let Some(iv) = ivrank::atm_iv(&chain) {
                    states[t].iv.push(iv, r.lookback.0 as usize);
                }
                states[t].cursor += 1;
            }
        }
    }

    for (k, &date) in dates.iter().enumerate() {
        if opts.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(EngineError::Cancelled);
        }
        let mut attribution = Attribution::default();
        for (t, td) in data.iter().enumerate() {
            let st = &mut states[t];
            if st.cursor >= td.days.len() || td.days[st.cursor].0 != date {
                continue;
            }
            let chain = td.chain(st.cursor);
            let last_day = date == last_of[t];
            diag.quotes_invalid += td.invalid[st.cursor];
            st.cursor += 1;
            st.day_counter += 1;
            rows_scanned += chain.len() as u64;
            // A day without a usable underlying price is skipped for this ticker, except its last
            // day, when what it holds still closes (at the last usable price, or the last marks).
            let underlying = chain.usable_underlying();
            if underlying.is_none() {
                diag.underlying_unusable_days += 1;
                if !last_day {
                    continue;
                }
            }
            let previous_s = underlyings[t];
            underlyings[t] = underlying.unwrap_or(underlyings[t]);
            if let Some(r) = &scenario.strategy.entry.iv_rank
                && let Some(iv) = ivrank::atm_iv(&chain)
            {
                st.iv.push(iv, r.lookback.0 as usize);
            }
            let settle_at = Some(underlyings[t]).filter(|s| s.is_finite());
            // Ex-dates up to today not yet paid (one that fell on a day without data is paid on
            // the next day the ticker has), to the shares held at the previous close.
            while st.dividend < td.dividends.len() && td.dividends[st.dividend].0 <= date {
                let (ex, amount) = td.dividends[st.dividend];
                st.dividend += 1;
                if ex >= start {
                    pay_dividend(&mut book, t, amount, &mut diag);
                }
            }
            let ctx = FillContext {
                ticker: &td.name,
                date,
                underlying: settle_at.unwrap_or(f64::NAN),
                commission: scenario.costs.commission_per_contract.0,
            };
            let moved = Move { date, from: previous_s, to: underlying };
            mark(&mut book, t, &chain, moved, &mut attribution, &mut diag);
            if styles[t] == Style::Physical
                && let Some(s) = settle_at
            {
                let day = settle::SettleDay {
                    ticker: t,
                    underlying: s,
                    // An ex-date on the ticker's next trading day (ex-dates between trading
                    // days count for the next one).
                    next_dividend: td.days.get(st.cursor).and_then(|&(next, _, _)| {
                        td.dividends[st.dividend..].iter().take_while(|d| d.0 <= next).map(|d| d.1).reduce(|a, b| a + b)
                    }),
                    rules: &scenario.settlement,
                    policy,
                    costs: &scenario.costs.stock,
                };
                settle::settle(&mut book, &ctx, &day, &mut diag);
            }
            exits(scenario, &mut book, t, &chain, settle_at, &ctx, st.day_counter, last_day, &mut diag);
            if !last_day {
                if policy == SharesPolicy::Keep
                    && let Some(cover) = &structure.cover
                {
                    write_covers(scenario, cover, legs.len(), &mut book, t, &chain, &ctx, &mut diag);
                }
                if let Some(rule) = &scenario.strategy.roll {
                    let f = scenario.costs.slippage.spread_fraction.0;
                    roll::roll_positions(rule, &specs, legs.len(), f, &mut book, t, &chain, &ctx, &mut diag);
                }
                if let Some(rules) = &scenario.strategy.hedge {
                    for i in 0..book.positions.len() {
                        if book.positions[i].ticker == t {
                            let days = st.day_counter - book.positions[i].opened_day;
                            hedge::hedge_position(&mut book, &ctx, i, rules, &scenario.costs.stock, days, false);
                        }
                    }
                }
                enter(scenario, &structure, &mut book, t, &chain, &ctx, st, &mut diag, &mut misses);
            }
        }
        let row = equity_row(&book, date, &underlyings, equity.last(), &mut peak, scenario.capital.0, attribution);
        equity.push(row);
        if let Some(progress) = opts.progress
            && ((k as u64 + 1).is_multiple_of(step) || k as u64 + 1 == total)
        {
            progress(Progress { days_done: k as u64 + 1, days_total: total, date });
        }
    }

    if diag.positions_opened == 0
        && let Some((leg, kind)) = worst_miss(&misses)
    {
        return Err(EngineError::Unfillable(unfillable_message(&legs, leg, kind, misses[leg][kind], total)));
    }

    let summary = summarize(scenario, &book, &equity, diag);
    Ok(Outcome {
        summary,
        equity,
        trades: book.fills,
        positions: book.records,
        rows_scanned,
        partitions: data.iter().map(|t| t.parts.len()).sum(),
    })
}

/// The events phase: each position of ticker `t` holding shares receives (long) or pays (short)
/// `amount` per share.
fn pay_dividend(book: &mut Portfolio, t: usize, amount: f64, diag: &mut Diagnostics) {
    for p in book.positions.iter_mut().filter(|p| p.ticker == t && p.all_shares() != 0) {
        let cash = p.all_shares() as f64 * amount;
        p.dividends += cash;
        book.cash += cash;
        diag.dividends += 1;
    }
}

/// The ticker's underlying price on the previous day it had one (`from`) and today (`to`).
#[derive(Debug, Clone, Copy)]
struct Move {
    date: i32,
    from: f64,
    to: Option<f64>,
}

/// Marks held legs of ticker `t` at today's mids and refreshes their greeks; shares at the
/// underlying price. Each change in mark is attributed (into `day` and its position): a leg's to
/// Δ·ΔS + ½Γ·ΔS² + Θ·Δt + ν·Δσ with the greeks and IV of its previous mark, the residual closing
/// the sum exactly; shares' to delta (stock) or hedge.
fn mark(book: &mut Portfolio, t: usize, chain: &DayChain<'_>, m: Move, day: &mut Attribution, diag: &mut Diagnostics) {
    let ds = m.to.map(|s| s - m.from).filter(|d| d.is_finite());
    for p in book.positions.iter_mut().filter(|p| p.ticker == t) {
        let mut a = Attribution::default();
        if p.all_shares() != 0
            && let Some(s) = m.to
        {
            if p.share_mark.is_finite() {
                a.delta += p.shares as f64 * (s - p.share_mark);
                a.hedge += p.hedge_shares as f64 * (s - p.share_mark);
            }
            p.share_mark = s;
        }
        for l in &mut p.legs {
            if l.expiry < chain.trade_date {
                continue;
            }
            match chain.find(l.expiry, l.strike) {
                Some(row) if usable(&chain.quote(row, l.right)) => {
                    let q = chain.quote(row, l.right);
                    let mid = q.mid();
                    if let Some(ds) = ds
                        && l.marked_on < m.date
                    {
                        let n = l.contracts(p.units) * MULTIPLIER;
                        let g = l.greeks;
                        let dt = f64::from(m.date - l.marked_on);
                        let dv = if q.mid_iv.is_finite() && l.iv.is_finite() { (q.mid_iv - l.iv) * 100.0 } else { 0.0 };
                        let parts = [g.delta * ds * n, 0.5 * g.gamma * ds * ds * n, g.theta * dt * n, g.vega * dv * n];
                        a.delta += parts[0];
                        a.gamma += parts[1];
                        a.theta += parts[2];
                        a.vega += parts[3];
                        a.residual += (mid - l.mark) * n - parts.iter().sum::<f64>();
                    }
                    l.mark = mid;
                    l.iv = q.mid_iv;
                    l.marked_on = m.date;
                    match finite(greeks_of(chain, row, l.right)) {
                        Some(g) => l.greeks = g,
                        None => diag.greeks_unusable += 1,
                    }
                }
                // Expiring today with no listing: settlement below needs no quote.
                _ if l.expiry == chain.trade_date => {}
                _ => diag.quotes_missing += 1,
            }
        }
        p.attribution.add(&a);
        day.add(&a);
    }
}

/// Greeks that are all finite numbers, or nothing.
fn finite(g: Greeks) -> Option<Greeks> {
    [g.delta, g.gamma, g.theta, g.vega].iter().all(|v| v.is_finite()).then_some(g)
}

fn intrinsic(right: Right, strike: f64, s: f64) -> f64 {
    match right {
        Right::Call => (s - strike).max(0.0),
        Right::Put => (strike - s).max(0.0),
    }
}

/// Today's closing prices of a position's legs: intrinsic at the underlying price `s` for legs at
/// or past expiry (cash settlement, `true` in the second vector), the slippage-adjusted quote
/// otherwise; `None` for a leg without a usable quote (or underlying price) today.
fn closing_prices(
    p: &portfolio::Position,
    chain: &DayChain<'_>,
    s: Option<f64>,
    f: f64,
) -> (Vec<Option<f64>>, Vec<bool>) {
    p.legs
        .iter()
        .map(|l| {
            if l.expiry <= chain.trade_date {
                return (s.map(|s| intrinsic(l.right, l.strike, s)), true);
            }
            let q = chain.find(l.expiry, l.strike).map(|row| chain.quote(row, l.right)).filter(usable);
            // Closing a long sells, closing a short buys.
            (q.map(|q| fill_price(q.bid, q.ask, l.side == crate::scenario::Side::Short, f)), false)
        })
        .unzip()
}

#[allow(clippy::too_many_arguments)]
fn exits(
    scenario: &Scenario,
    book: &mut Portfolio,
    t: usize,
    chain: &DayChain<'_>,
    underlying: Option<f64>,
    ctx: &FillContext<'_>,
    day_counter: u64,
    last_day: bool,
    diag: &mut Diagnostics,
) {
    let rules = &scenario.strategy.exit;
    let f = scenario.costs.slippage.spread_fraction.0;
    let mut i = 0;
    while i < book.positions.len() {
        let p = &book.positions[i];
        if p.ticker != t {
            i += 1;
            continue;
        }
        let basis = p.premium.abs();
        let pnl = p.pnl_per_share();
        let reason = if p.first_expiry() <= chain.trade_date {
            Some(Reason::Expiry)
        } else if rules.stop_loss.is_some_and(|sl| basis > 0.0 && pnl <= -sl.0 * basis) {
            Some(Reason::StopLoss)
        } else if rules.profit_target.is_some_and(|pt| basis > 0.0 && pnl >= pt.0 * basis) {
            Some(Reason::ProfitTarget)
        } else if rules.dte_exit.is_some_and(|d| p.first_expiry() - chain.trade_date <= d as i32) {
            Some(Reason::DteExit)
        } else if rules.max_hold_days.is_some_and(|m| day_counter - p.opened_day >= u64::from(m.0)) {
            Some(Reason::MaxHold)
        } else if last_day {
            Some(Reason::EndOfData)
        } else {
            None
        };
        let Some(reason) = reason else {
            i += 1;
            continue;
        };
        let (prices, settled) = closing_prices(p, chain, underlying, f);
        // Shares close at the day's underlying price (their last mark on a last day without one).
        let shares_at =
            if p.all_shares() == 0 { Some(f64::NAN) } else { underlying.or(last_day.then_some(p.share_mark)) };
        let stock_costs = &scenario.costs.stock;
        if let (true, Some(at)) = (prices.iter().all(Option::is_some), shares_at) {
            let prices: Vec<f64> = prices.into_iter().flatten().collect();
            book.close(ctx, i, &prices, &settled, reason, at, stock_costs);
        } else if last_day {
            // No quote on the last day: the unquoted legs close at their last marks rather than
            // leave the position open.
            let prices: Vec<f64> = prices.iter().zip(&p.legs).map(|(q, l)| q.unwrap_or(l.mark)).collect();
            diag.closed_at_last_mark += 1;
            book.close(ctx, i, &prices, &settled, reason, shares_at.unwrap_or(p.share_mark), stock_costs);
        } else {
            diag.exits_deferred += 1;
            i += 1;
        }
        diag.positions_closed = book.closed.len() as u64;
    }
}

fn weekday_of(date: i32) -> Option<Weekday> {
    use chrono::Datelike;
    match date_from_days(date).weekday() {
        chrono::Weekday::Mon => Some(Weekday::Mon),
        chrono::Weekday::Tue => Some(Weekday::Tue),
        chrono::Weekday::Wed => Some(Weekday::Wed),
        chrono::Weekday::Thu => Some(Weekday::Thu),
        chrono::Weekday::Fri => Some(Weekday::Fri),
        _ => None,
    }
}

/// The adjust phase's cover: each position of ticker `t` holding shares and no option leg writes
/// the strategy's `cover` leg against them (numbered `leg_index`, after the strategy's legs).
#[allow(clippy::too_many_arguments)]
fn write_covers(
    scenario: &Scenario,
    cover: &LegSpec,
    leg_index: usize,
    book: &mut Portfolio,
    t: usize,
    chain: &DayChain<'_>,
    ctx: &FillContext<'_>,
    diag: &mut Diagnostics,
) {
    let f = scenario.costs.slippage.spread_fraction.0;
    for i in 0..book.positions.len() {
        let p = &book.positions[i];
        if p.ticker != t || p.shares == 0 || !p.legs.is_empty() || p.close_shares {
            continue;
        }
        let Ok(chosen) = choose_legs(chain, std::slice::from_ref(cover)) else {
            diag.covers_skipped += 1;
            continue;
        };
        let opening: Vec<(select::ChosenLeg, f64, Greeks)> = chosen
            .iter()
            .map(|l| {
                let price = fill_price(l.quote.bid, l.quote.ask, l.side == crate::scenario::Side::Long, f);
                let greeks = chain.find(l.expiry, l.strike).and_then(|row| finite(greeks_of(chain, row, l.right)));
                if greeks.is_none() {
                    diag.greeks_unusable += 1;
                }
                (select::ChosenLeg { leg: leg_index, ..*l }, price, greeks.unwrap_or_default())
            })
            .collect();
        book.add_legs(ctx, i, &opening, Reason::Cover);
        book.positions[i].covers += 1;
    }
}

#[allow(clippy::too_many_arguments)]
fn enter(
    scenario: &Scenario,
    structure: &Structure,
    book: &mut Portfolio,
    t: usize,
    chain: &DayChain<'_>,
    ctx: &FillContext<'_>,
    st: &TickerState,
    diag: &mut Diagnostics,
    misses: &mut [[u64; 2]],
) {
    let legs = &structure.legs;
    let entry = &scenario.strategy.entry;
    let scheduled = match (&entry.weekdays, entry.every_trading_days) {
        (Some(days), _) => weekday_of(chain.trade_date).is_some_and(|w| days.contains(&w)),
        (None, Some(n)) => (st.day_counter - 1).is_multiple_of(u64::from(n.0)),
        (None, None) => true,
    };
    if !scheduled {
        return;
    }
    let skipped = &mut diag.entries_skipped;
    if book.open_count(t) >= entry.max_open.0 as usize {
        skipped.max_open += 1;
        return;
    }
    if let Some(r) = &entry.iv_rank {
        let ok = st.iv.rank(r.lookback.0 as usize).is_some_and(|rank| rank >= r.min.0 && rank <= r.max.0);
        if !ok {
            skipped.iv_rank += 1;
            return;
        }
    }
    let chosen = match choose_legs(chain, legs) {
        Ok(c) => c,
        Err(miss) => {
            let kind = match miss {
                Miss::NoExpiry { .. } => {
                    skipped.no_expiry += 1;
                    0
                }
                Miss::NoStrike { .. } => {
                    skipped.no_strike += 1;
                    1
                }
            };
            misses[miss.leg()][kind] += 1;
            return;
        }
    };
    let f = scenario.costs.slippage.spread_fraction.0;
    let fills: Vec<f64> =
        chosen.iter().map(|l| fill_price(l.quote.bid, l.quote.ask, l.side == crate::scenario::Side::Long, f)).collect();
    let credit: f64 = chosen.iter().zip(&fills).map(|(l, p)| -l.side.sign() * f64::from(l.qty) * p).sum();
    if entry.min_credit.is_some_and(|m| credit < m.0) {
        skipped.min_credit += 1;
        return;
    }
    let sizing = &scenario.strategy.sizing;
    // Shares per unit (signed) and their entry price, for a strategy with a stock leg.
    let stock_leg = structure.stock.map(|st| {
        let n = (st.side.sign() * f64::from(st.shares.0)) as i64;
        (n, stock::fill_price(ctx.underlying, n, &scenario.costs.stock))
    });
    let units = match (sizing.contracts, sizing.equity_fraction) {
        (Some(n), _) => n.0,
        (None, Some(frac)) => {
            let stock_risk = stock_leg.map(|(n, price)| (n as f64 / MULTIPLIER, price));
            let risk = match (sizing.against.unwrap_or(SizingBasis::MaxLoss), stock_risk) {
                (SizingBasis::MaxLoss, _) | (SizingBasis::Margin, Some(_)) => {
                    risk::max_loss(&chosen, &fills, stock_risk)
                }
                (SizingBasis::Margin, None) => risk::margin(&chosen, &fills, chain.underlying(), &sizing.margin),
            };
            match risk {
                Some(r) if r > 0.0 => ((frac.0 * book.equity()) / r).floor().max(0.0) as u32,
                _ => 0,
            }
        }
        (None, None) => 1,
    };
    let units = sizing.max_contracts.map_or(units, |m| units.min(m.0));
    // The hard limit keeps every quantity inside trades.arrow's Int32 column; it is reported.
    // A strategy that can hold shares counts its share fills too: a stock leg's shares, and the
    // 100 shares per contract exercise or assignment delivers.
    let limit = if structure.stock.is_some() || scenario.settlement.style_of(ctx.ticker) == Style::Physical {
        let per_unit = legs
            .iter()
            .chain(structure.cover.iter())
            .map(|l| u64::from(l.qty.0) * 100)
            .chain(structure.stock.map(|st| u64::from(st.shares.0)))
            .max()
            .unwrap_or(1)
            .max(1);
        MAX_UNITS.min((i32::MAX as u64 / per_unit) as u32)
    } else {
        MAX_UNITS
    };
    let units = if units > limit {
        diag.sizes_capped += 1;
        limit
    } else {
        units
    };
    if units == 0 {
        skipped.size_zero += 1;
        return;
    }
    let opening: Vec<(select::ChosenLeg, f64, Greeks)> = chosen
        .iter()
        .zip(&fills)
        .map(|(l, &price)| {
            let greeks = chain.find(l.expiry, l.strike).and_then(|row| finite(greeks_of(chain, row, l.right)));
            if greeks.is_none() {
                diag.greeks_unusable += 1;
            }
            let greeks = greeks.unwrap_or_default();
            (*l, price, greeks)
        })
        .collect();
    book.open(ctx, t, st.day_counter, &opening, units);
    if let Some((n, price)) = stock_leg {
        let shares = n * i64::from(units);
        let index = book.positions.len() - 1;
        book.trade_shares(ctx, index, shares, price, stock::commission(shares, &scenario.costs.stock), Reason::Entry);
    }
    if let Some(rules) = &scenario.strategy.hedge {
        // A new position is hedged at once, not on its next day.
        hedge::hedge_position(book, ctx, book.positions.len() - 1, rules, &scenario.costs.stock, 0, true);
    }
    diag.positions_opened += 1;
}

fn equity_row(
    book: &Portfolio,
    date: i32,
    underlyings: &[f64],
    previous: Option<&EquityRow>,
    peak: &mut f64,
    capital: f64,
    pnl: Attribution,
) -> EquityRow {
    let positions_value = book.positions_value();
    let equity = book.cash + positions_value;
    // The running peak starts at the starting capital, so first-day costs show as drawdown.
    *peak = peak.max(capital).max(equity);
    let (mut delta, mut gamma, mut theta, mut vega) = (0.0, 0.0, 0.0, 0.0);
    for p in &book.positions {
        let s = underlyings.get(p.ticker).copied().filter(|s| s.is_finite()).unwrap_or(0.0);
        // A share has delta 1 and no other greek.
        if p.all_shares() != 0 {
            delta += p.all_shares() as f64 * s;
        }
        for l in &p.legs {
            let n = l.contracts(p.units) * MULTIPLIER;
            delta += n * l.greeks.delta * s;
            gamma += n * l.greeks.gamma * s * s / 100.0;
            theta += n * l.greeks.theta;
            vega += n * l.greeks.vega;
        }
    }
    EquityRow {
        date,
        equity,
        cash: book.cash,
        positions_value,
        daily_return: previous.map_or(0.0, |prev| if prev.equity != 0.0 { equity / prev.equity - 1.0 } else { 0.0 }),
        drawdown: if *peak > 0.0 { equity / *peak - 1.0 } else { 0.0 },
        open_positions: book.positions.len() as i32,
        realized_pnl: book.closed.iter().map(|t| t.net_pnl).sum(),
        unrealized_pnl: unrealized(book),
        delta_dollars: delta,
        gamma_dollars: gamma,
        theta_dollars: theta,
        vega_dollars: vega,
        pnl,
        pnl_other: equity - previous.map_or(capital, |prev| prev.equity) - pnl.total(),
    }
}

/// Open legs' marked value less their cost, then the shares' (summed in the order v1 summed legs,
/// so an options-only run keeps its bytes).
fn unrealized(book: &Portfolio) -> f64 {
    let legs: f64 = book
        .positions
        .iter()
        .flat_map(|p| p.legs.iter().map(move |l| l.contracts(p.units) * (l.mark - l.open_price) * MULTIPLIER))
        .sum();
    let with_shares = book.positions.iter().filter(|p| p.all_shares() != 0);
    legs + with_shares.map(portfolio::Position::shares_unrealized).sum::<f64>()
}

fn worst_miss(misses: &[[u64; 2]]) -> Option<(usize, usize)> {
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

fn unfillable_message(legs: &[LegSpec], leg: usize, kind: usize, count: u64, days: u64) -> String {
    let spec = &legs[leg];
    let what = if kind == 0 {
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
        "strategy.legs[{leg}] could never be filled: {what} on {count} entry day(s) of {days}; no position was opened. \
         Check the leg's windows against the data (`aegis-bt dataset info`)"
    )
}

fn summarize(scenario: &Scenario, book: &Portfolio, equity: &[EquityRow], mut diag: Diagnostics) -> Summary {
    diag.positions_closed = book.closed.len() as u64;
    let eq: Vec<f64> = equity.iter().map(|r| r.equity).collect();
    let returns: Vec<f64> = equity.iter().map(|r| r.daily_return).collect();
    let drawdown: Vec<f64> = equity.iter().map(|r| r.drawdown).collect();
    let in_market: Vec<bool> = equity.iter().map(|r| r.open_positions > 0).collect();
    let metrics = analytics::compute(&MetricInput {
        capital: scenario.capital.0,
        equity: &eq,
        returns: &returns,
        drawdown: &drawdown,
        in_market: &in_market,
        trades: &book.closed,
    });
    Summary {
        scenario: scenario.name.clone(),
        start: equity.first().map(|r| iso(r.date)).unwrap_or_default(),
        end: equity.last().map(|r| iso(r.date)).unwrap_or_default(),
        trading_days: equity.len() as u64,
        capital: scenario.capital.0,
        final_equity: eq.last().copied().unwrap_or(scenario.capital.0),
        metrics,
        diagnostics: diag,
        hedge: book.hedge,
    }
}
