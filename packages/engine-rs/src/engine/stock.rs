//! Share fills: the price a share trade gets and what it costs (docs/scenario.md, "Stock and
//! settlement"). Exercise and assignment deliver shares at the strike, free; every other share
//! fill trades at `stkPx` with slippage in basis points and a commission per share.

use crate::scenario::settlement::StockCosts;

/// Price per share of a market trade of `shares` (+ buy, − sell) at underlying price `s`.
pub fn fill_price(s: f64, shares: i64, costs: &StockCosts) -> f64 {
    let slip = costs.slippage_bps.0 / 10_000.0;
    if shares > 0 { s * (1.0 + slip) } else { s * (1.0 - slip) }
}

/// Commission of a market trade of `shares`.
pub fn commission(shares: i64, costs: &StockCosts) -> f64 {
    costs.commission_per_share.0 * shares.unsigned_abs() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::values::NonNegative;

    #[test]
    fn buys_above_and_sells_below_the_underlying_by_the_slippage() {
        let costs = StockCosts { commission_per_share: NonNegative(0.005), slippage_bps: NonNegative(10.0) };
        assert!((fill_price(100.0, 200, &costs) - 100.1).abs() < 1e-12);
        assert!((fill_price(100.0, -200, &costs) - 99.9).abs() < 1e-12);
        assert!((commission(-200, &costs) - 1.0).abs() < 1e-12);
    }
}
