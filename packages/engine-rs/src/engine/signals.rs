//! Entry signals on a ticker's own chain and price history (docs/scenario.md,
//! "strategy.entry.signals"). A signal that lacks the history it needs (early in the data) does
//! not hold.

use std::collections::VecDeque;

use std::collections::BTreeMap;

use crate::data::DayChain;
use crate::data::dates::DateList;
use crate::data::series::Series;
use crate::scenario::signals::{DatesOn, Kind, Side, Signal};

use super::ivrank::{IvHistory, atm_iv, atm_iv_near};

/// Trading days a year, to annualize realized volatility.
const YEAR: f64 = 252.0;

/// A ticker's daily closes (`stkPx`), the most recent last, at most `capacity` of them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Closes {
    values: VecDeque<f64>,
}

impl Closes {
    pub fn push(&mut self, close: f64, capacity: usize) {
        if capacity == 0 {
            return;
        }
        self.values.push_back(close);
        while self.values.len() > capacity {
            self.values.pop_front();
        }
    }

    /// The last `n` closes, oldest first, once that many are known.
    fn last(&self, n: usize) -> Option<impl Iterator<Item = f64> + '_> {
        (n > 0 && self.values.len() >= n).then(|| self.values.iter().skip(self.values.len() - n).copied())
    }

    /// Mean of the last `n` closes.
    pub fn sma(&self, n: usize) -> Option<f64> {
        Some(self.last(n)?.sum::<f64>() / n as f64)
    }

    /// Return over `days`: today's close over the close `days` trading days before, less 1.
    pub fn momentum(&self, days: usize) -> Option<f64> {
        let mut window = self.last(days + 1)?;
        let first = window.next()?;
        let today = window.last()?;
        (first > 0.0).then(|| today / first - 1.0)
    }

    /// Annualized close-to-close volatility of the last `window` log returns (sample deviation).
    pub fn realized_vol(&self, window: usize) -> Option<f64> {
        let closes: Vec<f64> = self.last(window + 1)?.collect();
        let returns: Vec<f64> = closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
        if returns.len() < 2 || returns.iter().any(|r| !r.is_finite()) {
            return None;
        }
        let mean = returns.iter().sum::<f64>() / returns.len() as f64;
        let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (returns.len() - 1) as f64;
        Some((var * YEAR).sqrt())
    }

    fn today(&self) -> Option<f64> {
        self.values.back().copied()
    }
}

/// What a signal reads on a day.
#[derive(Debug)]
pub struct Inputs<'a, 'c> {
    pub chain: &'a DayChain<'c>,
    pub ticker: &'a str,
    pub ivs: &'a IvHistory,
    pub closes: &'a Closes,
    /// The dataset's series (loaded when a signal names one).
    pub series: &'a Series,
    /// The `dates` signals' lists, by source (`set:NAME`, `file:PATH`).
    pub dates: &'a BTreeMap<String, DateList>,
}

/// A series' value as of `date` (its latest on or before it), or its change over `change`
/// observations up to then.
pub fn series_value(points: &[(i32, f64)], date: i32, change: Option<usize>) -> Option<f64> {
    let last = points.partition_point(|p| p.0 <= date).checked_sub(1)?;
    match change {
        None => Some(points[last].1),
        Some(n) => Some(points[last].1 - points[last.checked_sub(n)?].1),
    }
}

