use super::*;

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b} (± {tol})");
}

#[test]
fn a_run_of_constant_returns_has_one_outcome() {
    // 1% a day for 10 days after the placeholder: every resample is the same curve.
    let returns: Vec<f64> = std::iter::once(0.0).chain(std::iter::repeat_n(0.01, 10)).collect();
    let r = analyze(1000.0, &returns, &[], &Options { resamples: 200, block: 3.0, ..Options::default() }).unwrap();
    let b = r.bootstrap.unwrap().distribution;
    let end = 1000.0 * 1.01f64.powi(10);
    for x in [b.final_equity.p5, b.final_equity.p50, b.final_equity.p95, b.final_equity.mean] {
        close(x, end, 1e-9);
    }
    // CAGR over 11 points (the capital and 10 days): (end / 1000)^(252 / 11) − 1.
    close(b.cagr.unwrap().p50, (end / 1000.0).powf(252.0 / 11.0) - 1.0, 1e-9);
    assert_eq!((b.max_drawdown.p5, b.longest_drawdown.p95), (0.0, 0.0));
    assert!(b.drawdown_deeper_than.iter().all(|d| d.probability == 0.0));
    assert_eq!(b.fan.first().map(|f| (f.step, f.p50)), Some((0, 1000.0)));
    assert_eq!(b.fan.last().map(|f| f.step), Some(10));
    assert!(r.reshuffle.is_none(), "no trades, no reshuffle");
}

/// Trades +100, −50, −50 from 1,000: three distinct orders, each a third of the time.
/// (+100, −50, −50): 1,000, 1,100, 1,050, 1,000: drawdown −1/11, open from trade 1 to the end: 2.
/// (−50, +100, −50): 1,000, 950, 1,050, 1,000: −0.05 (then −1/21); 0 → 2 recovered: 2.
/// (−50, −50, +100): 1,000, 950, 900, 1,000: −0.1, recovered at the last trade: 3.
#[test]
fn reshuffled_trades_keep_the_final_equity_and_spread_the_drawdowns() {
    let options = Options { resamples: 30_000, drawdown_levels: vec![0.095, 0.07], ..Options::default() };
    let r = analyze(1000.0, &[0.0], &[100.0, -50.0, -50.0], &options).unwrap();
    assert!(r.bootstrap.is_none(), "one day, no bootstrap");
    let s = r.reshuffle.unwrap();
    close(s.final_equity.p5, 1000.0, 0.0);
    close(s.final_equity.p95, 1000.0, 0.0);
    // The same final equity after the run's one day: a CAGR of 0, not one per trade.
    close(s.cagr.unwrap().p50, 0.0, 0.0);
    // Deeper than 9.5%: only (−50, −50, +100); deeper than 7%: that and (+100, −50, −50).
    close(s.drawdown_deeper_than[0].probability, 1.0 / 3.0, 0.015);
    close(s.drawdown_deeper_than[1].probability, 2.0 / 3.0, 0.015);
    close(s.max_drawdown.p5, -0.1, 1e-12);
    close(s.max_drawdown.p95, -0.05, 1e-12);
    close(s.max_drawdown.mean, (-1.0 / 11.0 - 0.05 - 0.1) / 3.0, 0.002);
    close(s.longest_drawdown.p5, 2.0, 0.0);
    close(s.longest_drawdown.p95, 3.0, 0.0);
}

#[test]
fn the_same_seed_gives_the_same_report_on_any_number_of_threads() {
    let returns: Vec<f64> = (0..300).map(|i| if i == 0 { 0.0 } else { ((i * 37 % 11) as f64 - 5.0) / 500.0 }).collect();
    let trades: Vec<f64> = (0..40).map(|i| ((i * 13 % 7) as f64 - 3.0) * 100.0).collect();
    let options = Options { resamples: 500, seed: 9, ..Options::default() };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let a = one.install(|| analyze(1e5, &returns, &trades, &options)).unwrap();
    let b = analyze(1e5, &returns, &trades, &options).unwrap();
    assert_eq!(a, b);
    let c = analyze(1e5, &returns, &trades, &Options { seed: 10, ..options }).unwrap();
    assert_ne!(a.bootstrap, c.bootstrap);
    let fan = &a.bootstrap.unwrap().distribution.fan;
    assert!(fan.len() <= FAN_POINTS + 1 && fan.last().unwrap().step == 299);
    assert!(fan.iter().all(|f| f.p5 <= f.p50 && f.p50 <= f.p95));
}

#[test]
fn bad_options_are_refused() {
    let returns = vec![0.0, 0.01, -0.01, 0.02];
    let with = |o: Options| analyze(1000.0, &returns, &[], &o).unwrap_err().to_string();
    assert!(with(Options { resamples: 0, block: 2.0, ..Options::default() }).contains("resamples: at least 1"));
    let e = with(Options { block: 5.0, ..Options::default() });
    assert!(e.contains("at most the 3 daily returns, got 5"), "{e}");
    assert!(with(Options { block: 0.5, ..Options::default() }).contains("block"));
    assert!(
        with(Options { drawdown_levels: vec![1.5], block: 2.0, ..Options::default() }).contains("drawdown: each level")
    );
    let e = analyze(0.0, &returns, &[], &Options { block: 2.0, ..Options::default() }).unwrap_err();
    assert!(e.to_string().contains("capital"));
}

