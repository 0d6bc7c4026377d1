//! One partition file, memory-mapped. Columns are zero-copy views into the mapping: opening a
//! partition reads the footer and the message headers, never the data pages, so a backtest touches
//! only the columns and days it uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type};
use arrow_array::{Array, RecordBatch};
use arrow_buffer::{Buffer, ScalarBuffer};
use arrow_ipc::convert::try_fb_to_schema;
use arrow_ipc::reader::{FileDecoder, read_footer_length};
use arrow_ipc::root_as_footer;

use crate::data::chain::DayChain;
use crate::data::schema;
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
        let batches = decode(&buffer).map_err(|message| DataError::Arrow { path: path.to_path_buf(), message })?;
        Self::from_batches(path, &batches, bytes)
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
        let columns: Vec<Columns> = batches.iter().map(Columns::from_batch).collect();
        let days = index_days(&columns).map_err(|message| DataError::Layout { path: path.to_path_buf(), message })?;
        let rows = columns.iter().map(|c| c.len).sum();
        Ok(Partition { path: path.to_path_buf(), batches: columns, days, rows, bytes })
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

/// Decodes every record batch of an IPC file held in `buffer`, zero-copy.
fn decode(buffer: &Buffer) -> Result<Vec<RecordBatch>, String> {
    const TRAILER: usize = 10; // footer length (4) + "ARROW1" (6)
    if buffer.len() < TRAILER + 8 || &buffer[..6] != b"ARROW1" {
        return Err(format!("too short or missing the ARROW1 magic ({} bytes); truncated?", buffer.len()));
    }
    let trailer_start = buffer.len() - TRAILER;
    let trailer: [u8; TRAILER] = buffer[trailer_start..].try_into().map_err(|_| "bad trailer".to_string())?;
    let footer_len = read_footer_length(trailer).map_err(|e| format!("{e}; truncated?"))?;
    if footer_len > trailer_start {
        return Err("footer length exceeds the file size; truncated?".into());
    }
    let footer = root_as_footer(&buffer[trailer_start - footer_len..trailer_start])
        .map_err(|e| format!("unreadable footer: {e}"))?;
    let fb_schema = footer.schema().ok_or("the footer has no schema")?;
    let schema = try_fb_to_schema(fb_schema).map_err(|e| e.to_string())?;
    let mut decoder = FileDecoder::new(Arc::new(schema), footer.version());
    let slice = |offset: i64, len: usize| -> Result<Buffer, String> {
        let offset = usize::try_from(offset).map_err(|_| "negative block offset".to_string())?;
        if offset.checked_add(len).is_none_or(|end| end > trailer_start) {
            return Err(format!("a block at byte {offset} runs past the end of the data; truncated?"));
        }
        Ok(buffer.slice_with_length(offset, len))
    };
    for block in footer.dictionaries().iter().flatten() {
        let len = block.bodyLength() as usize + block.metaDataLength() as usize;
        decoder.read_dictionary(block, &slice(block.offset(), len)?).map_err(|e| e.to_string())?;
    }
    let mut batches = Vec::new();
    for block in footer.recordBatches().iter().flatten() {
        let len = block.bodyLength() as usize + block.metaDataLength() as usize;
        if let Some(batch) =
            decoder.read_record_batch(block, &slice(block.offset(), len)?).map_err(|e| e.to_string())?
        {
            batches.push(batch);
        }
    }
    Ok(batches)
}

impl Columns {
    /// Views of one batch's columns; the schema has been checked, so every lookup succeeds.
    fn from_batch(batch: &RecordBatch) -> Columns {
        let mut null_count = 0;
        let mut col = |name: &str| {
            let array = batch.column_by_name(name).expect("schema checked");
            null_count += array.null_count();
            array.clone()
        };
        let f = |a: Arc<dyn Array>| a.as_primitive::<Float64Type>().values().clone();
        let i = |a: Arc<dyn Array>| a.as_primitive::<Int32Type>().values().clone();
        let d = |a: Arc<dyn Array>| a.as_primitive::<Date32Type>().values().clone();
        let columns = Columns {
            len: batch.num_rows(),
            trade_date: d(col("tradeDate")),
            expir_date: d(col("expirDate")),
            strike: f(col("strike")),
            stk_px: f(col("stkPx")),
            spot_px: f(col("spotPx")),
            yte: f(col("yte")),
            c_bid: f(col("cBidPx")),
            c_ask: f(col("cAskPx")),
            c_value: f(col("cValue")),
            p_bid: f(col("pBidPx")),
            p_ask: f(col("pAskPx")),
            p_value: f(col("pValue")),
            c_bid_iv: f(col("cBidIv")),
            c_mid_iv: f(col("cMidIv")),
            c_ask_iv: f(col("cAskIv")),
            p_bid_iv: f(col("pBidIv")),
            p_mid_iv: f(col("pMidIv")),
            p_ask_iv: f(col("pAskIv")),
            smv_vol: f(col("smvVol")),
            i_rate: f(col("iRate")),
            div_rate: f(col("divRate")),
            delta: f(col("delta")),
            gamma: f(col("gamma")),
            theta: f(col("theta")),
            vega: f(col("vega")),
            rho: f(col("rho")),
            c_volu: i(col("cVolu")),
            c_oi: i(col("cOi")),
            p_volu: i(col("pVolu")),
            p_oi: i(col("pOi")),
            null_count: 0,
            tickers: Vec::new(),
        };
        let ticker = col("ticker");
        Columns { null_count, tickers: ticker_values(ticker.as_ref()), ..columns }
    }
}

/// The distinct ticker strings a dictionary column actually uses.
fn ticker_values(array: &dyn Array) -> Vec<String> {
    let Some(dict) = array.as_any_dictionary_opt() else { return Vec::new() };
    let values = dict.values();
    let Some(strings) = values.as_string_opt::<i32>() else { return Vec::new() };
    let mut used = vec![false; strings.len()];
    let keys = dict.normalized_keys();
    for (row, &k) in keys.iter().enumerate() {
        if dict.keys().is_valid(row) && k < used.len() {
            used[k] = true;
        }
    }
    let mut out: Vec<String> =
        used.iter().enumerate().filter(|(_, u)| **u).map(|(k, _)| strings.value(k).to_string()).collect();
    out.sort();
    out.dedup();
    out
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
