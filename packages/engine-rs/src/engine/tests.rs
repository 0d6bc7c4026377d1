//! Golden tests: tiny hand-made chains where every fill and the final P&L are worked out by hand.
//!
//! The chain: ticker TST, one expiry 2023-01-06, puts at 95 (|delta| 0.30) and 105 (|delta| 0.70);
//! trading days 01-03 … 01-06. One short 95 put is sold on 01-03 at bid 1.00 / ask 1.20:
//! mid 1.10, slippage ½ → sell at 1.10 − ½·(1.10 − 1.00) = 1.05; commission 0.65.
//! Cash after entry: 100 000 + 105 − 0.65 = 100 104.35.

use super::*;
use crate::data::VerifyPolicy;
use crate::results::{Action, Reason};
use crate::scenario::parse;
use crate::testkit::{Row, d, write_dataset};

const EXPIRY: &str = "2023-01-06";
const DAYS: [&str; 4] = ["2023-01-03", "2023-01-04", "2023-01-05", "2023-01-06"];

/// A day's chain: the 95 put quoted at (bid, ask) or missing, the 105 put always quoted.
fn day(date: &str, spot: f64, put95: Option<(f64, f64)>) -> Vec<Row> {
    let mut rows = Vec::new();
    if let Some((bid, ask)) = put95 {
        rows.push(Row::new(date, EXPIRY, 95.0).delta(0.70).put(bid, ask).spot(spot));
    }
    // A later expiry keeps the chain listed on expiry day.
    rows.push(Row::new(date, EXPIRY, 105.0).delta(0.30).put(6.0, 6.4).spot(spot));
    rows.push(Row::new(date, "2023-02-17", 100.0).delta(0.50).put(3.0, 3.2).spot(spot));
    rows.retain(|r| r.expir_date > r.trade_date);
    rows
}

fn scenario(exit: &str, slippage: f64) -> Scenario {
    let costs = format!("{{ commission_per_contract: 0.65, slippage: {{ spread_fraction: {slippage} }} }}");
    scenario_with(exit, &costs, "")
}

/// The golden scenario with its `costs` section and extra strategy lines (`sizing`) given.
fn scenario_with(exit: &str, costs: &str, strategy_extra: &str) -> Scenario {
    let text = format!(
        "name: golden\n\
         data: {{ dataset: golden, tickers: [TST], start: 2023-01-03, end: 2023-01-06 }}\n\
         capital: 100000\n\
         strategy:\n\
         \x20 legs:\n\
         \x20   - {{ right: put, side: short, dte: {{ target: 3, min: 1, max: 10 }}, delta: {{ target: 0.30, min: 0.2, max: 0.4 }} }}\n\
         \x20 entry: {{ every_trading_days: 100, max_open: 1 }}\n\
         \x20 exit: {exit}\n\
         {strategy_extra}\
         costs: {costs}\n\
         settlement: {{ style: {{ TST: cash }} }}\n"
    );
    parse(&text, "golden.yaml").unwrap()
}

fn run_days(days: Vec<Vec<Row>>, exit: &str, slippage: f64) -> Outcome {
    run_scenario(&scenario(exit, slippage), days)
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// (action, date, price, fees, reason, pnl) of each fill.
fn fills(o: &Outcome) -> Vec<(Action, i32, f64, f64, Reason, f64)> {
    o.trades.iter().map(|f| (f.action, f.date, f.price, f.fees, f.reason, f.pnl)).collect()
}

fn quiet_days(put95: [(f64, f64); 3], spot_at_expiry: f64) -> Vec<Vec<Row>> {
    vec![
        day(DAYS[0], 100.0, Some((1.0, 1.2))),
        day(DAYS[1], 100.0, Some(put95[0])),
        day(DAYS[2], 100.0, Some(put95[1])),
        day(DAYS[3], spot_at_expiry, Some(put95[2])),
    ]
}

#[test]
fn expiry_out_of_the_money_keeps_the_credit() {
    let o = run_days(quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0), "{}", 0.5);
    let f = fills(&o);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].0, Action::Open);
    close(f[0].2, 1.05);
    close(f[0].3, 0.65);
    // Settled at intrinsic max(95 − 100, 0) = 0, no commission; pnl (0 − 1.05) × −1 × 100 = 105.
    assert_eq!((f[1].0, f[1].1, f[1].4), (Action::Close, d(EXPIRY), Reason::Expiry));
    close(f[1].2, 0.0);
    close(f[1].3, 0.0);
    close(f[1].5, 105.0);
    close(o.summary.final_equity, 100_104.35);
    assert_eq!(o.summary.diagnostics.positions_closed, 1);
    close(o.summary.metrics.expectancy.unwrap(), 104.35);
    // Day 2 equity: cash 100 104.35 − mark 0.90 × 100 = 100 014.35; unrealized (0.90 − 1.05) × −1 × 100 = 15.
    close(o.equity[1].equity, 100_014.35);
    close(o.equity[1].unrealized_pnl, 15.0);
    close(o.equity[1].realized_pnl, 0.0);
    close(o.equity[3].realized_pnl, 104.35);
}

