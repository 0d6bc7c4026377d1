//! `events.arrow`: a dataset's ex-dividend dates, earnings dates and splits (docs/data-format.md,
//! "events.arrow"). Optional; listed in the manifest under `events` with its size, rows, dates and
//! sha256. Read whole (a dataset holds thousands of events, not millions), checked against its
//! manifest entry as the verify policy says, and against the rules of the format: known tickers,
//! dates inside each ticker's data, known kinds, amounts that make sense, sorted and unique.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type};
use arrow_array::{Array, RecordBatch};
use serde::{Deserialize, Serialize};

use super::integrity::{PartitionCheck, VerifyPolicy};
use super::manifest::Manifest;
use super::sidecar::{self, Listed, Strings};
use crate::dates::iso;
use crate::error::{DataError, DataResult};

pub const EVENTS_FILE: &str = "events.arrow";

/// The manifest's `events` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsEntry {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    pub first_date: String,
    pub last_date: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Earnings,
    ExDividend,
    Split,
}

impl EventKind {
    fn parse(s: &str) -> Option<EventKind> {
        match s {
            "earnings" => Some(EventKind::Earnings),
            "ex_dividend" => Some(EventKind::ExDividend),
            "split" => Some(EventKind::Split),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub date: i32,
    pub kind: EventKind,
    /// Dividend per share, split ratio; `None` for earnings.
    pub amount: Option<f64>,
    /// Earnings before the open (`true`) or after the close (`false`).
    pub before_open: Option<bool>,
}

/// Events by ticker, each list in date order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Events {
    by_ticker: BTreeMap<String, Vec<Event>>,
}

impl Events {
    pub fn of(&self, ticker: &str) -> &[Event] {
        self.by_ticker.get(ticker).map_or(&[], Vec::as_slice)
    }

    /// The dividend per share going ex on `date`, if any.
    pub fn dividend(&self, ticker: &str, date: i32) -> Option<f64> {
        let list = self.of(ticker);
        let i = list.partition_point(|e| e.date < date);
        list[i..].iter().take_while(|e| e.date == date).find(|e| e.kind == EventKind::ExDividend).and_then(|e| e.amount)
    }

