//! The scenario: what to backtest, defined once here (serde, unknown keys rejected). YAML or JSON.
//! A JSON Schema is generated from these types (`aegis-bt schema`) for editors and for the
//! TypeScript types. Every entry point validates through [`parse`], so all give the same errors,
//! each naming the field path and its line and column. docs/scenario.md documents every field.

pub mod earnings;
pub mod guard;
pub mod hedge;
pub mod liquidity;
pub mod models;
pub mod montecarlo;
mod parse;
pub mod portfolio;
pub mod research;
pub mod roll;
pub mod settlement;
pub mod signals;
pub mod sweep;
pub mod templates;
pub mod values;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use parse::{ScenarioError, parse, parse_file, read_file};
use values::{AtLeastOne, Finite, IsoDate, Moneyness, NonNegative, Positive, Ticker, UnitClosed, UnitOpen};

pub use crate::data::Right;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name; results and reports carry it (and `aegis-local` names its results directory by it).
    #[serde(deserialize_with = "values::scenario_name")]
    #[schemars(length(min = 1, max = 128))]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "values::optional_text")]
    pub description: Option<String>,
    pub data: DataSpec,
    /// Starting cash, in dollars.
    #[serde(default = "default_capital")]
    pub capital: Positive,
    /// The strategy (give this, or several named ones under `strategies`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    /// Several named strategies sharing one account, each with its weight and tickers
    /// (docs/scenario.md, "A portfolio of strategies").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategies: Option<portfolio::Strategies>,
    /// What the results compare against: a ticker of `data.tickers` or a series of the dataset,
    /// bought and held (default: the first ticker).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "values::optional_text")]
    pub benchmark: Option<String>,
    #[serde(default)]
    pub costs: Costs,
    /// How options settle (cash or shares), what happens to delivered shares, early assignment.
    #[serde(default)]
    pub settlement: settlement::Settlement,
    /// Where a remote run executes (used by `aegis-launch`; ignored locally).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// A parameter sweep: many points from this scenario (`aegis-local sweep`, `aegis-bt sweep`).
    /// A single run ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<sweep::Sweep>,
    /// The overfitting analysis run after a sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cscv: Option<CscvSpec>,
    /// Monte Carlo robustness of the run (`montecarlo.json` beside its results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub montecarlo: Option<montecarlo::Montecarlo>,
    /// Walk-forward optimisation over a sweep's points (`walk_forward.json`, `walk_forward.arrow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk_forward: Option<research::WalkForwardSpec>,
    /// The reality check, SPA and stepdown across a sweep's points (`stats.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spa: Option<research::SpaSpec>,
}

impl Scenario {
    /// What `strategy`'s positions do with shares once their option legs are gone: the scenario's
    /// `settlement.assigned_shares`, else `keep` when the strategy has a cover leg, else `close`.
    pub fn shares_policy(&self, strategy: &Strategy) -> settlement::SharesPolicy {
        use settlement::SharesPolicy;
        self.settlement.assigned_shares.unwrap_or(if strategy.structure().cover.is_some() {
            SharesPolicy::Keep
        } else {
            SharesPolicy::Close
        })
    }
}

/// Combinatorially symmetric cross-validation of a sweep's daily returns (docs/scenario.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawCscv")]
pub struct CscvSpec {
    /// S: contiguous blocks of trading days; even, at least 2.
    pub partitions: u32,
    pub metric: CscvMetric,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawCscv {
    #[serde(default = "sixteen")]
    partitions: u32,
    #[serde(default)]
    metric: CscvMetric,
}

fn sixteen() -> u32 {
    16
}

impl TryFrom<RawCscv> for CscvSpec {
    type Error = String;
    fn try_from(r: RawCscv) -> Result<Self, String> {
        if r.partitions < 2 || !r.partitions.is_multiple_of(2) {
            return Err(format!("partitions: expected an even number ≥ 2, got {}", r.partitions));
        }
        Ok(CscvSpec { partitions: r.partitions, metric: r.metric })
    }
}

/// The performance measure CSCV ranks points by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CscvMetric {
    #[default]
    Sharpe,
    Mean,
    TotalReturn,
}