#[test]
fn expiry_in_the_money_pays_intrinsic_from_the_underlying() {
    let o = run_days(quiet_days([(0.8, 1.0), (2.0, 2.4), (4.8, 5.2)], 90.0), "{}", 0.5);
    let f = fills(&o);
    // Intrinsic 95 − 90 = 5: cash 100 104.35 − 500 = 99 604.35; pnl (5 − 1.05) × −1 × 100 = −395.
    close(f[1].2, 5.0);
    close(f[1].5, -395.0);
    assert_eq!(f[1].4, Reason::Expiry);
    close(o.summary.final_equity, 99_604.35);
    assert_eq!(o.summary.metrics.win_rate, Some(0.0));
}

#[test]
fn profit_target_buys_back_at_the_slipped_ask_side() {
    // pt 0.5 of the 1.05 credit: close once the mark ≤ 0.525. Day 2 mid (0.4 + 0.6)/2 = 0.50.
    let o = run_days(quiet_days([(0.4, 0.6), (0.3, 0.5), (0.0, 0.05)], 100.0), "{ profit_target: 0.5 }", 0.5);
    let f = fills(&o);
    assert_eq!(f.len(), 2);
    // Buy at 0.50 + ½·(0.60 − 0.50) = 0.55; pnl (0.55 − 1.05) × −1 × 100 = 50.
    assert_eq!((f[1].1, f[1].4), (d(DAYS[1]), Reason::ProfitTarget));
    close(f[1].2, 0.55);
    close(f[1].3, 0.65);
    close(f[1].5, 50.0);
    // Cash 100 104.35 − 55 − 0.65 = 100 048.70; net P&L 50 − 1.30 = 48.70.
    close(o.summary.final_equity, 100_048.70);
    close(o.summary.metrics.expectancy.unwrap(), 48.70);
}

#[test]
fn stop_loss_fires_before_the_profit_target_and_costs_the_spread() {
    // sl 2 × 1.05 = 2.10 loss: mark ≥ 3.15. Day 3 mid (3.0 + 3.4)/2 = 3.20.
    let o =
        run_days(quiet_days([(1.2, 1.4), (3.0, 3.4), (4.8, 5.2)], 90.0), "{ stop_loss: 2.0, profit_target: 0.5 }", 0.5);
    let f = fills(&o);
    assert_eq!((f[1].1, f[1].4), (d(DAYS[2]), Reason::StopLoss));
    // Buy at 3.20 + ½·(3.40 − 3.20) = 3.30; pnl (3.30 − 1.05) × −1 × 100 = −225.
    close(f[1].2, 3.30);
    close(f[1].5, -225.0);
    close(o.summary.final_equity, 100_104.35 - 330.0 - 0.65);
}

#[test]
fn dte_exit_closes_when_the_expiry_is_near() {
    // dte_exit 2: on 01-04 the expiry is 2 days away. Natural fills (f = 1): buy at the ask 1.10.
    let o = run_days(quiet_days([(0.9, 1.1), (0.5, 0.7), (0.0, 0.05)], 100.0), "{ dte_exit: 2 }", 1.0);
    let f = fills(&o);
    // Entry at the bid 1.00 with f = 1; exit at the ask 1.10: pnl (1.10 − 1.00) × −1 × 100 = −10.
    close(f[0].2, 1.0);
    assert_eq!((f[1].1, f[1].4), (d(DAYS[1]), Reason::DteExit));
    close(f[1].2, 1.10);
    close(f[1].5, -10.0);
    close(o.summary.final_equity, 100_000.0 + 100.0 - 0.65 - 110.0 - 0.65);
}

#[test]
fn a_missing_quote_keeps_the_last_mark_and_is_counted() {
    let days = vec![
        day(DAYS[0], 100.0, Some((1.0, 1.2))),
        day(DAYS[1], 100.0, None),
        day(DAYS[2], 100.0, Some((0.5, 0.7))),
        day(DAYS[3], 100.0, Some((0.0, 0.05))),
    ];
    let o = run_days(days, "{}", 0.5);
    assert_eq!(o.summary.diagnostics.quotes_missing, 1);
    // Day 2 keeps day 1's mark 1.10: equity 100 104.35 − 110 = 99 994.35; day 3 marks at 0.60.
    close(o.equity[1].equity, 99_994.35);
    close(o.equity[2].equity, 100_104.35 - 60.0);
    close(o.summary.final_equity, 100_104.35);
}

#[test]
fn a_missing_quote_defers_an_exit_to_the_next_quoted_day() {
    let days = vec![
        day(DAYS[0], 100.0, Some((1.0, 1.2))),
        day(DAYS[1], 100.0, None),
        day(DAYS[2], 100.0, Some((0.6, 0.8))),
        day(DAYS[3], 100.0, Some((0.0, 0.05))),
    ];
    // dte_exit 3 triggers on 01-04 (2 days) but there is no quote: it closes on 01-05 at 0.75.
    let o = run_days(days, "{ dte_exit: 3 }", 0.5);
    assert_eq!(o.summary.diagnostics.exits_deferred, 1);
    let f = fills(&o);
    assert_eq!((f[1].1, f[1].4), (d(DAYS[2]), Reason::DteExit));
    close(f[1].2, 0.75);
}