    pub fn len(&self) -> usize {
        self.by_ticker.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the dataset's events, checked as `policy` says; none when the manifest lists none.
    pub fn load(
        dir: &Path,
        manifest: &Manifest,
        policy: &VerifyPolicy,
    ) -> DataResult<(Events, Option<PartitionCheck>)> {
        let Some(entry) = &manifest.events else { return Ok((Events::default(), None)) };
        let listed = Listed { path: &entry.path, bytes: entry.bytes, sha256: &entry.sha256 };
        let (path, bytes, check) = sidecar::read(dir, listed, policy)?;
        let events = parse(&bytes, &path, manifest)?;
        let first = events.by_ticker.values().filter_map(|l| l.first()).map(|e| e.date).min();
        let last = events.by_ticker.values().filter_map(|l| l.last()).map(|e| e.date).max();
        let listed_dates = (entry.first_date.as_str(), entry.last_date.as_str());
        sidecar::check_counts(&path, events.len() as u64, entry.rows, first.zip(last), listed_dates)?;
        Ok((events, Some(check)))
    }
}

/// Decodes and checks events.arrow's bytes against the format and the dataset's tickers and spans.
pub fn parse(bytes: &[u8], path: &Path, manifest: &Manifest) -> DataResult<Events> {
    let batches =
        super::ipc::decode_bytes(bytes).map_err(|message| DataError::Arrow { path: path.to_path_buf(), message })?;
    let layout = |message: String| DataError::Layout { path: path.to_path_buf(), message };
    // Each ticker's data span, from the manifest.
    let mut spans: BTreeMap<&str, (i32, i32)> = BTreeMap::new();
    for p in &manifest.partitions {
        let span = spans.entry(p.ticker.as_str()).or_insert((i32::MAX, i32::MIN));
        span.0 = span.0.min(p.first_day());
        span.1 = span.1.max(p.last_day());
    }
    let mut events = Events::default();
    let mut previous: Option<(String, i32, EventKind)> = None;
    let mut row = 0usize;
    for batch in &batches {
        let columns = Columns::of(batch, path)?;
        for i in 0..batch.num_rows() {
            row += 1;
            let at = |m: String| layout(format!("row {row}: {m}"));
            let (Some(ticker), Some(date), Some(kind)) = (columns.ticker(i), columns.date(i), columns.kind(i)) else {
                return Err(at("ticker, date and kind must not be null".into()));
            };
            let kind = EventKind::parse(kind)
                .ok_or_else(|| at(format!("kind: \"{kind}\" is not earnings, ex_dividend or split")))?;
            let Some(&(first, last)) = spans.get(ticker) else {
                return Err(at(format!("ticker: {ticker} is not one of the dataset's tickers")));
            };
            if date < first || date > last {
                return Err(at(format!(
                    "date: {} is outside {ticker}'s data, {} to {}",
                    iso(date),
                    iso(first),
                    iso(last)
                )));
            }
            let amount = columns.amount(i);
            match (kind, amount) {
                (EventKind::ExDividend, Some(a)) if a.is_finite() && a > 0.0 => {}
                (EventKind::Split, Some(a)) if a.is_finite() && a > 0.0 && a != 1.0 => {}
                (EventKind::Earnings, None) => {}
                (EventKind::Earnings, Some(a)) => return Err(at(format!("amount: earnings carry no amount, got {a}"))),
                (k, a) => {
                    let what = if k == EventKind::Split { "a split ratio > 0 other than 1" } else { "a dividend > 0" };
                    return Err(at(format!(
                        "amount: expected {what}, got {}",
                        a.map_or("null".into(), |a| a.to_string())
                    )));
                }
            }
            let session = columns.session(i);
            let before_open = match (kind, session) {
                (EventKind::Earnings, Some("bmo")) => Some(true),
                (EventKind::Earnings, Some("amc")) => Some(false),
                (_, None) => None,
                (_, Some(s)) => return Err(at(format!("session: \"{s}\" is not bmo or amc on an earnings row"))),
            };
            let key = (ticker.to_string(), date, kind);
            if let Some(prev) = &previous
                && *prev >= key
            {
                let what = if *prev == key { "repeats the row before it" } else { "is out of order" };
                return Err(at(format!(
                    "({ticker}, {}, {kind:?}) {what}; rows are sorted by ticker, date, kind",
                    iso(date)
                )));
            }
            previous = Some(key);
            events.by_ticker.entry(ticker.to_string()).or_default().push(Event { date, kind, amount, before_open });
        }
    }
    Ok(events)
}

/// The five columns of an events batch, by name, of the expected types.
struct Columns<'a> {
    ticker: Strings<'a>,
    date: &'a arrow_array::PrimitiveArray<Date32Type>,
    kind: Strings<'a>,
    amount: &'a arrow_array::PrimitiveArray<Float64Type>,
    session: Strings<'a>,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a RecordBatch, path: &Path) -> DataResult<Columns<'a>> {
        let bad = |message: String| DataError::Schema { path: PathBuf::from(path), message };
        let column =
            |name: &str| batch.column_by_name(name).ok_or_else(|| bad(format!("events.arrow has no `{name}` column")));
        let strings = |name: &str| Strings::of(batch, name, EVENTS_FILE, path);
        let date = column("date")?;
        let date = date
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| bad(format!("`date` is {}, expected Date32", date.data_type())))?;
        let amount = column("amount")?;
        let amount = amount
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| bad(format!("`amount` is {}, expected Float64", amount.data_type())))?;
        Ok(Columns { ticker: strings("ticker")?, date, kind: strings("kind")?, amount, session: strings("session")? })
    }

    fn ticker(&self, i: usize) -> Option<&str> {
        self.ticker.get(i)
    }
    fn date(&self, i: usize) -> Option<i32> {
        self.date.is_valid(i).then(|| self.date.value(i))
    }
    fn kind(&self, i: usize) -> Option<&str> {
        self.kind.get(i)
    }
    fn amount(&self, i: usize) -> Option<f64> {
        self.amount.is_valid(i).then(|| self.amount.value(i))
    }
    fn session(&self, i: usize) -> Option<&str> {
        self.session.get(i)
    }
}
