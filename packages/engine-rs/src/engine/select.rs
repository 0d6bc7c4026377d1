//! Leg selection on one day's chain (docs/scenario.md, "Leg selection"):
//! - expiry: the expiration whose DTE is inside `[min, max]` nearest `target`; ties → the earlier;
//! - strike by |delta|, or by % out of the money: inside the window, nearest the target;
//!   ties → the lower strike;
//! - strike by offset: the listed strike nearest `reference + width` in the leg's expiry, on the
//!   width's side of the reference (strictly below for a negative width, above for a positive);
//!   ties → the lower strike.
//!
//! Only contracts with a usable quote (finite, `0 ≤ bid ≤ ask`, `ask > 0`) that pass the leg's
//! liquidity filter are candidates: a contract that fails it is passed over for the next nearest.

use super::mark::finite;
use super::portfolio::{Greeks, greeks_of};
use crate::data::{DayChain, Quote, Right};
use crate::scenario::liquidity::{Illiquid, Liquidity};
use crate::scenario::{DteWindow, LegSpec, Side, Window};

/// A leg chosen for entry on a given day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChosenLeg {
    pub leg: usize,
    pub right: Right,
    pub side: Side,
    pub qty: u32,
    pub expiry: i32,
    pub strike: f64,
    pub quote: Quote,
}

/// The legs chosen on one day, remembered for whoever asks again that day with the same legs:
/// [`choose_legs`] depends on nothing but the day's chain and the legs, so a sweep's points
/// stepped side by side (and strategies of one scenario with the same legs) choose once.
#[derive(Debug, Default)]
pub struct Selections {
    date: i32,
    /// What was chosen on `date`.
    chosen: Vec<Chosen>,
}

/// One ticker's legs, what [`choose_legs`] said of them, and the chosen legs' greeks at entry
/// ([`opening_greeks`]: a function of the same chain and legs, so worked out once with them).
type Chosen = (usize, Vec<LegSpec>, Result<Vec<ChosenLeg>, Miss>, Vec<Option<Greeks>>);

impl Selections {
    /// [`choose_legs`] of ticker `ticker`'s chain on its trade date: the same answer, computed
    /// once a day per distinct legs (lent, not copied: a sweep asks for it once a point), with
    /// the [`opening_greeks`] of what was chosen (empty for a miss).
    pub fn choose(
        &mut self,
        ticker: usize,
        day: &DayChain<'_>,
        legs: &[LegSpec],
    ) -> (&Result<Vec<ChosenLeg>, Miss>, &[Option<Greeks>]) {
        if self.date != day.trade_date {
            self.date = day.trade_date;
            self.chosen.clear();
        }
        let known = self.chosen.iter().position(|(t, l, _, _)| *t == ticker && l.as_slice() == legs);
        let at = known.unwrap_or_else(|| {
            let choice = choose_legs(day, legs);
            let greeks = choice.as_ref().map_or_else(|_| Vec::new(), |c| opening_greeks(day, c));
            self.chosen.push((ticker, legs.to_vec(), choice, greeks));
            self.chosen.len() - 1
        });
        let (_, _, choice, greeks) = &self.chosen[at];
        (choice, greeks)
    }
}

/// The greeks each chosen leg opens with: those of its row on `day`, or `None` where they are
/// not all finite (or the contract is not listed).
pub fn opening_greeks(day: &DayChain<'_>, chosen: &[ChosenLeg]) -> Vec<Option<Greeks>> {
    chosen.iter().map(|l| day.find(l.expiry, l.strike).and_then(|row| finite(greeks_of(day, row, l.right)))).collect()
}

/// Why a leg could not be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    NoExpiry {
        leg: usize,
    },
    NoStrike {
        leg: usize,
    },
    /// Contracts inside the windows, none liquid enough: why the nearest one failed.
    Illiquid {
        leg: usize,
        reason: Illiquid,
    },
}

impl Miss {
    pub fn leg(self) -> usize {
        match self {
            Miss::NoExpiry { leg } | Miss::NoStrike { leg } | Miss::Illiquid { leg, .. } => leg,
        }
    }
}

/// The nearest contract so far that passed the leg's filter, and why the nearest one that failed did.
struct Search<'a> {
    right: Right,
    liquidity: Option<&'a Liquidity>,
    best: Option<(f64, f64, Quote)>, // (distance, strike, quote)
    rejected: Option<(f64, Illiquid)>,
}

