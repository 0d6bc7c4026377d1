//! The analyses after a sweep on the synthetic chain of `tests`: the walk-forward in both modes
//! (rerun = a single run over each window), `stats.json`, and their bad input at its line.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use serde_json::Value;

use super::tests::{dataset, job, read, single_text, with_analyses};
use super::*;
use crate::engine::RunOptions;
use crate::job::{Job, execute};

fn json(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&read(dir, name)).unwrap()
}

/// The `return` column of walk_forward.arrow.
fn stitched(dir: &Path) -> Vec<f64> {
    let batches = crate::data::ipc::decode_bytes(&read(dir, "walk_forward.arrow")).unwrap();
    let b = &batches[0];
    b.column_by_name("return").unwrap().as_primitive::<Float64Type>().values().to_vec()
}

#[test]
fn the_walk_forward_stitches_the_chosen_points_returns_and_stats_json_tests_them() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let out = tempfile::tempdir().unwrap();
    let a = run_sweep(&job(&with_analyses(), data.path(), Some(out.path())), &SweepOptions::default()).unwrap();
    let wf = json(out.path(), "walk_forward.json");
    let windows = wf["windows"].as_array().unwrap();
    assert!(windows.len() >= 3, "{} windows", windows.len());
    let mut expected = Vec::new();
    let mut start = 21;
    for w in windows {
        let days = w["out_of_sample"]["days"].as_u64().unwrap() as usize;
        let id = w["point"].as_str().expect("a point chosen in every window");
        let p = a.table.rows.iter().position(|r| r.id == id).unwrap();
        // The chosen point opened a position in sample and had the best in-sample Sharpe of those that did.
        let first = crate::dates::parse_iso(w["in_sample"]["first"].as_str().unwrap()).unwrap();
        let last = crate::dates::parse_iso(w["in_sample"]["last"].as_str().unwrap()).unwrap();
        let traded = |k: usize| a.table.entries[k].iter().any(|&d| d >= first && d <= last);
        assert!(traded(p));
        let scores = crate::walkforward::full_sample_scores(
            &a.table.returns.iter().map(|r| r[start - 20 - 1..start].to_vec()).collect::<Vec<_>>(),
            crate::walkforward::Selection::Sharpe,
        );
        let best = (0..scores.len()).filter(|&k| traded(k)).filter_map(|k| scores[k]).fold(f64::MIN, f64::max);
        assert_eq!(scores[p], Some(best), "window {}", w["index"]);
        assert_eq!(w["params"], Value::Object(a.info.points[p].params.clone()));
        expected.extend_from_slice(&a.table.returns[p][start..start + days]);
        start += days;
    }
    assert_eq!(start, a.table.dates.len());
    assert_eq!(stitched(out.path()), expected);

    let stats = json(out.path(), "stats.json");
    assert_eq!(stats["benchmark"], "TST");
    assert_eq!(stats["spa"]["benchmark"], "benchmark:TST");
    assert_eq!(stats["spa"]["models"], 12);
    assert_eq!(stats["spa"]["days"], a.table.dates.len() - 1);
    for k in ["lower", "consistent", "upper"] {
        let p = stats["spa"]["spa"][k].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{k} {p}");
    }
    assert_eq!(stats["plateau"]["metric"], "sharpe");
    assert!(stats["plateau"]["neighbours"].as_u64().unwrap() >= 2);
    // The sweep's grid is 2 × 2 with a zipped axis of 3: no point is more than a step away on
    // the 2-value axes, so the neighbours are those at most one profit-target step away.
    let best = stats["plateau"]["best_point"].as_str().unwrap();
    assert!(a.table.rows.iter().any(|r| r.id == best));
}

