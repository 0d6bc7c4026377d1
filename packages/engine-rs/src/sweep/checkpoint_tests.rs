//! Checkpoints: a sweep stopped at any point resumes to the bytes of a sweep never stopped, and a
//! checkpoint that is damaged, partial or another sweep's is set aside with the reason.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use super::checkpoint::{CheckpointStore, DIR_NAME, DirStore, INDEX_FILE, Policy};
use super::tests::{dataset, job, read};
use super::*;
use crate::results::SUCCESS_FILE;
use crate::rng::SplitMix64;

/// 60 points: four groups of 16 (the last short), so a stop can fall between groups.
const SWEEP60: &str = "name: wavy-put-60
data: { dataset: wavy, tickers: [TST], start: 2023-01-03, end: 2023-03-31 }
capital: 100000
cscv: { partitions: 4 }
strategy:
  legs:
    - { right: put, side: short, dte: { target: 30, min: 10, max: 60 }, delta: { target: 0.30, min: 0.05, max: 0.6 } }
  entry: { every_trading_days: 3, max_open: 2, iv_rank: { min: 0.0, max: 1.0, lookback: 20 } }
  exit: { profit_target: 0.5, dte_exit: 7 }
costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } }
sweep:
  grid:
    strategy.legs[0].delta.target: [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.34, 0.38, 0.42, 0.46]
    strategy.entry.iv_rank.lookback: [5, 40]
  zip:
    strategy.exit.profit_target: [0.25, 0.75, 0.9]
";

const COMPARED: [&str; 6] =
    ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "cscv.json", "stats.json"];

fn every_group() -> Policy {
    Policy { every: Duration::ZERO, every_points: None }
}

/// Runs the sweep into `out`, stopping once `stop_after` points are done (and abandoning the
/// running ones too when `abandon`); the notices it gave.
fn run(
    text: &str,
    data: &Path,
    out: &Path,
    stop_after: Option<u64>,
    abandon: bool,
) -> (Result<SweepArtifacts, JobError>, Vec<String>) {
    let stop = Arc::new(AtomicBool::new(false));
    let cancel = Arc::new(AtomicBool::new(false));
    let notes = Mutex::new(Vec::new());
    let notice = |line: &str| notes.lock().unwrap().push(line.to_string());
    let progress = |p: SweepProgress<'_>| {
        if stop_after.is_some_and(|k| p.points_done >= k) {
            stop.store(true, Ordering::Relaxed);
            if abandon {
                cancel.store(true, Ordering::Relaxed);
            }
        }
    };
    let opts = SweepOptions {
        cancel: Some(cancel.clone()),
        stop: Some(stop.clone()),
        checkpoint: Checkpointing::Beside(every_group()),
        notice: Some(&notice),
        progress: Some(&progress),
        ..SweepOptions::default()
    };
    let result = run_sweep(&job(text, data, Some(out)), &opts);
    (result, notes.into_inner().unwrap())
}

/// The test data, and SWEEP60 run on it whole, never stopped and without a checkpoint.
fn data_and_whole_sweep() -> (tempfile::TempDir, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let whole = tempfile::tempdir().unwrap();
    run_sweep(&job(SWEEP60, data.path(), Some(whole.path())), &SweepOptions::default()).unwrap();
    (data, whole)
}

fn assert_same(whole: &Path, resumed: &Path) {
    for f in COMPARED {
        assert!(read(whole, f) == read(resumed, f), "{f} differs after a resume");
    }
}

#[test]
fn a_sweep_stopped_anywhere_resumes_to_the_bytes_of_one_never_stopped() {
    let (data, whole) = data_and_whole_sweep();

    let mut rng = SplitMix64::new(20261207);
    let (mut stopped, mut resumed_total) = (0, 0);
    for trial in 0..20 {
        let out = tempfile::tempdir().unwrap();
        let k = 1 + rng.next_u64() % 60;
        let abandon = trial % 3 == 0;
        let (first, _) = run(SWEEP60, data.path(), out.path(), Some(k), abandon);
        match first {
            Err(JobError::Interrupted(message)) => {
                stopped += 1;
                assert!(message.contains("run the same command again to resume"), "{message}");
                assert!(!out.path().join(SUCCESS_FILE).exists(), "a stopped sweep is not finished");
                assert!(out.path().join(DIR_NAME).join(INDEX_FILE).is_file(), "trial {trial}: no checkpoint");
            }
            // Stopped after the last group started: it simply finished.
            Ok(_) => {}
            Err(e) => panic!("trial {trial}: {e}"),
        }
        let (again, notes) = run(SWEEP60, data.path(), out.path(), None, false);
        let again = again.unwrap_or_else(|e| panic!("trial {trial}: the resumed sweep failed: {e}"));
        assert_same(whole.path(), out.path());
        resumed_total += again.info.resumed_points;
        if again.info.resumed_points > 0 {
            let said = format!("resuming: {} of 60 point(s) kept from the checkpoint", again.info.resumed_points);
            assert!(notes.contains(&said), "{notes:?}");
        }
        assert!(!out.path().join(DIR_NAME).exists(), "the checkpoint is removed once the results are written");
    }
    assert!(stopped >= 10, "only {stopped} of 20 trials stopped early");
    assert!(resumed_total > 0, "no trial resumed a point");
}

