//! A portfolio of strategies in one account: each strategy acts on its own positions exactly as it
//! would alone, the account's equity is the sum of their P&L on shared cash, and sizing reads
//! each strategy's weight of the account.

use super::*;
use crate::results::Reason;
use crate::scenario::parse;
use crate::testkit::{Row, write_dataset};

const DAYS: [&str; 8] =
    ["2023-01-03", "2023-01-04", "2023-01-05", "2023-01-06", "2023-01-09", "2023-01-10", "2023-01-11", "2023-01-12"];

/// A ticker's chain each day: puts and calls at strikes 90…110 of two expiries, priced from the
/// spot (intrinsic plus time value that decays), so marks move and positions make and lose money.
fn chain(spots: [f64; 8]) -> Vec<Vec<Row>> {
    DAYS.iter()
        .zip(spots)
        .enumerate()
        .map(|(k, (date, s))| {
            let mut rows = Vec::new();
            for (expiry, time) in [("2023-01-20", 2.0 - 0.2 * k as f64), ("2023-02-17", 4.0 - 0.1 * k as f64)] {
                for strike in [90.0, 95.0, 100.0, 105.0, 110.0] {
                    let put = (strike - s).max(0.0) + time * (-((strike - s) / 10.0f64).powi(2)).exp();
                    let call = (s - strike).max(0.0) + time * (-((strike - s) / 10.0f64).powi(2)).exp();
                    // Call delta falls with the strike (0.9 at 90 … 0.1 at 110).
                    let delta = (0.5 - (strike - s) / 25.0).clamp(0.05, 0.95);
                    rows.push(
                        Row::new(date, expiry, strike)
                            .spot(s)
                            .delta(delta)
                            .put(put.max(0.05) - 0.05, put.max(0.05) + 0.05)
                            .call(call.max(0.05) - 0.05, call.max(0.05) + 0.05),
                    );
                }
            }
            rows
        })
        .collect()
}

const AAA: [f64; 8] = [100.0, 101.0, 99.0, 97.0, 98.0, 102.0, 103.0, 101.0];
const BBB: [f64; 8] = [100.0, 98.0, 96.0, 99.0, 103.0, 104.0, 100.0, 99.0];

const PUTS: &str = "legs:\n      - { right: put, side: short, dte: { target: 14, min: 7, max: 60 }, delta: { target: 0.30, min: 0.1, max: 0.5 } }\n    entry: { every_trading_days: 2, max_open: 2 }\n    exit: { profit_target: 0.5 }";
const CALLS: &str = "legs:\n      - { right: call, side: short, dte: { target: 45, min: 20, max: 60 }, delta: { target: 0.30, min: 0.1, max: 0.5 } }\n      - { right: call, side: long, offset: { leg: 0, width: 5 } }\n    entry: { every_trading_days: 3, max_open: 1 }\n    exit: { stop_loss: 1 }";

/// The scenario's first lines: data on `tickers` (cash-settled), capital 100 000.
fn header(tickers: &str) -> String {
    let styles: Vec<String> = tickers.split(", ").map(|t| format!("{t}: cash")).collect();
    format!(
        "name: book\n\
         data: {{ dataset: book, tickers: [{tickers}], start: 2023-01-03, end: 2023-01-12 }}\n\
         capital: 100000\n\
         settlement: {{ style: {{ {} }} }}\n",
        styles.join(", ")
    )
}

fn alone(tickers: &str, body: &str) -> Scenario {
    let text = format!("{}strategy:\n  {}\n", header(tickers), body.replace("\n    ", "\n  "));
    parse(&text, "alone.yaml").unwrap()
}

fn book(weights: (&str, &str)) -> Scenario {
    let text = format!(
        "{}strategies:\n  puts:\n    tickers: [AAA, BBB]\n{}    {}\n  calls:\n    tickers: [BBB]\n{}    {}\n",
        header("AAA, BBB"),
        weights.0,
        PUTS,
        weights.1,
        CALLS
    );
    parse(&text, "book.yaml").unwrap()
}

fn run_on_data(s: &Scenario) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "book", &[("AAA", chain(AAA)), ("BBB", chain(BBB))]);
    run(s, &Dataset::open(tmp.path()).unwrap(), &RunOptions::default()).unwrap()
}

