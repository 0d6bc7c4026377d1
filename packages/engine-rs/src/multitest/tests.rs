use std::path::Path;

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/spa");

fn fixture(name: &str) -> (Matrix, serde_json::Value) {
    let dir = Path::new(FIXTURES);
    let csv = std::fs::read_to_string(dir.join(format!("{name}.csv"))).unwrap();
    let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    (Matrix::from_csv(&csv).unwrap(), serde_json::from_str(&json).unwrap())
}

/// Every case of every fixture made by scripts/spa-fixtures.py with `arch`: the p-values within
/// the tolerance the fixture states for 10,000 resamples (Monte Carlo error of both sides), the
/// stepdown sets exactly, and the per-column quantities without Monte Carlo error to rounding.
#[test]
fn the_p_values_agree_with_arch_on_the_fixtures() {
    for name in ["a-noise", "b-two-winners", "c-one-winner-many-losers", "d-ar1-vs-buy-hold"] {
        let (matrix, expected) = fixture(name);
        let benchmark = expected["data"]["benchmark"].as_str().filter(|b| *b != "zero").map(str::to_string);
        for case in expected["cases"].as_array().unwrap() {
            let block = case["parameters"]["block_size"].as_f64().unwrap();
            let options = Options {
                benchmark: benchmark.clone(),
                bootstrap: 10_000,
                block: Some(block),
                seed: 1,
                levels: vec![0.05, 0.10],
            };
            let r = test(&matrix, &options).unwrap();
            let tolerance = &case["tolerance"]["b_rust_10000"];
            let got = [("lower", r.spa.lower), ("consistent", r.spa.consistent), ("upper", r.spa.upper)];
            for (which, p) in got {
                let want = case["spa"][which].as_f64().unwrap();
                let tol = tolerance[which].as_f64().unwrap();
                assert!((p - want).abs() <= tol, "{name} block {block}: {which} {p} against arch {want} ± {tol}");
            }
            let rc = case["reality_check"].as_f64().unwrap();
            assert!((r.reality_check - rc).abs() <= tolerance["reality_check"].as_f64().unwrap(), "{name}: RC");
            for step in &r.stepdown {
                let key = if step.level == 0.05 { "0.05" } else { "0.10" };
                let want: Vec<String> = case["stepdown"][key]["better"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                assert_eq!(step.better, want, "{name} block {block}: stepdown at {key}");
            }
            // Without Monte Carlo error: each column's mean excess and long-run variance.
            let t = matrix.rows;
            for column in case["columns"].as_array().unwrap() {
                let c = matrix.columns.iter().position(|n| n == column["name"].as_str().unwrap()).unwrap();
                let b = benchmark.as_ref().map(|n| matrix.columns.iter().position(|m| m == n).unwrap());
                let d: Vec<f64> =
                    (0..t).map(|i| matrix.data[c * t + i] - b.map_or(0.0, |b| matrix.data[b * t + i])).collect();
                let m = mean(&d);
                let w = long_run_variance(&d, m, 1.0 / block);
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);
                assert!(close(m, column["mean_diff"].as_f64().unwrap()), "{name}: mean of {}", column["name"]);
                assert!(
                    close(w, column["long_run_variance"].as_f64().unwrap()),
                    "{name}: ω² of {}: {w}",
                    column["name"]
                );
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_report_on_any_number_of_threads() {
    let (matrix, _) = fixture("b-two-winners");
    let options = Options { bootstrap: 300, block: Some(5.0), ..Options::default() };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let a = one.install(|| test(&matrix, &options)).unwrap();
    assert_eq!(a, test(&matrix, &options).unwrap());
    assert_eq!(a.block, 5.0);
    assert_eq!(test(&matrix, &Options { block: None, ..options }).unwrap().block, (500f64).sqrt().floor());
}

#[test]
fn bad_options_are_refused() {
    let (matrix, _) = fixture("a-noise");
    let with = |o: Options| test(&matrix, &o).unwrap_err().to_string();
    assert!(with(Options { bootstrap: 0, ..Options::default() }).starts_with("bootstrap: at least 1"));
    assert!(with(Options { block: Some(501.0), ..Options::default() }).contains("at most the 500 rows, got 501"));
    assert!(with(Options { block: Some(0.0), ..Options::default() }).starts_with("block:"));
    let e = with(Options { benchmark: Some("spy".into()), ..Options::default() });
    assert!(e.starts_with("benchmark: no column named spy (the matrix has s01, s02"), "{e}");
    assert!(with(Options { levels: vec![1.0], ..Options::default() }).starts_with("level:"));
    let one = Matrix::from_csv("only\n0.01\n0.02\n0.03\n").unwrap();
    assert!(
        test(&one, &Options { benchmark: Some("only".into()), ..Options::default() }).unwrap_err() == Refused::NoModels
    );
    let short = Matrix::from_csv("a\n0.01\n0.02\n").unwrap();
    assert_eq!(test(&short, &Options::default()).unwrap_err(), Refused::Rows(2));
}
