//! IV rank: where today's at-the-money implied volatility sits in its range over a lookback.
//! The ATM IV of a day is `smvVol` at the strike nearest the underlying, in the expiry nearest 30
//! DTE (ties → the earlier expiry, the lower strike). History before `data.start` is used when the
//! dataset has it; until `lookback` days are known the filter does not pass.

use std::collections::VecDeque;

use crate::data::DayChain;

/// The ATM IV of a day, if the chain has any expiry.
pub fn atm_iv(day: &DayChain<'_>) -> Option<f64> {
    atm_iv_near(day, 30).map(|(_, iv)| iv)
}

/// The expiry nearest `dte` days out (ties → the earlier) and its ATM IV: `smvVol` at the strike
/// nearest the underlying (ties → the lower strike).
pub fn atm_iv_near(day: &DayChain<'_>, dte: i32) -> Option<(i32, f64)> {
    let e = day
        .expiries
        .iter()
        .filter(|e| e.date > day.trade_date)
        .min_by_key(|e| ((day.dte(e.date) - dte).abs(), e.date))?;
    let s = day.usable_underlying()?;
    let strikes = &day.cols.strike[e.start..e.end];
    let mut best: Option<(f64, usize)> = None;
    for (i, &k) in strikes.iter().enumerate() {
        let d = (k - s).abs();
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, e.start + i));
        }
    }
    let iv = best.filter(|&(_, row)| !day.is_null_row(row)).map(|(_, row)| day.cols.smv_vol[row]);
    iv.filter(|v| v.is_finite()).map(|iv| (e.date, iv))
}

/// A rolling window of daily ATM IVs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct IvHistory {
    values: VecDeque<f64>,
}

impl IvHistory {
    /// Appends today's IV, keeping the most recent `capacity` (the longest lookback in use).
    pub fn push(&mut self, iv: f64, capacity: usize) {
        self.values.push_back(iv);
        while self.values.len() > capacity {
            self.values.pop_front();
        }
    }

    /// The last `lookback` values (today last), once that many are known.
    fn window(&self, lookback: usize) -> Option<impl Iterator<Item = f64> + Clone + '_> {
        (lookback > 0 && self.values.len() >= lookback)
            .then(|| self.values.iter().skip(self.values.len() - lookback).copied())
    }

    /// Today's rank in `[0, 1]` once `lookback` values are known; 0.5 when the range is flat.
    pub fn rank(&self, lookback: usize) -> Option<f64> {
        let window = self.window(lookback)?;
        let today = *self.values.back()?;
        let (lo, hi) = window.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Some(if hi > lo { (today - lo) / (hi - lo) } else { 0.5 })
    }

    /// Today's percentile in `[0, 1]`: the share of the previous `lookback − 1` values strictly
    /// below today's, once `lookback` (≥ 2) values are known.
    pub fn percentile(&self, lookback: usize) -> Option<f64> {
        if lookback < 2 {
            return None;
        }
        let today = *self.values.back()?;
        let below = self.window(lookback)?.take(lookback - 1).filter(|&v| v < today).count();
        Some(below as f64 / (lookback - 1) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_and_percentile_over_the_last_lookback_values() {
        let mut h = IvHistory::default();
        for iv in [0.30, 0.10, 0.20, 0.40, 0.25] {
            h.push(iv, 10);
        }
        // Last 4: 0.10 0.20 0.40 0.25 → rank (0.25 − 0.10) / 0.30 = 0.5; 2 of 3 before it below.
        assert!((h.rank(4).unwrap() - 0.5).abs() < 1e-12);
        assert!((h.percentile(4).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // All 5: 0.30 is above → 2 of 4.
        assert!((h.percentile(5).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(h.percentile(6), None);
        assert_eq!(h.percentile(1), None);
    }
}
