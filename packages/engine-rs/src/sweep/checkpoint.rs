//! Checkpoints of a sweep's finished points, so a sweep (or a shard) that is stopped — a Spot
//! interruption's SIGTERM, a kill, a crash — resumes where it was when run again with the same
//! arguments, and ends with the same bytes as a sweep never stopped.
//!
//! A checkpoint lives beside the results (`<dir>/checkpoint/`, or under the shard's S3 prefix):
//! chunks of finished points, each one `chunk-NNNNN/` with the sweep's own four tables
//! (`sweep.arrow`, `returns.arrow`, `entries.arrow`, `benchmark.arrow`, encoded and decoded by the
//! code a merge uses), and `checkpoint.json`, rewritten after each chunk, naming the chunks with
//! the sha256 of every file and the sweep they belong to. A chunk is trusted only if the index
//! names it and every file has its checksum; one that does not is said and its points run again.
//! A checkpoint of another sweep (scenario, dataset manifest, engine, shard or trading days
//! changed) is set aside with the reason, never mixed in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::PointResult;
use super::table::SweepTable;
use crate::data::manifest::sha256_bytes;
use crate::scenario::sweep::SweepPoint;

/// The index file of a checkpoint.
pub const INDEX_FILE: &str = "checkpoint.json";
/// The checkpoint's folder in a sweep's (or a shard's) directory.
pub const DIR_NAME: &str = "checkpoint";
const FORMAT: u32 = 1;
const TABLE_FILES: [&str; 4] = ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow"];

/// Where a checkpoint's files are kept: a local folder, or an S3 prefix (the container's binary).
pub trait CheckpointStore: Send + Sync {
    /// Where, for messages.
    fn describe(&self) -> String;
    /// A file's bytes; `None` when it does not exist.
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, String>;
    /// Writes a file whole: a reader sees the old bytes or the new, never a part.
    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String>;
    /// Removes every file of the checkpoint (after the sweep's results are written).
    fn clear(&self) -> Result<(), String>;
}

/// A checkpoint in a local folder.
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: PathBuf,
}

impl DirStore {
    pub fn new(dir: impl Into<PathBuf>) -> DirStore {
        DirStore { dir: dir.into() }
    }

    /// The checkpoint of the results directory `results`.
    pub fn beside(results: &Path) -> DirStore {
        DirStore::new(results.join(DIR_NAME))
    }
}

impl CheckpointStore for DirStore {
    fn describe(&self) -> String {
        self.dir.display().to_string()
    }

    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let path = self.dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let path = self.dir.join(name);
        let err = |e: std::io::Error| format!("{}: {e}", path.display());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }

    fn clear(&self) -> Result<(), String> {
        match std::fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", self.dir.display())),
            _ => Ok(()),
        }
    }
}

/// How often finished points are written: after `every` since the last write, or once
/// `every_points` are waiting, whichever comes first; always when the sweep stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub every: Duration,
    pub every_points: Option<usize>,
}

impl Default for Policy {
    /// Every 10 seconds: a Spot interruption loses at most that much finished work, for writes
    /// the size of the points finished in between.
    fn default() -> Self {
        Policy { every: Duration::from_secs(10), every_points: None }
    }
}

/// What makes a checkpoint this sweep's: any difference and its points are not this sweep's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub scenario_sha256: String,
    pub dataset: String,
    pub dataset_manifest_sha256: String,
    pub engine_version: String,
    pub git_sha: String,
    pub points_total: usize,
    /// The points of this sweep or shard: `first..end`.
    pub first: usize,
    pub end: usize,
    pub trading_days: usize,
    pub first_date: Option<i32>,
    pub last_date: Option<i32>,
}

