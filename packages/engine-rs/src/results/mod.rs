//! The results of a run (docs/results.md): the rows of `equity.arrow` and `trades.arrow`, the
//! `summary.json` value, and the writers. Byte-identical output for the same scenario and data is
//! part of the contract, so nothing here depends on time, host or paths (those go to `run.json`).

pub(crate) mod arrow;
pub(crate) mod files;

use serde::{Deserialize, Serialize};

pub use arrow::{equity_ipc, market_ipc, positions_ipc, strategies_ipc, trades_ipc};
pub use files::{RESULT_FILES, RunInfo, SUCCESS_FILE, TABLE_FILES, Tables, Timings, write_results, write_success};

use crate::analytics::Metrics;
use crate::data::Right;

/// One trading day of `equity.arrow`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EquityRow {
    pub date: i32,
    pub equity: f64,
    pub cash: f64,
    pub positions_value: f64,
    pub daily_return: f64,
    pub drawdown: f64,
    pub open_positions: i32,
    /// Cumulative net P&L of closed positions (after all their fees).
    pub realized_pnl: f64,
    /// Open positions' marked value less what they cost to open (before fees).
    pub unrealized_pnl: f64,
    pub delta_dollars: f64,
    pub gamma_dollars: f64,
    pub theta_dollars: f64,
    pub vega_dollars: f64,
    /// The day's P&L by source (docs/results.md, "Attribution").
    pub pnl: Attribution,
    /// The day's change in equity that is none of the above: fills away from the marks, fees,
    /// dividends, settlement.
    pub pnl_other: f64,
}

/// P&L split by source: options by greek (Δ·ΔS, ½Γ·ΔS², Θ·Δt, ν·Δσ, and the residual that closes
/// each leg's change in mark exactly), shares of stock in `delta`, the hedge's shares apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub delta: f64,
    pub gamma: f64,
    pub theta: f64,
    pub vega: f64,
    pub residual: f64,
    pub hedge: f64,
}

impl Attribution {
    pub fn add(&mut self, o: &Attribution) {
        self.delta += o.delta;
        self.gamma += o.gamma;
        self.theta += o.theta;
        self.vega += o.vega;
        self.residual += o.residual;
        self.hedge += o.hedge;
    }

    pub fn total(&self) -> f64 {
        self.delta + self.gamma + self.theta + self.vega + self.residual + self.hedge
    }
}

/// One position of `positions.arrow`, written when it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionRecord {
    pub id: i32,
    /// Index into the scenario's strategies (its name in positions.arrow).
    #[serde(default)]
    pub strategy: usize,
    /// Index into the run's tickers (its name in positions.arrow): a name per position, held
    /// as text, was an allocation per position of every sweep point.
    pub ticker: usize,
    pub opened: i32,
    pub closed: i32,
    /// Option legs opened over its life (entry, covers, rolls).
    pub legs: i32,
    pub rolls: i32,
    /// Net premium per unit per share of every option opened (+ credit).
    pub premium: f64,
    pub units: i32,
    /// Net P&L: gross of every fill + dividends − fees.
    pub pnl: f64,
    pub fees: f64,
    pub dividends: f64,
    /// Its marked P&L by source, over the days it was held.
    pub attribution: Attribution,
    /// The reason of its last fill.
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Open,
    Close,
}

/// What a fill traded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Instrument {
    Call,
    Put,
    /// Shares of the underlying.
    Stock,
}

impl Instrument {
    pub fn of(right: Right) -> Instrument {
        match right {
            Right::Call => Instrument::Call,
            Right::Put => Instrument::Put,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Call => "call",
            Instrument::Put => "put",
            Instrument::Stock => "stock",
        }
    }
}

/// Why a fill happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Entry,
    ProfitTarget,
    StopLoss,
    DteExit,
    MaxHold,
    Expiry,
    EndOfData,
    /// A long option turned into shares at its strike.
    Exercise,
    /// A short option turned into shares at its strike (at expiry or early).
    Assignment,
    /// Shares delivered by exercise or assignment, closed at the next close.
    DeliveredShares,
    /// An option written against shares the position holds.
    Cover,
    /// A leg closed and reopened by a roll rule.
    Roll,
    /// Shares traded to hedge the position's delta.
    Hedge,
    /// Closed by an earnings rule (`close_before`, `exit_after`).
    Earnings,
    /// Closed at the close before a split that positions cannot be carried across.
    Split,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Entry => "entry",
            Reason::ProfitTarget => "profit_target",
            Reason::StopLoss => "stop_loss",
            Reason::DteExit => "dte_exit",
            Reason::MaxHold => "max_hold",
            Reason::Expiry => "expiry",
            Reason::EndOfData => "end_of_data",
            Reason::Exercise => "exercise",
            Reason::Assignment => "assignment",
            Reason::DeliveredShares => "delivered_shares",
            Reason::Cover => "cover",
            Reason::Roll => "roll",
            Reason::Hedge => "hedge",
            Reason::Earnings => "earnings",
            Reason::Split => "split",
        }
    }
}

