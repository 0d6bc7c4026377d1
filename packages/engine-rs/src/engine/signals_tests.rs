//! Golden tests of the entry signals: tiny chains whose history makes each signal cross on a day
//! worked out by hand; the entry must happen exactly then.
//!
//! Ticker SIG, trading days 2023-01-03 … 01-10 (six days). Each day lists a front expiry
//! 2023-02-03 and a back expiry 2023-04-06, strikes 95 / 100 / 105 (call delta 0.70 / 0.50 / 0.30,
//! so the 95 put has |delta| 0.30), every IV of an expiry the same. The strategy sells the 30-delta
//! front put on any day the signals allow, one position at most.

use super::*;
use crate::scenario::parse;
use crate::testkit::{Row, d, write_dataset};

const DAYS: [&str; 6] = ["2023-01-03", "2023-01-04", "2023-01-05", "2023-01-06", "2023-01-09", "2023-01-10"];
const FRONT: &str = "2023-02-03";
const BACK: &str = "2023-04-06";

/// Six days at the given spots, front IVs and back IVs.
fn days(spots: [f64; 6], front: [f64; 6], back: [f64; 6]) -> Vec<Vec<Row>> {
    (0..6)
        .map(|i| {
            let row = |expiry: &str, k: f64, delta: f64, iv: f64| {
                Row::new(DAYS[i], expiry, k).delta(delta).put(1.0, 1.2).spot(spots[i]).iv(iv)
            };
            let mut rows = Vec::new();
            for (expiry, iv) in [(FRONT, front[i]), (BACK, back[i])] {
                rows.push(row(expiry, 95.0, 0.70, iv));
                rows.push(row(expiry, 100.0, 0.50, iv));
                rows.push(row(expiry, 105.0, 0.30, iv));
            }
            rows
        })
        .collect()
}

fn run_signals(signals: &str, data: Vec<Vec<Row>>) -> Outcome {
    run_signals_from(DAYS[0], signals, data)
}

/// The scenario: from `start` (the days before it only feed the signals' history), `signals`.
fn scenario_from(start: &str, signals: &str) -> Scenario {
    let text = format!(
        "name: signals\n\
         data: {{ dataset: sig, tickers: [SIG], start: {start}, end: 2023-01-10 }}\n\
         strategy:\n\
         \x20 legs:\n\
         \x20   - {{ right: put, side: short, dte: {{ target: 30, min: 20, max: 40 }}, delta: {{ target: 0.30, min: 0.2, max: 0.4 }} }}\n\
         \x20 entry: {{ every_trading_days: 1, max_open: 1, signals: {signals} }}\n\
         settlement: {{ style: {{ SIG: cash }} }}\n"
    );
    parse(&text, "signals.yaml").unwrap()
}

fn run_signals_from(start: &str, signals: &str, data: Vec<Vec<Row>>) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "sig", &[("SIG", data)]);
    run(&scenario_from(start, signals), &Dataset::open(tmp.path()).unwrap(), &RunOptions::default()).unwrap()
}

/// The date of the first entry.
fn entered(o: &Outcome) -> i32 {
    o.trades.first().expect("an entry").date
}

const FLAT: [f64; 6] = [100.0; 6];
const IV: [f64; 6] = [0.2; 6];

/// The 3-day SMA: closes 100, 99, 98, 97, 101, 102. Day 3 (01-05): 98 against 99; day 4: 97
/// against 98; day 5 (01-09): 101 against (98 + 97 + 101) / 3 = 98.67 → above: the entry.
#[test]
fn the_sma_signal_enters_the_day_the_price_crosses_above_its_average() {
    let spots = [100.0, 99.0, 98.0, 97.0, 101.0, 102.0];
    let o = run_signals("[ { sma: { days: 3, price: above } } ]", days(spots, IV, IV));
    assert_eq!(entered(&o), d(DAYS[4]));
    let diag = &o.summary.diagnostics;
    // Blocked on 01-03 and 01-04 (no 3 closes yet), 01-05 and 01-06 (below).
    assert_eq!((diag.entries_skipped.signals, diag.signals_blocked.sma), (4, 4));
    // Below: 01-05 is the first day with 3 closes, and 98 < 99 enters at once.
    let o = run_signals("[ { sma: { days: 3, price: below } } ]", days(spots, IV, IV));
    assert_eq!(entered(&o), d(DAYS[2]));
    // From 01-06 the days before are warm-up: on 01-06 itself 97 is below (99 + 98 + 97) / 3.
    let o = run_signals_from(DAYS[3], "[ { sma: { days: 3, price: below } } ]", days(spots, IV, IV));
    assert_eq!((entered(&o), o.equity[0].date), (d(DAYS[3]), d(DAYS[3])));
}

