//! Golden tests of the earnings rules: ticker ERN, nine trading days 2023-01-03 … 01-13, the same
//! chain every day (the 2023-02-17 95 put with |delta| 0.30). One earnings report; its reaction day
//! is the report's own day before the open (`bmo`), the next trading day after the close (`amc`).

use super::*;
use crate::data::VerifyPolicy;
use crate::results::Reason;
use crate::scenario::parse;
use crate::testkit::{EventRow, Row, d, write_dataset, write_events};

const DAYS: [&str; 9] = [
    "2023-01-03",
    "2023-01-04",
    "2023-01-05",
    "2023-01-06",
    "2023-01-09",
    "2023-01-10",
    "2023-01-11",
    "2023-01-12",
    "2023-01-13",
];

fn chain() -> Vec<Vec<Row>> {
    DAYS.iter()
        .map(|day| {
            vec![
                Row::new(day, "2023-02-17", 95.0).delta(0.70).put(1.0, 1.2),
                Row::new(day, "2023-02-17", 100.0).delta(0.50).put(3.0, 3.2),
            ]
        })
        .collect()
}

fn run_rules(strategy_extra: &str, events: &[EventRow<'_>]) -> Result<Outcome, EngineError> {
    let text = format!(
        "name: earnings\n\
         data: {{ dataset: ern, tickers: [ERN], start: 2023-01-03, end: 2023-01-13 }}\n\
         strategy:\n\
         \x20 legs:\n\
         \x20   - {{ right: put, side: short, dte: {{ target: 45, min: 20, max: 60 }}, delta: {{ target: 0.30, min: 0.2, max: 0.4 }} }}\n\
         {strategy_extra}\
         settlement: {{ style: {{ ERN: cash }} }}\n"
    );
    let s = parse(&text, "earnings.yaml").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut manifest = write_dataset(tmp.path(), "ern", &[("ERN", chain())]);
    if !events.is_empty() {
        write_events(tmp.path(), &mut manifest, events);
    }
    let opts = RunOptions { verify: VerifyPolicy::metadata_only(), ..RunOptions::default() };
    run(&s, &Dataset::open(tmp.path()).unwrap(), &opts)
}

/// Every position lives one day, so a new one can open each day the rules allow.
const DAILY: &str = "\x20 entry: { every_trading_days: 1, max_open: 1 }\n\x20 exit: { max_hold_days: 1 }\n";

fn entry_days(o: &Outcome) -> Vec<i32> {
    o.trades.iter().filter(|t| t.reason == Reason::Entry).map(|t| t.date).collect()
}

/// A report on Friday 01-06 after the close: the reaction day is Monday 01-09. `avoid` 2 before and
/// 2 after blocks 01-05, 01-06 (their closes would hold through the report) and 01-10, 01-11; the
/// reaction day itself enters (its close knows the result). 01-13 is the last day: no entry.
#[test]
fn avoid_blocks_entries_from_its_first_to_its_last_day() {
    let report = [("ERN", "2023-01-06", "earnings", None, Some("amc"))];
    let rules = format!("{DAILY}\x20 earnings: {{ avoid: {{ before: 2, after: 2 }} }}\n");
    let o = run_rules(&rules, &report).unwrap();
    let want: Vec<i32> = ["2023-01-03", "2023-01-04", "2023-01-09", "2023-01-12"].iter().map(|s| d(s)).collect();
    assert_eq!(entry_days(&o), want);
    assert_eq!(o.summary.diagnostics.entries_skipped.earnings, 4);
    // Before the open on 01-06, the reaction day is 01-06 itself: blocked 01-04, 01-05 and 01-09, 01-10.
    let report = [("ERN", "2023-01-06", "earnings", None, Some("bmo"))];
    let o = run_rules(&rules, &report).unwrap();
    let want: Vec<i32> = ["2023-01-03", "2023-01-06", "2023-01-11", "2023-01-12"].iter().map(|s| d(s)).collect();
    assert_eq!(entry_days(&o), want);
}

/// One position from 01-03, held: `close_before: 1` closes it on 01-06, the last close before the
/// 01-09 reaction day, with reason `earnings`.
#[test]
fn close_before_closes_the_position_before_the_report() {
    let report = [("ERN", "2023-01-06", "earnings", None, Some("amc"))];
    let rules = "\x20 entry: { every_trading_days: 100, max_open: 1 }\n\x20 earnings: { close_before: 1 }\n";
    let o = run_rules(rules, &report).unwrap();
    assert_eq!(o.trades.len(), 2, "{:#?}", o.trades);
    assert_eq!((o.trades[1].date, o.trades[1].reason), (d("2023-01-06"), Reason::Earnings));
}

/// Trading into the report: enter only on the 2 days before the reaction day (01-05, 01-06), exit
/// on the reaction day (01-09). One position at most: opened 01-05, closed 01-09; nothing after.
#[test]
fn enter_before_and_exit_after_trade_through_the_report_only() {
    let report = [("ERN", "2023-01-06", "earnings", None, Some("amc"))];
    let rules =
        "\x20 entry: { every_trading_days: 1, max_open: 1 }\n\x20 earnings: { enter_before: 2, exit_after: true }\n";
    let o = run_rules(rules, &report).unwrap();
    let dates: Vec<(i32, Reason)> = o.trades.iter().map(|t| (t.date, t.reason)).collect();
    assert_eq!(dates, vec![(d("2023-01-05"), Reason::Entry), (d("2023-01-09"), Reason::Earnings)]);
    // 01-03 and 01-04 before the window; 01-10 … 01-12 after it (01-06 is blocked by max_open).
    let skipped = o.summary.diagnostics.entries_skipped;
    assert_eq!((skipped.earnings, skipped.max_open), (6, 1));
}

#[test]
fn an_earnings_rule_on_data_without_earnings_dates_is_refused() {
    let rules = format!("{DAILY}\x20 earnings: {{ avoid: {{ before: 2 }} }}\n");
    let e = run_rules(&rules, &[]).unwrap_err();
    assert_eq!(e.code(), "ERR_DATA_MISSING");
    assert!(e.to_string().contains("strategy.earnings: the dataset has no earnings dates for ERN"), "{e}");
    // Dividends only are no earnings dates either.
    let e = run_rules(&rules, &[("ERN", "2023-01-05", "ex_dividend", Some(0.5), None)]).unwrap_err();
    assert_eq!(e.code(), "ERR_DATA_MISSING");
}

#[test]
fn earnings_rules_are_refused_with_the_field_and_line() {
    let bad = |earnings: &str| {
        let text = format!(
            "name: x\ndata: {{ dataset: d, tickers: [ERN], start: 2023-01-03, end: 2023-01-13 }}\nstrategy:\n\
             \x20 legs:\n\x20   - {{ right: put, side: short, dte: {{ target: 30 }}, delta: {{ target: 0.3 }} }}\n\
             \x20 earnings: {earnings}\n"
        );
        parse(&text, "x.yaml").unwrap_err().to_string()
    };
    let e = bad("{ enter_before: 3, close_before: 1 }");
    assert!(
        e.contains("strategy.earnings.enter_before") && e.contains("cannot go with") && e.contains("line 6"),
        "{e}"
    );
    let e = bad("{ avoid: { before: 100 } }");
    assert!(e.contains("strategy.earnings.avoid.before") && e.contains("at most 63"), "{e}");
    let e = bad("{ avoid: { during: 1 } }");
    assert!(e.contains("unknown field `during`"), "{e}");
}
