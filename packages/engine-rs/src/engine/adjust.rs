//! The adjust phase's covers: a leg written against the shares a position holds once its legs are
//! gone (the wheel's call). Rolls are the other half of the phase ([`super::roll`]).

use super::*;

/// The adjust phase's cover: each position of ticker `t` holding shares and no option leg writes
/// the strategy's `cover` leg against them (numbered `leg_index`, after the strategy's legs).
#[allow(clippy::too_many_arguments)]
pub(super) fn write_covers(
    cover: &LegSpec,
    leg_index: usize,
    book: &mut Portfolio,
    t: usize,
    chain: &DayChain<'_>,
    ctx: &FillContext<'_>,
    diag: &mut Diagnostics,
) {
    for i in 0..book.positions.len() {
        let p = &book.positions[i];
        if p.ticker != t || p.strategy != ctx.strategy || p.shares == 0 || !p.legs.is_empty() || p.close_shares {
            continue;
        }
        let Ok(chosen) = choose_legs(chain, std::slice::from_ref(cover)) else {
            diag.covers_skipped += 1;
            continue;
        };
        // The cover is numbered after the strategy's legs.
        let chosen: Vec<select::ChosenLeg> =
            chosen.iter().map(|l| select::ChosenLeg { leg: leg_index, ..*l }).collect();
        let opening = opening_legs(chain, &chosen, &opening_prices(&chosen, ctx.models, 1), diag);
        book.add_legs(ctx, i, &opening, Reason::Cover);
        book.positions[i].covers += 1;
    }
}
