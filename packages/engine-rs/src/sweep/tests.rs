//! Sweeps on a small synthetic chain: a point equals a single run byte for byte, shards merge to
//! the whole sweep's bytes (again and again), and bad shards are refused.

use std::path::Path;

use super::*;
use crate::cscv::norm_cdf;
use crate::dates::{date_from_days, iso};
use crate::engine::RunOptions;
use crate::job::{Job, execute};
use crate::results::SUCCESS_FILE;
use crate::testkit::{Row, d, write_dataset};

/// Weekdays from 2022-10-03 to 2023-03-31 (two partitions), Friday expiries up to 70 days out,
/// strikes 70…130 around a deterministic wavy spot, Black–Scholes-like quotes with a moving IV.
fn chain() -> Vec<Vec<Row>> {
    use chrono::Datelike;
    let (first, last) = (d("2022-10-03"), d("2023-03-31"));
    let mut days = Vec::new();
    let mut spot: f64 = 100.0;
    for (k, date) in (first..=last).filter(|&x| date_from_days(x).weekday().num_days_from_monday() < 5).enumerate() {
        let k = k as f64;
        spot *= 1.0 + 0.012 * (k * 0.7).sin() + 0.004 * (k * 1.3).cos() - 0.0004;
        let vol = 0.2 + 0.06 * (k * 0.15).sin();
        let mut rows = Vec::new();
        for expiry in (date + 1..=date + 70).filter(|&x| date_from_days(x).weekday() == chrono::Weekday::Fri) {
            let t = f64::from(expiry - date) / 365.0;
            for strike in (70..=130).step_by(5).map(f64::from) {
                let sd = vol * t.sqrt();
                let d1 = (spot / strike).ln() / sd + sd / 2.0;
                let (n1, n2) = (norm_cdf(d1), norm_cdf(d1 - sd));
                let call = spot * n1 - strike * n2;
                let put = call - spot + strike;
                let quote = |v: f64| ((v * 0.97 - 0.02).max(0.0), v * 1.03 + 0.05);
                let (cb, ca) = quote(call.max(0.0));
                let (pb, pa) = quote(put.max(0.0));
                let mut row = Row::new(&iso(date), &iso(expiry), strike).delta(n1).call(cb, ca).put(pb, pa).spot(spot);
                row.smv_vol = vol;
                rows.push(row);
            }
        }
        days.push(rows);
    }
    days
}

pub(super) fn dataset(dir: &Path) {
    write_dataset(dir, "wavy", &[("TST", chain())]);
}

pub(super) const SWEEP: &str = "name: wavy-put
data: { dataset: wavy, tickers: [TST], start: 2023-01-03, end: 2023-03-31 }
capital: 100000
strategy:
  legs:
    - { right: put, side: short, dte: { target: 30, min: 10, max: 60 }, delta: { target: 0.30, min: 0.05, max: 0.6 } }
  entry: { every_trading_days: 3, max_open: 2, iv_rank: { min: 0.0, max: 1.0, lookback: 20 } }
  exit: { profit_target: 0.5, dte_exit: 7 }
costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } }
sweep:
  grid:
    strategy.legs[0].delta.target: [0.15, 0.30]
    strategy.entry.iv_rank.lookback: [5, 40]
  zip:
    strategy.exit.profit_target: [0.25, 0.75, 0.9]
";

pub(super) fn job<'a>(text: &'a str, root: &'a Path, out: Option<&'a Path>) -> SweepJob<'a> {
    SweepJob {
        run: Job {
            scenario_text: text,
            scenario_source: "sweep.yaml",
            scenario_dir: None,
            data_root: root,
            data_path: "explicit",
            entry_point: "binary",
            out,
            dataset: None,
            mark_success: true,
        },
        shard: None,
        write_points: false,
        threads: Some(2),
    }
}

pub(super) fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// The scenario text of one point: the sweep's text with the values set and no `sweep`.
pub(super) fn single_text(delta: &Value, lookback: &Value, target: &Value) -> String {
    let head = SWEEP.split("sweep:").next().unwrap();
    head.replace("target: 0.30, min: 0.05", &format!("target: {delta}, min: 0.05"))
        .replace("lookback: 20", &format!("lookback: {lookback}"))
        .replace("profit_target: 0.5,", &format!("profit_target: {target},"))
}