#[test]
fn a_cancel_after_the_last_point_writes_no_result_and_keeps_every_point() {
    let (data, whole) = data_and_whole_sweep();
    let out = tempfile::tempdir().unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let progress = |p: SweepProgress<'_>| {
        if p.points_done == p.points_total {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let opts = SweepOptions {
        cancel: Some(cancel.clone()),
        checkpoint: Checkpointing::Beside(every_group()),
        progress: Some(&progress),
        ..SweepOptions::default()
    };
    let err = run_sweep(&job(SWEEP60, data.path(), Some(out.path())), &opts).unwrap_err();
    assert_eq!(err.code(), "ABORT_ERR", "{err}");
    for f in COMPARED.iter().chain(&[SUCCESS_FILE]) {
        assert!(!out.path().join(f).exists(), "{f} written after the cancel");
    }
    let (again, _) = run(SWEEP60, data.path(), out.path(), None, false);
    assert_eq!(again.unwrap().info.resumed_points, 60);
    assert_same(whole.path(), out.path());
}

/// One stopped sweep's directory, and what its checkpoint kept.
fn stopped_sweep(data: &Path) -> (tempfile::TempDir, usize) {
    let out = tempfile::tempdir().unwrap();
    let (r, _) = run(SWEEP60, data, out.path(), Some(20), false);
    assert!(matches!(r, Err(JobError::Interrupted(_))), "{:?}", r.map(|a| a.info.points_total));
    let index: Value = serde_json::from_slice(&read(&out.path().join(DIR_NAME), INDEX_FILE)).unwrap();
    let kept = index["chunks"].as_array().unwrap().iter().map(|c| c["points"].as_array().unwrap().len()).sum();
    assert!(kept >= 16, "kept {kept}");
    (out, kept)
}

#[test]
fn a_damaged_or_missing_chunk_is_set_aside_and_its_points_run_again() {
    let (data, whole) = data_and_whole_sweep();

    let (out, kept) = stopped_sweep(data.path());
    let chunk = out.path().join(DIR_NAME).join("chunk-00001");
    let file = chunk.join("returns.arrow");
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&file, bytes).unwrap();
    let (again, notes) = run(SWEEP60, data.path(), out.path(), None, false);
    let again = again.unwrap();
    assert!(
        notes.iter().any(|n| n.contains("chunk-00001 set aside (returns.arrow has sha256") && n.contains("run again")),
        "{notes:?}"
    );
    assert!(again.info.resumed_points < kept);
    assert_same(whole.path(), out.path());

    let (out, _) = stopped_sweep(data.path());
    std::fs::remove_file(out.path().join(DIR_NAME).join("chunk-00001").join("sweep.arrow")).unwrap();
    let (again, notes) = run(SWEEP60, data.path(), out.path(), None, false);
    again.unwrap();
    assert!(notes.iter().any(|n| n.contains("chunk-00001 set aside (sweep.arrow is missing)")), "{notes:?}");
    assert_same(whole.path(), out.path());
}

#[test]
fn another_sweeps_or_an_unreadable_checkpoint_is_set_aside_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    // The scenario changed since (another capital): nothing of the old checkpoint is used.
    let (out, _) = stopped_sweep(data.path());
    let edited = SWEEP60.replace("capital: 100000", "capital: 200000");
    let (again, notes) = run(&edited, data.path(), out.path(), None, false);
    assert_eq!(again.unwrap().info.resumed_points, 0);
    assert!(notes.iter().any(|n| n.contains("set aside, the scenario changed; every point runs")), "{notes:?}");
    let fresh = tempfile::tempdir().unwrap();
    run_sweep(&job(&edited, data.path(), Some(fresh.path())), &SweepOptions::default()).unwrap();
    assert_same(fresh.path(), out.path());

    let (out, _) = stopped_sweep(data.path());
    std::fs::write(out.path().join(DIR_NAME).join(INDEX_FILE), b"{ not json").unwrap();
    let (again, notes) = run(SWEEP60, data.path(), out.path(), None, false);
    assert_eq!(again.unwrap().info.resumed_points, 0);
    assert!(notes.iter().any(|n| n.contains("checkpoint.json is unreadable")), "{notes:?}");
}

