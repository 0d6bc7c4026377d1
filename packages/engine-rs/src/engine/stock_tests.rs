//! Golden tests of shares, physical settlement, early assignment and dividends: a tiny hand-made
//! chain, every fill and the final P&L worked out by hand.
//!
//! Ticker XYZ (physically settled by default). Expiries E1 = 2023-01-06 and E2 = 2023-01-13 (and
//! 2023-02-17, which keeps the chain listed). Quotes: the E1 95 put 1.00/1.20 (call delta 0.70,
//! so |put delta| 0.30); the E2 100 call 0.50/0.70 (delta 0.30) unless a day says otherwise.
//! Option fills: slippage ½ (sell 1.00/1.20 at 1.05), commission 0.65. Shares: 0 bps, $0.01 each.

use super::*;
use crate::data::VerifyPolicy;
use crate::results::{Action, Instrument, Reason};
use crate::scenario::parse;
use crate::testkit::{EventRow, Row, d, write_dataset, write_events};

const E1: &str = "2023-01-06";
const E2: &str = "2023-01-13";
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

/// A day's chain at `spot`, the E2 100 call quoted at `call`.
fn day(date: &str, spot: f64, call: (f64, f64)) -> Vec<Row> {
    let mut rows = vec![
        Row::new(date, E1, 95.0).delta(0.70).put(1.0, 1.2).spot(spot),
        Row::new(date, E2, 100.0).delta(0.30).call(call.0, call.1).spot(spot),
        Row::new(date, "2023-02-17", 100.0).delta(0.50).spot(spot),
    ];
    rows.retain(|r| r.expir_date > r.trade_date);
    rows
}

fn days(spots: [f64; 9], calls: [(f64, f64); 9]) -> Vec<Vec<Row>> {
    DAYS.iter().zip(spots).zip(calls).map(|((date, s), c)| day(date, s, c)).collect()
}

const PUT: &str = "{ dte: { target: 3, min: 1, max: 10 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }";
const CALL: &str = "{ dte: { target: 7, min: 1, max: 10 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }";

fn scenario(strategy: &str, end: &str, extra: &str) -> Scenario {
    scenario_stock_costs(strategy, end, extra, "commission_per_share: 0.01, slippage_bps: 0")
}

/// The scenario with the fields of `costs.stock` given.
fn scenario_stock_costs(strategy: &str, end: &str, extra: &str, stock: &str) -> Scenario {
    let text = format!(
        "name: stock\n\
         data: {{ dataset: stock, tickers: [XYZ], start: 2023-01-03, end: {end} }}\n\
         capital: 100000\n\
         strategy:\n{strategy}\
         \x20 entry: {{ every_trading_days: 100, max_open: 1 }}\n\
         costs: {{ commission_per_contract: 0.65, slippage: {{ spread_fraction: 0.5 }}, stock: {{ {stock} }} }}\n\
         {extra}"
    );
    parse(&text, "stock.yaml").unwrap()
}