#[test]
fn every_point_equals_a_single_run_byte_for_byte() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let out = tempfile::tempdir().unwrap();
    let mut j = job(SWEEP, data.path(), Some(out.path()));
    j.write_points = true;
    let a = run_sweep(&j, &SweepOptions::default()).unwrap();
    assert_eq!(a.table.rows.len(), 12);
    // Warm-ups of 5 and 40 days share one load; each point must see only its own.
    let mut traded = 0;
    for p in &a.info.points {
        let get = |k: &str| p.params[k].clone();
        let text = single_text(
            &get("strategy.legs[0].delta.target"),
            &get("strategy.entry.iv_rank.lookback"),
            &get("strategy.exit.profit_target"),
        );
        let single_out = tempfile::tempdir().unwrap();
        let single = execute(
            &Job {
                scenario_text: &text,
                scenario_source: "single.yaml",
                scenario_dir: None,
                data_root: data.path(),
                data_path: "explicit",
                entry_point: "binary",
                out: Some(single_out.path()),
                dataset: None,
                mark_success: true,
            },
            &RunOptions::default(),
        )
        .unwrap();
        let point_dir = out.path().join("points").join(&p.id);
        for name in ["summary.json", "equity.arrow", "trades.arrow"] {
            assert_eq!(read(&point_dir, name), read(single_out.path(), name), "point {} {name}", p.id);
        }
        let row = &a.table.rows[p.index];
        assert_eq!(row.final_equity, Some(single.outcome.summary.final_equity));
        let returns: Vec<f64> = single.outcome.equity.iter().map(|r| r.daily_return).collect();
        assert_eq!(a.table.returns[p.index], returns);
        traded += usize::from(single.outcome.summary.metrics.trade_count > 0);
    }
    assert!(traded >= 10, "the fixture should make most points trade ({traded} of 12)");
    assert!(out.path().join(SUCCESS_FILE).is_file());
}

#[test]
fn the_tables_follow_the_contract() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let a = run_sweep(&job(SWEEP, data.path(), None), &SweepOptions::default()).unwrap();
    let mut t = SweepTable::decode(&a.info.paths, &a.sweep_arrow, &a.returns_arrow).unwrap();
    t.decode_extras(&a.entries_arrow, &a.benchmark_arrow).unwrap();
    assert_eq!(t, a.table);
    assert!(a.table.entries.iter().any(|e| !e.is_empty()), "some point opened positions");
    assert_eq!(a.table.benchmark.as_ref().map(|b| b.closes.len()), Some(a.table.dates.len()));
    let sweep = table::tests_support::schema_names(&a.sweep_arrow);
    let mut want = vec!["point", "id", "params"];
    want.extend(["strategy.entry.iv_rank.lookback", "strategy.exit.profit_target", "strategy.legs[0].delta.target"]);
    want.extend(["error", "final_equity"]);
    want.extend(crate::analytics::Metrics::NAMES);
    assert_eq!(sweep, want);
    let returns = table::tests_support::schema_names(&a.returns_arrow);
    assert_eq!(returns[0], "date");
    assert_eq!(&returns[1..], a.info.points.iter().map(|p| p.id.as_str()).collect::<Vec<_>>());
    // Points in expansion order: grid paths in key order, the last fastest, then the zip.
    let first = &a.table.rows[0];
    assert_eq!(first.point, 0);
    assert_eq!(
        first.params,
        r#"{"strategy.entry.iv_rank.lookback":5,"strategy.exit.profit_target":0.25,"strategy.legs[0].delta.target":0.15}"#
    );
    assert_eq!(first.cells, vec![Cell::Number(5.0), Cell::Number(0.25), Cell::Number(0.15)]);
    assert_eq!(
        first.id,
        crate::scenario::sweep::point_id(&[
            ("strategy.entry.iv_rank.lookback".into(), serde_json::json!(5)),
            ("strategy.exit.profit_target".into(), serde_json::json!(0.25)),
            ("strategy.legs[0].delta.target".into(), serde_json::json!(0.15)),
        ])
    );
    assert_eq!(a.table.dates.first().copied(), Some(d("2023-01-03")));
    assert_eq!(a.table.dates.last().copied(), Some(d("2023-03-31")));
    assert!(a.cscv.is_none(), "no cscv section, no analysis");
}