/// One leg fill of `trades.arrow`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    pub position_id: i32,
    /// Index into the scenario's strategies (its name in trades.arrow).
    #[serde(default)]
    pub strategy: usize,
    /// The option leg's index in the strategy (the cover leg follows the legs); −1 for shares.
    pub leg: i32,
    /// Index into the run's tickers (its name in trades.arrow).
    pub ticker: usize,
    pub action: Action,
    pub date: i32,
    /// `None` for shares.
    pub expiry: Option<i32>,
    /// `None` for shares.
    pub strike: Option<f64>,
    pub instrument: Instrument,
    /// Signed contracts (shares for a stock fill): + bought, − sold.
    pub quantity: i32,
    /// Per share; at expiry, the intrinsic value.
    pub price: f64,
    pub fees: f64,
    pub reason: Reason,
    pub underlying_price: f64,
    /// Gross P&L of the leg on a close fill: (close − open) × quantity at open × 100.
    pub pnl: f64,
}

/// Entry attempts that did not open a position, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EntriesSkipped {
    pub max_open: u64,
    pub no_expiry: u64,
    pub no_strike: u64,
    pub min_credit: u64,
    pub iv_rank: u64,
    pub size_zero: u64,
    /// Entries whose leg had contracts inside its windows but none that passed its liquidity
    /// filter, by the test the nearest one failed.
    #[serde(default)]
    pub low_open_interest: u64,
    #[serde(default)]
    pub low_volume: u64,
    #[serde(default)]
    pub low_bid: u64,
    #[serde(default)]
    pub wide_spread: u64,
    /// Entries `strategy.entry.signals` did not allow.
    #[serde(default)]
    pub signals: u64,
    /// Entries `strategy.earnings` did not allow.
    #[serde(default)]
    pub earnings: u64,
    /// The day before a split positions cannot be carried across (no position opens then).
    #[serde(default)]
    pub split: u64,
}

/// Entries each kind of signal blocked (`all`: the first that failed; `any`: each, as all failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignalsBlocked {
    pub iv_percentile: u64,
    pub term_structure: u64,
    pub iv_rv: u64,
    pub sma: u64,
    pub momentum: u64,
    #[serde(default)]
    pub series: u64,
    /// The `dates` signal (a listed date, or an unlisted one, as it says).
    #[serde(default)]
    pub dates: u64,
}

impl SignalsBlocked {
    pub fn count(&mut self, kind: crate::scenario::signals::Kind) {
        use crate::scenario::signals::Kind;
        *match kind {
            Kind::IvPercentile => &mut self.iv_percentile,
            Kind::TermStructure => &mut self.term_structure,
            Kind::IvRv => &mut self.iv_rv,
            Kind::Sma => &mut self.sma,
            Kind::Momentum => &mut self.momentum,
            Kind::Series => &mut self.series,
            Kind::Dates => &mut self.dates,
        } += 1;
    }
}

/// Counters of what the engine had to work around; never silently dropped (DESIGN).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diagnostics {
    /// Leg-days a held contract had no quote and kept its last mark.
    pub quotes_missing: u64,
    /// Exits postponed to a later day because a leg had no quote to close at.
    pub exits_deferred: u64,
    /// Positions closed on the run's last day with a leg at its last mark (no quote that day).
    pub closed_at_last_mark: u64,
    pub positions_opened: u64,
    pub positions_closed: u64,
    pub entries_skipped: EntriesSkipped,
    /// What blocked the entries counted in `entries_skipped.signals`, by kind.
    #[serde(default)]
    pub signals_blocked: SignalsBlocked,
    /// Contract sides in the chains the run read whose quote breaks the data contract (not a
    /// finite 0 ≤ bid ≤ ask, or a null in the row): never traded, never used as a mark.
    pub quotes_invalid: u64,
    /// Ticker-days whose underlying price (`stkPx`) was not a finite positive number: the day was
    /// skipped for that ticker (no marks, exits or entries; expiries settle on the next usable day).
    pub underlying_unusable_days: u64,
    /// Leg-days a held contract's greeks were not finite numbers and kept their last values.
    pub greeks_unusable: u64,
    /// Positions whose `equity_fraction` size was cut to the 100,000-unit limit (or, for a
    /// strategy that can hold shares, to what keeps every share count inside Int32).
    pub sizes_capped: u64,
    /// Option legs exercised (long) or assigned (short) into shares at expiry.
    pub exercised: u64,
    pub assigned: u64,
    /// Short legs assigned before expiry (the early-assignment model).
    pub early_assignments: u64,
    /// Ex-dividend dates on which a position held shares (received or paid).
    pub dividends: u64,
    /// Days a position holding shares could not write its cover leg (no expiry or strike fit).
    pub covers_skipped: u64,
    /// Rolls done (a roll of several legs counts once).
    pub rolls: u64,
    /// Days a roll rule fired but the roll waited: a leg in scope had no quote to close at, or no
    /// replacement was found.
    pub rolls_skipped: u64,
    /// Positions carried across a whole-number split (contracts and shares × the ratio).
    #[serde(default)]
    pub splits_adjusted: u64,
}