impl Identity {
    /// The first field that differs, as words.
    fn difference(&self, other: &Identity) -> Option<&'static str> {
        if self.scenario_sha256 != other.scenario_sha256 {
            Some("the scenario changed")
        } else if self.dataset != other.dataset || self.dataset_manifest_sha256 != other.dataset_manifest_sha256 {
            Some("the dataset (its manifest) changed")
        } else if self.engine_version != other.engine_version || self.git_sha != other.git_sha {
            Some("another engine build made it")
        } else if (self.points_total, self.first, self.end) != (other.points_total, other.first, other.end) {
            Some("it holds another shard of the points")
        } else if (self.trading_days, self.first_date, self.last_date)
            != (other.trading_days, other.first_date, other.last_date)
        {
            Some("the trading days differ")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Index {
    format: u32,
    identity: Identity,
    chunks: Vec<Chunk>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chunk {
    name: String,
    /// The sweep's point indices it holds.
    points: Vec<usize>,
    /// sha256 of each of its files.
    files: BTreeMap<String, String>,
}

/// The tables a chunk's points fill, shared by every chunk of the sweep.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub paths: Vec<String>,
    pub numeric: Vec<bool>,
    pub dates: Vec<i32>,
}

/// Writes finished points as the sweep runs, from any worker thread.
pub(super) struct Checkpointer<'a> {
    store: &'a dyn CheckpointStore,
    policy: Policy,
    layout: Layout,
    state: Mutex<State>,
}

struct State {
    index: Index,
    /// Shared with the sweep, which keeps the same points: a checkpoint costs no copy of them.
    pending: Vec<(usize, Arc<PointResult>)>,
    last: Instant,
    /// The first write that failed: the sweep goes on (its results do not depend on the
    /// checkpoint), and says so.
    failed: Option<String>,
}

/// What a checkpoint gave back.
pub(super) struct Restored {
    pub points: Vec<(usize, PointResult)>,
    /// What was set aside and why, for the user.
    pub notes: Vec<String>,
}

impl<'a> Checkpointer<'a> {
    /// Reads what `store` holds for this sweep, keeping every chunk that is whole and this
    /// sweep's; starts a fresh index otherwise.
    pub fn open(
        store: &'a dyn CheckpointStore,
        policy: Policy,
        identity: Identity,
        layout: Layout,
        points: &[SweepPoint],
    ) -> (Checkpointer<'a>, Restored) {
        let mut restored = Restored { points: Vec::new(), notes: Vec::new() };
        let mut index = Index { format: FORMAT, identity: identity.clone(), chunks: Vec::new() };
        let at = store.describe();
        match store.read(INDEX_FILE) {
            Ok(None) => {}
            Err(e) => restored.notes.push(format!("checkpoint {at}: cannot read it ({e}); every point runs")),
            Ok(Some(bytes)) => match serde_json::from_slice::<Index>(&bytes) {
                Err(e) => {
                    restored.notes.push(format!("checkpoint {at}: {INDEX_FILE} is unreadable ({e}); every point runs"))
                }
                Ok(found) if found.format != FORMAT => restored
                    .notes
                    .push(format!("checkpoint {at}: format {} is not {FORMAT}; every point runs", found.format)),
                Ok(found) => match found.identity.difference(&identity) {
                    Some(why) => restored.notes.push(format!("checkpoint {at}: set aside, {why}; every point runs")),
                    None => {
                        let mut seen = std::collections::BTreeSet::new();
                        for chunk in found.chunks {
                            match read_chunk(store, &chunk, &identity, &layout, points) {
                                Ok(results) => {
                                    if chunk.points.iter().any(|p| !seen.insert(*p)) {
                                        restored.notes.push(format!(
                                            "checkpoint {at}: {} repeats points of an earlier chunk; its points run again",
                                            chunk.name
                                        ));
                                        continue;
                                    }
                                    restored.points.extend(results);
                                    index.chunks.push(chunk);
                                }
                                Err(why) => restored.notes.push(format!(
                                    "checkpoint {at}: {} set aside ({why}); its {} point(s) run again",
                                    chunk.name,
                                    chunk.points.len()
                                )),
                            }
                        }
                    }
                },
            },
        }
        let state = State { index, pending: Vec::new(), last: Instant::now(), failed: None };
        (Checkpointer { store, policy, layout, state: Mutex::new(state) }, restored)
    }

    /// Takes a group's finished points; writes a chunk when the policy says it is time.
    pub fn offer(&self, finished: Vec<(usize, Arc<PointResult>)>) {
        let due = {
            let Ok(mut s) = self.state.lock() else { return };
            s.pending.extend(finished);
            s.last.elapsed() >= self.policy.every || self.policy.every_points.is_some_and(|n| s.pending.len() >= n)
        };
        if due {
            self.flush();
        }
    }

    /// Lets go of the points waiting to be written: the sweep completed and writes them itself
    /// (it then owns them alone, and takes them without a copy).
    pub fn release(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.pending = Vec::new();
        }
    }