#[test]
fn the_metric_names_follow_summary_json() {
    let json = serde_json::to_string(&crate::analytics::compute(&crate::analytics::MetricInput {
        capital: 1.0,
        equity: &[1.0],
        returns: &[0.0],
        drawdown: &[0.0],
        in_market: &[false],
        trades: &[],
    }))
    .unwrap();
    let positions: Vec<usize> = crate::analytics::Metrics::NAMES
        .iter()
        .map(|n| json.find(&format!("\"{n}\":")).unwrap_or_else(|| panic!("{n} not in {json}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    assert_eq!(json.matches("\":").count(), crate::analytics::Metrics::NAMES.len());
}

fn with_cscv(partitions: u32) -> String {
    SWEEP.replace("sweep:\n", &format!("cscv: {{ partitions: {partitions}, metric: sharpe }}\nsweep:\n"))
}

/// CSCV, a walk-forward (returns mode) and the SPA against the ticker bought and held.
pub(super) fn with_analyses() -> String {
    with_cscv(4).replace(
        "sweep:\n",
        "walk_forward: { in_sample: 20, out_of_sample: 10, min_trades: 1 }\nspa: { benchmark: buy_and_hold, bootstrap: 200 }\nsweep:\n",
    )
}

#[test]
fn shards_merge_into_the_whole_sweep_byte_for_byte_every_time() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let text = with_analyses();
    let whole_dir = tempfile::tempdir().unwrap();
    let whole = run_sweep(&job(&text, data.path(), Some(whole_dir.path())), &SweepOptions::default()).unwrap();
    let report = whole.cscv.as_ref().expect("cscv ran");
    assert_eq!(report.n_combinations, 6);
    assert_eq!(report.n_columns, 12);

    let sharded = tempfile::tempdir().unwrap();
    for i in 0..5 {
        let mut j = job(&text, data.path(), Some(sharded.path()));
        j.shard = Some(Shard { index: i, count: 5 });
        j.threads = Some(1);
        let s = run_sweep(&j, &SweepOptions::default()).unwrap();
        assert!(s.cscv_json.is_none(), "a shard leaves CSCV to the merge");
        assert_eq!(s.table.rows.len(), Shard { index: i, count: 5 }.range(12).len());
    }
    let dirs: Vec<PathBuf> = (0..5).rev().map(|i| sharded.path().join(format!("shards/{i:04}"))).collect();
    for round in 0..2 {
        let merged_dir = tempfile::tempdir().unwrap();
        let m = merge_shards(&dirs, Some(merged_dir.path())).unwrap();
        for name in [
            "sweep.arrow",
            "returns.arrow",
            "entries.arrow",
            "benchmark.arrow",
            "cscv.json",
            "stats.json",
            "walk_forward.json",
            "walk_forward.arrow",
        ] {
            assert_eq!(read(merged_dir.path(), name), read(whole_dir.path(), name), "round {round}: {name}");
        }
        assert!(merged_dir.path().join(SUCCESS_FILE).is_file());
        assert_eq!(m.info.shard, None);
        assert_eq!(m.info.points, whole.info.points);
    }
    let cscv: Value = serde_json::from_slice(&read(whole_dir.path(), "cscv.json")).unwrap();
    assert_eq!(cscv["points"].as_array().unwrap().len(), 12);
    assert_eq!(cscv["logits"].as_array().unwrap().len(), 6);
}

