//! The Node binding: converts arguments, runs the engine on the libuv pool, converts results.
//! No engine logic lives here (see `aegis_bt`). Expected failures reach JavaScript as Error objects
//! with a stable `code` (`ERR_DATA_*`), which the TypeScript wrapper turns into typed errors.

mod backtest;
mod dataset;
mod error;
mod sweep;

use napi_derive::napi;

/// The engine version, as recorded in results' provenance.
#[napi]
pub fn engine_version() -> String {
    aegis_bt::VERSION.to_string()
}
