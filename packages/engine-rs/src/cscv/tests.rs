//! End-to-end checks of the analysis against hand-computed cases and the
//! invariants CSCV must satisfy.

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-14 * (1.0 + b.abs())
}

fn assert_all_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "{got:?} vs {want:?}");
    }
}

fn options(partitions: usize, metric: Metric) -> CscvOptions {
    CscvOptions { partitions, metric, ..CscvOptions::default() }
}

fn matrix(names: &[&str], columns: &[&[f64]]) -> Matrix {
    Matrix::from_columns(names.iter().zip(columns).map(|(n, c)| (n.to_string(), c.to_vec())).collect()).unwrap()
}

/// S = 2, N = 3, metric `mean`, T = 5: the first row (an outlier that would
/// crown x) is dropped, leaving blocks of 2 rows.
#[test]
fn s2_mean_by_hand_with_dropped_row() {
    let m = Matrix::from_csv(
        "x,y,z\n\
         100,-100,0\n\
         0,2,1\n\
         2,4,3\n\
         1,2,0\n\
         3,2,2\n",
    )
    .unwrap();
    // Block means: block 0 (lines 3–4): x 1, y 3, z 2; block 1 (lines 5–6): x 2, y 2, z 1.
    // Combination 0, J = {0}: R = (1, 3, 2) → n* = y. R̄ = (2, 2, 1): y ties x
    //   at ranks 2 and 3 → 2.5; ω = 2.5/4 → λ = ln(2.5/1.5) = ln(5/3).
    // Combination 1, J = {1}: R = (2, 2, 1) → tie x, y → n* = x (first).
    //   R̄ = (1, 3, 2): x has rank 1; ω = 1/4 → λ = ln(1/3).
    // PBO = 1/2 (one λ ≤ 0).
    let r = analyze(&m, &options(2, Metric::Mean)).unwrap();
    assert_eq!((r.n_rows, r.rows_dropped, r.block_rows, r.n_combinations), (5, 1, 2, 2));
    assert_all_close(&r.logits, &[(5.0f64 / 3.0).ln(), (1.0f64 / 3.0).ln()]);
    assert_eq!(r.pbo, 0.5);
    assert_eq!(r.selected_columns, [1, 0]);
    assert_eq!(r.is_selected, [3.0, 2.0]);
    assert_eq!(r.oos_selected, [2.0, 1.0]);
    // No R̄[n*] below zero.
    assert_eq!(r.prob_loss, 0.0);
    // Two points (3, 2) and (2, 1): slope 1, intercept −1, R² 1.
    assert_eq!((r.degradation.slope, r.degradation.intercept, r.degradation.r2), (1.0, -1.0, 1.0));
}

/// S = 2, N = 3, metric `sharpe` (per period, sample sd), T = 4.
#[test]
fn s2_sharpe_by_hand_with_zero_spread() {
    let m = matrix(&["x", "y", "z"], &[&[1.0, 3.0, -1.0, 1.0], &[1.0, 1.0, 2.0, 2.0], &[0.0, 4.0, 1.0, 3.0]]);
    // Block 0: x (1, 3): mean 2, sd √2 → √2;  y (1, 1): sd 0 → 0;
    //          z (0, 4): mean 2, sd 2√2 → 1/√2.
    // Block 1: x (−1, 1): mean 0 → 0;  y (2, 2): sd 0 → 0 (mean 2 notwithstanding);
    //          z (1, 3): → √2.
    // Combination 0: R = (√2, 0, 1/√2) → n* = x; R̄ = (0, 0, √2): x ties y at
    //   ranks 1, 2 → 1.5; ω = 1.5/4 → λ = ln(1.5/2.5) = ln 0.6.
    // Combination 1: R = (0, 0, √2) → n* = z; R̄ = (√2, 0, 1/√2): z rank 2;
    //   ω = 2/4 = ½ → λ = 0, which counts as overfit. PBO = 2/2 = 1.
    let r = analyze(&m, &options(2, Metric::Sharpe)).unwrap();
    let sqrt2 = 2.0f64.sqrt();
    assert_eq!(r.logits, [0.6f64.ln(), 0.0]);
    assert_eq!(r.pbo, 1.0);
    assert_eq!(r.selected_columns, [0, 2]);
    assert_all_close(&r.is_selected, &[sqrt2, sqrt2]);
    assert_all_close(&r.oos_selected, &[0.0, 1.0 / sqrt2]);
    assert_eq!(r.prob_loss, 0.0);
    // Both in-sample values are the Sharpe of (1, 3), bit for bit: x has no
    // spread, so slope 0, intercept = mean of R̄[n*] = 1/(2√2), R² 0.
    assert_eq!(r.is_selected[0], r.is_selected[1]);
    assert_eq!(r.degradation.slope, 0.0);
    assert!(close(r.degradation.intercept, 0.5 / sqrt2));
    assert_eq!(r.degradation.r2, 0.0);
}

