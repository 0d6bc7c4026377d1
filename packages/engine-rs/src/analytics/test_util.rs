//! Test-only helpers shared by the metric files.

/// Relative tolerance for float comparisons in tests.
pub const REL_TOL: f64 = 1e-12;

/// Asserts `actual` is `Some(x)` with x within [`REL_TOL`] of `expected`,
/// relative to the larger magnitude (an exact match is required at 0).
#[track_caller]
pub fn assert_close(actual: Option<f64>, expected: f64) {
    let Some(a) = actual else {
        panic!("expected {expected}, got None");
    };
    let scale = a.abs().max(expected.abs());
    assert!(
        a == expected || (a - expected).abs() <= REL_TOL * scale,
        "expected {expected}, got {a} (rel err {})",
        (a - expected).abs() / scale
    );
}

/// [`assert_close`] for an optional expectation: `None` must match exactly.
#[track_caller]
pub fn assert_opt_close(actual: Option<f64>, expected: Option<f64>) {
    match expected {
        Some(e) => assert_close(actual, e),
        None => assert_eq!(actual, None, "expected None"),
    }
}

/// Closed trades with the given net P&Ls (holding period irrelevant, 1 day).
pub fn trades(pnls: &[f64]) -> Vec<crate::analytics::input::ClosedTrade> {
    pnls.iter().map(|&net_pnl| crate::analytics::input::ClosedTrade { net_pnl, days_held: 1 }).collect()
}
