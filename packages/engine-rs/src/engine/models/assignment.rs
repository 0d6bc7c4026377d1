//! Early assignment models for short options on physically settled tickers. Expiry settlement
//! (exercise and assignment in the money by `itm_threshold`) is the same under every model.

use super::AssignmentModel;
use crate::data::Right;

/// American exercise as holders actually use it: a short call is assigned the trading day before
/// an ex-dividend date when its time value is below the dividend (the holder gains by exercising
/// to collect it), and, when `time_value_below` is set, any short leg whose time value falls below
/// it. The default (dividend rule on, time-value rule off).
#[derive(Debug, Clone, Copy)]
pub struct American {
    pub before_ex_dividend: bool,
    pub time_value_below: Option<f64>,
}

impl AssignmentModel for American {
    fn assigned_early(&self, right: Right, time_value: f64, next_dividend: Option<f64>) -> bool {
        let dividend = self.before_ex_dividend && right == Right::Call && next_dividend.is_some_and(|d| time_value < d);
        dividend || self.time_value_below.is_some_and(|t| time_value < t)
    }
}

/// Never assigned before expiry.
#[derive(Debug, Clone, Copy)]
pub struct European;

impl AssignmentModel for European {
    fn assigned_early(&self, _: Right, _: f64, _: Option<f64>) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn american_assigns_calls_before_a_dividend_larger_than_their_time_value() {
        let m = American { before_ex_dividend: true, time_value_below: None };
        assert!(m.assigned_early(Right::Call, 0.10, Some(0.25)));
        assert!(!m.assigned_early(Right::Call, 0.30, Some(0.25)), "time value above the dividend");
        assert!(!m.assigned_early(Right::Put, 0.10, Some(0.25)), "a dividend never calls a put");
        assert!(!m.assigned_early(Right::Call, 0.10, None), "no ex-date tomorrow");
        let off = American { before_ex_dividend: false, time_value_below: None };
        assert!(!off.assigned_early(Right::Call, 0.10, Some(0.25)));
    }

    #[test]
    fn american_with_a_time_value_floor_assigns_any_leg_below_it() {
        let m = American { before_ex_dividend: false, time_value_below: Some(0.05) };
        assert!(m.assigned_early(Right::Put, 0.04, None));
        assert!(!m.assigned_early(Right::Put, 0.05, None));
    }

    #[test]
    fn european_never_assigns_early() {
        assert!(!European.assigned_early(Right::Call, 0.0, Some(5.0)));
    }
}
