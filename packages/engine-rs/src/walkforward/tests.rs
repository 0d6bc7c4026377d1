use super::*;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} != {b}");
}

/// Thirteen trading days (twelve returns after the placeholder), two points:
/// A earns 1% a day for six days, then loses 1% a day; B loses 0.5% a day, then earns 2% a day.
fn two_points() -> (Vec<i32>, Vec<String>, Vec<serde_json::Value>, Vec<Vec<f64>>) {
    let dates: Vec<i32> = (100..113).collect();
    let a: Vec<f64> = (0..13)
        .map(|t| {
            if t == 0 {
                0.0
            } else if t <= 6 {
                0.01
            } else {
                -0.01
            }
        })
        .collect();
    let b: Vec<f64> = (0..13)
        .map(|t| {
            if t == 0 {
                0.0
            } else if t <= 6 {
                -0.005
            } else {
                0.02
            }
        })
        .collect();
    let params = vec![serde_json::json!({ "x": 1 }), serde_json::json!({ "x": 2 })];
    (dates, vec!["A".into(), "B".into()], params, vec![a, b])
}

fn options(scheme: Scheme) -> Options {
    Options { scheme, in_sample: 4, out_of_sample: 2, metric: Selection::TotalReturn, ..Options::default() }
}

fn run(options: &Options, entries: Option<&[Vec<i32>]>) -> Report {
    let (dates, points, params, returns) = two_points();
    let sweep = Sweep { dates: &dates, points: &points, params: &params, returns: &returns, entries };
    analyze(&sweep, options, &SweepReturns(&returns)).unwrap()
}

fn chosen(r: &Report) -> Vec<Option<&str>> {
    r.windows.iter().map(|w| w.point.as_deref()).collect()
}

#[test]
fn windows_roll_or_anchor_and_the_last_one_takes_what_is_left() {
    let o = options(Scheme::Rolling);
    let w = windows(13, &o).unwrap();
    let ranges: Vec<_> = w.iter().map(|w| (w.in_sample.clone(), w.out_of_sample.clone())).collect();
    assert_eq!(ranges, vec![(1..5, 5..7), (3..7, 7..9), (5..9, 9..11), (7..11, 11..13)]);
    let w = windows(13, &options(Scheme::Anchored)).unwrap();
    assert_eq!(w.iter().map(|w| w.in_sample.clone()).collect::<Vec<_>>(), vec![1..5, 1..7, 1..9, 1..11]);
    // Eleven returns, 4 in sample, 3 out: out-of-sample 5..8, 8..11 and a last day 11..12.
    let w = windows(12, &Options { out_of_sample: 3, ..o }).unwrap();
    assert_eq!(w.iter().map(|w| w.out_of_sample.clone()).collect::<Vec<_>>(), vec![5..8, 8..11, 11..12]);
}

#[test]
fn windows_that_do_not_fit_are_refused() {
    let o = options(Scheme::Rolling);
    let e = windows(6, &o).unwrap_err();
    assert_eq!(e, Refused::DoesNotFit { in_sample: 4, out_of_sample: 2, days: 6, returns: 5 });
    assert!(e.to_string().starts_with("in_sample: 4 + 2 out-of-sample trading days do not fit the 5 daily returns"));
    assert_eq!(windows(100, &Options { in_sample: 1, ..options(Scheme::Rolling) }), Err(Refused::InSample(1)));
    assert_eq!(windows(100, &Options { out_of_sample: 0, ..o }), Err(Refused::OutOfSample(0)));
}

/// Rolling, by total return: A leads over days 1–4 and 3–6; B over 5–8 (A 1.01²·0.99² < 1 <
/// B 0.995²·1.02²) and 7–10. The stitched curve is A's days 5–8, then B's days 9–12.
#[test]
fn rolling_choices_and_the_stitched_curve_are_the_hand_computed_ones() {
    let r = run(&options(Scheme::Rolling), None);
    assert_eq!(chosen(&r), vec![Some("A"), Some("A"), Some("B"), Some("B")]);
    assert_eq!(r.windows[2].params, Some(serde_json::json!({ "x": 2 })));
    assert_eq!(r.stitched, vec![0.01, 0.01, -0.01, -0.01, 0.02, 0.02, 0.02, 0.02]);
    assert_eq!(r.dates, (105..113).collect::<Vec<_>>());
    close(r.out_of_sample.total_return.unwrap(), 1.01f64.powi(2) * 0.99f64.powi(2) * 1.02f64.powi(4) - 1.0);
    // Window 0: A in sample, 1.01⁴ over 5 equity points; out of sample 1.01² over 3.
    let w0 = &r.windows[0];
    close(w0.score.unwrap(), 1.01f64.powi(4) - 1.0);
    let (is_cagr, oos_cagr) = (1.01f64.powf(4.0 * 252.0 / 5.0) - 1.0, 1.01f64.powf(2.0 * 252.0 / 3.0) - 1.0);
    close(w0.in_sample_figures.as_ref().unwrap().cagr.unwrap(), is_cagr);
    close(w0.out_of_sample_figures.cagr.unwrap(), oos_cagr);
    close(w0.efficiency.unwrap(), oos_cagr / is_cagr);
    assert_eq!((w0.in_sample.first.as_str(), w0.out_of_sample.last.as_str()), ("1970-04-12", "1970-04-17"));
    // In hindsight over days 5–12, B (0.995²·1.02⁶) beats A (1.01²·0.99⁶).
    assert_eq!(r.hindsight_point.as_deref(), Some("B"));
    close(r.hindsight.as_ref().unwrap().total_return.unwrap(), 0.995f64.powi(2) * 1.02f64.powi(6) - 1.0);
}

