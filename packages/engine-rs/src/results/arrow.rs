//! The result tables (`equity`, `trades`, `positions`, `strategies`, `market`) as Arrow IPC file
//! bytes (uncompressed, one record batch).

use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use arrow_ipc::writer::FileWriter;
use arrow_schema::{ArrowError, Field, Schema};

use super::{Action, EquityRow, Fill, MarketRow, PositionRecord, StrategyRow};

fn ipc(columns: Vec<(&str, ArrayRef)>) -> Result<Vec<u8>, ArrowError> {
    ipc_file(columns.into_iter().map(|(n, a)| (n.to_string(), a, false)).collect())
}

/// One record batch of (name, values, nullable) columns as Arrow IPC file bytes: every result
/// table goes through here, so equal tables are equal bytes.
pub(crate) fn ipc_file(columns: Vec<(String, ArrayRef, bool)>) -> Result<Vec<u8>, ArrowError> {
    let fields: Vec<Field> = columns.iter().map(|(n, a, null)| Field::new(n, a.data_type().clone(), *null)).collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns.into_iter().map(|(_, a, _)| a).collect())?;
    let mut out = Vec::new();
    let mut w = FileWriter::try_new(&mut out, &schema)?;
    w.write(&batch)?;
    w.finish()?;
    drop(w);
    Ok(out)
}

fn f64s<T>(rows: &[T], f: impl Fn(&T) -> f64) -> ArrayRef {
    Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
}

fn i32s<T>(rows: &[T], f: impl Fn(&T) -> i32) -> ArrayRef {
    Arc::new(Int32Array::from(rows.iter().map(f).collect::<Vec<_>>()))
}

fn dates<T>(rows: &[T], f: impl Fn(&T) -> i32) -> ArrayRef {
    Arc::new(Date32Array::from(rows.iter().map(f).collect::<Vec<_>>()))
}

fn strs<'a, T>(rows: &'a [T], f: impl Fn(&'a T) -> &'a str) -> ArrayRef {
    Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
}

pub fn equity_ipc(rows: &[EquityRow]) -> Result<Vec<u8>, ArrowError> {
    ipc(vec![
        ("date", dates(rows, |r| r.date)),
        ("equity", f64s(rows, |r| r.equity)),
        ("cash", f64s(rows, |r| r.cash)),
        ("positions_value", f64s(rows, |r| r.positions_value)),
        ("daily_return", f64s(rows, |r| r.daily_return)),
        ("drawdown", f64s(rows, |r| r.drawdown)),
        ("open_positions", i32s(rows, |r| r.open_positions)),
        ("realized_pnl", f64s(rows, |r| r.realized_pnl)),
        ("unrealized_pnl", f64s(rows, |r| r.unrealized_pnl)),
        ("delta_dollars", f64s(rows, |r| r.delta_dollars)),
        ("gamma_dollars", f64s(rows, |r| r.gamma_dollars)),
        ("theta_dollars", f64s(rows, |r| r.theta_dollars)),
        ("vega_dollars", f64s(rows, |r| r.vega_dollars)),
        ("pnl_delta", f64s(rows, |r| r.pnl.delta)),
        ("pnl_gamma", f64s(rows, |r| r.pnl.gamma)),
        ("pnl_theta", f64s(rows, |r| r.pnl.theta)),
        ("pnl_vega", f64s(rows, |r| r.pnl.vega)),
        ("pnl_residual", f64s(rows, |r| r.pnl.residual)),
        ("pnl_hedge", f64s(rows, |r| r.pnl.hedge)),
        ("pnl_other", f64s(rows, |r| r.pnl_other)),
    ])
}

/// A name by index; an index out of range (never made by the engine) reads as empty.
fn name_of(names: &[String], i: usize) -> &str {
    names.get(i).map_or("", String::as_str)
}

