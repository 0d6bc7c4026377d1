//! The `aegis-bt` binary on bad input: every failure is one line and a documented exit status
//! (docs/errors.md), never a panic's 101.

use std::path::Path;
use std::process::{Command, Output};

use aegis_bt::testkit::{Row, write_dataset};

fn aegis_bt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aegis-bt"))
        .args(args)
        .env("AEGIS_VERIFY_CACHE", "off")
        .env_remove("AEGIS_RUN_ID")
        .output()
        .expect("run aegis-bt")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Error lines (`aegis-bt: error: …` or `aegis-bt: internal error: …`).
fn errors(o: &Output) -> Vec<String> {
    stderr(o).lines().filter(|l| l.starts_with("aegis-bt: ")).map(str::to_string).collect()
}

const SCENARIO: &str = "name: cli\n\
data: { dataset: cli, tickers: [TST], start: 2022-12-28, end: 2023-01-05 }\n\
strategy:\n\
\x20 legs:\n\
\x20   - { right: put, side: short, dte: { target: 30, min: 5, max: 60 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }\n";

/// A dataset `cli` of two partitions (2022, 2023) under `root`, and the scenario beside it.
fn setup(root: &Path) -> String {
    let days: Vec<Vec<Row>> = ["2022-12-28", "2022-12-29", "2022-12-30", "2023-01-03", "2023-01-04", "2023-01-05"]
        .iter()
        .map(|t| vec![Row::new(t, "2023-02-17", 95.0).delta(0.70), Row::new(t, "2023-02-17", 100.0).delta(0.30)])
        .collect();
    write_dataset(&root.join("data/cli"), "cli", &[("TST", days)]);
    let scenario = root.join("scenario.yaml");
    std::fs::write(&scenario, SCENARIO).expect("write scenario");
    scenario.display().to_string()
}

#[test]
fn a_panic_is_one_line_and_exit_70() {
    let o = aegis_bt(&["__panic"]);
    assert_eq!(o.status.code(), Some(70));
    let lines = errors(&o);
    assert_eq!(lines.len(), 1, "{}", stderr(&o));
    assert!(lines[0].starts_with("aegis-bt: internal error: deliberate panic"), "{}", lines[0]);
    assert!(!stderr(&o).contains("stack backtrace"), "{}", stderr(&o));
}

