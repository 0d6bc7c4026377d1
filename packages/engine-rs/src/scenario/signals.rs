//! Entry signals (docs/scenario.md, "strategy.entry.signals"): conditions on the ticker's own
//! chain and price history that must hold for an entry, combinable with `all` and `any`. Each
//! reads only what is known at that day's close.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{AtLeastOne, Finite, UnitClosed};

/// Most signals in one scenario, nested ones included.
pub const MAX_SIGNALS: usize = 64;
/// Longest lookback of any signal, in trading days (about 20 years).
pub const MAX_LOOKBACK: u32 = 5040;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Signal {
    /// The share of the previous `lookback − 1` days whose ATM IV was below today's, in a window.
    IvPercentile(IvPercentile),
    /// ATM IV of the expiry nearest `front_dte` against that of the expiry nearest `back_dte`.
    TermStructure(TermStructure),
    /// ATM IV over the underlying's realized volatility (close to close, `window` days).
    IvRv(IvRv),
    /// The underlying above or below its simple moving average.
    Sma(Sma),
    /// The underlying's return over `days` trading days, in bounds.
    Momentum(Momentum),
    /// A daily series of the dataset (`series.arrow`, e.g. `VIX`), or its change, in bounds.
    Series(SeriesSignal),
    /// Listed dates (a date set of the dataset, or a CSV beside the scenario): enter only on
    /// them, or never on them.
    Dates(DatesSignal),
    /// Every signal listed holds.
    All(Vec<Signal>),
    /// At least one signal listed holds.
    Any(Vec<Signal>),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IvPercentile {
    /// Trading days in the window, today included (at least 2).
    #[serde(default = "year")]
    pub lookback: AtLeastOne,
    #[serde(default = "zero")]
    pub min: UnitClosed,
    #[serde(default = "unit")]
    pub max: UnitClosed,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TermStructure {
    /// Target DTE of the front expiry.
    pub front_dte: AtLeastOne,
    /// Target DTE of the back expiry (greater than `front_dte`).
    pub back_dte: AtLeastOne,
    /// Bounds on front IV / back IV (below 1 = contango).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Bounds>,
    /// Bounds on front IV − back IV, in IV units (0.02 = two vol points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference: Option<Bounds>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IvRv {
    /// Trading days of returns in the realized volatility (at least 2).
    #[serde(default = "month")]
    pub window: AtLeastOne,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Finite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Finite>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sma {
    /// Trading days in the average, today included.
    pub days: AtLeastOne,
    /// Where today's price must be.
    pub price: Side,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Above,
    Below,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Momentum {
    /// Trading days back: the return is S_today / S_(days ago) − 1.
    pub days: AtLeastOne,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Finite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Finite>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesSignal {
    /// The series' name in the dataset's `series.arrow`.
    pub name: String,
    /// Bound the change over this many of the series' own observations instead of its level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<AtLeastOne>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Finite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Finite>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatesSignal {
    /// A date set of the dataset (`aegis-data import-dates`; stored in `series.arrow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
    /// A CSV file beside the scenario (a relative path, no `..`): a `date` column, and optionally
    /// a `ticker` column (a row without a ticker lists the date for every ticker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `only`: enter only on the listed dates; `never`: never on them.
    #[serde(default)]
    pub on: DatesOn,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatesOn {
    #[default]
    Only,
    Never,
}

/// Where a `dates` signal's list comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DatesSource<'a> {
    /// A date set of the dataset.
    Set(&'a str),
    /// A file beside the scenario, as written.
    File(&'a str),
}

impl DatesSignal {
    pub fn source(&self) -> DatesSource<'_> {
        match (&self.set, &self.file) {
            (Some(set), _) => DatesSource::Set(set),
            (None, Some(file)) => DatesSource::File(file),
            (None, None) => DatesSource::Set(""),
        }
    }
}

/// Whether `path` may name a file beside a scenario: relative, without `..`, `\` or control
/// characters, at most 255 bytes (it is also a key under the scenario's S3 prefix).
pub fn valid_beside(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 255
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.split('/').all(|part| !part.is_empty() && part != ".." && part != ".")
}

impl SeriesSignal {
    pub fn bounds(&self) -> Bounds {
        Bounds { min: self.min, max: self.max }
    }
}

/// `min ≤ value ≤ max`; either may be left out, not both.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Finite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Finite>,
}

impl IvRv {
    pub fn bounds(&self) -> Bounds {
        Bounds { min: self.min, max: self.max }
    }
}

impl Momentum {
    pub fn bounds(&self) -> Bounds {
        Bounds { min: self.min, max: self.max }
    }
}

impl Bounds {
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite() && self.min.is_none_or(|m| v >= m.0) && self.max.is_none_or(|m| v <= m.0)
    }
}

fn year() -> AtLeastOne {
    AtLeastOne(252)
}
fn month() -> AtLeastOne {
    AtLeastOne(20)
}
fn zero() -> UnitClosed {
    UnitClosed(0.0)
}
fn unit() -> UnitClosed {
    UnitClosed(1.0)
}

/// The kinds a blocked entry is counted under (`diagnostics.signals_blocked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    IvPercentile,
    TermStructure,
    IvRv,
    Sma,
    Momentum,
    Series,
    Dates,
}

impl Signal {
    /// Rules the deserializer cannot state; messages start with the signal's path (`at`, its
    /// segments joined by `: ` as [`super::parse`] expects).
    pub fn check(&self, at: &str) -> Result<(), String> {
        let bounds = |b: &Bounds, what: &str| -> Result<(), String> {
            match (b.min, b.max) {
                (None, None) => Err(format!("{at}: {what}: give `min`, `max` or both")),
                (Some(lo), Some(hi)) if lo.0 > hi.0 => Err(format!("{at}: {what}: min {lo} is above max {hi}")),
                _ => Ok(()),
            }
        };
        let lookback = |n: u32, field: &str, least: u32| -> Result<(), String> {
            if n < least || n > MAX_LOOKBACK {
                return Err(format!("{at}: {field}: between {least} and {MAX_LOOKBACK} trading days, got {n}"));
            }
            Ok(())
        };
        match self {
            Signal::IvPercentile(p) => {
                lookback(p.lookback.0, "iv_percentile: lookback", 2)?;
                if p.min.0 > p.max.0 {
                    return Err(format!("{at}: iv_percentile: min {} is above max {}", p.min, p.max));
                }
            }
            Signal::TermStructure(t) => {
                if t.front_dte.0 >= t.back_dte.0 {
                    return Err(format!(
                        "{at}: term_structure: front_dte ({}) must be below back_dte ({})",
                        t.front_dte.0, t.back_dte.0
                    ));
                }
                match (&t.ratio, &t.difference) {
                    (Some(b), None) => bounds(b, "term_structure: ratio")?,
                    (None, Some(b)) => bounds(b, "term_structure: difference")?,
                    _ => return Err(format!("{at}: term_structure: give exactly one of `ratio` or `difference`")),
                }
            }
            Signal::IvRv(r) => {
                lookback(r.window.0, "iv_rv: window", 2)?;
                bounds(&r.bounds(), "iv_rv")?;
            }
            Signal::Sma(s) => lookback(s.days.0, "sma: days", 1)?,
            Signal::Momentum(m) => {
                lookback(m.days.0, "momentum: days", 1)?;
                bounds(&m.bounds(), "momentum")?;
            }
            Signal::Series(s) => {
                if !crate::data::series::valid_name(&s.name) {
                    return Err(format!(
                        "{at}: series: name: \"{}\" is not a series name (1 to {} of A-Z a-z 0-9 _ . -, starting with a letter)",
                        s.name,
                        crate::data::series::MAX_NAME
                    ));
                }
                if let Some(n) = s.change {
                    lookback(n.0, "series: change", 1)?;
                }
                bounds(&s.bounds(), "series")?;
            }
            Signal::Dates(d) => match (&d.set, &d.file) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(format!(
                        "{at}: dates: give exactly one of `set` (in the dataset) or `file` (beside the scenario)"
                    ));
                }
                (Some(set), None) if !crate::data::series::valid_name(set) || set.contains('.') => {
                    return Err(format!(
                        "{at}: dates: set: \"{set}\" is not a date set name (a letter, then letters, digits, '_' and '-')"
                    ));
                }
                (None, Some(file)) if !valid_beside(file) => {
                    return Err(format!(
                        "{at}: dates: file: \"{}\" must be a path relative to the scenario, without '..'",
                        file.escape_debug()
                    ));
                }
                _ => {}
            },
            Signal::All(list) | Signal::Any(list) => {
                let name = if matches!(self, Signal::All(_)) { "all" } else { "any" };
                if list.is_empty() {
                    return Err(format!("{at}: {name}: list at least one signal"));
                }
                for (i, s) in list.iter().enumerate() {
                    s.check(&format!("{at}: {name}[{i}]"))?;
                }
            }
        }
        Ok(())
    }

    /// The dataset series it reads, in order (with repeats).
    pub fn series_names(&self) -> Vec<&str> {
        match self {
            Signal::Series(s) => vec![s.name.as_str()],
            Signal::All(list) | Signal::Any(list) => list.iter().flat_map(Signal::series_names).collect(),
            _ => Vec::new(),
        }
    }

    /// The lists of dates it reads, in order (with repeats).
    pub fn dates_sources(&self) -> Vec<DatesSource<'_>> {
        match self {
            Signal::Dates(d) => vec![d.source()],
            Signal::All(list) | Signal::Any(list) => list.iter().flat_map(Signal::dates_sources).collect(),
            _ => Vec::new(),
        }
    }

    /// Signals in this one, itself included.
    pub fn count(&self) -> usize {
        match self {
            Signal::All(list) | Signal::Any(list) => 1 + list.iter().map(Signal::count).sum::<usize>(),
            _ => 1,
        }
    }

    /// Trading days of ATM IV history it needs (today included), and of prices.
    pub fn history(&self) -> (usize, usize) {
        match self {
            Signal::IvPercentile(p) => (p.lookback.0 as usize, 0),
            Signal::TermStructure(_) => (0, 0),
            Signal::IvRv(r) => (1, r.window.0 as usize + 1),
            Signal::Sma(s) => (0, s.days.0 as usize),
            Signal::Momentum(m) => (0, m.days.0 as usize + 1),
            Signal::Series(_) | Signal::Dates(_) => (0, 0),
            Signal::All(list) | Signal::Any(list) => {
                list.iter().map(Signal::history).fold((0, 0), |(a, b), (c, d)| (a.max(c), b.max(d)))
            }
        }
    }
}
