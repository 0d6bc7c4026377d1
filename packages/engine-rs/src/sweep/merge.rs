//! Merging shards: check that the directories make one finished sweep, then rebuild the whole
//! sweep's files through the same encoder as an unsharded run (the same bytes, however often).

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{SweepArtifacts, SweepInfo, SweepTable, SweepTimings, finish};
use crate::job::{JobError, host};
use crate::results::SUCCESS_FILE;

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, JobError> {
    std::fs::read(dir.join(name)).map_err(|e| JobError::Shard(format!("{}: {e}", dir.join(name).display())))
}

/// A finished shard: its `sweep.json` and tables.
fn load_shard(dir: &Path) -> Result<(SweepInfo, SweepTable), JobError> {
    if !dir.join(SUCCESS_FILE).is_file() {
        return Err(JobError::Shard(format!("{}: no _SUCCESS: the shard has not finished", dir.display())));
    }
    let info: SweepInfo = serde_json::from_slice(&read(dir, "sweep.json")?)
        .map_err(|e| JobError::Shard(format!("{}: {e}", dir.join("sweep.json").display())))?;
    let Some(shard) = info.shard else {
        return Err(JobError::Shard(format!("{}: a whole sweep, not a shard", dir.display())));
    };
    let mut table = SweepTable::decode(&info.paths, &read(dir, "sweep.arrow")?, &read(dir, "returns.arrow")?)
        .map_err(|e| JobError::Shard(format!("{}: {e}", dir.display())))?;
    table
        .decode_extras(&read(dir, "entries.arrow")?, &read(dir, "benchmark.arrow")?)
        .map_err(|e| JobError::Shard(format!("{}: {e}", dir.display())))?;
    let expected: Vec<u32> = (shard.first as u32..shard.end as u32).collect();
    let found: Vec<u32> = table.rows.iter().map(|r| r.point).collect();
    if found != expected || info.points.len() != expected.len() {
        return Err(JobError::Shard(format!(
            "{}: shard {}/{} should hold points {}..{}, its sweep.arrow holds {} row(s)",
            dir.display(),
            shard.index,
            shard.count,
            shard.first,
            shard.end,
            found.len()
        )));
    }
    Ok((info, table))
}

/// Merges the shard directories of one sweep into its whole results, written to `out` when given.
/// Refuses shards of different sweeps, data or engines, missing or repeated shards, and shards
/// without `_SUCCESS`.
pub fn merge_shards(dirs: &[PathBuf], out: Option<&Path>) -> Result<SweepArtifacts, JobError> {
    let started = Instant::now();
    if dirs.is_empty() {
        return Err(JobError::Shard("no shard directories to merge".into()));
    }
    let mut shards = dirs.iter().map(|d| load_shard(d).map(|s| (d, s))).collect::<Result<Vec<_>, _>>()?;
    shards.sort_by_key(|(_, (info, _))| info.shard.map_or(0, |s| s.index));
    let (first_dir, (first, _)) = &shards[0];
    let count = first.shard.map_or(0, |s| s.count);
    for (dir, (info, _)) in &shards {
        let differs = |what: &str, a: &str, b: &str| {
            JobError::Shard(format!(
                "{} and {} are not shards of one sweep: {what} {a} ≠ {b}",
                first_dir.display(),
                dir.display()
            ))
        };
        if info.scenario_sha256 != first.scenario_sha256 {
            return Err(differs("scenario sha256", &first.scenario_sha256, &info.scenario_sha256));
        }
        if info.dataset_manifest_sha256 != first.dataset_manifest_sha256 {
            return Err(differs(
                "dataset manifest sha256",
                &first.dataset_manifest_sha256,
                &info.dataset_manifest_sha256,
            ));
        }
        if info.engine_version != first.engine_version {
            return Err(differs("engine version", &first.engine_version, &info.engine_version));
        }
        let k = info.shard.map_or(0, |s| s.count);
        if k != count {
            return Err(differs("shard count", &count.to_string(), &k.to_string()));
        }
    }
    let indices: Vec<usize> = shards.iter().map(|(_, (i, _))| i.shard.map_or(0, |s| s.index)).collect();
    if indices != (0..count).collect::<Vec<_>>() {
        let missing: Vec<String> = (0..count).filter(|i| !indices.contains(i)).map(|i| i.to_string()).collect();
        let repeated: Vec<String> = indices.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].to_string()).collect();
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing [{}]", missing.join(", ")));
        }
        if !repeated.is_empty() {
            problems.push(format!("repeated [{}]", repeated.join(", ")));
        }
        return Err(JobError::Shard(format!("the shards do not make one sweep of {count}: {}", problems.join(", "))));
    }

    let mut info = first.clone();
    info.shard = None;
    info.points = Vec::with_capacity(info.points_total);
    info.wall_seconds = 0.0;
    info.timings = SweepTimings::default();
    info.resumed_points = 0;
    info.host = host();
    let mut merged: Option<SweepTable> = None;
    for (dir, (shard_info, table)) in shards {
        info.points.extend(shard_info.points);
        info.wall_seconds += shard_info.wall_seconds;
        info.timings.add(&shard_info.timings);
        info.resumed_points += shard_info.resumed_points;
        info.started_at = info.started_at.min(shard_info.started_at);
        info.threads = info.threads.max(shard_info.threads);
        match &mut merged {
            None => merged = Some(table),
            Some(m) => {
                if m.dates != table.dates || m.numeric != table.numeric {
                    return Err(JobError::Shard(format!(
                        "{}: its trading days or column types differ from shard 0's",
                        dir.display()
                    )));
                }
                m.rows.extend(table.rows);
                m.returns.extend(table.returns);
                m.entries.extend(table.entries);
            }
        }
    }
    let table = merged.unwrap_or_else(|| unreachable!("at least one shard"));
    if table.rows.len() != info.points_total {
        return Err(JobError::Shard(format!(
            "the shards hold {} point(s), the sweep has {}",
            table.rows.len(),
            info.points_total
        )));
    }
    finish(table, info, true, out.map(Path::to_path_buf), true, started, None)
}