#[test]
fn the_last_day_closes_what_is_still_open() {
    let days = vec![
        day(DAYS[0], 100.0, Some((1.0, 1.2))),
        day(DAYS[1], 100.0, Some((0.8, 1.0))),
        day(DAYS[2], 100.0, Some((0.5, 0.7))),
    ];
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", days)]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let mut s = scenario("{}", 0.5);
    s.data.end = crate::scenario::values::IsoDate(d(DAYS[2]));
    let o = run(&s, &ds, &RunOptions::default()).unwrap();
    let f = fills(&o);
    // Buy back at 0.60 + ½·0.10 = 0.65 on the last day.
    assert_eq!((f[1].1, f[1].4), (d(DAYS[2]), Reason::EndOfData));
    close(f[1].2, 0.65);
    close(o.summary.final_equity, 100_104.35 - 65.0 - 0.65);
    assert_eq!(o.equity.last().unwrap().open_positions, 0);
}

#[test]
fn a_leg_that_can_never_be_filled_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0))]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("manifest.json")).unwrap();
    assert!(text.contains("golden"));
    let mut s = scenario("{}", 0.5);
    s.strategy.as_mut().unwrap().legs[0].dte =
        Some(crate::scenario::Window { target: 400, min: Some(300), max: Some(500) });
    s.strategy.as_mut().unwrap().entry.every_trading_days = Some(crate::scenario::values::AtLeastOne(1));
    let err = run(&s, &ds, &RunOptions::default()).unwrap_err();
    assert_eq!(err.code(), "ERR_UNFILLABLE");
    assert!(
        err.to_string().contains("strategy.legs[0] could never be filled: no expiration with DTE in [300, 500]"),
        "{err}"
    );
}

#[test]
fn dates_outside_the_data_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0))]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let mut s = scenario("{}", 0.5);
    s.data.end = crate::scenario::values::IsoDate(d("2023-02-01"));
    let err = run(&s, &ds, &RunOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data: 2023-01-03 to 2023-02-01 is outside dataset golden's TST data, which covers 2023-01-03 to 2023-01-06"
    );
}

#[test]
fn cancellation_stops_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0))]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let cancel = Arc::new(AtomicBool::new(true));
    let err =
        run(&scenario("{}", 0.5), &ds, &RunOptions { cancel: Some(cancel), ..RunOptions::default() }).unwrap_err();
    assert!(matches!(err, EngineError::Cancelled));
}

#[test]
fn an_offset_wing_never_crosses_to_the_other_side_of_its_reference() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0))]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let day = ds.open_partitions(&Selection::default(), &VerifyPolicy::default()).unwrap();
    let chain = day[0].1.day(d(DAYS[0])).unwrap();
    let mut s = scenario("{}", 0.5);
    // Short the 95 put (|delta| 0.30), buy a wing 5 points lower: nothing is listed below 95, and
    // the nearest strike to 90 on the wrong side (100 or 105) must not be taken instead.
    let wing = LegSpec {
        side: crate::scenario::Side::Long,
        dte: None,
        delta: None,
        offset: Some(crate::scenario::Offset { leg: 0, width: crate::scenario::values::Finite(-5.0) }),
        ..s.first_strategy().legs[0].clone()
    };
    s.strategy.as_mut().unwrap().legs.push(wing);
    assert_eq!(choose_legs(&chain, &s.strategy.as_mut().unwrap().legs), Err(Miss::NoStrike { leg: 1 }));
    s.strategy.as_mut().unwrap().legs[1].offset =
        Some(crate::scenario::Offset { leg: 0, width: crate::scenario::values::Finite(5.0) });
    let legs = choose_legs(&chain, &s.strategy.as_mut().unwrap().legs).unwrap();
    assert_eq!(legs[1].strike, 105.0);
}

#[test]
fn selections_remember_a_days_choice_per_ticker_and_legs_only() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0))]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let parts = ds.open_partitions(&Selection::default(), &VerifyPolicy::default()).unwrap();
    let (first, second) = (parts[0].1.day(d(DAYS[0])).unwrap(), parts[0].1.day(d(DAYS[1])).unwrap());
    let s = scenario("{}", 0.5);
    let legs = s.first_strategy().legs.clone();
    let mut nothing_inside = legs.clone();
    nothing_inside[0].delta.as_mut().unwrap().target = crate::scenario::values::UnitOpen(0.99);
    nothing_inside[0].delta.as_mut().unwrap().min = Some(crate::scenario::values::UnitOpen(0.98));
    let mut selections = select::Selections::default();
    for (day, ticker, legs) in [
        (&first, 0, &legs),
        (&first, 0, &nothing_inside),
        (&first, 0, &legs),
        (&first, 1, &nothing_inside),
        (&second, 0, &legs),
        (&second, 0, &nothing_inside),
        (&first, 0, &legs),
    ] {
        let (choice, greeks) = selections.choose(ticker, day, legs);
        assert_eq!(choice, &choose_legs(day, legs), "{ticker} {legs:?}");
        // The greeks an entry opens with come with the choice: those of the chosen rows.
        let want = choice.as_ref().map_or_else(|_| Vec::new(), |c| select::opening_greeks(day, c));
        assert_eq!(greeks, want.as_slice(), "{ticker} {legs:?}");
        assert_eq!(greeks.len(), choice.as_ref().map_or(0, Vec::len));
    }
    assert!(
        selections.choose(0, &first, &legs).1.iter().any(Option::is_some),
        "the chosen put has greeks on the first day"
    );
    // The two legs differ in what they find, so a mixed-up memory would have shown above.
    assert_ne!(choose_legs(&first, &legs), choose_legs(&first, &nothing_inside));
}