/// The S = 4, 8×3 case: blocks of 2 rows with block means
/// a = (2, −1, 0, 1), b = (1, 1, 1, 1), c = (−1, 2, 1, 0).
fn s4_matrix() -> Matrix {
    matrix(
        &["a", "b", "c"],
        &[&[1.0, 3.0, -2.0, 0.0, 0.5, -0.5, 0.0, 2.0], &[1.0; 8], &[-1.5, -0.5, 2.0, 2.0, 1.0, 1.0, -1.0, 1.0]],
    )
}

#[test]
fn s4_mean_by_hand() {
    // A set of two blocks has mean = average of the two block means.
    //  k  J      R (a, b, c)      n*  J̄      R̄ (a, b, c)      rank of R̄[n*]   λ
    //  0  {0,1}  (0.5, 1, 0.5)    b   {2,3}  (0.5, 1, 0.5)    3               ln 3
    //  1  {0,2}  (1, 1, 0)        a*  {1,3}  (0, 1, 1)        1               ln(1/3)
    //  2  {0,3}  (1.5, 1, −0.5)   a   {1,2}  (−0.5, 1, 1.5)   1               ln(1/3)
    //  3  {1,2}  (−0.5, 1, 1.5)   c   {0,3}  (1.5, 1, −0.5)   1               ln(1/3)
    //  4  {1,3}  (0, 1, 1)        b*  {0,2}  (1, 1, 0)        (2+3)/2 = 2.5   ln(2.5/1.5)
    //  5  {2,3}  (0.5, 1, 0.5)    b   {0,1}  (0.5, 1, 0.5)    3               ln 3
    // (* = first of a tie.) PBO = 3/6 = ½.
    let r = analyze(&s4_matrix(), &options(4, Metric::Mean)).unwrap();
    let (third, three) = ((1.0f64 / 3.0).ln(), 3.0f64.ln());
    assert_eq!(r.logits, [three, third, third, third, (2.5f64 / 1.5).ln(), three]);
    assert_eq!(r.pbo, 0.5);
    assert_eq!(r.selected_columns, [1, 0, 0, 2, 1, 1]);
    assert_eq!(r.is_selected, [1.0, 1.0, 1.5, 1.5, 1.0, 1.0]);
    assert_eq!(r.oos_selected, [1.0, 0.0, -0.5, -0.5, 1.0, 1.0]);
    // Losses (strictly negative R̄[n*]) in combinations 2 and 3: 2/6.
    assert_eq!(r.prob_loss, 2.0 / 6.0);
    // OLS of y = (1, 0, −.5, −.5, 1, 1) on x = (1, 1, 1.5, 1.5, 1, 1):
    // x̄ = 7/6, ȳ = 1/3; Sxx = 4/36 + 2/9 = 1/3;
    // Sxy = −2/18 + 1/18 − 10/18 − 4/18 = −5/6; Syy = 17/6.
    // slope = −5/6 ÷ 1/3 = −2.5, intercept = 1/3 + 2.5·7/6 = 3.25,
    // R² = (25/36)/((1/3)(17/6)) = 25/34.
    assert!(close(r.degradation.slope, -2.5));
    assert!(close(r.degradation.intercept, 3.25));
    assert!(close(r.degradation.r2, 25.0 / 34.0));
    // Pooled R̄ (18 values): −.5 ×2, 0 ×2, .5 ×4, 1 ×8, 1.5 ×2.
    // Selected R̄[n*]: −.5 ×2, 0, 1 ×3.
    // At z = 0: F_sel = 3/6, F_pool = 4/18 → gap 5/18 (the largest), so no
    // first-order dominance; G_sel(0) = ½·(2/6) = 1/6 > G_pool(0) = ½·(2/18)
    // = 1/18, so no second-order dominance either.
    assert!(!r.dominance.first_order);
    assert!(!r.dominance.second_order);
    assert!(close(r.dominance.max_cdf_gap, 5.0 / 18.0));
}

