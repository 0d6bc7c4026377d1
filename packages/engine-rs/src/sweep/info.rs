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
    /// Where `wall_seconds` went; for a merged sweep, the shards' phases summed and the merge's own.
    #[serde(default)]
    pub timings: SweepTimings,
    pub host: String,
    /// Seconds since the Unix epoch when the sweep (its earliest shard) started.
    pub started_at: u64,
    /// How the partitions were checked against the manifest (for a merge, shard 0's; every shard
    /// reads the same partitions).
    #[serde(default)]
    pub verification: Verification,
}

/// A sweep's time by phase, in seconds (`sweep.json` `timings`). `tables` then `stats` run beside
/// `cscv`, so the phases can add up to more than `wall_seconds`; what they leave out is expanding
/// the sweep and locating the data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepTimings {
    /// Mapping the partitions and checking them against the manifest.
    pub open_verify: f64,
    /// Indexing the days the points read.
    pub index: f64,
    /// Running the points (those a checkpoint did not already hold).
    pub points: f64,
    /// Encoding `sweep.arrow`, `returns.arrow`, `entries.arrow` and `benchmark.arrow` and writing them.
    pub tables: f64,
    /// CSCV (`cscv.json`), beside the tables.
    pub cscv: f64,
    /// `stats.json`: the plateau and, with `spa:`, the reality check, SPA and stepdown (beside
    /// CSCV, after the tables).
    pub stats: f64,
    /// `walk_forward.json` and `walk_forward.arrow` (with `rerun`, running the chosen points).
    pub walk_forward: f64,
}

impl SweepTimings {
    /// Adds another directory's phases to these (a merge sums its shards').
    pub fn add(&mut self, other: &SweepTimings) {
        self.open_verify += other.open_verify;
        self.index += other.index;
        self.points += other.points;
        self.tables += other.tables;
        self.cscv += other.cscv;
        self.stats += other.stats;
        self.walk_forward += other.walk_forward;
    }
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