fn default_capital() -> Positive {
    Positive(100_000.0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawDataSpec")]
pub struct DataSpec {
    /// The dataset's name: a directory `<data root>/<dataset>` holding `manifest.json`.
    pub dataset: String,
    /// Underlyings to trade, each independently, in one portfolio.
    pub tickers: Vec<Ticker>,
    /// First trading day of the backtest (inclusive).
    pub start: IsoDate,
    /// Last trading day of the backtest (inclusive); open positions are closed that day.
    pub end: IsoDate,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawDataSpec {
    #[serde(deserialize_with = "values::text")]
    dataset: String,
    tickers: Vec<Ticker>,
    start: IsoDate,
    end: IsoDate,
}

/// Most contracts of one leg per unit of a position.
pub const MAX_LEG_QTY: u32 = 1_000;
/// Most units of one position, however it is sized: with [`MAX_LEG_QTY`], every signed contract
/// count fits the Int32 `quantity` column of trades.arrow.
pub const MAX_UNITS: u32 = 100_000;

/// A dataset name is a directory name, never a path: letters, digits, `.`, `_`, `-`, starting
/// with a letter or digit, no `..`, at most 128 characters.
pub fn check_dataset_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !name.contains("..")
        && name.len() <= 128;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a dataset name: use letters, digits, '.', '_' and '-' (no paths, no '..'); point --data at the directory that holds it"
        ))
    }
}

impl TryFrom<RawDataSpec> for DataSpec {
    type Error = String;
    fn try_from(r: RawDataSpec) -> Result<Self, String> {
        if r.dataset.trim().is_empty() {
            return Err("dataset: must name a dataset".into());
        }
        check_dataset_name(&r.dataset).map_err(|m| format!("dataset: {m}"))?;
        if r.tickers.is_empty() {
            return Err("tickers: list at least one ticker".into());
        }
        for (i, t) in r.tickers.iter().enumerate() {
            if let Some(j) = r.tickers[..i].iter().position(|u| u == t) {
                return Err(format!("tickers[{i}]: {} repeats tickers[{j}]; list each ticker once", t.0));
            }
        }
        if r.start > r.end {
            return Err(format!("start {} is after end {}", r.start, r.end));
        }
        Ok(DataSpec { dataset: r.dataset, tickers: r.tickers, start: r.start, end: r.end })
    }
}

/// A target inside an optional `[min, max]` window. Selection keeps candidates inside the window
/// and takes the one nearest the target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, bound(deserialize = "T: Deserialize<'de>"))]
pub struct Window<T> {
    pub target: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<T>,
}

impl<T: PartialOrd + Copy + std::fmt::Display> Window<T> {
    /// Checks `min ≤ target ≤ max`.
    pub fn check(&self) -> Result<(), String> {
        if let Some(min) = self.min
            && min > self.target
        {
            return Err(format!("min {min} is above target {}", self.target));
        }
        if let Some(max) = self.max
            && max < self.target
        {
            return Err(format!("max {max} is below target {}", self.target));
        }
        Ok(())
    }
}