#[test]
fn s4_dsr_by_hand() {
    // Full-sample (8-row) Sharpe: a: mean 0.5, Σd² = 16.5 → 0.5/√(16.5/7)
    // = 0.3256694736394648; b: constant → 0; c: mean 0.5, Σd² = 12.5 →
    // 0.5/√(12.5/7) = 0.3741657386773941 = SR* (best column c).
    // σ_SR = 0.2034750163956397 (sample sd of the three).
    // N = 3: Φ⁻¹(2/3) = 0.4307272992954575, Φ⁻¹(1 − 1/(3e)) = 1.1619569289127327,
    // E[max] = σ_SR·((1 − γ)·0.43073 + γ·1.16196) = 0.1735244088365379.
    // c's deviations (−2, −1, 1.5, 1.5, .5, .5, −1.5, .5): m2 = 12.5/8 = 1.5625,
    // m3 = −5.25/8, m4 = 32.375/8 → γ3 = −0.336, γ4 = 1.6576.
    // variance term = 1 + 0.336·SR* + 0.6576/4·SR*² = 1.1487356881956044,
    // z = (SR* − E[max])·√7/√1.14873… = 0.49528977331972995,
    // DSR = Φ(z) = 0.6898022056365056 (each step checked in 40 digits).
    let r = analyze(&s4_matrix(), &options(4, Metric::Mean)).unwrap();
    let d = &r.dsr;
    assert_eq!(d.best_column, "c");
    assert_eq!((d.trials, d.observations), (3, 8));
    assert!(close(d.sharpe, 0.374_165_738_677_394_1));
    assert!(close(d.sharpe_sd, 0.203_475_016_395_639_7));
    assert!(close(d.expected_max_sharpe, 0.173_524_408_836_537_9));
    assert!(close(d.skewness, -0.336));
    assert!(close(d.kurtosis, 1.6576));
    assert!(close(d.dsr, 0.689_802_205_636_505_6), "dsr = {}", d.dsr);
}

/// Identical columns: n* is always the first column and its R̄ ties all N,
/// so rank = (N + 1)/2, ω = ½ and λ = 0 ≤ 0 in every combination: PBO = 1.
#[test]
fn identical_columns_give_pbo_one() {
    let base = random_matrix(11, 61, 1).data;
    let m = matrix(&["p", "q", "r", "s"], &[&base, &base, &base, &base]);
    for metric in [Metric::Sharpe, Metric::Mean, Metric::TotalReturn] {
        let r = analyze(&m, &options(6, metric)).unwrap();
        assert_eq!((r.rows_dropped, r.n_combinations), (1, 20));
        assert!(r.logits.iter().all(|&l| l == 0.0), "{metric}: {:?}", r.logits);
        assert_eq!(r.pbo, 1.0, "{metric}");
        assert!(r.selected_columns.iter().all(|&c| c == 0));
        // The selection is a random draw from the pool: equal distributions.
        assert!(r.dominance.first_order && r.dominance.second_order);
        assert_eq!(r.dominance.max_cdf_gap, 0.0);
    }
}

