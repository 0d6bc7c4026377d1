//! The data layer: ORATS-shaped Arrow datasets (docs/data-format.md).
//!
//! - [`manifest`]: `manifest.json`, the dataset's table of contents and checksums;
//! - [`schema`]: the column layout every partition must have;
//! - `ipc`: decoding Arrow IPC files from untrusted bytes (every header checked first);
//! - [`partition`]: one memory-mapped `<TICKER>/<YEAR>.arrow` file, zero-copy columns, day index;
//! - [`integrity`]: every partition a run opens checked against its manifest entry;
//! - [`stamps`]: remembering which files were hashed, so a repeated run pays nothing;
//! - [`dataset`]: a directory of partitions, pruned by ticker and date range;
//! - [`chain`]: one trading day's option chain and contract lookup;
//! - [`scan`]: filtered full scans (DTE, delta) for statistics and benchmarks;
//! - [`verify`]: integrity and content checks behind `aegis-bt dataset verify`.

pub mod chain;
pub mod dataset;
pub mod dates;
pub mod events;
#[cfg(test)]
mod events_tests;
pub mod integrity;
pub(crate) mod ipc;
pub mod manifest;
pub mod partition;
pub mod scan;
pub mod schema;
pub mod series;
#[cfg(test)]
mod series_tests;
pub mod sidecar;
pub mod stamps;
pub mod verify;

pub use chain::{DayChain, Expiry, Quote, Right, RowHint};
pub use dataset::{Dataset, Selection};
pub use integrity::{Verification, VerifyMode, VerifyPolicy};
pub use manifest::{Manifest, PartitionEntry};
pub use partition::{Columns, Partition};

#[cfg(test)]
mod corrupt_tests;
#[cfg(test)]
mod tests;
