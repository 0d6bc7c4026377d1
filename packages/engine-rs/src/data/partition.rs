//! One partition file, memory-mapped. Columns are zero-copy views into the mapping: opening a
//! partition reads the footer and the message headers, never the data pages, so a backtest touches
//! only the columns and days it uses.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowDictionaryKeyType, Date32Type, Float64Type, Int32Type};
use arrow_array::{Array, DictionaryArray, RecordBatch, downcast_dictionary_array};
use arrow_buffer::{ArrowNativeType, Buffer, ScalarBuffer};

use crate::data::chain::DayChain;
use crate::data::{ipc, schema};
use crate::dates::iso;
use crate::error::{DataError, DataResult};

/// One record batch's columns. `delta`, `gamma`, `theta`, `vega` and `rho` are ORATS' call greeks.
#[derive(Debug, Clone)]
pub struct Columns {
    pub len: usize,
    pub trade_date: ScalarBuffer<i32>,
    pub expir_date: ScalarBuffer<i32>,
    pub strike: ScalarBuffer<f64>,
    pub stk_px: ScalarBuffer<f64>,
    pub spot_px: ScalarBuffer<f64>,
    pub yte: ScalarBuffer<f64>,
    pub c_bid: ScalarBuffer<f64>,
    pub c_ask: ScalarBuffer<f64>,
    pub c_value: ScalarBuffer<f64>,
    pub p_bid: ScalarBuffer<f64>,
    pub p_ask: ScalarBuffer<f64>,
    pub p_value: ScalarBuffer<f64>,
    pub c_bid_iv: ScalarBuffer<f64>,
    pub c_mid_iv: ScalarBuffer<f64>,
    pub c_ask_iv: ScalarBuffer<f64>,
    pub p_bid_iv: ScalarBuffer<f64>,
    pub p_mid_iv: ScalarBuffer<f64>,
    pub p_ask_iv: ScalarBuffer<f64>,
    pub smv_vol: ScalarBuffer<f64>,
    pub i_rate: ScalarBuffer<f64>,
    pub div_rate: ScalarBuffer<f64>,
    pub delta: ScalarBuffer<f64>,
    pub gamma: ScalarBuffer<f64>,
    pub theta: ScalarBuffer<f64>,
    pub vega: ScalarBuffer<f64>,
    pub rho: ScalarBuffer<f64>,
    pub c_volu: ScalarBuffer<i32>,
    pub c_oi: ScalarBuffer<i32>,
    pub p_volu: ScalarBuffer<i32>,
    pub p_oi: ScalarBuffer<i32>,
    /// Nulls across the ORATS columns (the contract has none; verify reports them).
    pub null_count: usize,
    /// Rows with a null in some ORATS column, when there are any: such a row's quotes are
    /// unusable (never traded, never marked), whatever bytes sit under the null.
    pub null_rows: Option<Arc<[bool]>>,
    /// Distinct ticker strings in this batch's dictionary-encoded ticker column.
    pub tickers: Vec<String>,
}

/// Where one trading day lives: `batches[batch].rows[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    pub trade_date: i32,
    pub batch: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub struct Partition {
    pub path: PathBuf,
    pub batches: Vec<Columns>,
    /// Every trading day, in date order.
    pub days: Vec<DaySpan>,
    pub rows: usize,
    pub bytes: usize,
    /// The whole file, mapped (what a content check hashes).
    raw: Option<Buffer>,
}