/// `s` stepped day by day through `loaded`, keeping `keep`.
pub(super) fn stepped(s: &Scenario, loaded: &LoadedData, keep: Keep) -> Outcome {
    let mut run = Stepper::keeping(s, loaded, keep).unwrap();
    while run.next_date().is_some() {
        run.step();
    }
    run.finish().unwrap()
}

/// A sweep point whose files are not written keeps only what its row reads: the same daily
/// returns, entry days and summary bit for bit, without the fills, position records, the
/// account's, strategies' and market's rows or the comparisons made from them.
#[test]
fn a_run_keeping_its_row_only_differs_only_by_what_it_does_not_keep() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0))]);
    let ds = Dataset::open(tmp.path()).unwrap();
    let s = scenario("{}", 0.5);
    let loaded = LoadedData::load(std::iter::once(&s), &ds, &VerifyPolicy::default()).unwrap();
    let full = stepped(&s, &loaded, Keep::Everything);
    let row = stepped(&s, &loaded, Keep::Row);
    assert!(full.summary.benchmark.is_some() && !full.summary.strategies.is_empty());
    assert!(!full.strategies.is_empty() && !full.market.is_empty());
    assert_eq!(row.summary.benchmark, None);
    assert!(row.summary.strategies.is_empty() && row.strategies.is_empty() && row.market.is_empty());
    let mut without = full.summary.clone();
    without.benchmark = None;
    without.strategies.clear();
    // As text: a summary may hold a NaN, which is never equal to itself.
    assert_eq!(serde_json::to_string(&without).unwrap(), serde_json::to_string(&row.summary).unwrap());
    assert!(row.equity.is_empty(), "a row keeps the account's days as the columns its metrics read");
    let returns: Vec<f64> = full.equity.iter().map(|r| r.daily_return).collect();
    assert_eq!(returns.len(), 4, "one a trading day");
    assert_eq!(
        full.returns.iter().map(|r| r.to_bits()).collect::<Vec<_>>(),
        returns.iter().map(|r| r.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(
        row.returns.iter().map(|r| r.to_bits()).collect::<Vec<_>>(),
        returns.iter().map(|r| r.to_bits()).collect::<Vec<_>>()
    );
    assert!(!full.trades.is_empty() && row.trades.is_empty(), "a row keeps no fills");
    assert!(!full.positions.is_empty() && row.positions.is_empty(), "nor position records");
    let opened: Vec<i32> = full.positions.iter().map(|p| p.opened).collect();
    assert_eq!((&full.entries, &row.entries), (&opened, &opened));
}

#[test]
fn listings_give_what_a_lookup_of_its_own_finds() {
    use super::listings::Listings;
    use super::mark::finite;
    use super::portfolio::{Greeks, HeldLeg, greeks_of};
    use super::select::usable;
    use crate::data::{DayChain, Right};
    let tmp = tempfile::tempdir().unwrap();
    // TST's 95 put is crossed on the second day (listed, its quote unusable); ABC lists no 95 put
    // on its first two days, so the same contract sits on another row there.
    let mut abc = quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0);
    abc[0] = day(DAYS[0], 100.0, None);
    abc[1] = day(DAYS[1], 100.0, None);
    let tickers = [("TST", quiet_days([(1.3, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0)), ("ABC", abc)];
    write_dataset(tmp.path(), "golden", &tickers);
    let ds = Dataset::open(tmp.path()).unwrap();
    let parts = ds.open_partitions(&Selection::default(), &VerifyPolicy::default()).unwrap();
    let chains = |name: &str| -> Vec<DayChain<'_>> {
        let part = &parts.iter().find(|(e, _, _)| e.ticker == name).unwrap().1;
        DAYS.iter().map(|&s| part.day(d(s)).unwrap()).collect()
    };
    let days = [chains("TST"), chains("ABC")];
    let leg = |expiry: &str, strike: f64, right| HeldLeg {
        leg: 0,
        right,
        side: crate::scenario::Side::Short,
        qty: 1,
        expiry: d(expiry),
        strike,
        open_price: 0.0,
        mark: 0.0,
        greeks: Greeks::default(),
        iv: 0.0,
        marked_on: 0,
        hint: Default::default(),
    };
    let mut legs = Vec::new();
    for (expiry, strike) in [(EXPIRY, 95.0), (EXPIRY, 105.0), ("2023-02-17", 100.0)] {
        legs.extend([leg(expiry, strike, Right::Put), leg(expiry, strike, Right::Call)]);
    }
    // Contracts never listed, enough to fill the day's table past its probes.
    legs.extend((0..300).map(|i| leg("2023-02-17", 200.0 + f64::from(i), Right::Put)));
    // The long way: find, quote, and greeks when the quote is usable.
    let direct = |day: &DayChain<'_>, l: &HeldLeg| {
        day.find(l.expiry, l.strike).map(|row| {
            let q = day.quote(row, l.right);
            (row, q, if usable(&q) { finite(greeks_of(day, row, l.right)) } else { None })
        })
    };
    let mut listings = Listings::default();
    let (mut with_greeks, mut unusable) = (0, 0);
    // Every day forwards then backwards, twice: hits, misses, and days seen again after others.
    for k in (0..DAYS.len()).chain((0..DAYS.len()).rev()).chain(0..DAYS.len()) {
        for (t, chains) in days.iter().enumerate() {
            for l in &legs {
                let want = direct(&chains[k], l);
                let got = listings.listing(t, &chains[k], l);
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "{} {:?} {} {:?}", DAYS[k], t, l.strike, l.right);
                // The hint the listing left finds the same row.
                assert_eq!(l.row_in(&chains[k]), want.map(|w| w.0));
                match want {
                    Some((_, _, Some(_))) => with_greeks += 1,
                    Some((_, _, None)) => unusable += 1,
                    None => {}
                }
            }
        }
    }
    assert!(with_greeks > 0 && unusable > 0, "{with_greeks} {unusable}");
    // ABC's 105 put is on another row than TST's the first day: a table that ignored the ticker
    // would have answered with the wrong one above.
    assert_ne!(days[0][0].find(d(EXPIRY), 105.0), days[1][0].find(d(EXPIRY), 105.0));
}

