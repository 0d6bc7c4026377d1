//! Performance metrics for `summary.json` (see docs/results.md).
//!
//! Each metric is one [`Metric`] impl in [`statistics`]; [`compute`] runs them
//! all into [`Metrics`], whose field order is the key order of the JSON.
//!
//! Conventions shared by every metric:
//! - 252 trading days a year, risk-free rate 0.
//! - Return statistics use the daily returns after the first day (the first
//!   day's 0 is a placeholder, see [`MetricInput::return_sample`]).
//! - Undefined values (empty series, too few points, zero variance, a ratio
//!   with a zero denominator the spec does not pin) are `None` → JSON `null`;
//!   NaN and ±∞ are never emitted.
//! - Determinism: sums run in index order on one thread; no hashing, no
//!   parallelism, so the same input always gives bit-identical output.

pub mod benchmark;
mod drawdown;
mod input;
mod metric;
pub mod statistics;
mod stats;
#[cfg(test)]
mod test_util;

pub use drawdown::drawdown_series;
pub use input::{ClosedTrade, MetricInput};
pub use metric::Metric;
pub use stats::{TRADING_DAYS_PER_YEAR, quantile_type7};

use statistics::*;

/// The `metrics` object of `summary.json`, fields in key order. Every key is always written
/// (`null` when undefined); `results::json_schema` marks them all required.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Metrics {
    pub total_return: Option<f64>,
    pub cagr: Option<f64>,
    pub annual_volatility: Option<f64>,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub max_drawdown: Option<f64>,
    pub max_drawdown_days: Option<u64>,
    pub calmar: Option<f64>,
    pub win_rate: Option<f64>,
    pub profit_factor: Option<f64>,
    pub average_win: Option<f64>,
    pub average_loss: Option<f64>,
    pub expectancy: Option<f64>,
    pub trade_count: u64,
    pub average_days_in_trade: Option<f64>,
    pub time_in_market: Option<f64>,
    pub skew: Option<f64>,
    pub kurtosis: Option<f64>,
    pub var_95: Option<f64>,
    pub cvar_95: Option<f64>,
}

impl Metrics {
    /// The metric names, in `summary.json`'s key order (a test holds this to the serializer):
    /// each metric's own name.
    pub const NAMES: [&'static str; 20] = [
        TotalReturn::NAME,
        Cagr::NAME,
        AnnualVolatility::NAME,
        Sharpe::NAME,
        Sortino::NAME,
        MaxDrawdown::NAME,
        MaxDrawdownDays::NAME,
        Calmar::NAME,
        WinRate::NAME,
        ProfitFactor::NAME,
        AverageWin::NAME,
        AverageLoss::NAME,
        Expectancy::NAME,
        TradeCount::NAME,
        AverageDaysInTrade::NAME,
        TimeInMarket::NAME,
        Skew::NAME,
        Kurtosis::NAME,
        Var95::NAME,
        Cvar95::NAME,
    ];

    /// The metrics as floats, in [`Metrics::NAMES`] order.
    pub fn values(&self) -> Vec<Option<f64>> {
        vec![
            self.total_return,
            self.cagr,
            self.annual_volatility,
            self.sharpe,
            self.sortino,
            self.max_drawdown,
            self.max_drawdown_days.map(|d| d as f64),
            self.calmar,
            self.win_rate,
            self.profit_factor,
            self.average_win,
            self.average_loss,
            self.expectancy,
            Some(self.trade_count as f64),
            self.average_days_in_trade,
            self.time_in_market,
            self.skew,
            self.kurtosis,
            self.var_95,
            self.cvar_95,
        ]
    }
}

/// Computes every metric of the run.
pub fn compute(input: &MetricInput<'_>) -> Metrics {
    let var_95 = Var95::compute(input);
    Metrics {
        total_return: TotalReturn::compute(input),
        cagr: Cagr::compute(input),
        annual_volatility: AnnualVolatility::compute(input),
        sharpe: Sharpe::compute(input),
        sortino: Sortino::compute(input),
        max_drawdown: MaxDrawdown::compute(input),
        max_drawdown_days: MaxDrawdownDays::compute(input),
        calmar: Calmar::compute(input),
        win_rate: WinRate::compute(input),
        profit_factor: ProfitFactor::compute(input),
        average_win: AverageWin::compute(input),
        average_loss: AverageLoss::compute(input),
        expectancy: Expectancy::compute(input),
        trade_count: TradeCount::compute(input),
        average_days_in_trade: AverageDaysInTrade::compute(input),
        time_in_market: TimeInMarket::compute(input),
        skew: Skew::compute(input),
        kurtosis: Kurtosis::compute(input),
        var_95,
        cvar_95: Cvar95::beyond(input, var_95),
    }
}

#[cfg(test)]
mod tests;