/// The phases `sweep.json` says the time went to: whole, each shard, and the merge's sum.
#[test]
fn timings_say_where_the_wall_time_went_and_a_merge_sums_its_shards() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let text = with_analyses();
    let whole_dir = tempfile::tempdir().unwrap();
    let whole = run_sweep(&job(&text, data.path(), Some(whole_dir.path())), &SweepOptions::default()).unwrap();
    let t = whole.info.timings;
    let phases = [t.open_verify, t.index, t.points, t.tables, t.cscv, t.stats, t.walk_forward];
    assert!(phases.iter().all(|&p| p > 0.0), "every phase ran: {t:?}");
    // The tables then the statistics run beside CSCV: the longer side counts once.
    let serial = t.open_verify + t.index + t.points + (t.tables + t.stats).max(t.cscv) + t.walk_forward;
    assert!(serial <= whole.info.wall_seconds, "{t:?} in {}", whole.info.wall_seconds);
    let file: Value = serde_json::from_slice(&read(whole_dir.path(), "sweep.json")).unwrap();
    assert_eq!(file["timings"]["points"].as_f64(), Some(t.points));

    let sharded = tempfile::tempdir().unwrap();
    let mut shards = SweepTimings::default();
    for i in 0..2 {
        let mut j = job(&text, data.path(), Some(sharded.path()));
        j.shard = Some(Shard { index: i, count: 2 });
        let s = run_sweep(&j, &SweepOptions::default()).unwrap().info.timings;
        assert!(s.points > 0.0 && s.tables > 0.0, "{s:?}");
        assert_eq!((s.cscv, s.stats, s.walk_forward), (0.0, 0.0, 0.0), "a shard runs no analyses");
    }
    let dirs: Vec<PathBuf> = (0..2).map(|i| sharded.path().join(format!("shards/{i:04}"))).collect();
    // What the merge sums is what each shard's sweep.json says, read back as the merge reads it
    // (serde_json may read a float back one unit in the last place off what it wrote).
    for dir in &dirs {
        let info: SweepInfo = serde_json::from_slice(&read(dir, "sweep.json")).unwrap();
        shards.add(&info.timings);
    }
    let m = merge_shards(&dirs, None).unwrap().info.timings;
    assert_eq!((m.open_verify, m.index, m.points), (shards.open_verify, shards.index, shards.points));
    assert!(m.tables > shards.tables && m.cscv > 0.0 && m.stats > 0.0 && m.walk_forward > 0.0, "{m:?}");
}

#[test]
fn a_merge_refuses_what_is_not_one_finished_sweep() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let root = tempfile::tempdir().unwrap();
    let run_shard = |text: &str, out: &Path, i: usize, k: usize| {
        let mut j = job(text, data.path(), Some(out));
        j.shard = Some(Shard { index: i, count: k });
        run_sweep(&j, &SweepOptions::default()).unwrap();
        out.join(format!("shards/{i:04}"))
    };
    let a = root.path().join("a");
    let s0 = run_shard(SWEEP, &a, 0, 3);
    let s1 = run_shard(SWEEP, &a, 1, 3);
    let s2 = run_shard(SWEEP, &a, 2, 3);
    let message = |dirs: &[PathBuf]| merge_shards(dirs, None).unwrap_err().to_string();

    let missing = message(&[s0.clone(), s2.clone()]);
    assert!(missing.contains("missing [1]"), "{missing}");
    assert!(message(&[s0.clone(), s1.clone(), s1.clone(), s2.clone()]).contains("repeated [1]"));
    let other = run_shard(&SWEEP.replace("capital: 100000", "capital: 200000"), &root.path().join("b"), 1, 3);
    assert!(message(&[s0.clone(), other, s2.clone()]).contains("scenario sha256"));
    let four = run_shard(SWEEP, &root.path().join("c"), 1, 4);
    assert!(message(&[s0.clone(), four, s2.clone()]).contains("shard count"));
    std::fs::remove_file(s1.join(SUCCESS_FILE)).unwrap();
    assert!(message(&[s0, s1, s2]).contains("no _SUCCESS"));
    assert!(message(&[]).contains("no shard directories"));
}

/// Sweep `text` on one thread and on three: the two must write the same bytes. The first's
/// artifacts.
fn same_bytes_on_one_and_three_threads(text: &str) -> SweepArtifacts {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let on = |threads| {
        let mut j = job(text, data.path(), None);
        j.threads = Some(threads);
        run_sweep(&j, &SweepOptions::default()).unwrap()
    };
    let (a, b) = (on(1), on(3));
    assert_eq!(a.sweep_arrow, b.sweep_arrow);
    assert_eq!(a.returns_arrow, b.returns_arrow);
    assert_eq!(a.cscv_json, b.cscv_json);
    a
}

