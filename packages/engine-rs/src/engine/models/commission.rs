//! Commission models: what each fill pays. Exercise, assignment and expiry never pay (the engine
//! does not ask).

use super::CommissionModel;

/// A rate per contract for options and per share for stock. The default: $0.65 and $0.005.
#[derive(Debug, Clone, Copy)]
pub struct PerContract {
    pub per_contract: f64,
    pub per_share: f64,
}

impl CommissionModel for PerContract {
    fn option_fee(&self, contracts: f64) -> f64 {
        self.per_contract * contracts.abs()
    }
    fn share_fee(&self, shares: i64) -> f64 {
        self.per_share * shares.unsigned_abs() as f64
    }
}

/// The per-contract rates, then each option fill clamped to [minimum, maximum]: a broker's
/// minimum ticket and a cap per leg. Share fills pay the per-share rate.
#[derive(Debug, Clone, Copy)]
pub struct Capped {
    pub rates: PerContract,
    pub minimum: f64,
    pub maximum: f64,
}

impl CommissionModel for Capped {
    fn option_fee(&self, contracts: f64) -> f64 {
        if contracts == 0.0 {
            return 0.0;
        }
        self.rates.option_fee(contracts).max(self.minimum).min(self.maximum)
    }
    fn share_fee(&self, shares: i64) -> f64 {
        self.rates.share_fee(shares)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_contract_charges_each_contract_and_share() {
        let m = PerContract { per_contract: 0.65, per_share: 0.005 };
        assert!((m.option_fee(-3.0) - 1.95).abs() < 1e-12);
        assert!((m.share_fee(-200) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn capped_fills_pay_at_least_the_minimum_and_at_most_the_maximum() {
        let m = Capped { rates: PerContract { per_contract: 1.0, per_share: 0.0 }, minimum: 1.5, maximum: 10.0 };
        assert_eq!(m.option_fee(1.0), 1.5, "one contract pays the minimum ticket");
        assert_eq!(m.option_fee(-4.0), 4.0);
        assert_eq!(m.option_fee(25.0), 10.0, "25 contracts pay the cap");
        assert_eq!(m.option_fee(0.0), 0.0, "no contracts, no ticket");
    }
}