/// The scenario's `montecarlo:` section: `montecarlo.json` beside the results, the same bytes
/// each time, and a block the run cannot meet refused at its line.
#[test]
fn a_scenario_section_writes_montecarlo_json_and_refuses_a_block_too_long() {
    use crate::engine::RunOptions;
    use crate::job::{Job, execute};
    use crate::testkit::{Row, write_dataset};
    let tmp = tempfile::tempdir().unwrap();
    let days: Vec<Vec<Row>> = ["2023-01-03", "2023-01-04", "2023-01-05", "2023-01-06", "2023-01-09"]
        .iter()
        .enumerate()
        .map(|(i, t)| vec![Row::new(t, "2023-02-17", 95.0).delta(0.70).put(1.0 + 0.1 * i as f64, 1.2 + 0.1 * i as f64)])
        .collect();
    write_dataset(&tmp.path().join("mc"), "mc", &[("TST", days)]);
    let text = |block: u32| {
        format!(
            "name: mc\ndata: {{ dataset: mc, tickers: [TST], start: 2023-01-03, end: 2023-01-09 }}\nstrategy:\n  legs:\n    - {{ right: put, side: short, dte: {{ target: 40 }}, delta: {{ target: 0.3 }} }}\n  entry: {{ max_open: 3 }}\nsettlement: {{ style: {{ TST: cash }} }}\nmontecarlo:\n  resamples: 100\n  block: {block}\n"
        )
    };
    let run = |text: &str, out: Option<&std::path::Path>| {
        let job = Job {
            scenario_text: text,
            scenario_source: "mc.yaml",
            scenario_dir: None,
            data_root: tmp.path(),
            data_path: "explicit",
            entry_point: "binary",
            out,
            dataset: None,
            mark_success: true,
        };
        execute(&job, &RunOptions::default())
    };
    let out = tmp.path().join("out");
    let a = run(&text(2), Some(&out)).unwrap();
    // run.json says where the time went; the phases fit inside the wall time.
    let t = a.run.timings;
    assert!(t.open_verify > 0.0 && t.index > 0.0 && t.days > 0.0 && t.write > 0.0, "{t:?}");
    assert!(t.open_verify + t.index + t.days + t.write <= a.run.wall_seconds + 1e-6, "{t:?} in {}", a.run.wall_seconds);
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let phases: f64 =
        ["open_verify", "index", "days", "write"].iter().map(|k| file["timings"][k].as_f64().unwrap()).sum();
    assert!(phases <= file["wall_seconds"].as_f64().unwrap() + 1e-6, "{file}");
    let json = a.montecarlo_json.unwrap();
    assert_eq!(std::fs::read(out.join("montecarlo.json")).unwrap(), json);
    assert_eq!(run(&text(2), None).unwrap().montecarlo_json.unwrap(), json);
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(report["bootstrap"]["resamples"], 100);
    assert_eq!(report["bootstrap"]["block"], 2.0);
    // Five days: four daily returns; a block of 9 cannot be drawn from them.
    let e = run(&text(9), None).unwrap_err().to_string();
    assert!(
        e.contains("montecarlo.block") && e.contains("at most the 4 daily returns") && e.contains("line 10"),
        "{e}"
    );
}

#[test]
fn the_drawdown_histogram_counts_every_resample_once() {
    // The three orders of the reshuffle test: drawdowns −0.1, −0.05 and −1/11.
    let options = Options { resamples: 3_000, ..Options::default() };
    let r = analyze(1000.0, &[0.0], &[100.0, -50.0, -50.0], &options).unwrap();
    let h = r.reshuffle.unwrap().max_drawdown_histogram;
    assert_eq!(h.len(), HISTOGRAM_BINS);
    assert_eq!(h.iter().map(|b| b.count).sum::<u32>(), 3_000);
    close(h[0].from, -0.1, 1e-12);
    close(h[HISTOGRAM_BINS - 1].to, -0.05, 1e-12);
    // −1/11 ≈ −0.0909 falls in bin ⌊(−0.0909 + 0.1) / 0.0025⌋ = 3; −0.05 in the last one.
    let filled: Vec<usize> = h.iter().enumerate().filter(|(_, b)| b.count > 0).map(|(k, _)| k).collect();
    assert_eq!(filled, vec![0, 3, HISTOGRAM_BINS - 1]);
    assert_eq!(histogram(&[0.5, 0.5], 20), vec![Bin { from: 0.5, to: 0.5, count: 2 }]);
    assert!(histogram(&[], 20).is_empty());
}

#[test]
fn a_reshuffle_takes_its_cagr_over_the_runs_days() {
    // Two trades, +100 and +50, over a run of 253 trading days: 1.15^(252/253) − 1 in every order.
    let r = analyze(1000.0, &[0.0; 253], &[100.0, 50.0], &Options { resamples: 50, ..Options::default() }).unwrap();
    let c = r.reshuffle.unwrap().cagr.unwrap();
    close(c.p5, 1.15f64.powf(252.0 / 253.0) - 1.0, 1e-12);
    close(c.p95, c.p5, 0.0);
}
