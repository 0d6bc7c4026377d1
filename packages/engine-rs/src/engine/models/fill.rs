//! Option fill models.

use super::FillModel;

/// Sell at mid − f·(mid − bid), buy at mid + f·(ask − mid): f = 0 fills at mid, 1 at the natural
/// bid or ask, whatever the order's size. The default, f = 0.5.
#[derive(Debug, Clone, Copy)]
pub struct SpreadFraction {
    pub fraction: f64,
}

impl FillModel for SpreadFraction {
    fn option_price(&self, bid: f64, ask: f64, buying: bool, _legs: usize) -> f64 {
        let mid = 0.5 * (bid + ask);
        if buying { mid + self.fraction * (ask - mid) } else { mid - self.fraction * (mid - bid) }
    }
}

/// ORATS' convention: an order of n legs crosses the share p(n) of the full spread (buy at
/// bid + p·(ask − bid), sell at ask − p·(ask − bid)), because a multi-leg order is worked as a
/// package and fills nearer mid. `table[n − 1]` is p(n); orders with more legs use the last.
#[derive(Debug, Clone)]
pub struct ByLegs {
    pub table: Vec<f64>,
}

impl FillModel for ByLegs {
    fn option_price(&self, bid: f64, ask: f64, buying: bool, legs: usize) -> f64 {
        let p = self.table.get(legs.max(1) - 1).or(self.table.last()).copied().unwrap_or(1.0);
        let spread = ask - bid;
        if buying { bid + p * spread } else { ask - p * spread }
    }
}

/// Another fill model's price moved onto the exchange's price grid: a buy up to the next tick, a
/// sell down to the previous one (never better than the model's price), `tick` below $3 and
/// `tick_from_3` from $3.
#[derive(Debug)]
pub struct Ticked {
    pub inner: Box<dyn FillModel>,
    pub tick: f64,
    pub tick_from_3: f64,
}

impl FillModel for Ticked {
    fn option_price(&self, bid: f64, ask: f64, buying: bool, legs: usize) -> f64 {
        let price = self.inner.option_price(bid, ask, buying, legs);
        let tick = if price >= 3.0 { self.tick_from_3 } else { self.tick };
        // A price already on the grid, up to rounding noise, stays where it is.
        let steps = price / tick;
        let steps = if buying { (steps - 1e-9).ceil() } else { (steps + 1e-9).floor() };
        ((steps.max(0.0) * tick) * 1e9).round() / 1e9
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticked_fills_buy_up_and_sell_down_onto_the_grid() {
        let m = Ticked { inner: Box::new(SpreadFraction { fraction: 0.5 }), tick: 0.05, tick_from_3: 0.10 };
        // 1.00/1.40 at half the spread: buy 1.30 (on the grid), sell 1.10.
        assert_eq!(m.option_price(1.0, 1.4, true, 1), 1.3);
        assert_eq!(m.option_price(1.0, 1.4, false, 1), 1.1);
        // 1.00/1.12: buy 1.09 → 1.10, sell 1.03 → 1.00.
        assert_eq!(m.option_price(1.0, 1.12, true, 1), 1.1);
        assert_eq!(m.option_price(1.0, 1.12, false, 1), 1.0);
        // From $3 the grid is 0.10: buy 3.03 (3.00/3.04) → 3.10, sell 3.01 → 3.00.
        assert_eq!(m.option_price(3.0, 3.04, true, 1), 3.1);
        assert_eq!(m.option_price(3.0, 3.04, false, 1), 3.0);
        // A sell under one tick gets nothing rather than a negative price.
        assert_eq!(m.option_price(0.0, 0.04, false, 1), 0.0);
    }

    #[test]
    fn spread_fraction_fills_at_mid_halfway_and_at_the_natural_price() {
        // Bid 1.00, ask 1.40: mid 1.20.
        let half = SpreadFraction { fraction: 0.5 };
        assert!((half.option_price(1.0, 1.4, true, 1) - 1.30).abs() < 1e-12);
        assert!((half.option_price(1.0, 1.4, false, 4) - 1.10).abs() < 1e-12);
        assert_eq!(SpreadFraction { fraction: 0.0 }.option_price(1.0, 1.4, true, 1), 1.2);
        assert_eq!(SpreadFraction { fraction: 1.0 }.option_price(1.0, 1.4, false, 1), 1.0);
    }

    #[test]
    fn by_legs_crosses_less_of_the_spread_as_the_order_grows() {
        let orats = ByLegs { table: vec![0.75, 0.66, 0.56, 0.53] };
        // Spread 0.40: one leg buys at 1.00 + 0.75 × 0.40 = 1.30, the same as spread_fraction 0.5.
        assert!((orats.option_price(1.0, 1.4, true, 1) - 1.30).abs() < 1e-12);
        // Two legs sell at 1.40 − 0.66 × 0.40 = 1.136.
        assert!((orats.option_price(1.0, 1.4, false, 2) - 1.136).abs() < 1e-12);
        // Four legs and more: 0.53 → buy at 1.212.
        assert!((orats.option_price(1.0, 1.4, true, 4) - 1.212).abs() < 1e-12);
        assert!((orats.option_price(1.0, 1.4, true, 9) - 1.212).abs() < 1e-12);
        // An order of zero option legs (never asked) is priced as one leg, not out of bounds.
        assert!((orats.option_price(1.0, 1.4, true, 0) - 1.30).abs() < 1e-12);
    }
}