impl<'a> Search<'a> {
    fn new(right: Right, liquidity: Option<&'a Liquidity>) -> Search<'a> {
        Search { right, liquidity, best: None, rejected: None }
    }

    /// Offers the contract at `row` (strike `k`, quote `q`), `d` from the target. Rows come in
    /// ascending strike order, so a strict `<` keeps the lower strike on ties.
    fn offer(&mut self, day: &DayChain<'_>, row: usize, d: f64, k: f64, q: Quote) {
        if self.best.is_some_and(|(bd, _, _)| d >= bd) {
            return;
        }
        let verdict = self.liquidity.map_or(Ok(()), |l| {
            let (oi, volume) = day.activity(row, self.right);
            l.check(q.bid, q.ask, oi, volume)
        });
        match verdict {
            Ok(()) => self.best = Some((d, k, q)),
            Err(why) => {
                if self.rejected.is_none_or(|(rd, _)| d < rd) {
                    self.rejected = Some((d, why));
                }
            }
        }
    }

    fn result(self, leg: usize) -> Result<(f64, Quote), Miss> {
        match (self.best, self.rejected) {
            (Some((_, k, q)), _) => Ok((k, q)),
            (None, Some((_, reason))) => Err(Miss::Illiquid { leg, reason }),
            (None, None) => Err(Miss::NoStrike { leg }),
        }
    }
}

pub(crate) fn usable(q: &Quote) -> bool {
    q.bid.is_finite() && q.ask.is_finite() && q.bid >= 0.0 && q.ask >= q.bid && q.ask > 0.0
}

/// Chooses every leg of a position on `day`, in order (offsets refer to earlier legs).
pub fn choose_legs(day: &DayChain<'_>, legs: &[LegSpec]) -> Result<Vec<ChosenLeg>, Miss> {
    let mut chosen: Vec<ChosenLeg> = Vec::with_capacity(legs.len());
    for (i, spec) in legs.iter().enumerate() {
        let reference = spec.offset.map(|o| chosen[o.leg]);
        let expiry = match (&spec.dte, reference) {
            (Some(w), _) => choose_expiry(day, w).ok_or(Miss::NoExpiry { leg: i })?,
            (None, Some(r)) => r.expiry,
            (None, None) => return Err(Miss::NoExpiry { leg: i }),
        };
        let liquidity = spec.liquidity.as_ref();
        let (strike, quote) = match (spec.delta, spec.otm_pct, spec.offset) {
            (Some(w), _, _) => by_key(day, expiry, spec.right, &unit_window(w), liquidity, |q, _| q.delta.abs()),
            (_, Some(w), _) => {
                let s = day.underlying();
                let w = Window { target: w.target.0, min: w.min.map(|m| m.0), max: w.max.map(|m| m.0) };
                by_key(day, expiry, spec.right, &w, liquidity, move |_, k| match spec.right {
                    Right::Put => (s - k) / s,
                    Right::Call => (k - s) / s,
                })
            }
            (_, _, Some(o)) => {
                let r = reference.ok_or(Miss::NoStrike { leg: i })?;
                by_offset(day, expiry, spec.right, r.strike, o.width.0, liquidity)
            }
            _ => Search::new(spec.right, liquidity),
        }
        .result(i)?;
        chosen.push(ChosenLeg { leg: i, right: spec.right, side: spec.side, qty: spec.qty.0, expiry, strike, quote });
    }
    Ok(chosen)
}

fn unit_window(w: Window<crate::scenario::values::UnitOpen>) -> Window<f64> {
    Window { target: w.target.0, min: w.min.map(|m| m.0), max: w.max.map(|m| m.0) }
}

/// The expiry with DTE in the window nearest the target; ties → the earlier expiry.
pub fn choose_expiry(day: &DayChain<'_>, w: &DteWindow) -> Option<i32> {
    let (lo, hi) = (w.min.unwrap_or(0), w.max.unwrap_or(u32::MAX));
    let target = i64::from(w.target);
    day.expiries
        .iter()
        .filter(|e| {
            let dte = day.dte(e.date);
            dte > 0 && (lo..=hi).contains(&(dte as u32))
        })
        .min_by_key(|e| ((i64::from(day.dte(e.date)) - target).abs(), e.date))
        .map(|e| e.date)
}

/// The strike whose `key` is inside the window and nearest its target; ties → the lower strike.
fn by_key<'a>(
    day: &DayChain<'_>,
    expiry: i32,
    right: Right,
    w: &Window<f64>,
    liquidity: Option<&'a Liquidity>,
    key: impl Fn(&Quote, f64) -> f64,
) -> Search<'a> {
    let mut search = Search::new(right, liquidity);
    let Some(e) = day.expiry(expiry) else { return search };
    let (lo, hi) = (w.min.unwrap_or(f64::NEG_INFINITY), w.max.unwrap_or(f64::INFINITY));
    for row in e.start..e.end {
        let q = day.quote(row, right);
        let k = day.cols.strike[row];
        let v = key(&q, k);
        if !usable(&q) || !v.is_finite() || v < lo || v > hi {
            continue;
        }
        search.offer(day, row, (v - w.target).abs(), k, q);
    }
    search
}

/// The listed strike nearest `reference + width`; ties → the lower strike.
fn by_offset<'a>(
    day: &DayChain<'_>,
    expiry: i32,
    right: Right,
    reference: f64,
    width: f64,
    liquidity: Option<&'a Liquidity>,
) -> Search<'a> {
    let mut search = Search::new(right, liquidity);
    let Some(e) = day.expiry(expiry) else { return search };
    let target = reference + width;
    for row in e.start..e.end {
        let q = day.quote(row, right);
        let k = day.cols.strike[row];
        // A non-zero width must land on its own side of the reference (a wing never crosses over).
        let wrong_side = (width < 0.0 && k >= reference) || (width > 0.0 && k <= reference);
        if !usable(&q) || wrong_side {
            continue;
        }
        search.offer(day, row, (k - target).abs(), k, q);
    }
    search
}