/// `Ok` when the signal holds; otherwise the kinds that blocked it: for `all`, the first one that
/// failed; for `any`, every one (all failed).
pub fn holds(signal: &Signal, x: &Inputs<'_, '_>) -> Result<(), Vec<Kind>> {
    let pass = |ok: Option<bool>, kind: Kind| if ok == Some(true) { Ok(()) } else { Err(vec![kind]) };
    match signal {
        Signal::IvPercentile(p) => {
            let pct = x.ivs.percentile(p.lookback.0 as usize);
            pass(pct.map(|v| v >= p.min.0 && v <= p.max.0), Kind::IvPercentile)
        }
        Signal::TermStructure(t) => {
            let front = atm_iv_near(x.chain, t.front_dte.0 as i32);
            let back = atm_iv_near(x.chain, t.back_dte.0 as i32);
            let value = match (front, back) {
                // The same expiry nearest both targets says nothing about the term structure.
                (Some((fe, f)), Some((be, b))) if fe != be => match (&t.ratio, &t.difference) {
                    (Some(r), _) => (b > 0.0).then(|| r.contains(f / b)),
                    (_, Some(d)) => Some(d.contains(f - b)),
                    _ => None,
                },
                _ => None,
            };
            pass(value, Kind::TermStructure)
        }
        Signal::IvRv(r) => {
            let iv = atm_iv(x.chain);
            let rv = x.closes.realized_vol(r.window.0 as usize).filter(|&v| v > 0.0);
            pass(iv.zip(rv).map(|(iv, rv)| r.bounds().contains(iv / rv)), Kind::IvRv)
        }
        Signal::Sma(s) => {
            let above = x.closes.sma(s.days.0 as usize).zip(x.closes.today()).map(|(avg, today)| match s.price {
                Side::Above => today > avg,
                Side::Below => today < avg,
            });
            pass(above, Kind::Sma)
        }
        Signal::Momentum(m) => {
            pass(x.closes.momentum(m.days.0 as usize).map(|v| m.bounds().contains(v)), Kind::Momentum)
        }
        Signal::Series(s) => {
            let value = x
                .series
                .get(&s.name)
                .and_then(|points| series_value(points, x.chain.trade_date, s.change.map(|n| n.0 as usize)));
            pass(value.map(|v| s.bounds().contains(v)), Kind::Series)
        }
        Signal::Dates(d) => {
            let listed = x.dates.get(&super::dates_key(&d.source())).map(|l| l.lists(x.ticker, x.chain.trade_date));
            pass(listed.map(|l| l == (d.on == DatesOn::Only)), Kind::Dates)
        }
        Signal::All(list) => list.iter().try_for_each(|s| holds(s, x)),
        Signal::Any(list) => {
            let mut blocked = Vec::new();
            for s in list {
                match holds(s, x) {
                    Ok(()) => return Ok(()),
                    Err(kinds) => blocked.extend(kinds),
                }
            }
            Err(blocked)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closes(values: &[f64]) -> Closes {
        let mut c = Closes::default();
        for &v in values {
            c.push(v, 10);
        }
        c
    }

    #[test]
    fn moving_average_momentum_and_realized_vol_by_hand() {
        let c = closes(&[100.0, 102.0, 101.0, 104.0]);
        assert_eq!(c.sma(2), Some(102.5));
        assert_eq!(c.sma(5), None, "not enough history");
        assert!((c.momentum(3).unwrap() - 0.04).abs() < 1e-12);
        assert!((c.momentum(1).unwrap() - (104.0 / 101.0 - 1.0)).abs() < 1e-12);
        // Returns ln(1.02), ln(101/102), ln(104/101): sample deviation × √252.
        let r = [(1.02f64).ln(), (101.0f64 / 102.0).ln(), (104.0f64 / 101.0).ln()];
        let mean = r.iter().sum::<f64>() / 3.0;
        let sd = (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
        assert!((c.realized_vol(3).unwrap() - sd * 252f64.sqrt()).abs() < 1e-12);
        assert_eq!(c.realized_vol(4), None);
        // A flat path has no volatility (the signal then does not hold: no ratio).
        assert_eq!(closes(&[100.0; 5]).realized_vol(4), Some(0.0));
    }

    #[test]
    fn a_series_is_read_as_of_the_day_and_its_change_over_its_own_observations() {
        let vix = [(10, 20.0), (11, 22.0), (14, 30.0)];
        assert_eq!(series_value(&vix, 9, None), None, "nothing yet");
        assert_eq!(series_value(&vix, 12, None), Some(22.0), "the latest on or before the day");
        assert_eq!(series_value(&vix, 14, Some(1)), Some(8.0));
        assert_eq!(series_value(&vix, 14, Some(2)), Some(10.0));
        assert_eq!(series_value(&vix, 14, Some(3)), None, "not that many observations");
    }

    #[test]
    fn capacity_keeps_the_most_recent_closes() {
        let mut c = Closes::default();
        for v in 1..=5 {
            c.push(f64::from(v), 3);
        }
        assert_eq!(c.sma(3), Some(4.0));
        assert_eq!(c.sma(4), None);
    }
}