impl Diagnostics {
    /// Adds every counter of `other` to this one's (the run's counters are the ticker-level ones
    /// plus each strategy's). Through their JSON form, so a counter added later is never left out.
    pub fn absorb(&mut self, other: &Diagnostics) {
        fn add(a: &mut serde_json::Value, b: &serde_json::Value) {
            match (a, b) {
                (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                    for (k, v) in y {
                        if let Some(slot) = x.get_mut(k) {
                            add(slot, v);
                        }
                    }
                }
                (a @ serde_json::Value::Number(_), serde_json::Value::Number(n)) => {
                    let sum = a.as_u64().unwrap_or(0).saturating_add(n.as_u64().unwrap_or(0));
                    *a = serde_json::Value::from(sum);
                }
                _ => {}
            }
        }
        let (Ok(mut mine), Ok(theirs)) = (serde_json::to_value(*self), serde_json::to_value(other)) else { return };
        add(&mut mine, &theirs);
        if let Ok(sum) = serde_json::from_value(mine) {
            *self = sum;
        }
    }
}

/// Totals of the hedge's share fills over the run (summary.json `hedge`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HedgeTotals {
    /// Share fills of the hedge.
    pub fills: u64,
    /// Shares bought and sold, in absolute value.
    pub shares_traded: u64,
    /// Gross P&L of the hedge shares (realized; every hedge is closed by the end of the run).
    pub pnl: f64,
    /// Commissions of the hedge fills.
    pub fees: f64,
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub scenario: String,
    pub start: String,
    pub end: String,
    pub trading_days: u64,
    pub capital: f64,
    pub final_equity: f64,
    pub metrics: Metrics,
    pub diagnostics: Diagnostics,
    /// The delta hedge's share fills, apart from the options' (all zero without `strategy.hedge`).
    pub hedge: HedgeTotals,
    /// Each strategy on its own, in the scenario's order (one, `main`, for the single form).
    pub strategies: Vec<StrategySummary>,
    /// The benchmark bought and held over the same days; `null` when it has no price on the
    /// first day.
    pub benchmark: Option<BenchmarkSummary>,
}

/// One strategy of the run: its share of the capital and what it earned with it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StrategySummary {
    pub name: String,
    /// Its share of the account's equity when it sizes a position.
    pub weight: f64,
    pub tickers: Vec<String>,
    /// weight × capital: where its equity curve (strategies.arrow) starts.
    pub capital: f64,
    /// capital + pnl.
    pub final_equity: f64,
    /// Net P&L of its positions (fees and dividends included).
    pub pnl: f64,
    /// The metrics of its own equity curve and positions.
    pub metrics: Metrics,
    /// Its own counters: entries, exits, fills (the data's counters — quotes, underlying, marks,
    /// dividends — are the run's, in the top-level `diagnostics`).
    pub diagnostics: Diagnostics,
}

/// The benchmark (`benchmark:`, else the first ticker) bought and held over the run's days.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BenchmarkSummary {
    pub name: String,
    /// `ticker` or `series`.
    pub kind: String,
    /// Last close / first close − 1.
    pub total_return: f64,
    pub cagr: Option<f64>,
    /// Of the run's daily returns against the benchmark's (days when both are known).
    pub beta: Option<f64>,
    pub correlation: Option<f64>,
    /// The run's CAGR less the benchmark's.
    pub excess_return: Option<f64>,
}

/// One row of `strategies.arrow`: a strategy's equity on a trading day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StrategyRow {
    pub date: i32,
    pub strategy: usize,
    /// weight × capital + pnl.
    pub equity: f64,
    /// Its net P&L to date.
    pub pnl: f64,
    pub daily_return: f64,
    pub drawdown: f64,
    pub open_positions: i32,
}

/// One row of `market.arrow`: a ticker's close (or a series' value) on a trading day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarketRow {
    pub date: i32,
    /// Index into [`crate::engine::Outcome::market_names`].
    pub name: usize,
    /// `None` before its first known value.
    pub close: Option<f64>,
}

impl Summary {
    /// The exact bytes of `summary.json` (pretty JSON and a final newline).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// The JSON Schema of the result documents, `{ summary, run }`, for the TypeScript types.
pub fn json_schema() -> serde_json::Value {
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Results {
        summary: Summary,
        run: RunInfo,
    }
    let mut schema = serde_json::to_value(schemars::schema_for!(Results)).unwrap_or_default();
    // Every metric is always written, `null` when undefined: required and nullable.
    if let Some(metrics) = schema.pointer_mut("/$defs/Metrics")
        && let Some(props) = metrics.get("properties").and_then(|p| p.as_object())
    {
        let all: Vec<serde_json::Value> = props.keys().cloned().map(serde_json::Value::String).collect();
        metrics["required"] = serde_json::Value::Array(all);
    }
    schema
}