/// Columns that are permutations of each other inside every block have equal
/// block statistics, hence equal R and R̄ everywhere: PBO = 1. Values are
/// multiples of 1/64 so that the reordering cannot change any rounding.
#[test]
fn within_block_permutations_give_pbo_one() {
    let mut rng = XorShift64::new(5);
    let base: Vec<f64> = (0..16).map(|_| ((rng.next_u64() % 17) as f64 - 8.0) / 64.0).collect();
    let swapped: Vec<f64> = base.chunks(2).flat_map(|p| [p[1], p[0]]).collect();
    let m = matrix(&["base", "swapped", "again"], &[&base, &swapped, &base]);
    for metric in [Metric::Sharpe, Metric::Mean, Metric::TotalReturn] {
        let r = analyze(&m, &options(8, metric)).unwrap();
        assert_eq!(r.n_combinations, 70);
        assert!(r.logits.iter().all(|&l| l == 0.0), "{metric}: {:?}", r.logits);
        assert_eq!(r.pbo, 1.0, "{metric}");
    }
}

/// One column better than every other in every block under every metric: it
/// is selected each time and ranks N of N out of sample, so λ = ln N > 0 and
/// PBO = 0 exactly.
#[test]
fn dominant_column_gives_pbo_zero() {
    let (t, n) = (64, 5);
    let mut rng = XorShift64::new(9);
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    columns.push(("star".into(), (0..t).map(|_| 0.05 + 0.001 * rng.next_f64()).collect()));
    for c in 1..n {
        columns.push((format!("noise{c}"), (0..t).map(|_| 0.04 * rng.next_f64() - 0.02).collect()));
    }
    let m = Matrix::from_columns(columns).unwrap();
    for metric in [Metric::Sharpe, Metric::Mean, Metric::TotalReturn] {
        let r = analyze(&m, &options(8, metric)).unwrap();
        assert_eq!(r.pbo, 0.0, "{metric}");
        assert!(r.logits.iter().all(|&l| l == (n as f64).ln()), "{metric}");
        assert!(r.selected_columns.iter().all(|&c| c == 0));
        assert_eq!(r.prob_loss, 0.0);
        assert!(r.dominance.first_order && r.dominance.second_order);
        assert_eq!(r.dsr.best_column, "star");
    }
}

#[test]
fn lexicographic_combination_order_drives_output_order() {
    // Column a's mean on J̄ reveals which blocks were out of sample: block
    // means are 1, 10, 100, 1000, so R̄[a]·2 = sum of the two J̄ block means.
    let m = matrix(&["a", "b"], &[&[1.0, 1.0, 10.0, 10.0, 100.0, 100.0, 1000.0, 1000.0], &[0.0; 8]]);
    let r = analyze(&m, &options(4, Metric::Mean)).unwrap();
    // J = {0,1},{0,2},{0,3},{1,2},{1,3},{2,3} → J̄ = {2,3},{1,3},{1,2},{0,3},{0,2},{0,1}.
    let want = [1100.0, 1010.0, 110.0, 1001.0, 101.0, 11.0].map(|s| s / 2.0);
    assert_eq!(r.oos_selected, want);
    assert_eq!(binomial(16, 8), Some(12_870));
}

#[test]
fn invalid_requests_are_refused() {
    let m = s4_matrix();
    let cases = [
        (options(3, Metric::Sharpe), CscvError::OddPartitions(3)),
        (options(1, Metric::Sharpe), CscvError::OddPartitions(1)),
        (options(0, Metric::Sharpe), CscvError::TooFewPartitions(0)),
        (options(10, Metric::Sharpe), CscvError::PartitionsExceedRows { partitions: 10, rows: 8 }),
        (
            CscvOptions { partitions: 4, metric: Metric::Mean, max_combinations: 5 },
            CscvError::TooManyCombinations { partitions: 4, limit: 5 },
        ),
    ];
    for (opts, want) in cases {
        assert_eq!(analyze(&m, &opts), Err(want));
    }
    let one_column = Matrix { columns: vec!["a".into()], rows: 4, data: vec![0.0; 4] };
    assert_eq!(analyze(&one_column, &options(2, Metric::Sharpe)), Err(CscvError::TooFewColumns { found: 1 }));
    assert_eq!(analyze(&Matrix::from_csv("a,b\n").unwrap(), &options(2, Metric::Sharpe)), Err(CscvError::NoRows));
    let error = analyze(&s4_matrix(), &options(10, Metric::Sharpe)).unwrap_err();
    assert_eq!(error.to_string(), "S = 10 partitions need at least 10 rows, the matrix has 8");
}

