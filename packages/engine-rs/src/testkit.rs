//! Hand-made datasets for tests: tiny partitions written with arrow's own IPC writer, and a
//! manifest computed from the files, so every test states its data explicitly.

use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Date32Array, DictionaryArray, Float64Array, Int32Array, RecordBatch};
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field, Schema};

use crate::data::manifest::{Manifest, PartitionEntry, SCHEMA_VERSION, sha256_file};
use crate::data::schema::{FLOAT_COLUMNS, INT_COLUMNS};
use crate::dates::{iso, parse_iso, year_of};

/// One row of a test chain. Unset prices default to a sane quote around `mid`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub trade_date: i32,
    pub expir_date: i32,
    pub strike: f64,
    pub stk_px: f64,
    pub c_bid: f64,
    pub c_ask: f64,
    pub p_bid: f64,
    pub p_ask: f64,
    pub delta: f64,
    pub smv_vol: f64,
    /// Write the put's bid as null (a gap in the file).
    pub null_put_bid: bool,
    /// Open interest of both sides (volume is 10 everywhere).
    pub open_interest: i32,
}

/// Date32 days of an ISO date; panics on a typo (test data only).
pub fn d(text: &str) -> i32 {
    parse_iso(text).unwrap_or_else(|| panic!("bad test date {text}"))
}

impl Row {
    pub fn new(trade: &str, expiry: &str, strike: f64) -> Row {
        Row {
            trade_date: d(trade),
            expir_date: d(expiry),
            strike,
            stk_px: 100.0,
            c_bid: 1.0,
            c_ask: 1.2,
            p_bid: 1.0,
            p_ask: 1.2,
            delta: 0.5,
            smv_vol: 0.2,
            null_put_bid: false,
            open_interest: 10,
        }
    }
    /// Every implied volatility of the row (`smvVol` and the quotes' IVs).
    pub fn iv(mut self, v: f64) -> Row {
        self.smv_vol = v;
        self
    }
    pub fn open_interest(mut self, n: i32) -> Row {
        self.open_interest = n;
        self
    }
    pub fn null_put_bid(mut self) -> Row {
        self.null_put_bid = true;
        self
    }
    pub fn delta(mut self, delta: f64) -> Row {
        self.delta = delta;
        self
    }
    pub fn call(mut self, bid: f64, ask: f64) -> Row {
        self.c_bid = bid;
        self.c_ask = ask;
        self
    }
    pub fn spot(mut self, px: f64) -> Row {
        self.stk_px = px;
        self
    }
    pub fn put(mut self, bid: f64, ask: f64) -> Row {
        self.p_bid = bid;
        self.p_ask = ask;
        self
    }
}

pub fn schema() -> Schema {
    let mut fields = vec![
        Field::new("ticker", DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)), false),
        Field::new("tradeDate", DataType::Date32, false),
        Field::new("expirDate", DataType::Date32, false),
    ];
    // Nullable, as ORATS exports may be: the reader must cope with nulls in the values.
    fields.extend(FLOAT_COLUMNS.iter().map(|n| Field::new(*n, DataType::Float64, true)));
    fields.extend(INT_COLUMNS.iter().map(|n| Field::new(*n, DataType::Int32, true)));
    Schema::new(fields)
}

