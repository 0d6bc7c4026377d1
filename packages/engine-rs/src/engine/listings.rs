//! Held contracts' listings on one day, looked up once for every run stepped side by side on the
//! same data. A sweep's points that choose the same legs mostly hold the same contracts, and
//! marking each leg every day (find its row, read its quote, work out its greeks) was done once
//! per point. A listing depends on nothing but the day's chain and the contract, so whichever run
//! asks first computes it and the others read it: the same numbers, bit for bit.

use super::mark::finite;
use super::portfolio::{Greeks, HeldLeg, greeks_of};
use super::select::usable;
use crate::data::chain::RowHint;
use crate::data::{DayChain, Quote, Right};

/// One contract on one day: where it is listed, its quote there, and its greeks when the quote
/// is usable and they are all finite. `None`: not listed that day.
pub(super) type Listing = Option<(usize, Quote, Option<Greeks>)>;

/// Slots of the day's table (a power of two): a group of points usually holds a few dozen
/// contracts. A contract that finds no free slot within a few probes is computed by each run.
const SLOTS: usize = 128;
const PROBES: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Key {
    date: i32,
    ticker: u32,
    expiry: i32,
    strike: u64,
    right: Right,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    key: Key,
    /// The hint the lookup left, given to every leg that reads the slot (the exit rules look the
    /// contract up again the same day).
    hint: RowHint,
    listing: Listing,
}

/// Today's listings of held contracts, an open-addressing table whose slots from an earlier day
/// count as empty (nothing is cleared between days). Allocated on first use, so a run that holds
/// nothing (and a [`super::Shared`] taken out of a run for a day) costs nothing.
#[derive(Debug, Default)]
pub struct Listings {
    slots: Vec<Slot>,
}

const EMPTY: Slot = Slot {
    key: Key { date: i32::MIN, ticker: 0, expiry: 0, strike: 0, right: Right::Call },
    hint: RowHint::EMPTY,
    listing: None,
};

impl Listings {
    /// Leg `leg` of ticker `ticker` on `chain`'s day: its listing, read from the table or computed
    /// and remembered. The leg's hint ends as a lookup of its own would leave it.
    pub(super) fn listing(&mut self, ticker: usize, chain: &DayChain<'_>, leg: &HeldLeg) -> Listing {
        let key = Key {
            date: chain.trade_date,
            ticker: ticker as u32,
            expiry: leg.expiry,
            strike: leg.strike.to_bits(),
            right: leg.right,
        };
        if self.slots.is_empty() {
            self.slots = vec![EMPTY; SLOTS];
        }
        let home = slot_of(&key);
        let mut free = None;
        for i in 0..PROBES {
            let at = (home + i) % SLOTS;
            let slot = &self.slots[at];
            if slot.key == key {
                if slot.listing.is_some() {
                    leg.hint.set(slot.hint);
                }
                return slot.listing;
            }
            // Slots fill in probe order within a day, so the first stale one ends the search.
            if slot.key.date != key.date {
                free = Some(at);
                break;
            }
        }
        let listing = compute(chain, leg);
        if let Some(at) = free {
            self.slots[at] = Slot { key, hint: leg.hint.get(), listing };
        }
        listing
    }
}

/// What marking reads of a held leg on `chain`'s day (the leg's hint learns where it is).
fn compute(chain: &DayChain<'_>, leg: &HeldLeg) -> Listing {
    let row = leg.row_in(chain)?;
    let quote = chain.quote(row, leg.right);
    let greeks = if usable(&quote) { finite(greeks_of(chain, row, leg.right)) } else { None };
    Some((row, quote, greeks))
}

fn slot_of(key: &Key) -> usize {
    let right = match key.right {
        Right::Call => 0u64,
        Right::Put => 1,
    };
    let mixed = key.strike ^ (u64::from(key.expiry as u32) << 21) ^ (u64::from(key.ticker) << 7) ^ right;
    (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize
}