    /// Writes the points waiting, if any, as one chunk, then the index naming it.
    pub fn flush(&self) {
        let Ok(mut s) = self.state.lock() else { return };
        s.last = Instant::now();
        if s.pending.is_empty() || s.failed.is_some() {
            return;
        }
        let mut pending = std::mem::take(&mut s.pending);
        pending.sort_by_key(|(i, _)| *i);
        let name = format!("chunk-{:05}", s.index.chunks.len() + 1);
        match self.write_chunk(&name, &pending) {
            Ok(files) => {
                let points = pending.iter().map(|(i, _)| *i).collect();
                s.index.chunks.push(Chunk { name, points, files });
                let bytes = serde_json::to_vec_pretty(&s.index).unwrap_or_default();
                if let Err(e) = self.store.write(INDEX_FILE, &bytes) {
                    s.index.chunks.pop();
                    s.failed = Some(e);
                }
            }
            Err(e) => s.failed = Some(e),
        }
    }

    fn write_chunk(
        &self,
        name: &str,
        points: &[(usize, Arc<PointResult>)],
    ) -> Result<BTreeMap<String, String>, String> {
        let table = SweepTable {
            paths: self.layout.paths.clone(),
            numeric: self.layout.numeric.clone(),
            dates: self.layout.dates.clone(),
            rows: points.iter().map(|(_, p)| p.row.clone()).collect(),
            returns: points.iter().map(|(_, p)| p.returns.clone()).collect(),
            entries: points.iter().map(|(_, p)| p.entries.clone()).collect(),
            benchmark: points.iter().find_map(|(_, p)| p.benchmark.clone()),
        };
        let encode = |r: Result<Vec<u8>, arrow_schema::ArrowError>| r.map_err(|e| e.to_string());
        let blobs = [
            encode(table.sweep_ipc())?,
            encode(table.returns_ipc())?,
            encode(table.entries_ipc())?,
            encode(table.benchmark_ipc())?,
        ];
        let mut files = BTreeMap::new();
        for (file, bytes) in TABLE_FILES.iter().zip(&blobs) {
            self.store.write(&format!("{name}/{file}"), bytes)?;
            files.insert((*file).to_string(), sha256_bytes(bytes));
        }
        Ok(files)
    }

    /// The points written so far (restored ones included).
    pub fn kept(&self) -> usize {
        self.state.lock().map_or(0, |s| s.index.chunks.iter().map(|c| c.points.len()).sum())
    }

    /// Why writing stopped, if it did.
    pub fn failure(&self) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.failed.clone())
    }

    /// Removes the checkpoint once the results are written; a failure only leaves files behind.
    pub fn clear(&self) -> Result<(), String> {
        self.store.clear()
    }
}

/// A chunk's points, if every file is there with its checksum and holds this sweep's points.
fn read_chunk(
    store: &dyn CheckpointStore,
    chunk: &Chunk,
    identity: &Identity,
    layout: &Layout,
    points: &[SweepPoint],
) -> Result<Vec<(usize, PointResult)>, String> {
    let mut blobs = Vec::new();
    for file in TABLE_FILES {
        let expected = chunk.files.get(file).ok_or_else(|| format!("the index lists no {file}"))?;
        let bytes = store.read(&format!("{}/{file}", chunk.name))?.ok_or_else(|| format!("{file} is missing"))?;
        let actual = sha256_bytes(&bytes);
        if actual != *expected {
            return Err(format!("{file} has sha256 {actual}, the index says {expected}"));
        }
        blobs.push(bytes);
    }
    let mut table = SweepTable::decode(&layout.paths, &blobs[0], &blobs[1])?;
    table.decode_extras(&blobs[2], &blobs[3])?;
    if table.dates != layout.dates {
        return Err("its trading days are not the sweep's".into());
    }
    let listed: Vec<usize> = table.rows.iter().map(|r| r.point as usize).collect();
    if listed != chunk.points {
        return Err("its points are not the ones the index lists".into());
    }
    let mut out = Vec::with_capacity(listed.len());
    for ((row, returns), entries) in table.rows.into_iter().zip(table.returns).zip(table.entries) {
        let index = row.point as usize;
        if !(identity.first..identity.end).contains(&index) {
            return Err(format!("point {index} is outside this sweep's points {}..{}", identity.first, identity.end));
        }
        let point = &points[index];
        if row.id != point.id {
            return Err(format!("point {index} is {}, not {}", row.id, point.id));
        }
        // The row's own columns come from the point, as a fresh run makes them; the chunk gives
        // what the run found.
        let mut fresh = super::blank_row(point, index);
        fresh.error = row.error;
        fresh.final_equity = row.final_equity;
        fresh.metrics = row.metrics;
        // A chunk keeps the benchmark only when it holds the sweep's first point.
        let benchmark = (index == identity.first).then(|| table.benchmark.clone()).flatten();
        out.push((index, PointResult { row: fresh, returns, entries, benchmark }));
    }
    Ok(out)
}