/// IV percentile over 3 days (today against the two before): IVs 0.20, 0.18, 0.19, 0.25, …
/// 01-05: one of 0.20, 0.18 below 0.19 → 0.5; 01-06: 0.18 and 0.19 below 0.25 → 1.0 ≥ 0.9.
#[test]
fn the_iv_percentile_signal_enters_the_day_the_percentile_crosses() {
    let front = [0.20, 0.18, 0.19, 0.25, 0.26, 0.27];
    let o = run_signals("[ { iv_percentile: { lookback: 3, min: 0.9 } } ]", days(FLAT, front, IV));
    assert_eq!(entered(&o), d(DAYS[3]));
    assert_eq!(o.summary.diagnostics.signals_blocked.iv_percentile, 3);
    // A window the percentile sits in on 01-05 (0.5).
    let o = run_signals("[ { iv_percentile: { lookback: 3, min: 0.4, max: 0.6 } } ]", days(FLAT, front, IV));
    assert_eq!(entered(&o), d(DAYS[2]));
}

/// Front / back ATM IV: 0.25 / 0.20 (backwardation, 1.25) until 01-05, when 0.20 / 0.22 ≈ 0.91.
#[test]
fn the_term_structure_signal_waits_for_contango() {
    let front = [0.25, 0.25, 0.20, 0.20, 0.20, 0.20];
    let back = [0.20, 0.20, 0.22, 0.22, 0.22, 0.22];
    let contango = "[ { term_structure: { front_dte: 30, back_dte: 90, ratio: { max: 1.0 } } } ]";
    let o = run_signals(contango, days(FLAT, front, back));
    assert_eq!(entered(&o), d(DAYS[2]));
    assert_eq!(o.summary.diagnostics.signals_blocked.term_structure, 2);
    // The difference form: front − back ≥ 0.04 holds from the first day (0.05).
    let steep = "[ { term_structure: { front_dte: 30, back_dte: 90, difference: { min: 0.04 } } } ]";
    assert_eq!(entered(&run_signals(steep, days(FLAT, front, back))), d(DAYS[0]));
}

/// Realized vol over 2 returns of 100 → 101 → 100 (or 101 → 100 → 101): returns ±ln(1.01) ≈
/// ±0.00995, sample variance 2 × 0.00995² = 1.980e-4, × 252 → RV = 0.2234. IV 0.20 is 0.895 of it
/// (below 0.9), IV 0.25 is 1.119: the entry waits for the day the IV rises.
#[test]
fn the_iv_rv_signal_compares_implied_with_realized_volatility() {
    let spots = [100.0, 101.0, 100.0, 101.0, 100.0, 101.0];
    let front = [0.20, 0.20, 0.20, 0.25, 0.25, 0.25];
    let o = run_signals("[ { iv_rv: { window: 2, min: 0.9 } } ]", days(spots, front, IV));
    assert_eq!(entered(&o), d(DAYS[3]));
    assert_eq!(o.summary.diagnostics.signals_blocked.iv_rv, 3);
}

/// Momentum over 2 days: closes 100, 99, 98, 97, 101 → 01-05: 98/100 − 1 = −2%; 01-06: −2.0%;
/// 01-09: 101/98 − 1 = +3.1% ≥ 2%.
#[test]
fn the_momentum_signal_needs_its_return() {
    let spots = [100.0, 99.0, 98.0, 97.0, 101.0, 102.0];
    let o = run_signals("[ { momentum: { days: 2, min: 0.02 } } ]", days(spots, IV, IV));
    assert_eq!(entered(&o), d(DAYS[4]));
}