/// A scenario that tries to enter every day (one position at a time) on the golden chain.
fn daily_entries() -> Scenario {
    let text = "name: golden\n\
         data: { dataset: golden, tickers: [TST], start: 2023-01-03, end: 2023-01-06 }\n\
         strategy:\n\
         \x20 legs:\n\
         \x20   - { right: put, side: short, dte: { target: 3, min: 1, max: 10 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }\n\
         \x20 entry: { every_trading_days: 1, max_open: 1 }\n";
    parse(text, "golden.yaml").unwrap()
}

fn run_scenario(s: &Scenario, days: Vec<Vec<Row>>) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", days)]);
    run(s, &Dataset::open(tmp.path()).unwrap(), &RunOptions::default()).unwrap()
}

#[test]
fn a_crossed_quote_is_never_traded_and_is_counted() {
    // Day 1 quotes the 95 put crossed (bid 1.3 > ask 1.2): no entry; day 2's good quote fills.
    let mut days = quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0);
    days[0][0] = days[0][0].clone().put(1.3, 1.2);
    let o = run_scenario(&daily_entries(), days);
    assert_eq!(o.trades[0].date, d(DAYS[1]));
    // Day 2: bid 0.8 / ask 1.0, mid 0.9, sold at 0.9 − ½·(0.9 − 0.8) = 0.85.
    close(o.trades[0].price, 0.85);
    assert_eq!(o.summary.diagnostics.quotes_invalid, 1);
    assert_eq!(o.summary.diagnostics.entries_skipped.no_strike, 1);
}

/// The golden chain with the 95 put crossed on days 0, 2 and 3, written and opened under `dir`.
fn crossed_three_times(dir: &Path) -> Dataset {
    let mut days = quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0);
    for k in [0, 2, 3] {
        days[k][0] = days[k][0].clone().put(1.3, 1.2);
    }
    write_dataset(dir, "golden", &[("TST", days)]);
    Dataset::open(dir).unwrap()
}

#[test]
fn invalid_quotes_are_counted_on_the_days_a_run_visits_and_nowhere_else() {
    // Crossed quotes on days 0, 2 and 3; the data is loaded for all four days (as a sweep's is
    // for a walk-forward window), the run covers days 1–2: one invalid quote, however counted.
    let tmp = tempfile::tempdir().unwrap();
    let ds = crossed_three_times(tmp.path());
    let whole = daily_entries();
    let mut window = whole.clone();
    window.data.start = crate::scenario::values::IsoDate(d(DAYS[1]));
    window.data.end = crate::scenario::values::IsoDate(d(DAYS[2]));
    let load = || LoadedData::load(std::iter::once(&whole), &ds, &VerifyPolicy::default()).unwrap();
    // Counted by both threads during the run (a single run's way), then before it (a sweep's).
    let (during, before) = (load(), load());
    before.count_invalid_quotes();
    for loaded in [&during, &before] {
        let o = run_loaded(&window, loaded, &RunOptions::default()).unwrap();
        assert_eq!(o.summary.diagnostics.quotes_invalid, 1);
        let o = run_loaded(&whole, loaded, &RunOptions::default()).unwrap();
        assert_eq!(o.summary.diagnostics.quotes_invalid, 3);
    }
}