#[test]
fn threads_do_not_change_a_byte() {
    same_bytes_on_one_and_three_threads(&with_cscv(2));
}

#[test]
fn groups_grow_with_the_points_per_thread_within_their_bounds() {
    // points / (4 × threads), between 16 and 64.
    assert_eq!(group_size(1000, 2), 64);
    assert_eq!(group_size(300, 2), 37);
    assert_eq!(group_size(1000, 16), 16);
    assert_eq!(group_size(10, 1), 16);
    assert_eq!(group_size(0, 0), 16);
    // A group larger than 16 still leaves every thread a group: what the launcher's cost model
    // assumes (at most ⌈points / 16⌉ threads busy, all of them once there are enough points).
    for threads in 1..=64 {
        for points in 1..=5000usize {
            let groups = points.div_ceil(group_size(points, threads));
            assert!(groups >= threads.min(points.div_ceil(16)), "{points} points on {threads} threads");
        }
    }
}

#[test]
fn the_size_of_the_groups_does_not_change_a_byte() {
    // 144 points: groups of 36 on one thread, of 16 on three.
    let text = with_cscv(2)
        .replace("  zip:\n", "    strategy.exit.dte_exit: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]\n  zip:\n");
    assert_eq!((group_size(144, 1), group_size(144, 3)), (36, 16));
    assert_eq!(same_bytes_on_one_and_three_threads(&text).table.rows.len(), 144);
}

#[test]
fn a_point_that_cannot_trade_is_a_row_not_a_failure() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    // DTE 200 has no expiry in the chain: those points never fill.
    let text = SWEEP.replace(
        "strategy.legs[0].delta.target: [0.15, 0.30]",
        "strategy.legs[0].dte: [{ target: 30, min: 10, max: 60 }, { target: 200, min: 190, max: 210 }]",
    );
    let a = run_sweep(&job(&text, data.path(), None), &SweepOptions::default()).unwrap();
    let failed: Vec<&SweepRow> = a.table.rows.iter().filter(|r| r.error.is_some()).collect();
    assert_eq!(failed.len(), 6);
    for row in failed {
        assert!(row.error.as_deref().unwrap().contains("could never be filled"), "{:?}", row.error);
        assert_eq!(row.final_equity, None);
        assert!(row.metrics.iter().all(Option::is_none));
        assert!(a.table.returns[row.point as usize].iter().all(|&r| r == 0.0));
    }
    // The column of a path whose values are not all numbers holds JSON text.
    let k = a.table.paths.iter().position(|p| p == "strategy.legs[0].dte").unwrap();
    assert!(!a.table.numeric[k]);
    assert_eq!(a.table.rows[0].cells[k], Cell::Json(r#"{"max":60,"min":10,"target":30}"#.into()));
}

#[test]
fn a_failed_analysis_still_writes_every_table_and_marks_nothing() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let whole = run_sweep(&job(&with_cscv(2), data.path(), None), &SweepOptions::default()).unwrap();
    // A return that is no number: CSCV refuses it while the tables are written beside it.
    let mut table = whole.table.clone();
    table.returns[3][10] = f64::NAN;
    let out = tempfile::tempdir().unwrap();
    let e = finish(table, whole.info.clone(), true, Some(out.path().to_path_buf()), true, Instant::now(), None)
        .unwrap_err();
    assert!(matches!(e, JobError::Cscv(_)), "{e}");
    let written = tempfile::tempdir().unwrap();
    let mut table = whole.table.clone();
    table.returns[3][10] = f64::NAN;
    let mut info = whole.info;
    info.cscv = None;
    finish(table, info, true, Some(written.path().to_path_buf()), true, Instant::now(), None).unwrap();
    for name in ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow"] {
        assert_eq!(read(out.path(), name), read(written.path(), name), "{name}");
    }
    for name in ["cscv.json", "stats.json", "sweep.json", SUCCESS_FILE] {
        assert!(!out.path().join(name).exists(), "{name}");
    }
}