/// Days to expiry: calendar days from the trade date to the expiration.
pub type DteWindow = Window<u32>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawStrategy")]
pub struct Strategy {
    /// A named structure that expands to legs (give this or `legs`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_norway::with::singleton_map")]
    #[schemars(with = "Option<templates::Template>")]
    pub template: Option<templates::Template>,
    /// Hand-written legs (give this or `template`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legs: Vec<LegSpec>,
    /// Shares bought (or sold short) with each position, beside its legs (with hand-written legs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<settlement::StockSpec>,
    /// The option written against shares a position holds once its legs are gone (the wheel's
    /// call), chosen by its own rules each time (with hand-written legs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<LegSpec>,
    #[serde(default)]
    pub entry: Entry,
    #[serde(default)]
    pub exit: Exit,
    #[serde(default)]
    pub sizing: Sizing,
    /// Hedge each position's delta with shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedge: Option<hedge::Hedge>,
    /// Roll legs of an open position further out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll: Option<roll::Roll>,
    /// Contracts every leg may choose (a leg's own `liquidity` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidity: Option<liquidity::Liquidity>,
    /// Rules around earnings dates (the dataset's `events.arrow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earnings: Option<earnings::Earnings>,
    /// Under `strategies`: its share of the account's equity when it sizes a position, in (0, 1]
    /// (default: equal shares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Positive>,
    /// Under `strategies`: the tickers it trades, among `data.tickers` (default: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickers: Option<Vec<Ticker>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawStrategy {
    #[serde(default, with = "serde_norway::with::singleton_map")]
    #[schemars(with = "Option<templates::Template>")]
    template: Option<templates::Template>,
    #[serde(default)]
    legs: Vec<LegSpec>,
    #[serde(default)]
    stock: Option<settlement::StockSpec>,
    #[serde(default)]
    cover: Option<LegSpec>,
    #[serde(default)]
    entry: Entry,
    #[serde(default)]
    exit: Exit,
    #[serde(default)]
    sizing: Sizing,
    #[serde(default)]
    hedge: Option<hedge::Hedge>,
    #[serde(default)]
    roll: Option<roll::Roll>,
    #[serde(default)]
    liquidity: Option<liquidity::Liquidity>,
    #[serde(default)]
    earnings: Option<earnings::Earnings>,
    #[serde(default)]
    weight: Option<Positive>,
    #[serde(default)]
    tickers: Option<Vec<Ticker>>,
}

impl TryFrom<RawStrategy> for Strategy {
    type Error = String;
    fn try_from(r: RawStrategy) -> Result<Self, String> {
        match (&r.template, r.legs.is_empty()) {
            (Some(_), false) => return Err("give either `template` or `legs`, not both".into()),
            (None, true) => return Err("give a `template` or at least one leg in `legs`".into()),
            _ => {}
        }
        if r.template.is_some() && (r.stock.is_some() || r.cover.is_some()) {
            let field = if r.stock.is_some() { "stock" } else { "cover" };
            return Err(format!("{field}: goes with hand-written `legs`; a template brings its own"));
        }
        if let Some(st) = &r.stock
            && st.shares.0 > settlement::MAX_STOCK_SHARES
        {
            return Err(format!(
                "stock: shares: at most {} per unit, got {}",
                settlement::MAX_STOCK_SHARES,
                st.shares.0
            ));
        }
        let s = Strategy {
            template: r.template,
            legs: r.legs,
            stock: r.stock,
            cover: r.cover,
            entry: r.entry,
            exit: r.exit,
            sizing: r.sizing,
            hedge: r.hedge,
            roll: r.roll,
            liquidity: r.liquidity,
            earnings: r.earnings,
            weight: r.weight,
            tickers: r.tickers,
        };
        let structure = s.structure();
        check_legs(&structure.legs)?;
        if let Some(rule) = &s.roll {
            let shorts = structure.legs.iter().chain(structure.cover.iter()).any(|l| l.side == Side::Short);
            let watched_short = rule.legs == roll::WatchedLegs::Short;
            if !shorts && (watched_short || (rule.when.touch && rule.when.dte.is_none() && rule.when.delta.is_none())) {
                return Err(
                    "roll: it watches short legs (`legs: short` or `touch`) and the strategy has none, so it can never fire".into(),
                );
            }
        }
        if let Some(cover) = &structure.cover {
            check_legs(std::slice::from_ref(cover))
                .map_err(|m| format!("cover: {}", m.trim_start_matches("legs[0]: ")))?;
        }
        Ok(s)
    }
}

/// What a strategy trades, templates expanded: the option legs a position opens with, the shares
/// beside them, and the leg written against held shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    pub legs: Vec<LegSpec>,
    pub stock: Option<settlement::StockSpec>,
    pub cover: Option<LegSpec>,
}

impl Strategy {
    /// The option legs to trade: the template's expansion or the hand-written legs.
    pub fn resolved_legs(&self) -> Vec<LegSpec> {
        self.structure().legs
    }

    /// Legs, shares and cover, templates expanded, each leg with the liquidity filter it uses.
    pub fn structure(&self) -> Structure {
        let mut s = match &self.template {
            Some(t) => t.structure(),
            None => Structure { legs: self.legs.clone(), stock: self.stock, cover: self.cover.clone() },
        };
        if self.liquidity.is_some() {
            for leg in s.legs.iter_mut().chain(s.cover.iter_mut()) {
                leg.liquidity = leg.liquidity.or(self.liquidity);
            }
        }
        s
    }
}