/// `any` enters when either holds and counts every kind when none does; `all` counts the first
/// that failed. SMA(3) above holds from 01-09; momentum(1) ≥ 0 from 01-09 too, and also on no
/// earlier day (99, 98, 97 all fall) — so `any` of them enters 01-09, after blocking 4 days
/// with both kinds counted each time.
#[test]
fn any_and_all_combine_signals_and_count_what_blocked() {
    let spots = [100.0, 99.0, 98.0, 97.0, 101.0, 102.0];
    let either = "[ { any: [ { sma: { days: 3, price: above } }, { momentum: { days: 1, min: 0.0 } } ] } ]";
    let o = run_signals(either, days(spots, IV, IV));
    assert_eq!(entered(&o), d(DAYS[4]));
    let b = o.summary.diagnostics.signals_blocked;
    assert_eq!((o.summary.diagnostics.entries_skipped.signals, b.sma, b.momentum), (4, 4, 4));
    // `all` counts only the first signal that failed: with flat IVs the percentile is always 0,
    // so every entry day (all but the last, 01-10, when nothing opens) is blocked by it alone.
    let both = "[ { all: [ { iv_percentile: { lookback: 2, min: 0.5 } }, { sma: { days: 1, price: above } } ] } ]";
    let o = run_signals(both, days(spots, IV, IV));
    assert!(o.trades.is_empty());
    assert_eq!(o.summary.diagnostics.signals_blocked.iv_percentile, 5);
    assert_eq!(o.summary.diagnostics.signals_blocked.sma, 0);
}

/// The error of a scenario whose `strategy.entry.signals` list is `signals` (YAML list items).
fn bad(signals: &str) -> String {
    let text = format!(
        "name: x\ndata: {{ dataset: d, tickers: [SIG], start: 2023-01-03, end: 2023-01-10 }}\nstrategy:\n\
         \x20 legs:\n\x20   - {{ right: put, side: short, dte: {{ target: 30 }}, delta: {{ target: 0.3 }} }}\n\
         \x20 entry:\n\x20   signals:\n{signals}"
    );
    parse(&text, "x.yaml").unwrap_err().to_string()
}

#[test]
fn bad_signals_are_refused_with_the_field_and_line() {
    let e = bad("      - term_structure: { front_dte: 90, back_dte: 30, ratio: { max: 1 } }\n");
    assert!(e.contains("strategy.entry.signals[0].term_structure") && e.contains("must be below back_dte"), "{e}");
    assert!(e.contains("line 8"), "{e}");
    let e = bad("      - term_structure: { front_dte: 30, back_dte: 90 }\n");
    assert!(e.contains("give exactly one of `ratio` or `difference`"), "{e}");
    let e = bad("      - any: [ { momentum: { days: 5 } } ]\n");
    assert!(e.contains("signals[0].any[0].momentum") && e.contains("give `min`, `max` or both"), "{e}");
    let e = bad("      - iv_rv: { window: 1, min: 1 }\n");
    assert!(e.contains("iv_rv.window") && e.contains("between 2 and 5040"), "{e}");
    let e = bad("      - iv_percentile: { min: 0.8, max: 0.2 }\n");
    assert!(e.contains("min 0.8 is above max 0.2"), "{e}");
    let e = bad("      - all: []\n");
    assert!(e.contains("all") && e.contains("list at least one signal"), "{e}");
    let e = bad("      - vix: { above: 20 }\n");
    assert!(e.contains("unknown variant `vix`") && e.contains("iv_percentile"), "{e}");
    let e = bad("      - series: { name: \"V IX\", max: 20 }\n");
    assert!(e.contains("signals[0].series.name") && e.contains("is not a series name"), "{e}");
    let e = bad("      - series: { name: VIX }\n");
    assert!(e.contains("signals[0].series") && e.contains("give `min`, `max` or both"), "{e}");
    let e = bad("      - sma: { days: 200, price: over }\n");
    assert!(e.contains("unknown variant `over`"), "{e}");
    // More than 64 signals in all (nested ones count) is refused.
    let many = format!("      - any: [ {} ]\n", vec!["{ sma: { days: 5, price: above } }"; 64].join(", "));
    let e = bad(&many);
    assert!(e.contains("strategy.entry.signals") && e.contains("at most 64 signals") && e.contains("got 65"), "{e}");
}