#[test]
fn rerun_mode_equals_a_single_run_over_each_window() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let out = tempfile::tempdir().unwrap();
    let text = with_analyses().replace("min_trades: 1 }", "min_trades: 1, mode: rerun }");
    let a = run_sweep(&job(&text, data.path(), Some(out.path())), &SweepOptions::default()).unwrap();
    let wf = json(out.path(), "walk_forward.json");
    assert_eq!(wf["mode"], "rerun");
    let returns = stitched(out.path());
    let mut at = 0;
    for w in wf["windows"].as_array().unwrap() {
        let days = w["out_of_sample"]["days"].as_u64().unwrap() as usize;
        let params = &w["params"];
        let single = single_text(
            &params["strategy.legs[0].delta.target"],
            &params["strategy.entry.iv_rank.lookback"],
            &params["strategy.exit.profit_target"],
        )
        .replace(
            "start: 2023-01-03, end: 2023-03-31",
            &format!(
                "start: {}, end: {}",
                w["out_of_sample"]["first"].as_str().unwrap(),
                w["out_of_sample"]["last"].as_str().unwrap()
            ),
        );
        let job = Job {
            scenario_text: &single,
            scenario_source: "single.yaml",
            scenario_dir: None,
            data_root: data.path(),
            data_path: "explicit",
            entry_point: "binary",
            out: None,
            dataset: None,
            mark_success: true,
        };
        let run = execute(&job, &RunOptions::default()).unwrap();
        assert_eq!(run.outcome.equity.len(), days);
        let mut previous = run.outcome.summary.capital;
        let own: Vec<f64> = run
            .outcome
            .equity
            .iter()
            .map(|r| {
                let x = r.equity / previous - 1.0;
                previous = r.equity;
                x
            })
            .collect();
        assert_eq!(&returns[at..at + days], own.as_slice(), "window {}", w["index"]);
        at += days;
    }
    assert_eq!(at, returns.len());
    // A rerun is not the sweep's returns: a window starts flat.
    let from_sweep: Vec<f64> = wf["windows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| {
            let p = a.table.rows.iter().position(|r| Some(r.id.as_str()) == w["point"].as_str()).unwrap();
            let first = crate::dates::parse_iso(w["out_of_sample"]["first"].as_str().unwrap()).unwrap();
            let t = a.table.dates.iter().position(|&d| d == first).unwrap();
            a.table.returns[p][t..t + w["out_of_sample"]["days"].as_u64().unwrap() as usize].to_vec()
        })
        .collect();
    assert_ne!(from_sweep, returns);
}

#[test]
fn a_merge_leaves_a_rerun_walk_forward_to_the_command_and_says_so() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let text = with_analyses().replace("min_trades: 1 }", "mode: rerun }");
    let sharded = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let mut j = job(&text, data.path(), Some(sharded.path()));
        j.shard = Some(Shard { index: i, count: 2 });
        run_sweep(&j, &SweepOptions::default()).unwrap();
    }
    let dirs: Vec<PathBuf> = (0..2).map(|i| sharded.path().join(format!("shards/{i:04}"))).collect();
    let merged = tempfile::tempdir().unwrap();
    let m = merge_shards(&dirs, Some(merged.path())).unwrap();
    assert!(m.walk_forward_json.is_none() && !merged.path().join("walk_forward.json").exists());
    assert!(m.info.notes[0].contains("aegis-bt walk-forward --sweep"), "{:?}", m.info.notes);
    assert!(merged.path().join("stats.json").is_file());
}

#[test]
fn analyses_the_days_cannot_meet_are_refused_at_their_line_before_any_point_runs() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let cases = [
        ("in_sample: 20,", "in_sample: 200,", "walk_forward.in_sample", "do not fit the"),
        ("out_of_sample: 10,", "out_of_sample: 100,", "walk_forward.in_sample", "do not fit the"),
        ("bootstrap: 200 }", "bootstrap: 200, block: 500 }", "spa.block", "longer than the sweep's"),
        ("bootstrap: 200 }", "bootstrap: 0 }", "spa.bootstrap", "integer"),
        ("benchmark: buy_and_hold,", "benchmark: SPY,", "spa.benchmark", "unknown variant"),
        ("min_trades: 1 }", "min_trades: 1, metric: sortino }", "walk_forward.metric", "unknown variant"),
    ];
    for (from, to, path, says) in cases {
        let text = with_analyses().replace(from, to);
        assert_ne!(text, with_analyses(), "{from}");
        let out = tempfile::tempdir().unwrap();
        let e = run_sweep(&job(&text, data.path(), Some(out.path())), &SweepOptions::default()).unwrap_err();
        let JobError::Scenario(e) = &e else { panic!("{to}: {e}") };
        assert_eq!(e.path, path, "{to}: {e}");
        assert!(e.line.is_some(), "{to}: {e}");
        assert!(e.to_string().contains(says), "{to}: {e}");
        assert!(!out.path().join("sweep.arrow").exists(), "{to}: nothing ran");
    }
}