/// A record batch of `rows` for `ticker`, in the given order (tests may pass unsorted rows).
pub fn batch(ticker: &str, rows: &[Row]) -> RecordBatch {
    let n = rows.len();
    let float = |name: &str| -> ArrayRef {
        let v: Vec<f64> = rows
            .iter()
            .map(|r| match name {
                "strike" => r.strike,
                "stkPx" | "spotPx" => r.stk_px,
                "yte" => f64::from(r.expir_date - r.trade_date) / 365.0,
                "cBidPx" => r.c_bid,
                "cAskPx" => r.c_ask,
                "cValue" => 0.5 * (r.c_bid + r.c_ask),
                "pBidPx" => r.p_bid,
                "pAskPx" => r.p_ask,
                "pValue" => 0.5 * (r.p_bid + r.p_ask),
                "delta" => r.delta,
                "smvVol" | "cBidIv" | "cMidIv" | "cAskIv" | "pBidIv" | "pMidIv" | "pAskIv" => r.smv_vol,
                "iRate" => 0.04,
                "divRate" => 0.01,
                _ => 0.0,
            })
            .collect();
        let nulls: Vec<bool> = rows.iter().map(|r| name == "pBidPx" && r.null_put_bid).collect();
        if nulls.iter().any(|&n| n) {
            let values: Vec<Option<f64>> = v.iter().zip(&nulls).map(|(&x, &null)| (!null).then_some(x)).collect();
            return Arc::new(Float64Array::from(values));
        }
        Arc::new(Float64Array::from(v))
    };
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(DictionaryArray::<Int32Type>::from_iter(std::iter::repeat_n(ticker, n))),
        Arc::new(Date32Array::from(rows.iter().map(|r| r.trade_date).collect::<Vec<_>>())),
        Arc::new(Date32Array::from(rows.iter().map(|r| r.expir_date).collect::<Vec<_>>())),
    ];
    columns.extend(FLOAT_COLUMNS.iter().map(|c| float(c)));
    columns.extend(INT_COLUMNS.iter().map(|c| {
        let v: Vec<i32> = rows.iter().map(|r| if c.ends_with("Oi") { r.open_interest } else { 10 }).collect();
        Arc::new(Int32Array::from(v)) as ArrayRef
    }));
    RecordBatch::try_new(Arc::new(schema()), columns).expect("test batch matches the schema")
}

/// Writes one partition file, one record batch per element of `batches`.
pub fn write_partition(path: &Path, ticker: &str, batches: &[Vec<Row>]) {
    std::fs::create_dir_all(path.parent().expect("partition path has a parent")).expect("mkdir");
    let file = std::fs::File::create(path).expect("create partition");
    let mut w = FileWriter::try_new(file, &schema()).expect("writer");
    for rows in batches {
        w.write(&batch(ticker, rows)).expect("write batch");
    }
    w.finish().expect("finish");
}

/// Writes `<dir>/<TICKER>/<YEAR>.arrow` for each (ticker, day-batches) and a matching manifest.
/// Rows are split into partitions by the year of their trade date.
pub fn write_dataset(dir: &Path, name: &str, data: &[(&str, Vec<Vec<Row>>)]) -> Manifest {
    let mut partitions = Vec::new();
    for (ticker, batches) in data {
        let mut years: Vec<i32> = batches.iter().flatten().map(|r| year_of(r.trade_date)).collect();
        years.sort();
        years.dedup();
        for year in years {
            let in_year: Vec<Vec<Row>> = batches
                .iter()
                .map(|b| b.iter().filter(|r| year_of(r.trade_date) == year).cloned().collect::<Vec<_>>())
                .filter(|b| !b.is_empty())
                .collect();
            let rel = format!("{ticker}/{year}.arrow");
            let path = dir.join(&rel);
            write_partition(&path, ticker, &in_year);
            let all: Vec<&Row> = in_year.iter().flatten().collect();
            partitions.push(PartitionEntry {
                path: rel,
                ticker: (*ticker).to_string(),
                year,
                first_trade_date: iso(all.iter().map(|r| r.trade_date).min().unwrap_or_default()),
                last_trade_date: iso(all.iter().map(|r| r.trade_date).max().unwrap_or_default()),
                rows: all.len() as u64,
                bytes: std::fs::metadata(&path).expect("stat").len(),
                sha256: sha256_file(&path).expect("hash"),
            });
        }
    }
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        name: name.to_string(),
        created_by: Some("testkit".into()),
        source: serde_json::json!({ "kind": "test" }),
        tickers: data.iter().map(|(t, _)| (*t).to_string()).collect(),
        partitions,
        events: None,
        series: None,
    };
    write_manifest(dir, &manifest);
    manifest
}