impl Partition {
    /// Maps and decodes `path`. Fails with the file named on a truncated or corrupted file, a schema
    /// that is not the ORATS layout, or days out of order / split across record batches.
    pub fn open(path: &Path) -> DataResult<Partition> {
        let file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
        // SAFETY: datasets are immutable once their manifest is written; nothing in this process
        // writes to a mapped partition. A concurrent external writer is outside the contract.
        let mmap = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| DataError::io(path, e))?;
        let bytes = mmap.len();
        let buffer = Buffer::from(bytes::Bytes::from_owner(mmap));
        let batches = ipc::decode(&buffer).map_err(|message| DataError::Arrow { path: path.to_path_buf(), message })?;
        Ok(Partition { raw: Some(buffer), ..Self::from_batches(path, &batches, bytes)? })
    }

    /// The file's bytes as mapped, when it was opened from a file.
    pub fn raw_bytes(&self) -> Option<&[u8]> {
        self.raw.as_deref()
    }

    /// Builds a partition from decoded record batches (also used by tests).
    pub fn from_batches(path: &Path, batches: &[RecordBatch], bytes: usize) -> DataResult<Partition> {
        let Some(first) = batches.first() else {
            return Err(DataError::Layout {
                path: path.to_path_buf(),
                message: "the file holds no record batches".into(),
            });
        };
        schema::check(first.schema().as_ref())
            .map_err(|message| DataError::Schema { path: path.to_path_buf(), message })?;
        let layout = |message: String| DataError::Layout { path: path.to_path_buf(), message };
        let columns: Vec<Columns> = batches
            .iter()
            .enumerate()
            .map(|(b, batch)| Columns::from_batch(batch).map_err(|m| layout(format!("record batch {b}: {m}"))))
            .collect::<Result<_, _>>()?;
        let days = index_days(&columns).map_err(layout)?;
        let rows = columns.iter().map(|c| c.len).sum();
        Ok(Partition { path: path.to_path_buf(), batches: columns, days, rows, bytes, raw: None })
    }

    pub fn first_day(&self) -> Option<i32> {
        self.days.first().map(|d| d.trade_date)
    }

    pub fn last_day(&self) -> Option<i32> {
        self.days.last().map(|d| d.trade_date)
    }

    /// The chain of one trading day, found by binary search over the day index.
    pub fn day(&self, trade_date: i32) -> Option<DayChain<'_>> {
        let i = self.days.binary_search_by_key(&trade_date, |d| d.trade_date).ok()?;
        Some(self.chain(&self.days[i]))
    }

    /// Every trading day's chain, in date order.
    pub fn iter_days(&self) -> impl Iterator<Item = DayChain<'_>> + '_ {
        self.days.iter().map(|span| self.chain(span))
    }

    fn chain(&self, span: &DaySpan) -> DayChain<'_> {
        DayChain::new(&self.batches[span.batch], span.trade_date, span.start, span.end)
    }
}

impl Columns {
    /// Views of one batch's columns (the schema has been checked). Nulls in a key column
    /// (ticker, dates, strike) make the batch unusable; nulls elsewhere mark their rows.
    fn from_batch(batch: &RecordBatch) -> Result<Columns, String> {
        for key in ["ticker", "tradeDate", "expirDate", "strike"] {
            let nulls = batch.column_by_name(key).map_or(0, |a| a.null_count());
            if nulls > 0 {
                return Err(format!("column \"{key}\" has {nulls} null value(s); key columns must be complete"));
            }
        }
        let mut null_count = 0;
        let mut null_rows: Option<Vec<bool>> = None;
        let mut col = |name: &str| -> Result<Arc<dyn Array>, String> {
            let array = batch.column_by_name(name).ok_or_else(|| format!("column \"{name}\" is missing"))?;
            if let Some(nulls) = array.logical_nulls().filter(|n| n.null_count() > 0) {
                null_count += nulls.null_count();
                let rows = null_rows.get_or_insert_with(|| vec![false; batch.num_rows()]);
                for row in nulls.iter().enumerate().filter(|(_, valid)| !valid).map(|(row, _)| row) {
                    rows[row] = true;
                }
            }
            Ok(array.clone())
        };
        let f = |a: Result<Arc<dyn Array>, String>| a.map(|a| a.as_primitive::<Float64Type>().values().clone());
        let i = |a: Result<Arc<dyn Array>, String>| a.map(|a| a.as_primitive::<Int32Type>().values().clone());
        let d = |a: Result<Arc<dyn Array>, String>| a.map(|a| a.as_primitive::<Date32Type>().values().clone());
        let columns = Columns {
            len: batch.num_rows(),
            trade_date: d(col("tradeDate"))?,
            expir_date: d(col("expirDate"))?,
            strike: f(col("strike"))?,
            stk_px: f(col("stkPx"))?,
            spot_px: f(col("spotPx"))?,
            yte: f(col("yte"))?,
            c_bid: f(col("cBidPx"))?,
            c_ask: f(col("cAskPx"))?,
            c_value: f(col("cValue"))?,
            p_bid: f(col("pBidPx"))?,
            p_ask: f(col("pAskPx"))?,
            p_value: f(col("pValue"))?,
            c_bid_iv: f(col("cBidIv"))?,
            c_mid_iv: f(col("cMidIv"))?,
            c_ask_iv: f(col("cAskIv"))?,
            p_bid_iv: f(col("pBidIv"))?,
            p_mid_iv: f(col("pMidIv"))?,
            p_ask_iv: f(col("pAskIv"))?,
            smv_vol: f(col("smvVol"))?,
            i_rate: f(col("iRate"))?,
            div_rate: f(col("divRate"))?,
            delta: f(col("delta"))?,
            gamma: f(col("gamma"))?,
            theta: f(col("theta"))?,
            vega: f(col("vega"))?,
            rho: f(col("rho"))?,
            c_volu: i(col("cVolu"))?,
            c_oi: i(col("cOi"))?,
            p_volu: i(col("pVolu"))?,
            p_oi: i(col("pOi"))?,
            null_count: 0,
            null_rows: None,
            tickers: Vec::new(),
        };
        let tickers = ticker_values(col("ticker")?.as_ref());
        Ok(Columns { null_count, null_rows: null_rows.map(Arc::from), tickers, ..columns })
    }
}