#[test]
fn a_corrupt_partition_is_a_problem_of_dataset_verify_not_a_crash() {
    let tmp = tempfile::tempdir().expect("tmp");
    setup(tmp.path());
    let dir = tmp.path().join("data/cli");
    let file = dir.join("TST/2023.arrow");
    let mut bytes = std::fs::read(&file).expect("read");
    // A byte of the footer's block table: the decoder would have sliced past the end.
    let at = bytes.len() - 40;
    bytes[at] ^= 0xff;
    std::fs::write(&file, bytes).expect("write");
    let o = aegis_bt(&["dataset", "verify", &dir.display().to_string()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("TST/2023.arrow"), "{}", stderr(&o));
}

#[test]
fn a_run_refuses_a_partition_that_is_not_its_manifests_in_one_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let scenario = setup(tmp.path());
    let dir = tmp.path().join("data/cli");
    std::fs::copy(dir.join("TST/2022.arrow"), dir.join("TST/2023.arrow")).expect("copy");
    let data = tmp.path().join("data").display().to_string();
    let out = tmp.path().join("out").display().to_string();
    let o = aegis_bt(&["run", "--scenario", &scenario, "--data", &data, "--out", &out, "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let lines = errors(&o);
    assert_eq!(lines.len(), 1, "{}", stderr(&o));
    assert!(lines[0].contains("TST/2023.arrow: does not match the dataset's manifest"), "{}", lines[0]);
    assert!(!Path::new(&out).join("_SUCCESS").exists());
}

#[test]
fn an_old_success_marker_is_removed_before_anything_else_and_written_last() {
    let tmp = tempfile::tempdir().expect("tmp");
    let scenario = setup(tmp.path());
    let data = tmp.path().join("data").display().to_string();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("_SUCCESS"), b"").expect("old marker");
    // The run fails (no such dataset): the old marker must not vouch for the directory any more.
    let o = aegis_bt(&[
        "run",
        "--scenario",
        &scenario,
        "--data",
        &data,
        "--out",
        &out.display().to_string(),
        "--dataset",
        "other",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.join("_SUCCESS").exists(), "{}", stderr(&o));
    let o =
        aegis_bt(&["run", "--scenario", &scenario, "--data", &data, "--out", &out.display().to_string(), "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("_SUCCESS").exists());
}

#[test]
fn bad_flags_and_paths_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let scenario = setup(tmp.path());
    let data = tmp.path().join("data").display().to_string();
    let out = tmp.path().join("out").display().to_string();
    let o = aegis_bt(&["run", "--scenario", &scenario, "--data", &data, "--out", &out, "--verify", "--no-verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    let o = aegis_bt(&["run", "--scenario", &scenario, "--data", &data, "--out", &out, "--dataset", "../escape"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(errors(&o)[0].contains("is not a dataset name"), "{}", stderr(&o));
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let under_a_file = file.join("out").display().to_string();
    let o = aegis_bt(&["run", "--scenario", &scenario, "--data", &data, "--out", &under_a_file]);
    assert_eq!(o.status.code(), Some(2));
    assert!(errors(&o)[0].contains("cannot create the results directory"), "{}", stderr(&o));
    let sweep = tmp.path().join("sweep.yaml");
    std::fs::write(&sweep, format!("{SCENARIO}sweep:\n  grid: {{ capital: [50000, 100000] }}\n")).expect("write");
    let sweep = sweep.display().to_string();
    for threads in ["0", "100000"] {
        let o = aegis_bt(&["sweep", "--scenario", &sweep, "--data", &data, "--out", &out, "--threads", threads]);
        assert_eq!(o.status.code(), Some(2));
        assert!(errors(&o)[0].contains("threads: expected a whole number from 1 to"), "{}", stderr(&o));
    }
    // The checkpoint and stop flags: refused before anything runs, naming the flag, nothing written.
    let fresh = tmp.path().join("never").display().to_string();
    for (flag, value) in [
        ("--checkpoint-seconds", "-1"),
        ("--checkpoint-seconds", "soon"),
        ("--checkpoint-seconds", "NaN"),
        ("--grace", "1e9"),
        ("--checkpoint-points", "0"),
    ] {
        let arg = format!("{flag}={value}");
        let o = aegis_bt(&["sweep", "--scenario", &sweep, "--data", &data, "--out", &fresh, &arg]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(stderr(&o).contains(flag), "{flag} {value}: {}", stderr(&o));
        assert!(!tmp.path().join("never").exists(), "{flag} {value} wrote something");
    }
}

/// `validate --data` checks a scenario against its dataset: a ticker it lacks, an earnings rule
/// without earnings dates, a series signal naming no series — each with the field and its line,
/// before anything runs; a fitting scenario says where its data is.
#[test]
fn validate_against_the_data_names_the_field_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = setup(tmp.path());
    let data = tmp.path().join("data");
    let data = data.to_str().unwrap();
    let ok = aegis_bt(&["validate", &scenario, "--data", data]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("its data is in"), "{:?}", ok);
    let cases = [
        (
            SCENARIO.replace("tickers: [TST]", "tickers: [TST, QQQ]"),
            "data.tickers: QQQ is not in dataset cli (it has TST) (line 2",
        ),
        (
            format!("{SCENARIO}\x20 earnings: {{ avoid: {{ before: 3 }} }}\n"),
            "strategy.earnings: the dataset has no earnings dates for TST (events.arrow)",
        ),
        (
            format!("{SCENARIO}\x20 entry: {{ signals: [ {{ series: {{ name: VIX, max: 30 }} }} ] }}\n"),
            "strategy.entry.signals: the dataset has no series VIX (no series.arrow)",
        ),
    ];
    for (text, want) in cases {
        let file = tmp.path().join("bad.yaml");
        std::fs::write(&file, &text).unwrap();
        let o = aegis_bt(&["validate", file.to_str().unwrap(), "--data", data]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let lines = errors(&o);
        assert!(
            lines.len() == 1 && lines[0].contains(want) && lines[0].contains("(line "),
            "{lines:?}\nwanted: {want}"
        );
    }
}

#[test]
fn montecarlo_reads_a_finished_run_and_refuses_bad_options_in_one_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let scenario = setup(tmp.path());
    let data = tmp.path().join("data").display().to_string();
    let out = tmp.path().join("out").display().to_string();
    let o = aegis_bt(&["run", "--scenario", &scenario, "--data", &data, "--out", &out, "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = |args: &[&str]| {
        let mut all = vec!["montecarlo", "--run", &out, "--resamples", "50"];
        all.extend_from_slice(args);
        aegis_bt(&all)
    };
    let a = report(&["--seed", "3", "--block", "2"]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).expect("one JSON object");
    assert_eq!(json["seed"], 3);
    assert_eq!(json["bootstrap"]["resamples"], 50);
    assert!(json["bootstrap"]["final_equity"]["p50"].is_number());
    assert!(json["reshuffle"].is_null(), "one position: nothing to reshuffle");
    assert_eq!(a.stdout, report(&["--seed", "3", "--block", "2"]).stdout, "the same seed, the same bytes");
    let bad = report(&["--block", "99"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(errors(&bad).len(), 1, "{}", stderr(&bad));
    assert!(errors(&bad)[0].contains("--block: a mean block length"), "{}", stderr(&bad));
    let unfinished = tmp.path().join("nowhere").display().to_string();
    let none = aegis_bt(&["montecarlo", "--run", &unfinished]);
    assert!(errors(&none)[0].contains("no _SUCCESS"), "{}", stderr(&none));
}

#[test]
fn spa_prints_one_json_object_and_refuses_bad_options_in_one_line() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/spa/b-two-winners.csv");
    let o = aegis_bt(&["spa", "--matrix", fixture, "--bootstrap", "500", "--block", "10"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert!(json["spa"]["consistent"].as_f64().unwrap() < 0.01);
    assert_eq!(json["reality_check"], json["spa"]["upper"]);
    assert_eq!(json["stepdown"][0]["better"], serde_json::json!(["s04", "s11"]));
    for (args, says) in [
        (vec!["--bootstrap", "0"], "--bootstrap: at least 1"),
        (vec!["--block", "600"], "--block: a mean block length of at least 1 and at most the 500 rows"),
        (vec!["--benchmark", "SPY"], "--benchmark: no column named SPY"),
    ] {
        let mut all = vec!["spa", "--matrix", fixture];
        all.extend(args);
        let bad = aegis_bt(&all);
        assert_eq!(bad.status.code(), Some(2));
        assert_eq!(errors(&bad).len(), 1, "{}", stderr(&bad));
        assert!(errors(&bad)[0].contains(says), "{}", stderr(&bad));
    }
}

/// A sweep of two delta targets over 40 weekdays of a falling-then-rising chain, in `root/sweep`.
fn sweep_setup(root: &Path) -> (String, String, String) {
    use chrono::{Datelike, Duration, NaiveDate};
    let first = NaiveDate::from_ymd_opt(2023, 1, 2).expect("date");
    let days: Vec<Vec<Row>> = (0..56)
        .map(|k| first + Duration::days(k))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .enumerate()
        .map(|(k, d)| {
            let t = d.format("%Y-%m-%d").to_string();
            let wave = 1.0 + 0.5 * (k as f64 * 0.4).sin();
            vec![
                Row::new(&t, "2023-04-21", 95.0).delta(0.20).put(wave, wave + 0.1),
                Row::new(&t, "2023-04-21", 100.0).delta(0.30).put(2.0 * wave, 2.0 * wave + 0.1),
            ]
        })
        .collect();
    write_dataset(&root.join("data/wf"), "wf", &[("TST", days)]);
    let text = "name: wf\n\
data: { dataset: wf, tickers: [TST], start: 2023-01-02, end: 2023-02-24 }\n\
strategy:\n\
\x20 legs:\n\
\x20   - { right: put, side: short, dte: { target: 80, min: 5, max: 120 }, delta: { target: 0.30, min: 0.1, max: 0.4 } }\n\
\x20 entry: { every_trading_days: 2, max_open: 4 }\n\
\x20 exit: { profit_target: 0.3 }\n\
settlement: { style: { TST: cash } }\n\
sweep:\n\
\x20 grid:\n\
\x20   strategy.legs[0].delta.target: [0.2, 0.3]\n\
\x20   strategy.exit.profit_target: [0.2, 0.5]\n";
    let scenario = root.join("wf.yaml");
    std::fs::write(&scenario, text).expect("write scenario");
    let (scenario, data) = (scenario.display().to_string(), root.join("data").display().to_string());
    let out = root.join("sweep").display().to_string();
    let o = aegis_bt(&["sweep", "--scenario", &scenario, "--data", &data, "--out", &out, "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (scenario, data, out)
}

#[test]
fn walk_forward_reads_a_finished_sweep_in_both_modes_and_refuses_bad_options_in_one_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (scenario, data, out) = sweep_setup(tmp.path());
    // Windows of 10 days in sample and 5 out, unless the arguments say otherwise.
    let wf = |args: &[&str]| {
        let mut all = vec!["walk-forward", "--sweep", &out];
        all.extend_from_slice(args);
        if !args.contains(&"--in-sample") {
            all.extend(["--in-sample", "10"]);
        }
        if !args.contains(&"--out-of-sample") {
            all.extend(["--out-of-sample", "5"]);
        }
        aegis_bt(&all)
    };
    let a = wf(&[]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).expect("one JSON object");
    // 40 days: 39 returns, 10 in sample, then 5-day windows: 6 of 5 days and one of 4.
    let windows = json["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 6);
    assert_eq!(json["span"]["days"], 29);
    assert_eq!(json["mode"], "returns");
    let written = std::fs::read(Path::new(&out).join("walk_forward.json")).expect("written into the sweep");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&written).expect("json"), json);
    assert!(Path::new(&out).join("walk_forward.arrow").is_file());

    let rerun_out = tmp.path().join("rerun").display().to_string();
    let r = wf(&["--mode", "rerun", "--scenario", &scenario, "--data", &data, "--out", &rerun_out]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let rerun: serde_json::Value = serde_json::from_slice(&r.stdout).expect("one JSON object");
    assert_eq!(rerun["mode"], "rerun");
    assert_eq!(
        rerun["windows"].as_array().unwrap().iter().map(|w| w["point"].clone()).collect::<Vec<_>>(),
        windows.iter().map(|w| w["point"].clone()).collect::<Vec<_>>(),
        "the same choices in both modes"
    );

    let other = tmp.path().join("other.yaml");
    std::fs::write(&other, std::fs::read_to_string(&scenario).unwrap().replace("name: wf", "name: wf2")).unwrap();
    let other = other.display().to_string();
    for (args, says) in [
        (vec!["--in-sample", "60"], "--in-sample: 60 + 5 out-of-sample trading days do not fit the 39 daily returns"),
        (vec!["--out-of-sample", "0"], "--out-of-sample: at least 1 trading day"),
        (vec!["--mode", "rerun"], "give the sweep's --scenario and --data"),
        (vec!["--mode", "rerun", "--scenario", &other, "--data", &data], "not the scenario of the sweep"),
    ] {
        let bad = wf(&args);
        assert_eq!(bad.status.code(), Some(2), "{args:?}: {}", stderr(&bad));
        assert_eq!(errors(&bad).len(), 1, "{}", stderr(&bad));
        assert!(errors(&bad)[0].contains(says), "{args:?}: {}", stderr(&bad));
    }
    let clap = wf(&["--metric", "sortino"]);
    assert_eq!(clap.status.code(), Some(2));
    assert!(stderr(&clap).contains("[possible values: sharpe, total_return, calmar, dsr]"), "{}", stderr(&clap));
    let none = aegis_bt(&["walk-forward", "--sweep", &tmp.path().join("nowhere").display().to_string()]);
    assert!(errors(&none)[0].contains("no _SUCCESS"), "{}", stderr(&none));
}

/// A year of weekdays with Friday expiries up to 70 days out and 61 strikes around a wavy spot:
/// enough rows that a few hundred points take a second or two on one thread.
fn long_chain(root: &Path) {
    use aegis_bt::dates::{date_from_days, iso, parse_iso};
    use chrono::Datelike;
    let (first, last) = (parse_iso("2022-01-03").expect("date"), parse_iso("2022-12-30").expect("date"));
    let weekday = |x: i32| date_from_days(x).weekday().num_days_from_monday() < 5;
    let mut spot: f64 = 100.0;
    let mut days = Vec::new();
    for (k, date) in (first..=last).filter(|&x| weekday(x)).enumerate() {
        let k = k as f64;
        spot *= 1.0 + 0.011 * (k * 0.7).sin() + 0.004 * (k * 1.3).cos() - 0.0003;
        let mut rows = Vec::new();
        for expiry in (date + 1..=date + 70).filter(|&x| date_from_days(x).weekday() == chrono::Weekday::Fri) {
            let t = f64::from(expiry - date) / 365.0;
            for strike in (70..=130).map(f64::from) {
                // A logistic stand-in for N(d1): monotone in the strike, wider with time.
                let call_delta = 1.0 / (1.0 + ((strike - spot) / (4.0 + 20.0 * t.sqrt())).exp());
                let put = ((strike - spot).max(0.0) + 6.0 * t.sqrt() * (1.0 - call_delta)).max(0.01);
                let call = ((spot - strike).max(0.0) + 6.0 * t.sqrt() * call_delta).max(0.01);
                rows.push(
                    Row::new(&iso(date), &iso(expiry), strike)
                        .delta(call_delta)
                        .call(call * 0.97, call * 1.03 + 0.05)
                        .put(put * 0.97, put * 1.03 + 0.05)
                        .spot(spot),
                );
            }
        }
        days.push(rows);
    }
    write_dataset(&root.join("data/long"), "long", &[("TST", days)]);
}

const LONG_SWEEP: &str = "name: long\n\
data: { dataset: long, tickers: [TST], start: 2022-01-03, end: 2022-12-30 }\n\
capital: 100000\n\
cscv: { partitions: 8 }\n\
strategy:\n\
\x20 legs:\n\
\x20   - { right: put, side: short, dte: { target: 30, min: 10, max: 60 }, delta: { target: 0.30, min: 0.05, max: 0.6 } }\n\
\x20 entry: { every_trading_days: 2, max_open: 4 }\n\
\x20 exit: { profit_target: 0.5, dte_exit: 7 }\n\
sweep:\n\
\x20 grid:\n\
\x20   strategy.legs[0].delta.target: [0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.32, 0.34, 0.36, 0.38, 0.4]\n\
\x20   strategy.exit.profit_target: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]\n\
\x20   strategy.exit.dte_exit: [3, 5, 7, 9]\n";

const SWEEP_FILES: [&str; 6] =
    ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "cscv.json", "stats.json"];

/// Starts a sweep of LONG_SWEEP into `out` (one thread, a checkpoint after every group).
fn start_sweep(root: &Path, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_aegis-bt"))
        .args(["sweep", "--scenario"])
        .arg(root.join("long.yaml"))
        .arg("--data")
        .arg(root.join("data"))
        .arg("--out")
        .arg(out)
        .args(["--threads", "1", "--checkpoint-seconds", "0", "--quiet"])
        .env("AEGIS_VERIFY_CACHE", "off")
        .env_remove("AEGIS_RUN_ID")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start aegis-bt sweep")
}

fn signal(child: &std::process::Child, name: &str) {
    let ok = Command::new("kill").args([format!("-{name}"), child.id().to_string()]).status().expect("kill");
    assert!(ok.success() || name == "KILL", "kill -{name}");
}

/// A sweep signalled at a random moment, SIGTERM or SIGKILL, 24 times: each one ends with a
/// status that says what happened (0 done, 75 stopped with its checkpoint, or killed by the signal
/// before it could answer), and the same command run again ends with the bytes of a sweep never
/// stopped — resuming from the checkpoint whenever one was written.
#[test]
fn a_sweep_signalled_at_any_moment_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("tmp");
    long_chain(tmp.path());
    std::fs::write(tmp.path().join("long.yaml"), LONG_SWEEP).expect("write scenario");
    // The quickest of three uninterrupted runs (the first reads a cold page cache): signals land
    // at random moments inside a run as long as the trials' own.
    let mut span = std::time::Duration::MAX;
    for k in 0..3 {
        let started = std::time::Instant::now();
        let o = start_sweep(tmp.path(), &tmp.path().join(format!("whole-{k}"))).wait_with_output().expect("sweep");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        span = span.min(started.elapsed());
    }
    let whole = tmp.path().join("whole-0");

    let mut rng = aegis_bt::rng::SplitMix64::new(75);
    let (mut stopped, mut resumed) = (0, 0);
    for trial in 0..24 {
        let out = tmp.path().join(format!("trial-{trial}"));
        let child = start_sweep(tmp.path(), &out);
        std::thread::sleep(span.mul_f64(rng.next_f64() * 0.9));
        let kill = trial % 4 == 3;
        signal(&child, if kill { "KILL" } else { "TERM" });
        let o = child.wait_with_output().expect("wait");
        let text = stderr(&o);
        match o.status.code() {
            Some(0) => {}
            Some(75) => {
                stopped += 1;
                assert!(text.contains("run the same command again to resume"), "{text}");
                assert!(!out.join("_SUCCESS").exists());
            }
            // Killed by the signal itself (SIGKILL, or SIGTERM before the handler was in place).
            None => {}
            Some(code) => panic!("trial {trial}: exit {code}: {text}"),
        }
        let again = start_sweep(tmp.path(), &out).wait_with_output().expect("resume");
        assert_eq!(again.status.code(), Some(0), "trial {trial}: {}", stderr(&again));
        if stderr(&again).contains("resuming: ") {
            resumed += 1;
        }
        for f in SWEEP_FILES {
            let (a, b) = (std::fs::read(whole.join(f)).expect("whole"), std::fs::read(out.join(f)).expect("resumed"));
            assert!(a == b, "trial {trial}: {f} differs from the sweep never stopped");
        }
        assert!(!out.join("checkpoint").exists(), "trial {trial}: the checkpoint outlived the results");
    }
    eprintln!("{stopped} of 18 SIGTERMs stopped the sweep; {resumed} of 24 trials resumed");
    assert!(stopped >= 6, "only {stopped} of 18 SIGTERMs stopped a running sweep");
    assert!(resumed >= 6, "only {resumed} of 24 trials resumed from a checkpoint");
}