/// Cross-leg rules: every leg finds an expiry and a strike; offsets point at earlier legs.
fn check_legs(legs: &[LegSpec]) -> Result<(), String> {
    for (i, leg) in legs.iter().enumerate() {
        let at = |m: String| format!("legs[{i}]: {m}");
        let ways =
            usize::from(leg.delta.is_some()) + usize::from(leg.otm_pct.is_some()) + usize::from(leg.offset.is_some());
        if ways != 1 {
            return Err(at("choose the strike by exactly one of `delta`, `otm_pct` or `offset`".into()));
        }
        if let Some(o) = &leg.offset
            && o.leg >= i
        {
            return Err(at(format!("offset.leg {} must name an earlier leg (0..{i})", o.leg)));
        }
        if leg.qty.0 > MAX_LEG_QTY {
            return Err(at(format!("qty: at most {MAX_LEG_QTY} contracts per unit, got {}", leg.qty.0)));
        }
        if leg.dte.is_none() && leg.offset.is_none() {
            return Err(at("give `dte` (an offset leg may share its reference leg's expiry instead)".into()));
        }
        if let Some(w) = &leg.dte {
            w.check().map_err(|m| at(format!("dte: {m}")))?;
        }
        if let Some(w) = &leg.delta {
            w.check().map_err(|m| at(format!("delta: {m}")))?;
        }
        if let Some(w) = &leg.otm_pct {
            w.check().map_err(|m| at(format!("otm_pct: {m}")))?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Long,
    Short,
}

impl Side {
    /// +1 for long, −1 for short.
    pub fn sign(self) -> f64 {
        match self {
            Side::Long => 1.0,
            Side::Short => -1.0,
        }
    }
}

/// One option leg.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegSpec {
    pub right: Right,
    pub side: Side,
    /// Contracts of this leg per unit of the position (ratio).
    #[serde(default = "one")]
    pub qty: AtLeastOne,
    /// Expiration: the expiry with DTE inside `[min, max]` nearest `target`. An offset leg without
    /// `dte` uses its reference leg's expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dte: Option<DteWindow>,
    /// Strike by |delta| (puts use |call delta − 1|).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<Window<UnitOpen>>,
    /// Strike by distance out of the money, as a fraction of the underlying (0.05 = 5% OTM:
    /// a put 5% below, a call 5% above; negative = in the money).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otm_pct: Option<Window<Moneyness>>,
    /// Strike as a width offset from an earlier leg's strike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<Offset>,
    /// Contracts this leg may choose (overrides `strategy.liquidity` for this leg).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidity: Option<liquidity::Liquidity>,
}

fn one() -> AtLeastOne {
    AtLeastOne(1)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Offset {
    /// Index of the reference leg in `legs` (an earlier one).
    pub leg: usize,
    /// Points added to the reference strike (negative = lower). The listed strike nearest
    /// `reference + width` is used; it must differ from the reference unless width is 0.
    pub width: Finite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawEntry")]
pub struct Entry {
    /// Try to open a position every N trading days, counting from the first day (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_trading_days: Option<AtLeastOne>,
    /// Or only on these weekdays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<Vec<Weekday>>,
    /// Most positions open at once, per ticker.
    #[serde(default = "one")]
    pub max_open: AtLeastOne,
    /// Skip an entry whose net credit per share (after slippage) is below this; a debit is a
    /// negative credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_credit: Option<Finite>,
    /// Enter only when the IV rank is inside a window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iv_rank: Option<IvRank>,
    /// Enter only when every signal listed holds (`all` / `any` combine them).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "serde_norway::with::singleton_map_recursive")]
    #[schemars(with = "Vec<signals::Signal>")]
    pub signals: Vec<signals::Signal>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    every_trading_days: Option<AtLeastOne>,
    #[serde(default)]
    weekdays: Option<Vec<Weekday>>,
    #[serde(default = "one")]
    max_open: AtLeastOne,
    #[serde(default)]
    min_credit: Option<Finite>,
    #[serde(default)]
    iv_rank: Option<IvRank>,
    #[serde(default, with = "serde_norway::with::singleton_map_recursive")]
    #[schemars(with = "Vec<signals::Signal>")]
    signals: Vec<signals::Signal>,
}

impl TryFrom<RawEntry> for Entry {
    type Error = String;
    fn try_from(r: RawEntry) -> Result<Self, String> {
        if r.every_trading_days.is_some() && r.weekdays.is_some() {
            return Err("give `every_trading_days` or `weekdays`, not both".into());
        }
        if r.weekdays.as_ref().is_some_and(Vec::is_empty) {
            return Err("weekdays: list at least one day".into());
        }
        if let Some(iv) = &r.iv_rank
            && iv.min.0 > iv.max.0
        {
            return Err(format!("iv_rank: min {} is above max {}", iv.min.0, iv.max.0));
        }
        for (i, signal) in r.signals.iter().enumerate() {
            signal.check(&format!("signals[{i}]"))?;
        }
        let count: usize = r.signals.iter().map(signals::Signal::count).sum();
        if count > signals::MAX_SIGNALS {
            return Err(format!(
                "signals: at most {} signals, nested ones included, got {count}",
                signals::MAX_SIGNALS
            ));
        }
        Ok(Entry {
            every_trading_days: r.every_trading_days,
            weekdays: r.weekdays,
            max_open: r.max_open,
            min_credit: r.min_credit,
            iv_rank: r.iv_rank,
            signals: r.signals,
        })
    }
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            every_trading_days: None,
            weekdays: None,
            max_open: one(),
            min_credit: None,
            iv_rank: None,
            signals: Vec::new(),
        }
    }
}

/// IV rank = (iv − min) / (max − min) over the last `lookback` trading days (today included), where
/// iv is `smvVol` of the at-the-money strike of the expiry nearest 30 DTE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IvRank {
    #[serde(default = "zero")]
    pub min: UnitClosed,
    #[serde(default = "unit")]
    pub max: UnitClosed,
    #[serde(default = "year")]
    pub lookback: AtLeastOne,
}

