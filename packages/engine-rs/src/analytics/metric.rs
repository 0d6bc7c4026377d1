//! The one trait every metric implements.

use super::input::MetricInput;

/// A single performance metric: a pure function of the run plus the key it is
/// reported under in `summary.json`.
///
/// Metrics are stateless types rather than objects so each lives in its own
/// file and [`super::compute`] can list them statically in summary order.
/// `Output` is `Option<f64>` for nearly all of them (`None` when undefined,
/// serialized as `null`); counts use integers.
pub trait Metric {
    /// snake_case key in `summary.json`'s `metrics` object.
    const NAME: &'static str;
    /// The value type stored in [`super::Metrics`].
    type Output;
    /// Computes the metric. Never panics: degenerate input (empty series,
    /// one day, zero variance) yields the documented fallback value.
    fn compute(input: &MetricInput<'_>) -> Self::Output;
}
