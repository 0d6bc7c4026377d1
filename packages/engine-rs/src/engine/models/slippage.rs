//! Share slippage models: where a market trade of shares fills against `stkPx`.

use super::SlippageModel;

/// Buy at s × (1 + bps/10,000), sell at s × (1 − bps/10,000). The default, 1 bp.
#[derive(Debug, Clone, Copy)]
pub struct Bps {
    pub bps: f64,
}

impl SlippageModel for Bps {
    fn share_price(&self, s: f64, shares: i64) -> f64 {
        let slip = self.bps / 10_000.0;
        if shares > 0 { s * (1.0 + slip) } else { s * (1.0 - slip) }
    }
}

/// Buy at s + c, sell at s − c (never below 0): a fixed number of dollars per share, as for a
/// stock quoted a cent wide whatever its price.
#[derive(Debug, Clone, Copy)]
pub struct PerShare {
    pub dollars: f64,
}

impl SlippageModel for PerShare {
    fn share_price(&self, s: f64, shares: i64) -> f64 {
        if shares > 0 { s + self.dollars } else { (s - self.dollars).max(0.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bps_buys_above_and_sells_below_the_underlying() {
        let m = Bps { bps: 10.0 };
        assert!((m.share_price(100.0, 200) - 100.1).abs() < 1e-12);
        assert!((m.share_price(100.0, -200) - 99.9).abs() < 1e-12);
    }

    #[test]
    fn per_share_moves_the_price_by_a_fixed_amount_and_never_below_zero() {
        let m = PerShare { dollars: 0.02 };
        assert!((m.share_price(50.0, 100) - 50.02).abs() < 1e-12);
        assert!((m.share_price(50.0, -100) - 49.98).abs() < 1e-12);
        assert_eq!(m.share_price(0.01, -100), 0.0);
    }
}