/// A shard's entries.arrow and benchmark.arrow are input like any other: a missing, foreign or
/// unreadable one stops the merge naming the shard and the file, and nothing is written.
#[test]
fn a_merge_refuses_bad_entries_and_benchmark_files() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let text = with_analyses();
    let sharded = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let mut j = job(&text, data.path(), Some(sharded.path()));
        j.shard = Some(Shard { index: i, count: 2 });
        run_sweep(&j, &SweepOptions::default()).unwrap();
    }
    let dirs: Vec<PathBuf> = (0..2).map(|i| sharded.path().join(format!("shards/{i:04}"))).collect();
    let entries = read(&dirs[1], "entries.arrow");
    let benchmark = read(&dirs[1], "benchmark.arrow");
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("entries.arrow", b"not arrow".to_vec(), "entries.arrow: not a readable Arrow IPC file"),
        // Shard 0's entries name points shard 1 does not hold.
        ("entries.arrow", read(&dirs[0], "entries.arrow"), "entries.arrow: point 0 is not one of the sweep's rows"),
        // returns.arrow has the right columns but not the benchmark's.
        ("benchmark.arrow", read(&dirs[1], "returns.arrow"), "benchmark.arrow: expected `date` and one close column"),
        ("benchmark.arrow", b"".to_vec(), "benchmark.arrow: not a readable Arrow IPC file"),
    ];
    for (file, bytes, says) in cases {
        std::fs::write(dirs[1].join(file), &bytes).unwrap();
        let out = tempfile::tempdir().unwrap();
        let e = merge_shards(&dirs, Some(out.path())).unwrap_err().to_string();
        assert!(e.contains(&dirs[1].display().to_string()) && e.contains(says), "{file}: {e}");
        assert!(!out.path().join("sweep.arrow").exists(), "{file}: nothing written");
        std::fs::write(dirs[1].join("entries.arrow"), &entries).unwrap();
        std::fs::write(dirs[1].join("benchmark.arrow"), &benchmark).unwrap();
    }
    std::fs::remove_file(dirs[1].join("entries.arrow")).unwrap();
    let e = merge_shards(&dirs, None).unwrap_err().to_string();
    assert!(e.contains("entries.arrow"), "{e}");
}

/// `walk-forward --sweep` reads a directory back: a shard, a sweep.json that is not one, or
/// tables that disagree with it are refused naming the directory.
#[test]
fn a_reopened_sweep_directory_is_checked() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let out = tempfile::tempdir().unwrap();
    run_sweep(&job(&with_analyses(), data.path(), Some(out.path())), &SweepOptions::default()).unwrap();
    let options = crate::walkforward::Options { in_sample: 20, out_of_sample: 10, ..Default::default() };
    assert!(walk_forward_dir(out.path(), &options, None, None).is_ok());
    let sweep_json = read(out.path(), "sweep.json");
    let sweep_arrow = read(out.path(), "sweep.arrow");
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("sweep.json", b"{".to_vec(), "sweep.json: EOF while parsing"),
        ("sweep.arrow", b"garbage".to_vec(), "sweep.arrow: not a readable Arrow IPC file"),
        ("entries.arrow", read(out.path(), "returns.arrow"), "entries.arrow: expected columns `point` and `opened`"),
    ];
    for (file, bytes, says) in cases {
        let good = read(out.path(), file);
        std::fs::write(out.path().join(file), &bytes).unwrap();
        let e = walk_forward_dir(out.path(), &options, None, None).unwrap_err().to_string();
        assert!(e.contains(says), "{file}: {e}");
        std::fs::write(out.path().join(file), &good).unwrap();
    }
    assert_eq!(read(out.path(), "sweep.json"), sweep_json);
    assert_eq!(read(out.path(), "sweep.arrow"), sweep_arrow);
    let text = with_analyses();
    let mut j = job(&text, data.path(), Some(out.path()));
    j.shard = Some(Shard { index: 0, count: 2 });
    run_sweep(&j, &SweepOptions::default()).unwrap();
    let e = walk_forward_dir(&out.path().join("shards/0000"), &options, None, None).unwrap_err().to_string();
    assert!(e.contains("shard 0 of 2, not a whole sweep: merge the shards first"), "{e}");
}