fn run_with(scenario: &Scenario, data: Vec<Vec<Row>>, events: &[EventRow<'_>]) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    let mut manifest = write_dataset(tmp.path(), "stock", &[("XYZ", data)]);
    if !events.is_empty() {
        write_events(tmp.path(), &mut manifest, events);
    }
    let ds = Dataset::open(tmp.path()).unwrap();
    let opts = RunOptions { verify: VerifyPolicy::metadata_only(), ..RunOptions::default() };
    run(scenario, &ds, &opts).unwrap()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// (instrument, action, date, quantity, price, fees, reason, pnl) of each fill.
type F = (Instrument, Action, i32, i32, f64, f64, Reason, f64);
fn fills(o: &Outcome) -> Vec<F> {
    o.trades.iter().map(|f| (f.instrument, f.action, f.date, f.quantity, f.price, f.fees, f.reason, f.pnl)).collect()
}

fn assert_fill(f: &F, want: (Instrument, Action, &str, i32, f64, f64, Reason, f64)) {
    assert_eq!((f.0, f.1, f.2, f.3, f.6), (want.0, want.1, d(want.2), want.3, want.6), "{f:?}");
    close(f.4, want.4);
    close(f.5, want.5);
    close(f.7, want.7);
}

fn equity_on(o: &Outcome, date: &str) -> f64 {
    o.equity.iter().find(|r| r.date == d(date)).unwrap().equity
}

/// The wheel's full cycle: the put is assigned at E1 (spot 90) into 100 shares at 95; a call is
/// written against them the same day; a dividend of 0.50 goes ex on 01-10 while they are held; the
/// call is assigned at E2 (spot 105) and the shares go at 100.
#[test]
fn the_wheel_puts_assigned_then_calls_away_with_a_dividend_between() {
    let wheel = format!("\x20 template: {{ wheel: {{ put: {PUT}, call: {CALL} }} }}\n");
    let s = scenario(&wheel, E2, "");
    let spots = [100.0, 100.0, 100.0, 90.0, 98.0, 98.0, 98.0, 98.0, 105.0];
    let o = run_with(&s, days(spots, [(0.5, 0.7); 9]), &[("XYZ", "2023-01-10", "ex_dividend", Some(0.5), None)]);
    let f = fills(&o);
    use Instrument::{Call, Put, Stock};
    assert_eq!(f.len(), 6, "{f:#?}");
    // Sell the put at 1.05, commission 0.65: cash 100 000 + 105 − 0.65 = 100 104.35.
    assert_fill(&f[0], (Put, Action::Open, DAYS[0], -1, 1.05, 0.65, Reason::Entry, 0.0));
    // E1, spot 90: the 95 put is assigned: it leaves at 0 (kept credit 105) and 100 shares come
    // in at 95 (cash − 9 500 = 90 604.35), free.
    assert_fill(&f[1], (Put, Action::Close, E1, 1, 0.0, 0.0, Reason::Assignment, 105.0));
    assert_fill(&f[2], (Stock, Action::Open, E1, 100, 95.0, 0.0, Reason::Assignment, 0.0));
    // The same day the cover is written: the E2 100 call sold at 0.55 (cash + 55 − 0.65).
    assert_fill(&f[3], (Call, Action::Open, E1, -1, 0.55, 0.65, Reason::Cover, 0.0));
    assert_eq!(o.trades[3].leg, 1, "the cover leg is numbered after the strategy's one leg");
    // Equity at E1's close: cash 90 658.70 + shares 100 × 90 − the call marked at 0.60 × 100.
    close(equity_on(&o, E1), 90_658.70 + 9_000.0 - 60.0);
    // E2, spot 105: the call is assigned: it leaves at 0 (kept 55), the shares go at 100
    // (realizing (100 − 95) × 100 = 500).
    assert_fill(&f[4], (Call, Action::Close, E2, 1, 0.0, 0.0, Reason::Assignment, 55.0));
    assert_fill(&f[5], (Stock, Action::Close, E2, -100, 100.0, 0.0, Reason::Assignment, 500.0));
    // Dividend 100 × 0.50 on 01-10. Net: 105 + 55 + 500 + 50 − 0.65 − 0.65 = 708.70.
    close(o.summary.final_equity, 100_708.70);
    let diag = &o.summary.diagnostics;
    assert_eq!((diag.assigned, diag.dividends, diag.early_assignments, diag.positions_closed), (2, 1, 0, 1));
}

/// The call is in the money (spot 103, strike 100) the day before a 0.50 ex-date, and its time
/// value (mid 3.10 − intrinsic 3 = 0.10) is below the dividend: assigned that day, so the shares
/// are gone before the ex-date and no dividend is received.
#[test]
fn a_short_call_is_assigned_the_day_before_an_ex_date_when_its_time_value_is_below_the_dividend() {
    let wheel = format!("\x20 template: {{ wheel: {{ put: {PUT}, call: {CALL} }} }}\n");
    let s = scenario(&wheel, E2, "");
    let spots = [100.0, 100.0, 100.0, 90.0, 103.0, 98.0, 98.0, 98.0, 98.0];
    let mut calls = [(0.5, 0.7); 9];
    calls[4] = (3.0, 3.2);
    let o = run_with(&s, days(spots, calls), &[("XYZ", "2023-01-10", "ex_dividend", Some(0.5), None)]);
    let early: Vec<_> = o.trades.iter().filter(|t| t.date == d(DAYS[4])).collect();
    assert_eq!(early.len(), 2, "{:#?}", o.trades);
    assert_eq!((early[0].instrument, early[0].reason, early[0].price), (Instrument::Call, Reason::Assignment, 0.0));
    assert_eq!((early[1].instrument, early[1].quantity, early[1].price), (Instrument::Stock, -100, 100.0));
    let diag = &o.summary.diagnostics;
    assert_eq!((diag.early_assignments, diag.dividends), (1, 0));
    // 105 + 55 + (100 − 95) × 100 − 0.65 × 2, and no new position (one entry only).
    close(o.summary.final_equity, 100_658.70);

    // Without the model the call stays, and the dividend is received on 01-10.
    let off = scenario(&wheel, E2, "settlement: { early_assignment: { before_ex_dividend: false } }\n");
    let o = run_with(&off, days(spots, calls), &[("XYZ", "2023-01-10", "ex_dividend", Some(0.5), None)]);
    assert_eq!((o.summary.diagnostics.early_assignments, o.summary.diagnostics.dividends), (0, 1));

    // The `european` assignment model never assigns early either.
    let european = scenario(&wheel, E2, "settlement: { early_assignment: { model: european } }\n");
    let o = run_with(&european, days(spots, calls), &[("XYZ", "2023-01-10", "ex_dividend", Some(0.5), None)]);
    assert_eq!((o.summary.diagnostics.early_assignments, o.summary.diagnostics.dividends), (0, 1));
}

/// Short shares pay the dividend: 100 shares sold short with a long call bought; a 0.50 ex-date
/// on 01-04; everything closes on the last day, 01-05, at unchanged prices.
#[test]
fn short_shares_pay_the_dividend() {
    let legs = format!(
        "\x20 legs:\n\x20   - {{ right: call, side: long, dte: {{ target: 9, min: 1, max: 12 }}, delta: {{ target: 0.30 }} }}\n\
         \x20 stock: {{ side: short, shares: 100 }}\n{}",
        ""
    );
    let s = scenario(&legs, "2023-01-05", "");
    let spots = [100.0; 9];
    let data: Vec<Vec<Row>> = days(spots, [(0.5, 0.7); 9]).into_iter().take(3).collect();
    let o = run_with(&s, data, &[("XYZ", "2023-01-04", "ex_dividend", Some(0.5), None)]);
    let f = fills(&o);
    use Instrument::{Call, Stock};
    assert_eq!(f.len(), 4, "{f:#?}");
    // Buy the call at 0.65 (+0.65 commission); sell 100 shares at 100 ($1 commission).
    assert_fill(&f[0], (Call, Action::Open, DAYS[0], 1, 0.65, 0.65, Reason::Entry, 0.0));
    assert_fill(&f[1], (Stock, Action::Open, DAYS[0], -100, 100.0, 1.0, Reason::Entry, 0.0));
    // Last day: the call sold at 0.55 (pnl −10), the shares bought back at 100 ($1).
    assert_fill(&f[2], (Stock, Action::Close, "2023-01-05", 100, 100.0, 1.0, Reason::EndOfData, 0.0));
    assert_fill(&f[3], (Call, Action::Close, "2023-01-05", -1, 0.55, 0.65, Reason::EndOfData, -10.0));
    // −10 − 50 (the dividend paid) − 3.30 fees.
    close(o.summary.final_equity, 100_000.0 - 63.30);
    assert_eq!(o.summary.diagnostics.dividends, 1);
    // The equity on the ex-date already shows the dividend paid (the call marked at mid 0.60).
    close(equity_on(&o, "2023-01-04"), 100_000.0 - 0.65 - 1.0 - 5.0 - 50.0);
}

/// A short put (no cover): assigned at E1 into 100 shares at 95, closed at the next close (spot 91)
/// with the share commission.
#[test]
fn delivered_shares_close_at_the_next_close_without_a_cover() {
    let legs = format!("\x20 legs:\n\x20   - {{ right: put, side: short, {} }}\n", &PUT[2..PUT.len() - 2]);
    let s = scenario(&legs, "2023-01-10", "");
    let spots = [100.0, 100.0, 100.0, 90.0, 91.0, 91.0, 91.0, 91.0, 91.0];
    let data: Vec<Vec<Row>> = days(spots, [(0.5, 0.7); 9]).into_iter().take(6).collect();
    let o = run_with(&s, data, &[]);
    let f = fills(&o);
    use Instrument::{Put, Stock};
    assert_eq!(f.len(), 4, "{f:#?}");
    assert_fill(&f[1], (Put, Action::Close, E1, 1, 0.0, 0.0, Reason::Assignment, 105.0));
    assert_fill(&f[2], (Stock, Action::Open, E1, 100, 95.0, 0.0, Reason::Assignment, 0.0));
    assert_fill(&f[3], (Stock, Action::Close, DAYS[4], -100, 91.0, 1.0, Reason::DeliveredShares, -400.0));
    close(o.summary.final_equity, 100_000.0 + 105.0 - 400.0 - 0.65 - 1.0);
    assert_eq!(o.summary.diagnostics.positions_closed, 1);

    // The `per_share` slippage model sells them $0.05 under the close: 90.95, pnl −405.
    let stock = "commission_per_share: 0.01, slippage_model: per_share, slippage_per_share: 0.05";
    let s = scenario_stock_costs(&legs, "2023-01-10", "", stock);
    let data: Vec<Vec<Row>> = days(spots, [(0.5, 0.7); 9]).into_iter().take(6).collect();
    let o = run_with(&s, data, &[]);
    assert_fill(&fills(&o)[3], (Stock, Action::Close, DAYS[4], -100, 90.95, 1.0, Reason::DeliveredShares, -405.0));
}

/// Out of the money at expiry on a physical ticker: the put expires worthless, no shares.
#[test]
fn an_out_of_the_money_leg_expires_without_shares() {
    let legs = format!("\x20 legs:\n\x20   - {{ right: put, side: short, {} }}\n", &PUT[2..PUT.len() - 2]);
    let s = scenario(&legs, "2023-01-09", "");
    let data: Vec<Vec<Row>> = days([100.0; 9], [(0.5, 0.7); 9]).into_iter().take(5).collect();
    let o = run_with(&s, data, &[]);
    let f = fills(&o);
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_fill(&f[1], (Instrument::Put, Action::Close, E1, 1, 0.0, 0.0, Reason::Expiry, 105.0));
    close(o.summary.final_equity, 100_000.0 + 105.0 - 0.65);
}

#[test]
fn stock_rules_are_refused_with_the_field() {
    let bad = |strategy: &str, extra: &str, ticker: &str| {
        let text = format!(
            "name: x\ndata: {{ dataset: d, tickers: [{ticker}], start: 2023-01-03, end: 2023-01-13 }}\nstrategy:\n{strategy}{extra}"
        );
        parse(&text, "x.yaml").unwrap_err().to_string()
    };
    let wheel = format!("  template: {{ wheel: {{ put: {PUT}, call: {CALL} }} }}\n");
    let e = bad(&wheel, "", "SPX");
    assert!(e.contains("strategy: ") && e.contains("SPX settles in cash"), "{e}");
    let e = bad(&format!("  template: {{ wheel: {{ put: {PUT} }} }}\n"), "", "XYZ");
    assert!(e.contains("call"), "{e}");
    let e = bad(&wheel, "settlement: { style: { ABC: cash } }\n", "XYZ");
    assert!(e.contains("settlement.style") && e.contains("ABC is not one of data.tickers"), "{e}");
    let legs = format!("  legs:\n    - {{ right: put, side: short, {} }}\n", &PUT[2..PUT.len() - 2]);
    let e = bad(&legs, "settlement: { assigned_shares: keep }\n", "XYZ");
    assert!(e.contains("settlement.assigned_shares") && e.contains("line 6"), "{e}");
    let e = bad(&format!("{legs}  stock: {{ side: long, shares: 200000 }}\n"), "", "XYZ");
    assert!(e.contains("stock") && e.contains("at most 100000"), "{e}");
    // A stock leg on an index with an explicit physical override is fine.
    let ok = format!(
        "name: x\ndata: {{ dataset: d, tickers: [SPX], start: 2023-01-03, end: 2023-01-13 }}\nstrategy:\n{wheel}settlement: {{ style: {{ SPX: physical }} }}\n"
    );
    parse(&ok, "x.yaml").unwrap();
}

/// Four days of the E2 100 call at 0.50/0.70 with the given call deltas and spots.
fn hedge_days(deltas: [f64; 4], spots: [f64; 4]) -> Vec<Vec<Row>> {
    DAYS[..4]
        .iter()
        .zip(deltas.iter().zip(spots))
        .map(|(date, (&delta, spot))| {
            vec![
                Row::new(date, E2, 100.0).delta(delta).call(0.5, 0.7).spot(spot),
                Row::new(date, "2023-02-17", 100.0).delta(0.5).spot(spot),
            ]
        })
        .collect()
}

const SHORT_CALL: &str = "\x20 legs:\n\x20   - { right: call, side: short, dte: { target: 10, min: 1, max: 12 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }\n";

/// Short one call (delta 0.30 → −30 shares), hedged at once, then whenever the net delta is more
/// than 10 shares from 0. Deltas 0.30, 0.45, 0.38, 0.50; spots 100, 103, 102, 104.
#[test]
fn a_hedge_on_a_band_trades_only_when_the_delta_leaves_it() {
    let s = scenario(&format!("{SHORT_CALL}\x20 hedge: {{ band: {{ shares: 10 }} }}\n"), DAYS[3], "");
    let o = run_with(&s, hedge_days([0.30, 0.45, 0.38, 0.50], [100.0, 103.0, 102.0, 104.0]), &[]);
    let f = fills(&o);
    use Instrument::{Call, Stock};
    assert_eq!(f.len(), 5, "{f:#?}");
    assert_fill(&f[0], (Call, Action::Open, DAYS[0], -1, 0.55, 0.65, Reason::Entry, 0.0));
    // At entry: buy 30 at 100 ($0.30).
    assert_fill(&f[1], (Stock, Action::Open, DAYS[0], 30, 100.0, 0.30, Reason::Hedge, 0.0));
    // 01-04: −45 + 30 = −15, outside the band: buy 15 at 103 (average 101).
    assert_fill(&f[2], (Stock, Action::Open, DAYS[1], 15, 103.0, 0.15, Reason::Hedge, 0.0));
    // 01-05: −38 + 45 = 7, inside. 01-06, the last day: all closes; 45 shares sold at 104,
    // (104 − 101) × 45 = 135; the call bought back at 0.65, (0.65 − 0.55) × −100 = −10.
    assert_fill(&f[3], (Stock, Action::Close, DAYS[3], -45, 104.0, 0.45, Reason::EndOfData, 135.0));
    assert_fill(&f[4], (Call, Action::Close, DAYS[3], 1, 0.65, 0.65, Reason::EndOfData, -10.0));
    let h = o.summary.hedge;
    assert_eq!((h.fills, h.shares_traded), (3, 90));
    close(h.pnl, 135.0);
    close(h.fees, 0.90);
    close(o.summary.final_equity, 100_000.0 - 10.0 - 1.30 + 135.0 - 0.90);
}

/// The same position hedged every 2 trading days instead: at entry, then on 01-05 (−38 + 30 = −8:
/// buy 8 at 102).
#[test]
fn a_hedge_on_a_schedule_trades_every_n_days_whatever_the_delta() {
    let s = scenario(&format!("{SHORT_CALL}\x20 hedge: {{ every_trading_days: 2 }}\n"), DAYS[3], "");
    let o = run_with(&s, hedge_days([0.30, 0.45, 0.38, 0.50], [100.0, 103.0, 102.0, 104.0]), &[]);
    let hedges: Vec<(i32, i32, f64)> =
        o.trades.iter().filter(|t| t.instrument == Instrument::Stock).map(|t| (t.date, t.quantity, t.price)).collect();
    assert_eq!(hedges, vec![(d(DAYS[0]), 30, 100.0), (d(DAYS[2]), 8, 102.0), (d(DAYS[3]), -38, 104.0)]);
    let h = o.summary.hedge;
    // Average (3 000 + 816) / 38; sold at 104: 3 952 − 3 816 = 136.
    close(h.pnl, 136.0);
    close(h.fees, 0.76);
}

/// `scope: ticker`: the ticker's positions are hedged together by one hedge book. Entries every
/// day, two at most: A on 01-03 and B on 01-04 (each short a call, delta 0.30 → −30 shares), each
/// hedged as it opens (+30, +30). On 01-05 the delta is 0.41: each position alone is 11 shares
/// off, inside the band of 20, but the ticker is −82 + 60 = −22 off: buy 22. Spot 100 throughout.
#[test]
fn a_ticker_hedge_holds_one_book_and_bands_the_summed_delta() {
    let run_scope = |scope: &str, exit: &str, max_open: u32| {
        let text = format!(
            "name: ticker-hedge\n\
             data: {{ dataset: stock, tickers: [XYZ], start: 2023-01-03, end: {} }}\n\
             capital: 100000\n\
             strategy:\n{SHORT_CALL}\
             \x20 hedge: {{ band: {{ shares: 20 }}, scope: {scope} }}\n\
             \x20 entry: {{ every_trading_days: 1, max_open: {max_open} }}\n\
             \x20 exit: {exit}\n\
             costs: {{ commission_per_contract: 0.65, stock: {{ commission_per_share: 0.01, slippage_bps: 0 }} }}\n",
            DAYS[3]
        );
        let s = parse(&text, "ticker-hedge.yaml").unwrap();
        run_with(&s, hedge_days([0.30, 0.30, 0.41, 0.41], [100.0; 4]), &[])
    };
    let stock = |o: &Outcome| -> Vec<(i32, i32, i32)> {
        o.trades
            .iter()
            .filter(|t| t.instrument == Instrument::Stock)
            .map(|t| (t.position_id, t.date, t.quantity))
            .collect()
    };
    let o = run_scope("ticker", "{}", 2);
    // Positions 1 and 2 trade the calls; the hedge book (id 2, opened before B) holds the shares.
    let book = o.trades.iter().find(|t| t.instrument == Instrument::Stock).unwrap().position_id;
    let calls: Vec<i32> = o.trades.iter().filter(|t| t.instrument == Instrument::Call).map(|t| t.position_id).collect();
    assert!(!calls.contains(&book), "{:#?}", o.trades);
    assert_eq!(
        stock(&o),
        vec![(book, d(DAYS[0]), 30), (book, d(DAYS[1]), 30), (book, d(DAYS[2]), 22), (book, d(DAYS[3]), -82)]
    );
    assert_eq!(o.summary.diagnostics.positions_opened, 2);
    assert_eq!(o.summary.diagnostics.positions_closed, 2, "the hedge book is not a trade");
    let record = o.positions.iter().find(|p| p.id == book).unwrap();
    assert_eq!((record.legs, record.reason), (0, Reason::EndOfData));
    assert_eq!(o.equity[2].open_positions, 2);
    close(o.summary.hedge.fees, (30.0 + 30.0 + 22.0 + 82.0) * 0.01);

    // Position by position, nobody leaves the band on 01-05.
    let o = run_scope("position", "{}", 2);
    let days: Vec<(i32, i32)> = stock(&o).iter().map(|&(_, date, n)| (date, n)).collect();
    assert_eq!(days, vec![(d(DAYS[0]), 30), (d(DAYS[1]), 30), (d(DAYS[3]), -30), (d(DAYS[3]), -30)]);

    // One position held a day: it closes on 01-04, and with no option left the book is sold.
    let o = run_scope("ticker", "{ max_hold_days: 1 }", 1);
    let days: Vec<(i32, i32)> = stock(&o).iter().map(|&(_, date, n)| (date, n)).collect();
    assert_eq!(days[..2], [(d(DAYS[0]), 30), (d(DAYS[1]), -30)]);
    let book = o.positions.iter().find(|p| p.legs == 0).unwrap();
    assert_eq!((book.closed, book.reason), (d(DAYS[1]), Reason::Hedge));
}

#[test]
fn a_hedge_without_schedule_or_band_or_with_a_negative_band_is_refused() {
    let bad = |hedge: &str| {
        let text = format!(
            "name: x\ndata: {{ dataset: d, tickers: [XYZ], start: 2023-01-03, end: 2023-01-13 }}\nstrategy:\n{SHORT_CALL}  hedge: {hedge}\n"
        );
        parse(&text, "x.yaml").unwrap_err().to_string()
    };
    let e = bad("{ target: 0 }");
    assert!(e.contains("strategy.hedge") && e.contains("a schedule or a band"), "{e}");
    let e = bad("{ band: { shares: -5 } }");
    assert!(e.contains("expected a number in [0, ∞), got -5") && e.contains("line 6"), "{e}");
    let e = bad("{ band: { lots: 5 } }");
    assert!(e.contains("unknown variant `lots`"), "{e}");
    let e = bad("{ band: { shares: 5 }, scope: portfolio }");
    assert!(e.contains("strategy.hedge.scope") && e.contains("`position`") && e.contains("`ticker`"), "{e}");
}

/// Attribution on a linear move: the call has delta 0.5 and no gamma, theta or vega (the test
/// chain carries none), and its mid moves by exactly 0.5 × ΔS. Long 1 call, mid 5.00 (4.90/5.10)
/// → 6.00 (S 100 → 102) → 5.50 (S 101). Every change is delta; the residual is 0.
#[test]
fn attribution_of_a_linear_move_is_all_delta_and_its_parts_sum_to_the_day() {
    let rows = |date: &str, s: f64, mid: f64| {
        vec![
            Row::new(date, E2, 100.0).delta(0.5).call(mid - 0.1, mid + 0.1).spot(s),
            Row::new(date, "2023-02-17", 100.0).delta(0.5).spot(s),
        ]
    };
    let data = vec![rows(DAYS[0], 100.0, 5.0), rows(DAYS[1], 102.0, 6.0), rows(DAYS[2], 101.0, 5.5)];
    let legs = "\x20 legs:\n\x20   - { right: call, side: long, dte: { target: 10, min: 1, max: 12 }, delta: { target: 0.5 } }\n";
    let s = scenario(legs, DAYS[2], "");
    let o = run_with(&s, data, &[]);
    let e = &o.equity;
    // Day 1: bought at 5.05 and marked at 5.00, commission 0.65: all of it "other".
    close(e[0].pnl.total(), 0.0);
    close(e[0].pnl_other, -5.0 - 0.65);
    // Day 2: 0.5 × 2 × 100 = 100, all delta.
    close(e[1].pnl.delta, 100.0);
    assert_eq!((e[1].pnl.gamma, e[1].pnl.theta, e[1].pnl.vega), (0.0, 0.0, 0.0));
    close(e[1].pnl.residual, 0.0);
    close(e[1].pnl_other, 0.0);
    // Day 3: −50 delta; then sold at 5.45 against the 5.50 mark, commission 0.65.
    close(e[2].pnl.delta, -50.0);
    close(e[2].pnl.residual, 0.0);
    close(e[2].pnl_other, -5.0 - 0.65);
    // Every day's parts and "other" sum to the day's change in equity.
    let mut previous = 100_000.0;
    for r in e {
        close(r.pnl.total() + r.pnl_other, r.equity - previous);
        previous = r.equity;
    }
    // positions.arrow: one position, its attribution and its net P&L (5.45 − 5.05) × 100 − 1.30.
    assert_eq!(o.positions.len(), 1);
    let p = &o.positions[0];
    close(p.attribution.delta, 50.0);
    close(p.attribution.residual, 0.0);
    close(p.pnl, 38.70);
    assert_eq!((p.reason, p.legs, p.rolls, p.opened, p.closed), (Reason::EndOfData, 1, 0, d(DAYS[0]), d(DAYS[2])));
}

/// A move that is not linear: what the greeks do not explain is the residual, exactly.
#[test]
fn the_residual_closes_each_leg_change_exactly() {
    let rows = |date: &str, s: f64, mid: f64, delta: f64| {
        vec![
            Row::new(date, E2, 100.0).delta(delta).call(mid - 0.1, mid + 0.1).spot(s),
            Row::new(date, "2023-02-17", 100.0).delta(0.5).spot(s),
        ]
    };
    let data = vec![rows(DAYS[0], 100.0, 5.0, 0.5), rows(DAYS[1], 104.0, 7.3, 0.6), rows(DAYS[2], 104.0, 7.3, 0.6)];
    let legs = "\x20 legs:\n\x20   - { right: call, side: short, dte: { target: 10, min: 1, max: 12 }, delta: { target: 0.5 } }\n";
    let o = run_with(&scenario(legs, DAYS[2], ""), data, &[]);
    let r = &o.equity[1];
    // Short 1: mark change (7.3 − 5.0) × −100 = −230; delta part 0.5 × 4 × −100 = −200.
    close(r.pnl.delta, -200.0);
    close(r.pnl.residual, -30.0);
    close(r.pnl.total() + r.pnl_other, r.equity - o.equity[0].equity);
}

/// Roll days: the E1 95 put 1.00/1.20 and the E2 95 put 1.60/1.80 (both |delta| 0.30); the E2 100
/// call 0.50/0.70 (delta 0.30) and the 02-17 100 call 1.00/1.20.
fn roll_days(spots: [f64; 5]) -> Vec<Vec<Row>> {
    DAYS[..5]
        .iter()
        .zip(spots)
        .map(|(date, s)| {
            let mut rows = vec![
                Row::new(date, E1, 95.0).delta(0.70).put(1.0, 1.2).spot(s),
                Row::new(date, E2, 95.0).delta(0.70).put(1.6, 1.8).spot(s),
                Row::new(date, E2, 100.0).delta(0.30).call(0.5, 0.7).spot(s),
                Row::new(date, "2023-02-17", 100.0).delta(0.30).call(1.0, 1.2).spot(s),
            ];
            rows.retain(|r| r.expir_date > r.trade_date);
            rows
        })
        .collect()
}

/// A short E1 put rolled when its DTE falls to 2 (01-04) to the same strike in the next expiry:
/// bought back at 1.15, the E2 95 put sold at 1.65; closed on the last day (01-09) at 1.75.
#[test]
fn a_roll_on_dte_moves_the_leg_to_the_next_expiry_and_keeps_the_premium_whole() {
    let legs = format!(
        "\x20 legs:\n\x20   - {{ right: put, side: short, {} }}\n\x20 roll: {{ when: {{ dte: 2 }}, to: next_expiry }}\n",
        &PUT[2..PUT.len() - 2]
    );
    let s = scenario(&legs, DAYS[4], "settlement: { style: { XYZ: cash } }\n");
    let o = run_with(&s, roll_days([100.0; 5]), &[]);
    let f: Vec<(i32, i32, f64, Reason, f64)> =
        o.trades.iter().map(|t| (t.date, t.quantity, t.price, t.reason, t.pnl)).collect();
    assert_eq!(f.len(), 4, "{f:#?}");
    assert_eq!((f[1].0, f[1].1, f[1].3), (d(DAYS[1]), 1, Reason::Roll));
    close(f[1].2, 1.15);
    close(f[1].4, -10.0);
    assert_eq!((f[2].0, f[2].1, f[2].3), (d(DAYS[1]), -1, Reason::Roll));
    close(f[2].2, 1.65);
    assert_eq!(o.trades[2].expiry, Some(d(E2)));
    close(f[3].2, 1.75);
    assert_eq!(f[3].3, Reason::EndOfData);
    // One roll allowed (the default): none on the later days though the DTE stays low? E2 is 9
    // days out on 01-04, so nothing fires again anyway.
    assert_eq!((o.summary.diagnostics.rolls, o.summary.diagnostics.rolls_skipped), (1, 0));
    let p = &o.positions[0];
    assert_eq!((p.rolls, p.legs), (1, 2));
    // Premium: 1.05 − 1.15 + 1.65.
    close(p.premium, 1.55);
    close(o.summary.final_equity, 100_000.0 - 10.0 - 10.0 - 4.0 * 0.65);
}

/// A short call rolled when the underlying touches its strike (99 → 101 on 01-04): bought back at
/// 0.65, the 02-17 100 call sold at 1.05.
#[test]
fn a_roll_on_a_touched_strike_fires_when_the_underlying_reaches_it() {
    let legs = "\x20 legs:\n\x20   - { right: call, side: short, dte: { target: 10, min: 1, max: 12 }, delta: { target: 0.30 } }\n\
                \x20 roll: { when: { touch: true }, to: next_expiry, max_rolls: 2 }\n";
    let s = scenario(legs, DAYS[4], "");
    let o = run_with(&s, roll_days([99.0, 101.0, 99.0, 99.0, 99.0]), &[]);
    let rolls: Vec<(i32, i32, f64, Option<i32>)> =
        o.trades.iter().filter(|t| t.reason == Reason::Roll).map(|t| (t.date, t.quantity, t.price, t.expiry)).collect();
    assert_eq!(rolls.len(), 2, "{:#?}", o.trades);
    assert_eq!((rolls[0].0, rolls[0].1, rolls[0].3), (d(DAYS[1]), 1, Some(d(E2))));
    close(rolls[0].2, 0.65);
    assert_eq!((rolls[1].0, rolls[1].1, rolls[1].3), (d(DAYS[1]), -1, Some(d("2023-02-17"))));
    close(rolls[1].2, 1.05);
    assert_eq!(o.summary.diagnostics.rolls, 1);
}

#[test]
fn roll_rules_that_can_never_fire_are_refused() {
    let bad = |legs: &str, roll: &str| {
        let text = format!(
            "name: x\ndata: {{ dataset: d, tickers: [XYZ], start: 2023-01-03, end: 2023-01-13 }}\nstrategy:\n  legs:\n{legs}  roll: {roll}\n"
        );
        parse(&text, "x.yaml").unwrap_err().to_string()
    };
    let short = format!("    - {{ right: put, side: short, {} }}\n", &PUT[2..PUT.len() - 2]);
    let long = format!("    - {{ right: put, side: long, {} }}\n", &PUT[2..PUT.len() - 2]);
    let e = bad(&short, "{ when: {} }");
    assert!(e.contains("strategy.roll") && e.contains("can never fire"), "{e}");
    let e = bad(&short, "{ when: { dte: 0 } }");
    assert!(e.contains("dte: 0 can never fire"), "{e}");
    let e = bad(&long, "{ when: { touch: true } }");
    assert!(e.contains("strategy.roll") && e.contains("has none"), "{e}");
    let e = bad(&short, "{ when: { dte: 3 }, max_rolls: 0 }");
    assert!(e.contains("max_rolls"), "{e}");
}

/// The day's totals as separate passes over the book worked them out before `equity_row` took
/// one: its value (`Position::value` summed), the legs' unrealized P&L then the shares', and the
/// dollar greeks with the shares' delta first.
fn totals_pass_by_pass(book: &Portfolio, underlyings: &[f64]) -> [u64; 8] {
    let value = book.positions_value();
    let legs: f64 = book
        .positions
        .iter()
        .flat_map(|p| p.legs.iter().map(move |l| l.contracts(p.units) * (l.mark - l.open_price) * MULTIPLIER))
        .sum();
    let shares: f64 = book.positions.iter().filter(|p| p.all_shares() != 0).map(|p| p.shares_unrealized()).sum();
    let (mut delta, mut gamma, mut theta, mut vega) = (0.0, 0.0, 0.0, 0.0);
    for p in &book.positions {
        let s = underlyings.get(p.ticker).copied().filter(|s| s.is_finite()).unwrap_or(0.0);
        if p.all_shares() != 0 {
            delta += p.all_shares() as f64 * s;
        }
        for l in &p.legs {
            let n = l.contracts(p.units) * MULTIPLIER;
            delta += n * l.greeks.delta * s;
            gamma += n * l.greeks.gamma * s * s / 100.0;
            theta += n * l.greeks.theta;
            vega += n * l.greeks.vega;
        }
    }
    let open = book.positions.iter().filter(|p| !p.hedge_book).count() as f64;
    [book.cash + value, value, legs + shares, delta, gamma, theta, vega, open].map(f64::to_bits)
}

/// Shares and options held together (the wheel's covered call, a hedged short call): every day's
/// row has the bits of the separate passes.
#[test]
fn the_equity_row_takes_one_pass_with_the_bits_of_one_pass_per_total() {
    let wheel = scenario(&format!("\x20 template: {{ wheel: {{ put: {PUT}, call: {CALL} }} }}\n"), E2, "");
    let spots = [100.0, 100.0, 100.0, 90.0, 98.0, 97.0, 99.0, 98.0, 105.0];
    let hedged = scenario(&format!("{SHORT_CALL}\x20 hedge: {{ band: {{ shares: 10 }} }}\n"), DAYS[3], "");
    let cases = [
        (wheel, days(spots, [(0.5, 0.7); 9])),
        (hedged, hedge_days([0.30, 0.45, 0.38, 0.50], [100.0, 103.0, 102.0, 104.0])),
    ];
    for (s, data) in cases {
        let tmp = tempfile::tempdir().unwrap();
        write_dataset(tmp.path(), "stock", &[("XYZ", data)]);
        let ds = Dataset::open(tmp.path()).unwrap();
        let loaded = LoadedData::load(std::iter::once(&s), &ds, &VerifyPolicy::default()).unwrap();
        let mut run = Stepper::new(&s, &loaded).unwrap();
        let mut days_with_shares = 0;
        while run.next_date().is_some() {
            run.step();
            let row = run.equity.last().unwrap();
            let got = [
                row.equity,
                row.positions_value,
                row.unrealized_pnl,
                row.delta_dollars,
                row.gamma_dollars,
                row.theta_dollars,
                row.vega_dollars,
                f64::from(row.open_positions),
            ]
            .map(f64::to_bits);
            assert_eq!(got, totals_pass_by_pass(&run.book, &run.underlyings), "{}", iso(row.date));
            days_with_shares +=
                usize::from(run.book.positions.iter().any(|p| p.all_shares() != 0 && !p.legs.is_empty()));
        }
        assert!(days_with_shares > 0, "{}: shares and options were held together", s.name);
    }
}

/// The wheel (assignment, shares, a call written against them, the shares called away) keeping
/// only its row: no fills or position records, and the same entry days, returns and metrics as a
/// full run, bit for bit.
#[test]
fn the_wheel_keeping_its_row_only_ends_its_positions_as_a_full_run_does() {
    let wheel = format!("\x20 template: {{ wheel: {{ put: {PUT}, call: {CALL} }} }}\n");
    let s = scenario(&wheel, E2, "");
    let spots = [100.0, 100.0, 100.0, 90.0, 98.0, 98.0, 98.0, 98.0, 105.0];
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "stock", &[("XYZ", days(spots, [(0.5, 0.7); 9]))]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let loaded = LoadedData::load(std::iter::once(&s), &ds, &VerifyPolicy::default()).unwrap();
    let stepped = |keep| tests::stepped(&s, &loaded, keep);
    let (full, row) = (stepped(Keep::Everything), stepped(Keep::Row));
    assert!(row.trades.is_empty() && row.positions.is_empty());
    let called_away = full.positions.iter().find(|p| p.reason == Reason::Assignment);
    assert!(called_away.is_some(), "the shares were called away: {:#?}", full.positions);
    assert_eq!(full.entries, row.entries);
    assert_eq!(
        full.returns.iter().map(|r| r.to_bits()).collect::<Vec<_>>(),
        row.returns.iter().map(|r| r.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(
        serde_json::to_string(&full.summary.metrics).unwrap(),
        serde_json::to_string(&row.summary.metrics).unwrap()
    );
}