/// The same scenario over flat data with `series` written beside it.
fn run_with_series(signals: &str, series: &[crate::testkit::SeriesRow<'_>]) -> Result<Outcome, EngineError> {
    let tmp = tempfile::tempdir().unwrap();
    let mut manifest = write_dataset(tmp.path(), "sig", &[("SIG", days(FLAT, IV, IV))]);
    if !series.is_empty() {
        crate::testkit::write_series(tmp.path(), &mut manifest, series);
    }
    run(&scenario_from(DAYS[0], signals), &Dataset::open(tmp.path()).unwrap(), &RunOptions::default())
}

const VIX: [(&str, &str, f64); 6] = [
    ("VIX", "2023-01-03", 25.0),
    ("VIX", "2023-01-04", 24.0),
    ("VIX", "2023-01-05", 19.0),
    ("VIX", "2023-01-06", 18.0),
    ("VIX", "2023-01-09", 22.0),
    ("VIX", "2023-01-10", 17.0),
];

/// VIX 25, 24, 19, …: below 20 first on 01-05. Its one-observation change (−1, −5, −1, +4)
/// reaches +3 first on 01-09.
#[test]
fn the_series_signal_reads_the_dataset_series_level_or_change() {
    let o = run_with_series("[ { series: { name: VIX, max: 20 } } ]", &VIX).unwrap();
    assert_eq!(entered(&o), d(DAYS[2]));
    assert_eq!(o.summary.diagnostics.signals_blocked.series, 2);
    let o = run_with_series("[ { series: { name: VIX, change: 1, min: 3 } } ]", &VIX).unwrap();
    assert_eq!(entered(&o), d(DAYS[4]));
    // A series with gaps is read as of each day: 19 on 01-04 holds through 01-05 and 01-06.
    let sparse = [("VIX", "2022-12-30", 25.0), ("VIX", "2023-01-04", 19.0)];
    let o = run_with_series("[ { series: { name: VIX, max: 20 } } ]", &sparse).unwrap();
    assert_eq!(entered(&o), d(DAYS[1]));
}

#[test]
fn a_series_the_dataset_lacks_is_refused_naming_it() {
    let e = run_with_series("[ { series: { name: VVIX, max: 100 } } ]", &VIX).unwrap_err();
    assert_eq!(e.code(), "ERR_DATA_MISSING");
    assert!(e.to_string().contains("strategy.entry.signals: the dataset has no series VVIX (only VIX)"), "{e}");
    let e = run_with_series("[ { any: [ { series: { name: VIX, max: 100 } } ] } ]", &[]).unwrap_err();
    assert!(e.to_string().contains("no series VIX (no series.arrow)"), "{e}");
}

/// `set` is a date set of the dataset: the series `NAME` (every ticker) and `NAME.SIG` (this
/// ticker only); `picks.OTHER` lists a date for another ticker, which SIG must not take.
#[test]
fn the_dates_signal_enters_only_on_or_never_on_a_listed_date() {
    let set = [("fomc", "2023-01-05", 1.0), ("fomc", "2023-01-09", 1.0)];
    let o = run_with_series("[ { dates: { set: fomc, on: only } } ]", &set).unwrap();
    assert_eq!(entered(&o), d(DAYS[2]));
    assert_eq!(o.summary.diagnostics.signals_blocked.dates, 2);
    let never = [("fomc", "2023-01-03", 1.0), ("fomc", "2023-01-04", 1.0)];
    let o = run_with_series("[ { dates: { set: fomc, on: never } } ]", &never).unwrap();
    assert_eq!(entered(&o), d(DAYS[2]));
    let picks = [("picks.OTHER", "2023-01-04", 1.0), ("picks.SIG", "2023-01-06", 1.0)];
    let o = run_with_series("[ { dates: { set: picks } } ]", &picks).unwrap();
    assert_eq!(entered(&o), d(DAYS[3]), "`on` defaults to only; another ticker's date is not SIG's");
    let e = run_with_series("[ { dates: { set: earnings_plays } } ]", &picks).unwrap_err();
    assert_eq!(e.code(), "ERR_DATA_MISSING");
    assert!(e.to_string().contains("the dataset has no date set earnings_plays"), "{e}");
}

/// A dates file beside the scenario, read by the entry point before the run.
#[test]
fn the_dates_signal_reads_a_file_beside_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "sig", &[("SIG", days(FLAT, IV, IV))]);
    let beside = tempfile::tempdir().unwrap();
    std::fs::write(beside.path().join("picks.csv"), "date,ticker\n2023-01-06,SIG\n2023-01-04,OTHER\n2023-01-09,\n")
        .unwrap();
    let signals = "[ { dates: { file: picks.csv, on: only } } ]";
    let scenario = scenario_from(DAYS[0], signals);
    let dataset = Dataset::open(tmp.path()).unwrap();
    let mut loaded = LoadedData::load(std::iter::once(&scenario), &dataset, &VerifyPolicy::default()).unwrap();
    // Not read yet: the run refuses rather than treat every day as unlisted.
    let e = run_loaded(&scenario, &loaded, &RunOptions::default()).unwrap_err();
    assert_eq!(e.code(), "ERR_DATA_MISSING");
    let text = "name: s\n# …\nstrategy:\n  entry:\n    signals: [ { dates: { file: picks.csv } } ]\n";
    loaded.attach_dates_files(std::iter::once(&scenario), Some(beside.path()), text, "s.yaml").unwrap();
    let o = run_loaded(&scenario, &loaded, &RunOptions::default()).unwrap();
    assert_eq!(entered(&o), d(DAYS[3]));
    // Missing beside the scenario, or no directory to look in: a scenario error at the signal.
    let mut fresh = LoadedData::load(std::iter::once(&scenario), &dataset, &VerifyPolicy::default()).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let e = fresh.attach_dates_files(std::iter::once(&scenario), Some(empty.path()), text, "s.yaml").unwrap_err();
    assert_eq!((e.path.as_str(), e.line), ("strategy.entry.signals", Some(5)), "{e}");
    assert!(e.message.contains("picks.csv"), "{e}");
    let e = fresh.attach_dates_files(std::iter::once(&scenario), None, text, "s.yaml").unwrap_err();
    assert!(e.message.contains("given as text"), "{e}");
    // A malformed file names itself and its line.
    std::fs::write(empty.path().join("picks.csv"), "date\n2023-01-06\n01/09/2023\n").unwrap();
    let e = fresh.attach_dates_files(std::iter::once(&scenario), Some(empty.path()), text, "s.yaml").unwrap_err();
    assert!(e.source_name.ends_with("picks.csv") && e.line == Some(3), "{e}");
}

#[test]
fn a_bad_dates_signal_is_refused_with_the_field() {
    for (signals, message) in [
        ("[ { dates: { set: a, file: b.csv } } ]", "give exactly one of `set`"),
        ("[ { dates: { on: only } } ]", "give exactly one of `set`"),
        ("[ { dates: { file: ../up.csv } } ]", "relative to the scenario, without '..'"),
        ("[ { dates: { file: /etc/dates.csv } } ]", "relative to the scenario"),
        ("[ { dates: { set: fomc.SIG } } ]", "is not a date set name"),
        ("[ { dates: { set: fomc, on: sometimes } } ]", "unknown variant `sometimes`"),
    ] {
        let e = bad(&format!("      - {}\n", signals.trim_start_matches("[ ").trim_end_matches(" ]")));
        assert!(e.contains("strategy.entry.signals") && e.contains(message), "{signals}: {e}");
    }
}