impl Columns {
    /// The columns a day's step reads for a held leg of the given rights, besides the quotes'
    /// bid and ask: the contract's place (expiry, strike), its value and implied vol, the call
    /// greeks, and what a put's greeks are derived from. Each as bytes, with its width.
    pub fn stepped(&self, calls: bool, puts: bool) -> Vec<(&[u8], usize)> {
        fn f(c: &ScalarBuffer<f64>) -> (&[u8], usize) {
            (c.inner().as_slice(), 8)
        }
        let mut out = vec![(self.expir_date.inner().as_slice(), 4), f(&self.strike), f(&self.stk_px)];
        out.extend([&self.delta, &self.gamma, &self.theta, &self.vega].map(f));
        if calls {
            out.extend([&self.c_value, &self.c_mid_iv].map(f));
        }
        if puts {
            out.extend([&self.p_value, &self.p_mid_iv, &self.yte, &self.i_rate, &self.div_rate].map(f));
        }
        out
    }

    /// Reads a byte of every 64 KiB of `rows` in `columns`: the page faults this takes map those
    /// pages for every thread of the process (a fault maps the 64 KiB around it, Linux's default
    /// fault-around), so whoever reads the rows later finds them mapped. On a system that maps
    /// less per fault the later reader faults in the rest itself: slower, never different.
    pub fn touch(columns: &[(&[u8], usize)], rows: Range<usize>) {
        const STRIDE: usize = 64 * 1024;
        for &(bytes, width) in columns {
            let Some(span) = bytes.get(rows.start.saturating_mul(width)..rows.end.saturating_mul(width)) else {
                continue;
            };
            // The first byte, then the first of every 64 KiB-aligned block after it.
            let aligned = (STRIDE - span.as_ptr() as usize % STRIDE) % STRIDE;
            let mut sum = span.first().copied().unwrap_or(0);
            for at in (aligned..span.len()).step_by(STRIDE) {
                sum = sum.wrapping_add(span[at]);
            }
            std::hint::black_box(sum);
        }
    }
}

/// The distinct ticker strings a dictionary column actually uses. Its keys have no nulls (a key
/// column's nulls refuse the batch first), so they are read as they are: one pass over a few
/// bytes a row, no per-row validity test.
fn ticker_values(array: &dyn Array) -> Vec<String> {
    fn used<K: ArrowDictionaryKeyType>(dict: &DictionaryArray<K>) -> Vec<String> {
        let Some(strings) = dict.values().as_string_opt::<i32>() else { return Vec::new() };
        let mut used = vec![false; strings.len()];
        for k in dict.keys().values().iter() {
            if let Some(slot) = k.to_usize().and_then(|k| used.get_mut(k)) {
                *slot = true;
            }
        }
        let mut out: Vec<String> =
            used.iter().enumerate().filter(|(_, u)| **u).map(|(k, _)| strings.value(k).to_string()).collect();
        out.sort();
        out.dedup();
        out
    }
    downcast_dictionary_array!(
        array => used(array),
        _ => Vec::new()
    )
}

/// Finds each trading day's rows. Days must increase across the file and never span two batches.
fn index_days(batches: &[Columns]) -> Result<Vec<DaySpan>, String> {
    let mut days: Vec<DaySpan> = Vec::new();
    for (b, cols) in batches.iter().enumerate() {
        let dates = &cols.trade_date[..];
        let mut start = 0;
        while start < dates.len() {
            let date = dates[start];
            let end = start + dates[start..].iter().take_while(|&&d| d == date).count();
            if let Some(prev) = days.last() {
                if date == prev.trade_date {
                    return Err(format!("trade date {} spans two record batches", iso(date)));
                }
                if date < prev.trade_date {
                    return Err(format!(
                        "trade dates out of order: {} after {} (record batch {b}, row {start})",
                        iso(date),
                        iso(prev.trade_date)
                    ));
                }
            }
            days.push(DaySpan { trade_date: date, batch: b, start, end });
            start = end;
        }
    }
    Ok(days)
}