pub fn positions_ipc(
    rows: &[PositionRecord],
    strategies: &[String],
    tickers: &[String],
) -> Result<Vec<u8>, ArrowError> {
    ipc(vec![
        ("position_id", i32s(rows, |r| r.id)),
        ("ticker", strs(rows, |r| name_of(tickers, r.ticker))),
        ("strategy", strs(rows, |r| name_of(strategies, r.strategy))),
        ("opened", dates(rows, |r| r.opened)),
        ("closed", dates(rows, |r| r.closed)),
        ("legs", i32s(rows, |r| r.legs)),
        ("rolls", i32s(rows, |r| r.rolls)),
        ("units", i32s(rows, |r| r.units)),
        ("premium", f64s(rows, |r| r.premium)),
        ("pnl", f64s(rows, |r| r.pnl)),
        ("fees", f64s(rows, |r| r.fees)),
        ("dividends", f64s(rows, |r| r.dividends)),
        ("pnl_delta", f64s(rows, |r| r.attribution.delta)),
        ("pnl_gamma", f64s(rows, |r| r.attribution.gamma)),
        ("pnl_theta", f64s(rows, |r| r.attribution.theta)),
        ("pnl_vega", f64s(rows, |r| r.attribution.vega)),
        ("pnl_residual", f64s(rows, |r| r.attribution.residual)),
        ("pnl_hedge", f64s(rows, |r| r.attribution.hedge)),
        ("reason", strs(rows, |r| r.reason.as_str())),
    ])
}

pub fn trades_ipc(fills: &[Fill], strategies: &[String], tickers: &[String]) -> Result<Vec<u8>, ArrowError> {
    // Share fills have no expiry or strike: those two columns are nullable.
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("position_id", i32s(fills, |f| f.position_id), false),
        ("leg", i32s(fills, |f| f.leg), false),
        ("ticker", strs(fills, |f| name_of(tickers, f.ticker)), false),
        ("strategy", strs(fills, |f| name_of(strategies, f.strategy)), false),
        ("action", strs(fills, |f| if f.action == Action::Open { "open" } else { "close" }), false),
        ("date", dates(fills, |f| f.date), false),
        ("expiry", Arc::new(Date32Array::from(fills.iter().map(|f| f.expiry).collect::<Vec<_>>())), true),
        ("strike", Arc::new(Float64Array::from(fills.iter().map(|f| f.strike).collect::<Vec<_>>())), true),
        ("right", strs(fills, |f| f.instrument.as_str()), false),
        ("quantity", i32s(fills, |f| f.quantity), false),
        ("price", f64s(fills, |f| f.price), false),
        ("fees", f64s(fills, |f| f.fees), false),
        ("reason", strs(fills, |f| f.reason.as_str()), false),
        ("underlying_price", f64s(fills, |f| f.underlying_price), false),
        ("pnl", f64s(fills, |f| f.pnl), false),
    ];
    ipc_file(columns.into_iter().map(|(n, a, null)| (n.to_string(), a, null)).collect())
}

/// `strategies.arrow`: each strategy's equity, one row per trading day per strategy.
pub fn strategies_ipc(rows: &[StrategyRow], strategies: &[String]) -> Result<Vec<u8>, ArrowError> {
    ipc(vec![
        ("date", dates(rows, |r| r.date)),
        ("strategy", strs(rows, |r| name_of(strategies, r.strategy))),
        ("equity", f64s(rows, |r| r.equity)),
        ("pnl", f64s(rows, |r| r.pnl)),
        ("daily_return", f64s(rows, |r| r.daily_return)),
        ("drawdown", f64s(rows, |r| r.drawdown)),
        ("open_positions", i32s(rows, |r| r.open_positions)),
    ])
}

/// `market.arrow`: each traded ticker's close and the benchmark series, one row per trading day
/// per name; `close` is null before its first known value.
pub fn market_ipc(rows: &[MarketRow], names: &[(String, &'static str)]) -> Result<Vec<u8>, ArrowError> {
    let name = |r: &MarketRow| names.get(r.name).map_or(("", ""), |(n, k)| (n.as_str(), *k));
    ipc_file(vec![
        ("date".to_string(), dates(rows, |r| r.date), false),
        ("name".to_string(), strs(rows, |r| name(r).0), false),
        ("kind".to_string(), strs(rows, |r| name(r).1), false),
        ("close".to_string(), Arc::new(Float64Array::from(rows.iter().map(|r| r.close).collect::<Vec<_>>())), true),
    ])
}