#[test]
fn invalid_quote_counts_kept_beside_the_stamps_serve_later_runs_and_damaged_ones_are_recounted() {
    use crate::data::VerifyMode;
    use crate::data::stamps::{QUOTE_RULE, StampStore};
    let tmp = tempfile::tempdir().unwrap();
    let ds = crossed_three_times(tmp.path());
    let stamps = tmp.path().join("stamps");
    let invalid = |mode: VerifyMode| {
        let policy = VerifyPolicy::new(mode, StampStore::at(&stamps));
        let loaded = LoadedData::load(std::iter::once(&daily_entries()), &ds, &policy).unwrap();
        run_loaded(&daily_entries(), &loaded, &RunOptions::default()).unwrap().summary.diagnostics.quotes_invalid
    };
    let kept = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&stamps)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "quotes"))
            .collect()
    };
    // The first run hashes the partition, counts, and keeps the counts beside the stamp.
    assert_eq!(invalid(VerifyMode::Auto), 3);
    let [file] = kept().try_into().unwrap();
    let good = std::fs::read_to_string(&file).unwrap();
    // Data loaded once keeps its counts once, however many runs use it (a walk-forward's windows).
    std::fs::remove_file(&file).unwrap();
    {
        let policy = VerifyPolicy::new(VerifyMode::Auto, StampStore::at(&stamps));
        let loaded = LoadedData::load(std::iter::once(&daily_entries()), &ds, &policy).unwrap();
        run_loaded(&daily_entries(), &loaded, &RunOptions::default()).unwrap();
        std::fs::remove_file(&file).unwrap();
        run_loaded(&daily_entries(), &loaded, &RunOptions::default()).unwrap();
        loaded.count_invalid_quotes();
        assert!(kept().is_empty(), "written again by the same load");
    }
    assert_eq!(invalid(VerifyMode::Auto), 3);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
    assert_eq!(invalid(VerifyMode::Auto), 3);
    // Later runs read them: counts written with a valid checksum are what the next run reports
    // (here a forged file, to show they are read), under `auto` and `always` alike.
    let body = format!("invalid quote sides per day, rule {QUOTE_RULE}\n4\n0 0 0 0");
    let forged = format!("{body}\n{}\n", crate::data::manifest::sha256_bytes(body.as_bytes()));
    std::fs::write(&file, &forged).unwrap();
    assert_eq!(invalid(VerifyMode::Auto), 0);
    assert_eq!(invalid(VerifyMode::Always), 0);
    // `never` verifies no content, so it trusts nothing kept beside a stamp: it counts.
    assert_eq!(invalid(VerifyMode::Never), 3);
    // Damaged counts are ignored and counted again, and the good counts kept in their place.
    std::fs::write(&file, forged.replace("0 0 0 0", "0 0 0 1")).unwrap();
    assert_eq!(invalid(VerifyMode::Auto), 3);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
}

#[test]
fn a_null_in_a_row_makes_both_its_quotes_unusable() {
    let mut days = quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0);
    days[0][0] = days[0][0].clone().null_put_bid();
    let o = run_scenario(&daily_entries(), days);
    assert_eq!(o.trades[0].date, d(DAYS[1]), "the null row is not traded");
    assert_eq!(o.summary.diagnostics.quotes_invalid, 2);
}

#[test]
fn a_day_without_a_usable_underlying_price_is_skipped_and_counted() {
    // Held from day 1; day 2's stkPx is NaN everywhere: no mark, no exit, no NaN in the equity.
    let mut days = quiet_days([(0.4, 0.6), (0.3, 0.5), (0.0, 0.05)], 100.0);
    days[1] = days[1].iter().map(|r| r.clone().spot(f64::NAN)).collect();
    let o = run_days(days, "{ profit_target: 0.5 }", 0.5);
    assert_eq!(o.summary.diagnostics.underlying_unusable_days, 1);
    // The profit target (mark 0.50 on day 2) waits for day 3, the next usable day: mid 0.40.
    assert_eq!((o.trades[1].date, o.trades[1].reason), (d(DAYS[2]), Reason::ProfitTarget));
    assert!(o.equity.iter().all(|r| r.equity.is_finite() && r.delta_dollars.is_finite()), "{:?}", o.equity);
    assert_eq!(o.equity.len(), 4, "the skipped day still has its equity row");
    close(o.equity[1].equity, o.equity[0].equity);
}

/// The `by_legs` fill model with a one-leg share of 0.6: sell the 1.00/1.20 put at
/// 1.20 − 0.6 × 0.20 = 1.08; the profit target (half of 1.08: mark ≤ 0.54) fires on day 2 at mid
/// 0.50 and buys back at 0.40 + 0.6 × 0.20 = 0.52; pnl (0.52 − 1.08) × −100 = 56.
#[test]
fn the_by_legs_fill_model_crosses_its_share_of_the_spread() {
    let costs = "{ commission_per_contract: 0.65, slippage: { model: by_legs, by_legs: [0.6] } }";
    let s = scenario_with("{ profit_target: 0.5 }", costs, "");
    let o = run_scenario(&s, quiet_days([(0.4, 0.6), (0.3, 0.5), (0.0, 0.05)], 100.0));
    let f = fills(&o);
    assert_eq!(f.len(), 2);
    close(f[0].2, 1.08);
    assert_eq!((f[1].1, f[1].4), (d(DAYS[1]), Reason::ProfitTarget));
    close(f[1].2, 0.52);
    close(f[1].5, 56.0);
    close(o.summary.final_equity, 100_000.0 + 56.0 - 1.30);
    // ORATS' table (one leg: 0.75) fills like spread_fraction 0.5: 1.20 − 0.15 = 1.05.
    let orats = scenario_with("{}", "{ slippage: { model: by_legs } }", "");
    let o = run_scenario(&orats, quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0));
    close(o.trades[0].price, 1.05);
}

/// The `capped` commission model with a $1.00 minimum: the one-contract entry pays 1.00, not
/// 0.65; expiry is free whatever the model.
#[test]
fn the_capped_commission_model_charges_the_minimum_ticket() {
    let costs = "{ commission_per_contract: 0.65, commission: { model: capped, minimum: 1.0 } }";
    let s = scenario_with("{}", costs, "");
    let o = run_scenario(&s, quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0));
    let f = fills(&o);
    close(f[0].3, 1.0);
    close(f[1].3, 0.0);
    close(o.summary.final_equity, 100_104.0);
}

