//! The mark phase: every held leg at its mid, shares at the underlying price, and the day's change
//! in marks attributed to the greeks (docs/results.md, "Attribution").

use super::listings::Listings;
use super::*;

/// The ticker's underlying price on the previous day it had one (`from`) and today (`to`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Move {
    pub(super) date: i32,
    pub(super) from: f64,
    pub(super) to: Option<f64>,
}

/// Marks held legs of ticker `t` at today's mids and refreshes their greeks; shares at the
/// underlying price. Each change in mark is attributed (into `day` and its position): a leg's to
/// Δ·ΔS + ½Γ·ΔS² + Θ·Δt + ν·Δσ with the greeks and IV of its previous mark, the residual closing
/// the sum exactly; shares' to delta (stock) or hedge.
pub(super) fn mark(
    book: &mut Portfolio,
    t: usize,
    chain: &DayChain<'_>,
    m: Move,
    day: &mut Attribution,
    diag: &mut Diagnostics,
    listings: &mut Listings,
) {
    let ds = m.to.map(|s| s - m.from).filter(|d| d.is_finite());
    for p in book.positions.iter_mut().filter(|p| p.ticker == t) {
        let mut a = Attribution::default();
        if p.all_shares() != 0
            && let Some(s) = m.to
        {
            if p.share_mark.is_finite() {
                a.delta += p.shares as f64 * (s - p.share_mark);
                a.hedge += p.hedge_shares as f64 * (s - p.share_mark);
            }
            p.share_mark = s;
        }
        for l in &mut p.legs {
            if l.expiry < chain.trade_date {
                continue;
            }
            // Marking every leg every day is the run's hot path: the listing is looked up once a
            // day for every run that holds the contract.
            match listings.listing(t, chain, l).filter(|(_, q, _)| usable(q)) {
                Some((_, q, greeks)) => {
                    let mid = q.mid();
                    if let Some(ds) = ds
                        && l.marked_on < m.date
                    {
                        let n = l.contracts(p.units) * MULTIPLIER;
                        let g = l.greeks;
                        let dt = f64::from(m.date - l.marked_on);
                        let dv = if q.mid_iv.is_finite() && l.iv.is_finite() { (q.mid_iv - l.iv) * 100.0 } else { 0.0 };
                        let parts = [g.delta * ds * n, 0.5 * g.gamma * ds * ds * n, g.theta * dt * n, g.vega * dv * n];
                        a.delta += parts[0];
                        a.gamma += parts[1];
                        a.theta += parts[2];
                        a.vega += parts[3];
                        a.residual += (mid - l.mark) * n - parts.iter().sum::<f64>();
                    }
                    l.mark = mid;
                    l.iv = q.mid_iv;
                    l.marked_on = m.date;
                    match greeks {
                        Some(g) => l.greeks = g,
                        None => diag.greeks_unusable += 1,
                    }
                }
                // Expiring today with no listing: settlement below needs no quote.
                None if l.expiry == chain.trade_date => {}
                None => diag.quotes_missing += 1,
            }
        }
        p.attribution.add(&a);
        day.add(&a);
    }
}

/// Greeks that are all finite numbers, or nothing.
pub(super) fn finite(g: Greeks) -> Option<Greeks> {
    [g.delta, g.gamma, g.theta, g.vega].iter().all(|v| v.is_finite()).then_some(g)
}
