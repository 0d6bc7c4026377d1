//! aegis-bt: an options backtesting engine over ORATS-shaped Arrow datasets.
//!
//! The crate knows nothing of Node or AWS: the `aegis-bt` binary (feature `cli`) and the napi
//! addon (`packages/engine-node`) are thin shells around it.

pub mod analytics;
pub mod cscv;
pub mod data;
pub mod dates;
pub mod engine;
pub mod error;
pub mod job;
pub mod montecarlo;
pub mod multitest;
pub mod remote;
pub mod results;
pub mod rng;
pub mod scenario;
pub mod sweep;
/// Hand-made datasets for tests (this crate's, and the binary's with the `testkit` feature).
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
#[cfg(test)]
mod trust_tests;
pub mod walkforward;

pub use error::DataError;

/// The engine's version, recorded in every result's provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
