//! `sweep.json`: what a sweep directory holds and where it came from. Like `run.json`, the one
//! file allowed to differ between identical sweeps (times, host).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::data::Verification;
use crate::scenario::CscvSpec;
use crate::scenario::research::{SpaSpec, WalkForwardSpec};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    pub scenario: String,
    pub scenario_sha256: String,
    pub engine_version: String,
    pub git_sha: String,
    /// `binary` or `addon`.
    pub entry_point: String,
    pub dataset: String,
    pub dataset_manifest_sha256: String,
    pub data_path: String,
    /// Points in the whole sweep (every shard).
    pub points_total: usize,
    /// Which part of the sweep this directory holds; `None` for the whole sweep.
    pub shard: Option<ShardInfo>,
    /// The swept scenario paths, in column order.
    pub paths: Vec<String>,
    /// The points in this directory, in point order.
    pub points: Vec<PointInfo>,
    pub cscv: Option<CscvSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk_forward: Option<WalkForwardSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spa: Option<SpaSpec>,
    /// What the sweep's analyses left undone, and how to do it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Points taken from a checkpoint rather than run (a sweep resumed after an interruption).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resumed_points: usize,
    pub trading_days: usize,
    pub threads: usize,
    /// Seconds this directory took; for a merged sweep, the sum over its shards.
    pub wall_seconds: f64,
    pub host: String,
    /// Seconds since the Unix epoch when the sweep (its earliest shard) started.
    pub started_at: u64,
    /// How the partitions were checked against the manifest (for a merge, shard 0's; every shard
    /// reads the same partitions).
    #[serde(default)]
    pub verification: Verification,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: usize,
    pub count: usize,
    /// The first point of the shard, and one past its last.
    pub first: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointInfo {
    pub index: usize,
    pub id: String,
    pub params: Map<String, Value>,
}

impl SweepInfo {
    /// The exact bytes of `sweep.json` (pretty JSON and a final newline).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