fn zero() -> UnitClosed {
    UnitClosed(0.0)
}
fn unit() -> UnitClosed {
    UnitClosed(1.0)
}
fn year() -> AtLeastOne {
    AtLeastOne(252)
}

/// When to close. Checked every day in this order, first trigger wins: expiry, stop_loss,
/// profit_target, dte_exit, max_hold_days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exit {
    /// Close when the P&L reaches this fraction of the entry premium (0.5 = half the credit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profit_target: Option<Positive>,
    /// Close when the loss reaches this multiple of the entry premium (2 = twice the credit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_loss: Option<Positive>,
    /// Close when the nearest leg's DTE is at or below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dte_exit: Option<u32>,
    /// Close after this many trading days held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_hold_days: Option<AtLeastOne>,
}

/// Position size: a fixed number of contracts, or a fraction of equity against the position's
/// maximum loss (defined risk) or against a Reg-T-style margin estimate (naked shorts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawSizing")]
pub struct Sizing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contracts: Option<AtLeastOne>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equity_fraction: Option<UnitOpen>,
    /// What `equity_fraction` is measured against (default `max_loss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<SizingBasis>,
    /// Reg-T-style margin parameters (with `against: margin`).
    #[serde(default)]
    pub margin: Margin,
    /// Never more than this many units (and never more than 100,000, whatever the sizing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contracts: Option<AtLeastOne>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawSizing {
    #[serde(default)]
    contracts: Option<AtLeastOne>,
    #[serde(default)]
    equity_fraction: Option<UnitOpen>,
    #[serde(default)]
    against: Option<SizingBasis>,
    #[serde(default)]
    margin: Margin,
    #[serde(default)]
    max_contracts: Option<AtLeastOne>,
}

impl TryFrom<RawSizing> for Sizing {
    type Error = String;
    fn try_from(r: RawSizing) -> Result<Self, String> {
        if r.contracts.is_some() == r.equity_fraction.is_some() {
            return Err("give exactly one of `contracts` or `equity_fraction`".into());
        }
        if r.against.is_some() && r.equity_fraction.is_none() {
            return Err("`against` goes with `equity_fraction`".into());
        }
        for (field, value) in [("contracts", r.contracts), ("max_contracts", r.max_contracts)] {
            if let Some(v) = value.filter(|v| v.0 > MAX_UNITS) {
                return Err(format!("{field}: at most {MAX_UNITS} units per position, got {}", v.0));
            }
        }
        Ok(Sizing {
            contracts: r.contracts,
            equity_fraction: r.equity_fraction,
            against: r.against,
            margin: r.margin,
            max_contracts: r.max_contracts,
        })
    }
}

