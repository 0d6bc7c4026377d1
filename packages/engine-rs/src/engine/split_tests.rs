//! Golden tests of splits: a short put carried across a 2-for-1 split (two contracts at half the
//! strike, nothing gained or lost by the split itself), and closed the day before a 1-for-2
//! reverse split, which it cannot be carried across.
//!
//! Ticker SPL, trading days 2023-01-03 … 01-09, one expiry 2023-02-17, strikes at 90 … 110 % of
//! the spot. Each put is quoted at intrinsic + 2% of the spot (bid) / + 2.2% (ask), so a chain in
//! new shares is the old one halved (2-for-1) or doubled (1-for-2). The strategy sells the
//! 30-delta put once (the 95% strike), one unit.

use super::*;
use crate::results::Reason;
use crate::scenario::parse;
use crate::testkit::{Row, d, write_dataset, write_events};

const DAYS: [&str; 5] = ["2023-01-03", "2023-01-04", "2023-01-05", "2023-01-06", "2023-01-09"];

fn chain(spots: [f64; 5]) -> Vec<Vec<Row>> {
    DAYS.iter()
        .zip(spots)
        .map(|(date, s)| {
            [0.90, 0.95, 1.00, 1.05, 1.10]
                .iter()
                .map(|m| {
                    let k = s * m;
                    let put = (k - s).max(0.0);
                    // Call delta 0.7 at 95% of the spot (the 30-delta put), 0.5 at the money.
                    let delta = (0.5 - (m - 1.0) * 4.0).clamp(0.05, 0.95);
                    Row::new(date, "2023-02-17", k).spot(s).delta(delta).put(put + 0.02 * s, put + 0.022 * s)
                })
                .collect()
        })
        .collect()
}

fn run_split(spots: [f64; 5], ratio: f64, every: u32) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    let mut manifest = write_dataset(tmp.path(), "spl", &[("SPL", chain(spots))]);
    write_events(tmp.path(), &mut manifest, &[("SPL", DAYS[2], "split", Some(ratio), None)]);
    let text = format!(
        "name: split\n\
         data: {{ dataset: spl, tickers: [SPL], start: 2023-01-03, end: 2023-01-09 }}\n\
         strategy:\n\
         \x20 legs:\n\
         \x20   - {{ right: put, side: short, dte: {{ target: 45, min: 20, max: 60 }}, delta: {{ target: 0.30, min: 0.2, max: 0.4 }} }}\n\
         \x20 entry: {{ every_trading_days: {every}, max_open: 1 }}\n\
         costs: {{ commission_per_contract: 1.0, slippage: {{ spread_fraction: 0.0 }} }}\n\
         settlement: {{ style: {{ SPL: cash }} }}\n"
    );
    run(&parse(&text, "split.yaml").unwrap(), &Dataset::open(tmp.path()).unwrap(), &RunOptions::default()).unwrap()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// Spot 100, 100, then 50 (the split: no move), 50, 50. Sold on 01-03: the 95 put at its mid,
/// 2.1, one contract, $1 fee. From 01-05 the position is two 47.5 puts opened at 1.05; their mid
/// stays 1.05, so the equity never moves except by the fees.
#[test]
fn a_whole_number_split_doubles_the_contracts_at_half_the_strike() {
    let o = run_split([100.0, 100.0, 50.0, 50.0, 50.0], 2.0, 100);
    assert_eq!(o.summary.diagnostics.splits_adjusted, 1);
    let f: Vec<(i32, Option<f64>, i32, f64, Reason)> =
        o.trades.iter().map(|f| (f.date, f.strike, f.quantity, f.price, f.reason)).collect();
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].0, f[0].1, f[0].2, f[0].4), (d(DAYS[0]), Some(95.0), -1, Reason::Entry));
    close(f[0].3, 2.1);
    // Closed on the last day: two contracts of the 47.5 put, at 1.05.
    assert_eq!((f[1].0, f[1].1, f[1].2, f[1].4), (d(DAYS[4]), Some(47.5), 2, Reason::EndOfData));
    close(f[1].3, 1.05);
    // Credit 210 − debit 2 × 105 = 0; fees $1 + $2.
    close(o.summary.final_equity, 100_000.0 - 3.0);
    for row in &o.equity[..4] {
        close(row.equity, 100_000.0 - 1.0);
    }
    // The split day's move is measured in new shares: no P&L attributed to it.
    close(o.equity[2].pnl.delta, 0.0);
}

/// A 1-for-2 reverse split on 01-05 (spot 100 → 200): the put sold on 01-03 closes on 01-04 at
/// its mid (reason split), nothing opens on 01-04, and a new put opens on 01-05 in the new shares.
#[test]
fn a_reverse_split_closes_the_day_before_and_blocks_that_day_s_entry() {
    let o = run_split([100.0, 100.0, 200.0, 200.0, 200.0], 0.5, 1);
    let f: Vec<(i32, Option<f64>, i32, Reason)> =
        o.trades.iter().map(|f| (f.date, f.strike, f.quantity, f.reason)).collect();
    assert_eq!(f[0], (d(DAYS[0]), Some(95.0), -1, Reason::Entry));
    assert_eq!(f[1], (d(DAYS[1]), Some(95.0), 1, Reason::Split));
    assert_eq!(f[2], (d(DAYS[2]), Some(190.0), -1, Reason::Entry));
    assert_eq!(o.summary.diagnostics.entries_skipped.split, 1);
    assert_eq!(o.summary.diagnostics.splits_adjusted, 0);
    assert_eq!(o.positions[0].reason, Reason::Split);
}