/// Every fill of one strategy, without its position ids (they are numbered across the account).
fn fills_of(o: &Outcome, strategy: usize) -> Vec<(String, i32, i32, f64, f64, Reason, f64)> {
    o.trades
        .iter()
        .filter(|f| f.strategy == strategy)
        .map(|f| (o.ticker_names[f.ticker].clone(), f.date, f.quantity, f.price, f.fees, f.reason, f.pnl))
        .collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

#[test]
fn each_strategy_trades_as_it_would_alone_and_the_account_sums_them() {
    let o = run_on_data(&book(("    weight: 0.6\n", "    weight: 0.4\n")));
    let puts = run_on_data(&alone("AAA, BBB", PUTS));
    let calls = run_on_data(&alone("BBB", CALLS));
    assert_eq!(o.strategy_names, ["puts", "calls"]);
    // Fixed sizes: each strategy's fills are exactly its own run's.
    assert!(!fills_of(&puts, 0).is_empty() && !fills_of(&calls, 0).is_empty());
    assert_eq!(fills_of(&o, 0), fills_of(&puts, 0));
    assert_eq!(fills_of(&o, 1), fills_of(&calls, 0));
    let s = &o.summary.strategies;
    close(s[0].pnl, puts.summary.final_equity - 100_000.0);
    close(s[1].pnl, calls.summary.final_equity - 100_000.0);
    // Each starts at its weight of the capital.
    close(s[0].capital, 60_000.0);
    close(s[1].capital, 40_000.0);
    close(s[0].final_equity, 60_000.0 + s[0].pnl);
    // Day by day, shared cash: the account's P&L is the sum of the strategies'.
    assert_eq!(o.strategies.len(), 2 * o.equity.len());
    for (day, row) in o.equity.iter().enumerate() {
        let (a, b) = (&o.strategies[2 * day], &o.strategies[2 * day + 1]);
        assert_eq!((a.date, a.strategy, b.strategy), (row.date, 0, 1));
        close(row.equity - 100_000.0, a.pnl + b.pnl);
        close(a.equity, 60_000.0 + a.pnl);
        assert_eq!(a.open_positions + b.open_positions, row.open_positions);
    }
    // Counters: the account's are the strategies' together.
    let opened = s[0].diagnostics.positions_opened + s[1].diagnostics.positions_opened;
    assert_eq!(opened, o.summary.diagnostics.positions_opened);
    assert_eq!(s[0].diagnostics.positions_opened, puts.summary.diagnostics.positions_opened);
    assert_eq!(s[1].metrics.trade_count, calls.summary.metrics.trade_count);
    // Positions and fills carry the strategy; positions of `calls` are only on BBB.
    assert!(o.positions.iter().filter(|p| p.strategy == 1).all(|p| o.ticker_names[p.ticker] == "BBB"));
}

#[test]
fn sizing_reads_the_strategy_weight_of_the_account() {
    // equity_fraction 0.1 of the account against a spread's max loss: the strategy with weight
    // 0.25 sells a quarter of what the whole account would.
    let sizing = "\n    sizing: { equity_fraction: 0.1, against: max_loss }";
    let calls = CALLS.to_string() + sizing;
    let whole = run_on_data(&alone("BBB", &calls));
    let text =
        format!("{}strategies:\n  calls:\n    weight: 0.25\n    tickers: [BBB]\n    {calls}\n", header("AAA, BBB"));
    let quarter = run_on_data(&parse(&text, "q.yaml").unwrap());
    let first = |o: &Outcome| o.trades.iter().find(|f| f.quantity < 0).map(|f| f.quantity).unwrap();
    // The first entry: equity is the capital, so units = floor(0.1 × E × w / max loss).
    let max_loss = -(100_000.0 * 0.1) / f64::from(first(&whole));
    let expected = ((0.1 * 100_000.0 * 0.25) / max_loss).floor() as i32;
    assert!(first(&whole) < -4, "the whole account sells several units");
    assert_eq!(-first(&quarter), expected);
}

#[test]
fn one_strategy_under_strategies_with_all_the_capital_is_the_single_form() {
    let single = run_on_data(&alone("AAA, BBB", PUTS));
    let text = format!("{}strategies:\n  main:\n    weight: 1\n    {PUTS}\n", header("AAA, BBB"));
    let named = run_on_data(&parse(&text, "n.yaml").unwrap());
    let (a, b) = (single.tables().unwrap(), named.tables().unwrap());
    assert_eq!(a, b);
    assert_eq!(single.summary.to_json_bytes(), named.summary.to_json_bytes());
    // The single form's strategy row is the account, bit for bit.
    for (row, s) in single.equity.iter().zip(&single.strategies) {
        assert_eq!((row.equity, row.daily_return), (s.equity, s.daily_return));
    }
}

#[test]
fn the_benchmark_is_the_first_ticker_bought_and_held_unless_named() {
    let o = run_on_data(&alone("AAA, BBB", PUTS));
    let b = o.summary.benchmark.as_ref().unwrap();
    assert_eq!((b.name.as_str(), b.kind.as_str()), ("AAA", "ticker"));
    close(b.total_return, 101.0 / 100.0 - 1.0);
    assert!(b.beta.is_some() && b.correlation.is_some());
    // market.arrow's rows: each day, AAA then BBB.
    assert_eq!(o.market.len(), 2 * o.equity.len());
    assert_eq!(o.market_names, [("AAA".to_string(), "ticker"), ("BBB".to_string(), "ticker")]);
    assert_eq!((o.market[3].name, o.market[3].close), (1, Some(98.0)));
    let mut named = alone("AAA, BBB", PUTS);
    named.benchmark = Some("BBB".into());
    let b = run_on_data(&named).summary.benchmark.unwrap();
    assert_eq!(b.name, "BBB");
    close(b.total_return, 99.0 / 100.0 - 1.0);
}

#[test]
fn a_strategy_that_can_never_fill_is_named() {
    let never =
        "legs:\n      - { right: put, side: short, dte: { target: 400, min: 300, max: 500 }, delta: { target: 0.3 } }";
    let text = format!("{}strategies:\n  puts:\n    {PUTS}\n  far:\n    {never}\n", header("AAA, BBB"));
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "book", &[("AAA", chain(AAA)), ("BBB", chain(BBB))]);
    let e =
        run(&parse(&text, "f.yaml").unwrap(), &Dataset::open(tmp.path()).unwrap(), &RunOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with("strategies.far.legs[0] could never be filled"), "{e}");
}

#[test]
fn a_benchmark_series_the_dataset_lacks_is_missing_data() {
    let mut s = alone("AAA, BBB", PUTS);
    s.benchmark = Some("VIX".into());
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "book", &[("AAA", chain(AAA)), ("BBB", chain(BBB))]);
    let dataset = Dataset::open(tmp.path()).unwrap();
    let e = run(&s, &dataset, &RunOptions::default()).unwrap_err();
    assert_eq!(e.code(), "ERR_DATA_MISSING");
    assert!(e.to_string().starts_with("benchmark: the dataset has no series VIX (no series.arrow)"), "{e}");
    let (field, _) = missing_data(&s, &dataset).unwrap().unwrap();
    assert_eq!(field, "benchmark");
}
