//! IV rank: where today's at-the-money implied volatility sits in its range over a lookback.
//! The ATM IV of a day is `smvVol` at the strike nearest the underlying, in the expiry nearest 30
//! DTE (ties → the earlier expiry, the lower strike). History before `data.start` is used when the
//! dataset has it; until `lookback` days are known the filter does not pass.

use std::collections::VecDeque;

use crate::data::DayChain;

/// The ATM IV of a day, if the chain has any expiry.
pub fn atm_iv(day: &DayChain<'_>) -> Option<f64> {
    let e = day
        .expiries
        .iter()
        .filter(|e| e.date > day.trade_date)
        .min_by_key(|e| ((day.dte(e.date) - 30).abs(), e.date))?;
    let s = day.usable_underlying()?;
    let strikes = &day.cols.strike[e.start..e.end];
    let mut best: Option<(f64, usize)> = None;
    for (i, &k) in strikes.iter().enumerate() {
        let d = (k - s).abs();
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, e.start + i));
        }
    }
    best.filter(|&(_, row)| !day.is_null_row(row)).map(|(_, row)| day.cols.smv_vol[row]).filter(|v| v.is_finite())
}

/// A rolling window of daily ATM IVs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct IvHistory {
    values: VecDeque<f64>,
}

impl IvHistory {
    pub fn push(&mut self, iv: f64, lookback: usize) {
        self.values.push_back(iv);
        while self.values.len() > lookback {
            self.values.pop_front();
        }
    }

    /// Today's rank in `[0, 1]` once `lookback` values are known; 0.5 when the range is flat.
    pub fn rank(&self, lookback: usize) -> Option<f64> {
        if self.values.len() < lookback {
            return None;
        }
        let today = *self.values.back()?;
        let (lo, hi) =
            self.values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        Some(if hi > lo { (today - lo) / (hi - lo) } else { 0.5 })
    }
}