/// Anchored, by total return: over days 1–8 A (1.01⁶·0.99² ≈ 1.0411) still beats B
/// (0.995⁶·1.02² ≈ 1.0096); over days 1–10 B (≈ 1.0504) beats A (≈ 1.0198).
#[test]
fn anchored_windows_remember_the_start() {
    let r = run(&options(Scheme::Anchored), None);
    assert_eq!(chosen(&r), vec![Some("A"), Some("A"), Some("A"), Some("B")]);
    assert_eq!(r.stitched, vec![0.01, 0.01, -0.01, -0.01, -0.01, -0.01, 0.02, 0.02]);
}

/// A opened one position (day 101); B one every day. With at least two in sample, A can never be
/// chosen; with a hundred nothing can, and every window stays in cash.
#[test]
fn a_minimum_trade_count_excludes_points_and_an_empty_choice_stays_in_cash() {
    let entries = vec![vec![101], (101..113).collect::<Vec<i32>>()];
    let r = run(&Options { min_trades: Some(2), ..options(Scheme::Rolling) }, Some(&entries));
    assert_eq!(chosen(&r), vec![Some("B"); 4]);
    assert_eq!(r.windows[0].eligible, 1);
    assert_eq!(&r.stitched[..2], &[-0.005, -0.005]);
    let r = run(&Options { min_trades: Some(100), ..options(Scheme::Rolling) }, Some(&entries));
    assert_eq!(chosen(&r), vec![None; 4]);
    assert!(r.stitched.iter().all(|&x| x == 0.0));
    assert_eq!(r.windows[0].efficiency, None);
    let (dates, points, params, returns) = two_points();
    let sweep = Sweep { dates: &dates, points: &points, params: &params, returns: &returns, entries: None };
    let e = analyze(&sweep, &Options { min_trades: Some(1), ..options(Scheme::Rolling) }, &SweepReturns(&returns));
    assert!(matches!(e, Err(WalkForwardError::Refused(Refused::NoEntries))));
}

/// By Sharpe and by the DSR, a point with the same mean and a quarter of the noise wins.
#[test]
fn sharpe_and_dsr_prefer_the_steadier_point() {
    let dates: Vec<i32> = (0..40).collect();
    let wiggle = |k: f64| -> Vec<f64> {
        (0..40).map(|t| if t == 0 { 0.0 } else { 0.001 + k * if t % 2 == 0 { 0.004 } else { -0.004 } }).collect()
    };
    let returns = vec![wiggle(1.0), wiggle(0.25)];
    let points = vec!["noisy".to_string(), "steady".to_string()];
    let params = vec![serde_json::Value::Null; 2];
    let sweep = Sweep { dates: &dates, points: &points, params: &params, returns: &returns, entries: None };
    for metric in [Selection::Sharpe, Selection::Dsr] {
        let o = Options { in_sample: 10, out_of_sample: 5, metric, ..Options::default() };
        let r = analyze(&sweep, &o, &SweepReturns(&returns)).unwrap();
        assert!(r.windows.iter().all(|w| w.point.as_deref() == Some("steady")), "{metric:?}");
        let score = r.windows[0].score.unwrap();
        if metric == Selection::Dsr {
            assert!(score > 0.0 && score <= 1.0, "a DSR is a probability: {score}");
        }
    }
}

/// A source whose reruns differ from the sweep's returns: the stitched curve is the source's, the
/// choices still the sweep's.
#[test]
fn the_out_of_sample_returns_come_from_the_source() {
    struct Doubled<'a>(&'a [Vec<f64>]);
    impl Source for Doubled<'_> {
        type Error = String;
        fn out_of_sample(&self, p: usize, w: &Window) -> Result<Vec<f64>, String> {
            Ok(self.0[p][w.out_of_sample.clone()].iter().map(|x| 2.0 * x).collect())
        }
    }
    let (dates, points, params, returns) = two_points();
    let sweep = Sweep { dates: &dates, points: &points, params: &params, returns: &returns, entries: None };
    let r = analyze(&sweep, &options(Scheme::Rolling), &Doubled(&returns)).unwrap();
    assert_eq!(chosen(&r), vec![Some("A"), Some("A"), Some("B"), Some("B")]);
    assert_eq!(r.stitched, vec![0.02, 0.02, -0.02, -0.02, 0.04, 0.04, 0.04, 0.04]);
    struct Short;
    impl Source for Short {
        type Error = String;
        fn out_of_sample(&self, _: usize, _: &Window) -> Result<Vec<f64>, String> {
            Ok(vec![0.0])
        }
    }
    let e = analyze(&sweep, &options(Scheme::Rolling), &Short).unwrap_err();
    assert!(matches!(e, WalkForwardError::Length { expected: 2, got: 1 }));
}

#[test]
fn the_arrow_file_holds_the_stitched_and_the_hindsight_curves() {
    let r = run(&options(Scheme::Rolling), None);
    let bytes = r.to_ipc().unwrap();
    let batches = crate::data::ipc::decode_bytes(&bytes).unwrap();
    let b = &batches[0];
    let names: Vec<&str> = b.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["date", "window", "point", "return", "equity", "hindsight_equity"]);
    assert_eq!(b.num_rows(), 8);
    use arrow_array::cast::AsArray;
    let equity = b.column(4).as_primitive::<arrow_array::types::Float64Type>();
    close(equity.value(7), 1.0 + r.out_of_sample.total_return.unwrap());
    let json: serde_json::Value = serde_json::from_slice(&r.to_json_bytes()).unwrap();
    assert_eq!(json["windows"][2]["point"], "B");
    assert_eq!(json["out_of_sample"], 2);
    assert!(json.get("stitched").is_none());
}