#[test]
fn overflowing_values_are_a_typed_error() {
    let m = matrix(&["a", "b"], &[&[1e200, -1e200, 1.0, 2.0], &[0.0, 1.0, 2.0, 3.0]]);
    assert_eq!(
        analyze(&m, &options(2, Metric::Sharpe)).unwrap_err().to_string(),
        "combination 0: the sharpe of column `a` is not finite (values too large to combine)"
    );
}

#[test]
fn a_non_finite_row_scored_as_a_complement_is_reported_by_its_own_combination() {
    // S = 4, blocks of two rows. Column `a`'s blocks 2 and 3 are far apart
    // (±1e154): merging either with a small block stays finite (δ² ≈ 1e308),
    // merging the two overflows (δ² ≈ 4e308). Only J = {2, 3}, combination 5
    // of 6, is not finite; rows 0 and 5 are scored together as each other's
    // complement, and the error still names combination 5.
    let m = matrix(
        &["a", "b"],
        &[&[0.1, 0.2, 0.3, 0.1, 1e154, 1e154, -1e154, -1e154], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]],
    );
    assert_eq!(
        analyze(&m, &options(4, Metric::Sharpe)).unwrap_err().to_string(),
        "combination 5: the sharpe of column `a` is not finite (values too large to combine)"
    );
}

#[test]
fn json_has_the_documented_fields() {
    let r = analyze(&s4_matrix(), &options(4, Metric::Mean)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    for key in [
        "pbo",
        "logits",
        "n_combinations",
        "degradation",
        "prob_loss",
        "partitions",
        "metric",
        "n_columns",
        "n_rows",
        "rows_dropped",
        "block_rows",
        "dominance",
        "dsr",
        "oos_selected",
        "is_selected",
        "selected_columns",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["metric"], "mean");
    assert_eq!(v["logits"].as_array().map(Vec::len), Some(6));
    for key in ["slope", "intercept", "r2"] {
        assert!(v["degradation"][key].is_f64(), "degradation.{key}");
    }
    assert!(v["dominance"]["first_order"].is_boolean());
    assert!(v["dominance"]["second_order"].is_boolean());
    assert!(v["dominance"]["max_cdf_gap"].is_f64());
    for key in ["sharpe", "expected_max_sharpe", "dsr"] {
        assert!(v["dsr"][key].is_f64(), "dsr.{key}");
    }
    assert_eq!(v["dsr"]["trials"], 3);
    assert_eq!(v["dsr"]["best_column"], "c");
    let back: CscvResult = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

/// Same bits with one thread as with the default pool.
#[test]
fn result_does_not_depend_on_thread_count() {
    let m = random_matrix(3, 203, 40);
    let opts = options(8, Metric::Sharpe);
    let parallel = analyze(&m, &opts).unwrap();
    let single =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| analyze(&m, &opts)).unwrap();
    assert_eq!(parallel, single);
    assert_eq!(parallel.rows_dropped, 3);
}

/// Not timed (no assertion on time): shows the target-sized shape completes.
#[test]
fn s16_n200_t1764_completes() {
    let (r, seconds) = bench_random(42, 1764, 200, 16).unwrap();
    assert_eq!((r.n_combinations, r.logits.len(), r.block_rows, r.rows_dropped), (12_870, 12_870, 110, 4));
    assert!((0.0..=1.0).contains(&r.pbo));
    println!("S=16 N=200 T=1764: {seconds:.3} s, PBO = {:.4}", r.pbo);
}

/// The issue's performance target; run with
/// `cargo test --release -j1 -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: run in release mode"]
fn bench_s16_n1000_t1764() {
    let (r, seconds) = bench_random(42, 1764, 1000, 16).unwrap();
    assert_eq!(r.n_combinations, 12_870);
    println!(
        "S=16 N=1000 T=1764: {seconds:.3} s on {} threads, PBO = {:.4}, DSR = {:.4}",
        rayon::current_num_threads(),
        r.pbo,
        r.dsr.dsr
    );
}
