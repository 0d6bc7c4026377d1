//! Where a run's inputs and outputs live: local paths or `s3://` URIs, and the data root, found in
//! DESIGN's one canonical order. The S3 client (object_store, behind the `s3` cargo feature) takes
//! the standard AWS environment — `AWS_ENDPOINT_URL`, `AWS_REGION`, the credentials chain
//! (environment, ECS container credentials, web identity, instance metadata) — so tests can point
//! it at a local endpoint. The Node addon builds without this module's S3 half.

#[cfg(feature = "s3")]
pub mod checkpoint;
pub mod data_root;
pub mod location;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "s3")]
pub mod sync;

pub use data_root::{DataPath, DataRootConfig, ResolvedRoot};
pub use location::Location;