pub fn write_manifest(dir: &Path, manifest: &Manifest) {
    let text = serde_json::to_string_pretty(manifest).expect("manifest serializes");
    std::fs::write(dir.join(crate::data::manifest::MANIFEST_FILE), text).expect("write manifest");
}

/// One row of a test `events.arrow`: (ticker, date, kind, amount, session).
pub type EventRow<'a> = (&'a str, &'a str, &'a str, Option<f64>, Option<&'a str>);

/// Writes `<dir>/events.arrow` from `rows` (in the order given, so tests can write bad files) and
/// lists it in the manifest.
pub fn write_events(dir: &Path, manifest: &mut Manifest, rows: &[EventRow<'_>]) {
    use arrow_array::StringArray;
    let dict = || DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let schema = Arc::new(Schema::new(vec![
        Field::new("ticker", dict(), false),
        Field::new("date", DataType::Date32, false),
        Field::new("kind", dict(), false),
        Field::new("amount", DataType::Float64, true),
        Field::new("session", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(rows.iter().map(|r| r.0).collect::<DictionaryArray<Int32Type>>()),
        Arc::new(Date32Array::from(rows.iter().map(|r| d(r.1)).collect::<Vec<_>>())),
        Arc::new(rows.iter().map(|r| r.2).collect::<DictionaryArray<Int32Type>>()),
        Arc::new(Float64Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
        Arc::new(StringArray::from(rows.iter().map(|r| r.4).collect::<Vec<_>>())),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("events batch");
    let path = dir.join(crate::data::events::EVENTS_FILE);
    let file = std::fs::File::create(&path).expect("create events");
    let mut w = FileWriter::try_new(file, &schema).expect("writer");
    w.write(&batch).expect("write events");
    w.finish().expect("finish");
    let dates: Vec<i32> = rows.iter().map(|r| d(r.1)).collect();
    manifest.events = Some(crate::data::events::EventsEntry {
        path: crate::data::events::EVENTS_FILE.into(),
        rows: rows.len() as u64,
        bytes: std::fs::metadata(&path).expect("stat").len(),
        sha256: sha256_file(&path).expect("hash"),
        first_date: iso(dates.iter().copied().min().unwrap_or_default()),
        last_date: iso(dates.iter().copied().max().unwrap_or_default()),
    });
    write_manifest(dir, manifest);
}

/// One row of a test `series.arrow`: (name, date, value).
pub type SeriesRow<'a> = (&'a str, &'a str, f64);

/// Writes `<dir>/series.arrow` from `rows` (in the order given, so tests can write bad files) and
/// lists it in the manifest, its names as the rows give them (sorted, without repeats).
pub fn write_series(dir: &Path, manifest: &mut Manifest, rows: &[SeriesRow<'_>]) {
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", dict, false),
        Field::new("date", DataType::Date32, false),
        Field::new("value", DataType::Float64, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(rows.iter().map(|r| r.0).collect::<DictionaryArray<Int32Type>>()),
        Arc::new(Date32Array::from(rows.iter().map(|r| d(r.1)).collect::<Vec<_>>())),
        Arc::new(Float64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("series batch");
    let path = dir.join(crate::data::series::SERIES_FILE);
    let file = std::fs::File::create(&path).expect("create series");
    let mut w = FileWriter::try_new(file, &schema).expect("writer");
    w.write(&batch).expect("write series");
    w.finish().expect("finish");
    let dates: Vec<i32> = rows.iter().map(|r| d(r.1)).collect();
    let mut names: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
    names.sort();
    names.dedup();
    manifest.series = Some(crate::data::series::SeriesEntry {
        path: crate::data::series::SERIES_FILE.into(),
        rows: rows.len() as u64,
        bytes: std::fs::metadata(&path).expect("stat").len(),
        sha256: sha256_file(&path).expect("hash"),
        names,
        first_date: iso(dates.iter().copied().min().unwrap_or_default()),
        last_date: iso(dates.iter().copied().max().unwrap_or_default()),
    });
    write_manifest(dir, manifest);
}