/// Sizing half the equity against margin. Reg-T: max(20% × 100 − 5 OTM, 10% × 95) + 1.05 = 16.05
/// per share → $1,605 a contract → ⌊50 000 / 1 605⌋ = 31 contracts. Cash-secured: (95 − 1.05) ×
/// 100 = $9,395 → ⌊50 000 / 9 395⌋ = 5.
#[test]
fn the_margin_model_decides_how_many_contracts_half_the_equity_sells() {
    let days = || quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0);
    let costs = "{ commission_per_contract: 0.65 }";
    let sizing = |model: &str| {
        format!("\x20 sizing: {{ equity_fraction: 0.5, against: margin, margin: {{ model: {model} }} }}\n")
    };
    let reg_t = run_scenario(&scenario_with("{}", costs, &sizing("reg_t")), days());
    assert_eq!(reg_t.trades[0].quantity, -31);
    let cash = run_scenario(&scenario_with("{}", costs, &sizing("cash_secured")), days());
    assert_eq!(cash.trades[0].quantity, -5);
}

#[test]
fn a_model_parameter_without_its_model_is_refused_with_the_field_and_line() {
    let bad = |rest: &str| {
        let text = format!(
            "name: x\ndata: {{ dataset: d, tickers: [TST], start: 2023-01-03, end: 2023-01-06 }}\nstrategy:\n\
             \x20 legs:\n\x20   - {{ right: put, side: short, dte: {{ target: 30 }}, delta: {{ target: 0.3 }} }}\n{rest}"
        );
        parse(&text, "x.yaml").unwrap_err().to_string()
    };
    let e = bad("costs:\n  slippage:\n    by_legs: [0.7]\n");
    assert!(e.contains("costs.slippage.by_legs") && e.contains("line 8") && e.contains("model: by_legs"), "{e}");
    let e = bad("costs:\n  slippage: { model: by_legs, by_legs: [] }\n");
    assert!(e.contains("costs.slippage.by_legs") && e.contains("give 1 to 8"), "{e}");
    let e = bad("costs:\n  slippage: { model: by_legs, by_legs: [1.5] }\n");
    assert!(e.contains("costs.slippage.by_legs") && e.contains("[0, 1]"), "{e}");
    let e = bad("costs:\n  commission: { model: capped }\n");
    assert!(e.contains("costs.commission") && e.contains("needs a minimum, a maximum or both"), "{e}");
    let e = bad("costs:\n  commission: { minimum: 1 }\n");
    assert!(e.contains("costs.commission") && e.contains("go with `model: capped`"), "{e}");
    let e = bad("costs:\n  commission: { model: capped, minimum: 5, maximum: 2 }\n");
    assert!(e.contains("minimum (5) is above maximum (2)"), "{e}");
    let e = bad("costs:\n  commission: { model: tiered }\n");
    assert!(e.contains("costs.commission.model") && e.contains("per_contract") && e.contains("capped"), "{e}");
    let e = bad("costs:\n  stock: { slippage_model: per_share }\n");
    assert!(e.contains("costs.stock") && e.contains("needs slippage_per_share"), "{e}");
    let e = bad("costs:\n  stock: { slippage_per_share: 0.01 }\n");
    assert!(e.contains("costs.stock.slippage_per_share") && e.contains("slippage_model: per_share"), "{e}");
    let e = bad("settlement: { early_assignment: { model: european, time_value_below: 0.05 } }\n");
    assert!(e.contains("settlement.early_assignment.time_value_below") && e.contains("never assigns early"), "{e}");
    let e = bad("costs:\n  slippage: { tick_from_3: 0.1 }\n");
    assert!(e.contains("costs.slippage.tick_from_3") && e.contains("goes with `tick`"), "{e}");
    let e = bad("costs:\n  slippage: { tick: 0 }\n");
    assert!(e.contains("costs.slippage.tick") && e.contains("(0, ∞)"), "{e}");
    let e = bad("settlement: { early_assignment: { model: bermudan } }\n");
    assert!(e.contains("settlement.early_assignment.model") && e.contains("american"), "{e}");
}

/// A liquidity filter passes over the nearest candidate. Day 1 lists the 95 put (|delta| 0.30, the
/// target) with open interest 5 and a 96 put (|delta| 0.35) with 500: `min_open_interest: 100`
/// sells the 96 put at 1.25 (1.20/1.40 at half the spread) instead.
#[test]
fn a_liquidity_filter_skips_to_the_next_candidate() {
    let days = || {
        let mut days = quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0);
        days[0][0] = days[0][0].clone().open_interest(5);
        days[0].insert(1, Row::new(DAYS[0], EXPIRY, 96.0).delta(0.65).put(1.2, 1.4).open_interest(500));
        days
    };
    let costs = "{ commission_per_contract: 0.65 }";
    let plain = run_scenario(&scenario_with("{}", costs, ""), days());
    assert_eq!(plain.trades[0].strike, Some(95.0));
    let filtered = scenario_with("{}", costs, "\x20 liquidity: { min_open_interest: 100 }\n");
    let o = run_scenario(&filtered, days());
    assert_eq!((o.trades[0].date, o.trades[0].strike), (d(DAYS[0]), Some(96.0)));
    close(o.trades[0].price, 1.25);

    // With 1,000 asked, nothing passes on any day: every entry day is skipped for open interest and
    // the run says the leg could never be filled, and why.
    let strict = scenario_with("{}", costs, "\x20 liquidity: { min_open_interest: 1000 }\n");
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "golden", &[("TST", days())]);
    let e = run(&strict, &Dataset::open(tmp.path()).unwrap(), &RunOptions::default()).unwrap_err().to_string();
    assert!(e.contains("strategy.legs[0] could never be filled") && e.contains("liquidity filter"), "{e}");
    // A spread filter lets the 95 put (0.20 wide) through on the same days.
    let spread = scenario_with("{}", costs, "\x20 liquidity: { max_spread: 0.2, min_open_interest: 1 }\n");
    let o = run_scenario(&spread, days());
    assert_eq!(o.trades[0].strike, Some(95.0));
    assert_eq!(o.summary.diagnostics.entries_skipped.low_open_interest, 0);
}