/// A store that cannot be written: the sweep's results do not depend on it, and sweep.json says so.
#[derive(Debug)]
struct ReadOnly;

impl CheckpointStore for ReadOnly {
    fn describe(&self) -> String {
        "read-only".into()
    }
    fn read(&self, _: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
    fn write(&self, _: &str, _: &[u8]) -> Result<(), String> {
        Err("read-only file system".into())
    }
    fn clear(&self) -> Result<(), String> {
        Ok(())
    }
}

#[test]
fn a_checkpoint_that_cannot_be_written_changes_no_result_and_is_said() {
    let (data, whole) = data_and_whole_sweep();
    let out = tempfile::tempdir().unwrap();
    let opts = SweepOptions { checkpoint: Checkpointing::In(&ReadOnly, every_group()), ..SweepOptions::default() };
    let a = run_sweep(&job(SWEEP60, data.path(), Some(out.path())), &opts).unwrap();
    assert_same(whole.path(), out.path());
    assert!(
        a.info.notes.iter().any(|n| n.contains("the checkpoint could not be written (read-only file system)")),
        "{:?}",
        a.info.notes
    );
}

#[test]
fn a_shard_keeps_its_checkpoint_in_its_own_directory_and_merges_to_the_same_bytes() {
    let (data, whole) = data_and_whole_sweep();
    let out = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = |p: SweepProgress<'_>| {
        if p.points_done >= 10 {
            stop.store(true, Ordering::Relaxed);
        }
    };
    for index in 0..2 {
        let mut j = job(SWEEP60, data.path(), Some(out.path()));
        j.shard = Some(Shard { index, count: 2 });
        // One worker: the shard's second group starts only after the stop.
        j.threads = Some(1);
        let stopping = SweepOptions {
            stop: Some(stop.clone()),
            checkpoint: Checkpointing::Beside(every_group()),
            progress: Some(&progress),
            ..SweepOptions::default()
        };
        stop.store(false, Ordering::Relaxed);
        let first = run_sweep(&j, &stopping);
        assert!(matches!(first, Err(JobError::Interrupted(_))), "shard {index}");
        let shard_dir = out.path().join(Shard { index, count: 2 }.dir_name());
        assert!(DirStore::beside(&shard_dir).read(INDEX_FILE).unwrap().is_some());
        let opts = SweepOptions { checkpoint: Checkpointing::Beside(every_group()), ..SweepOptions::default() };
        assert!(run_sweep(&j, &opts).unwrap().info.resumed_points > 0);
    }
    let merged = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|i| out.path().join(Shard { index: i, count: 2 }.dir_name())).collect();
    merge_shards(&dirs, Some(merged.path())).unwrap();
    assert_same(whole.path(), merged.path());
}

/// With `points/`, a checkpointed point whose own files are gone (a task's scratch does not
/// outlive it) runs again, so every point's files are there after the resume.
#[test]
fn a_checkpointed_point_without_its_files_runs_again_when_points_are_written() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let out = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = |p: SweepProgress<'_>| {
        if p.points_done >= 10 {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let mut j = job(SWEEP60, data.path(), Some(out.path()));
    j.write_points = true;
    j.threads = Some(1);
    let stopping = SweepOptions {
        stop: Some(stop.clone()),
        checkpoint: Checkpointing::Beside(every_group()),
        progress: Some(&progress),
        ..SweepOptions::default()
    };
    assert!(matches!(run_sweep(&j, &stopping), Err(JobError::Interrupted(_))));
    let points = expand(&job::validate(SWEEP60, "s").unwrap(), "s").unwrap();
    std::fs::remove_dir_all(out.path().join("points").join(&points[3].id)).unwrap();
    let notes = Mutex::new(Vec::new());
    let notice = |line: &str| notes.lock().unwrap().push(line.to_string());
    let opts = SweepOptions {
        checkpoint: Checkpointing::Beside(every_group()),
        notice: Some(&notice),
        ..SweepOptions::default()
    };
    let a = run_sweep(&j, &opts).unwrap();
    let notes = notes.into_inner().unwrap();
    assert!(
        notes.iter().any(|n| n == "1 checkpointed point(s) run again: their files under points/ are not here"),
        "{notes:?}"
    );
    assert_eq!(a.info.resumed_points, 15);
    for p in &points {
        assert!(out.path().join("points").join(&p.id).join("market.arrow").is_file(), "{}", p.id);
    }
}