impl Default for Sizing {
    fn default() -> Self {
        Sizing {
            contracts: Some(one()),
            equity_fraction: None,
            against: None,
            margin: Margin::default(),
            max_contracts: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SizingBasis {
    MaxLoss,
    Margin,
}

/// Per short option: max(base_pct × S − OTM amount, min_pct × S) × 100 + the premium; spreads and
/// covered structures use their maximum loss instead (docs/scenario.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Margin {
    /// The margin model (`reg_t` or `cash_secured`; docs/scenario.md, "Reality models").
    #[serde(default, skip_serializing_if = "models::is_default")]
    pub model: models::MarginModelName,
    #[serde(default = "base_pct")]
    pub base_pct: UnitOpen,
    #[serde(default = "min_pct")]
    pub min_pct: UnitOpen,
}

fn base_pct() -> UnitOpen {
    UnitOpen(0.20)
}
fn min_pct() -> UnitOpen {
    UnitOpen(0.10)
}

impl Default for Margin {
    fn default() -> Self {
        Margin { model: Default::default(), base_pct: base_pct(), min_pct: min_pct() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Dollars per contract per fill.
    #[serde(default = "commission")]
    pub commission_per_contract: NonNegative,
    /// The commission model (default `per_contract`).
    #[serde(default, skip_serializing_if = "models::is_default")]
    pub commission: CommissionSpec,
    #[serde(default)]
    pub slippage: Slippage,
    /// Costs of share fills.
    #[serde(default)]
    pub stock: settlement::StockCosts,
}

fn commission() -> NonNegative {
    NonNegative(0.65)
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            commission_per_contract: commission(),
            commission: CommissionSpec::default(),
            slippage: Slippage::default(),
            stock: Default::default(),
        }
    }
}

/// Option fills. `spread_fraction` model: sell at mid − f·(mid − bid), buy at mid + f·(ask − mid);
/// f = 0 fills at mid, 1 at the natural bid/ask. `by_legs` model: cross a share of the spread that
/// depends on the order's leg count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slippage {
    /// The fill model (default `spread_fraction`).
    #[serde(default, skip_serializing_if = "models::is_default")]
    pub model: models::FillModelName,
    #[serde(default = "half")]
    pub spread_fraction: UnitClosed,
    /// `by_legs` model: share of the full bid–ask spread crossed by orders of 1, 2, … legs (the
    /// last entry for more legs); default ORATS' 0.75, 0.66, 0.56, 0.53.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_legs: Option<Vec<UnitClosed>>,
    /// The price grid of option fills, in dollars (a buy rounds up onto it, a sell down), under
    /// either model; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick: Option<Positive>,
    /// The grid for prices of $3 and more, when it differs from `tick` (0.05 / 0.10 for most
    /// classes, 0.01 / 0.05 for penny-pilot ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick_from_3: Option<Positive>,
}

/// The commission model and its bounds per option fill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommissionSpec {
    #[serde(default)]
    pub model: models::CommissionModelName,
    /// `capped`: the least an option fill pays, in dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<NonNegative>,
    /// `capped`: the most an option fill pays, in dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<NonNegative>,
}

fn half() -> UnitClosed {
    UnitClosed(0.5)
}

impl Default for Slippage {
    fn default() -> Self {
        Slippage { model: Default::default(), spread_fraction: half(), by_legs: None, tick: None, tick_from_3: None }
    }
}

/// Remote execution size (see docs/remote.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// `orats-7y` (16 vCPU / 120 GB) or `synthetic` (8 vCPU / 60 GB).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "values::optional_text")]
    pub profile: Option<String>,
}

/// The JSON Schema of the scenario, for editors and TypeScript types.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Scenario);
    serde_json::to_value(schema).unwrap_or_default()
}

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