#[test]
fn progress_counts_every_point_and_cancel_leaves_no_success() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let seen = std::sync::Mutex::new(Vec::new());
    let report = |p: SweepProgress<'_>| seen.lock().unwrap().push((p.points_done, p.points_total));
    let opts = SweepOptions { progress: Some(&report), ..SweepOptions::default() };
    run_sweep(&job(SWEEP, data.path(), None), &opts).unwrap();
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    assert_eq!(seen, (1..=12).map(|k| (k, 12)).collect::<Vec<_>>());

    let out = tempfile::tempdir().unwrap();
    let cancel = Arc::new(AtomicBool::new(true));
    let err = run_sweep(
        &job(SWEEP, data.path(), Some(out.path())),
        &SweepOptions { cancel: Some(cancel), ..SweepOptions::default() },
    )
    .unwrap_err();
    assert_eq!(err.code(), "ABORT_ERR");
    assert!(!out.path().join(SUCCESS_FILE).exists());
}

#[test]
fn bad_shards_and_cscv_requests_are_refused_before_running() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let mut j = job(SWEEP, data.path(), None);
    j.shard = Some(Shard { index: 0, count: 13 });
    assert!(run_sweep(&j, &SweepOptions::default()).unwrap_err().to_string().contains("at most 12 shards"));
    let err = run_sweep(&job(&with_cscv(100), data.path(), None), &SweepOptions::default()).unwrap_err();
    assert_eq!(err.code(), "ERR_SCENARIO");
    assert!(err.to_string().contains("cscv.partitions"), "{err}");
    let one_point =
        with_cscv(2).replace("[0.15, 0.30]", "[0.15]").replace("[5, 40]", "[5]").replace("[0.25, 0.75, 0.9]", "[0.25]");
    let err = plan(&one_point, "one.yaml").unwrap_err();
    assert!(err.to_string().contains("at least 2 points"), "{err}");
}

#[test]
fn shards_parse_and_cover_the_points() {
    assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
    assert!("8/8".parse::<Shard>().unwrap_err().contains("from 0 to 7"));
    assert!("x/2".parse::<Shard>().unwrap_err().contains("i/K"));
    assert!("1/0".parse::<Shard>().is_err());
    for (n, k) in [(12, 5), (7, 7), (1000, 16), (3, 1)] {
        let covered: Vec<usize> = (0..k).flat_map(|i| Shard { index: i, count: k }.range(n)).collect();
        assert_eq!(covered, (0..n).collect::<Vec<_>>());
    }
    assert_eq!(Shard { index: 2, count: 5 }.dir_name(), "shards/0002");
    assert_eq!(Shard::from_array("1", "8", Some("3, 7,9")), Ok(Shard { index: 7, count: 8 }));
    assert_eq!(Shard::from_array("4", "8", None), Ok(Shard { index: 4, count: 8 }));
    assert!(Shard::from_array("3", "8", Some("3,7,9")).unwrap_err().contains("past AEGIS_SHARD_LIST"));
    assert!(Shard::from_array("0", "0", None).is_err());
    assert!(Shard::from_array("0", "4", Some("5")).is_err());
}

#[test]
fn planned_points_run_as_points_expanded_here_and_their_expansion_counts_in_the_wall_time() {
    let data = tempfile::tempdir().unwrap();
    write_dataset(&data.path().join("other"), "other", &[("TST", chain())]);
    let (here, there) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut j = job(SWEEP, data.path(), Some(here.path()));
    j.run.dataset = Some("other");
    let expanded = run_sweep(&j, &SweepOptions::default()).unwrap();
    // `plan` knows nothing of the override: the run applies it to the planned points too.
    let points = plan(SWEEP, "sweep.yaml").unwrap();
    assert!(points.iter().all(|p| p.scenario.data.dataset == "wavy"));
    j.run.out = Some(there.path());
    let planned = run_planned(&j, Some((points, Duration::from_secs(1000))), &SweepOptions::default()).unwrap();
    assert!(expanded.info.wall_seconds < 1000.0 && planned.info.wall_seconds >= 1000.0);
    assert_eq!(planned.info.dataset, "other");
    for f in ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "stats.json"] {
        assert!(read(here.path(), f) == read(there.path(), f), "{f} differs");
    }
}