/// Entry days whose legs find nothing liquid are counted by the test that failed.
#[test]
fn illiquid_entry_days_are_counted_by_reason() {
    let mut days = quiet_days([(0.8, 1.0), (0.5, 0.7), (0.0, 0.05)], 100.0);
    // Day 1: the only candidate is 0.50 wide; day 2 it is 0.20 wide and fills.
    days[0][0] = days[0][0].clone().put(0.9, 1.4);
    let mut s = daily_entries();
    s.strategy.as_mut().unwrap().liquidity = Some(serde_norway::from_str("{ max_spread: 0.3 }").unwrap());
    let o = run_scenario(&s, days);
    assert_eq!(o.summary.diagnostics.entries_skipped.wide_spread, 1);
    assert_eq!(o.trades[0].date, d(DAYS[1]));
}

#[test]
fn an_empty_or_negative_liquidity_filter_is_refused_with_the_field_and_line() {
    let bad = |liquidity: &str| {
        let text = format!(
            "name: x\ndata: {{ dataset: d, tickers: [TST], start: 2023-01-03, end: 2023-01-06 }}\nstrategy:\n\
             \x20 legs:\n\x20   - {{ right: put, side: short, dte: {{ target: 30 }}, delta: {{ target: 0.3 }}, liquidity: {liquidity} }}\n"
        );
        parse(&text, "x.yaml").unwrap_err().to_string()
    };
    let e = bad("{}");
    assert!(
        e.contains("strategy.legs[0].liquidity") && e.contains("give at least one of") && e.contains("line 5"),
        "{e}"
    );
    let e = bad("{ min_bid: -0.05 }");
    assert!(e.contains("min_bid") && e.contains("[0, ∞)"), "{e}");
    let e = bad("{ min_open_interest: -1 }");
    assert!(e.contains("min_open_interest"), "{e}");
    let e = bad("{ max_spread_pct: 0 }");
    assert!(e.contains("max_spread_pct") && e.contains("(0, ∞)"), "{e}");
    let e = bad("{ min_oi: 5 }");
    assert!(e.contains("unknown field `min_oi`"), "{e}");
}

#[test]
fn a_strategy_holding_the_whole_account_has_the_metrics_its_own_rows_give() {
    // Three weeks of a put whose price wanders (a target every few days, new entries after):
    // several trades, wins and losses, days in and out of the market.
    let dates: Vec<String> =
        (2..=20).map(|k| format!("2023-01-{k:02}")).filter(|t| d(t) % 7 != 2 && d(t) % 7 != 3).collect();
    let days: Vec<Vec<Row>> = dates
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let price = 1.0 + 0.4 * ((k as f64) * 1.7).sin();
            let spot = 100.0 + (k as f64 * 0.9).cos() * 3.0;
            vec![
                // Delta is the call's: the 95 put's is −0.30.
                Row::new(t, "2023-02-17", 95.0).delta(0.70).put(price, price + 0.2).spot(spot),
                Row::new(t, "2023-02-17", 105.0).delta(0.30).put(6.0, 6.4).spot(spot),
            ]
        })
        .collect();
    let text = "name: whole\n\
         data: { dataset: golden, tickers: [TST], start: 2023-01-02, end: 2023-01-20 }\n\
         capital: 100000\n\
         strategy:\n\
         \x20 legs:\n\
         \x20   - { right: put, side: short, dte: { target: 40, min: 20, max: 60 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }\n\
         \x20 entry: { every_trading_days: 1, max_open: 2 }\n\
         \x20 exit: { profit_target: 0.25, stop_loss: 0.3 }\n\
         settlement: { style: { TST: cash } }\n";
    let o = run_scenario(&parse(text, "whole.yaml").unwrap(), days);
    assert!(o.positions.len() >= 3, "{} positions", o.positions.len());
    let rows: Vec<&StrategyRow> = o.strategies.iter().collect();
    // Every position of a run without hedges is a closed trade (those open at the end close then).
    let trades: Vec<analytics::ClosedTrade> = o
        .positions
        .iter()
        .map(|p| analytics::ClosedTrade { net_pnl: p.pnl, days_held: i64::from(p.closed - p.opened) })
        .collect();
    let own = metrics_of(100_000.0, &rows, &trades);
    assert_eq!(o.summary.strategies.len(), 1);
    assert_eq!(o.summary.strategies[0].metrics, own);
    assert_eq!(o.summary.metrics, own);
    assert!(own.win_rate.is_some() && own.sharpe.is_some(), "{own:?}");
}
