//! A single run's count of invalid quotes, made on both cores. Only the run's end needs it, and it
//! reads four whole columns of every day, more bytes than the run's own days read. A helper thread
//! counts stretches of days from the last day back, and first touches the pages the run's days
//! will read there (mapping pages is most of a run's time when the kernel maps them one by one);
//! the run's own thread, its days done, counts from the first day forward until the two meet.
//! When earlier runs' counts were kept beside the partitions' stamps there is nothing to count,
//! and the helper only touches pages, until the run's days are done.

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use super::LoadedData;
use crate::data::partition::Columns;

/// Most days counted (and touched) in one go; a stretch never leaves its record batch.
const STRETCH: usize = 16;

pub(super) struct SharedCount<'a> {
    loaded: &'a LoadedData,
    /// (ticker, days) of every ticker, each ticker's in date order.
    stretches: Vec<(usize, Range<usize>)>,
    /// Per ticker: whether its count is still to make (else its stretches are only touched).
    counting: Vec<bool>,
    /// The stretches nobody has claimed yet.
    unclaimed: Mutex<Range<usize>>,
    /// Which right's columns the helper touches: those held legs of these rights read.
    calls: bool,
    puts: bool,
}

/// One thread's counts: (stretch, each of its days' invalid quote sides).
pub(super) type Counted = Vec<(usize, Vec<u64>)>;

impl<'a> SharedCount<'a> {
    /// `None` when there are no days at all.
    pub fn new(loaded: &'a LoadedData, calls: bool, puts: bool) -> Option<SharedCount<'a>> {
        let mut stretches = Vec::new();
        for (t, td) in loaded.tickers.iter().enumerate() {
            let mut lo = 0;
            while lo < td.days.len() {
                let batch = |k: usize| {
                    let (_, p, d) = td.days[k];
                    (p, td.parts[p].days[d].batch)
                };
                let mut hi = lo + 1;
                while hi < td.days.len() && hi - lo < STRETCH && batch(hi) == batch(lo) {
                    hi += 1;
                }
                stretches.push((t, lo..hi));
                lo = hi;
            }
        }
        (!stretches.is_empty()).then(|| SharedCount {
            loaded,
            counting: loaded.tickers.iter().map(|td| td.invalid.get().is_none()).collect(),
            unclaimed: Mutex::new(0..stretches.len()),
            stretches,
            calls,
            puts,
        })
    }

    /// The helper's share: stretches from the last back, each touched before it is counted.
    pub fn count_backward(&self) -> Counted {
        let mut out = Vec::new();
        while let Some(s) = self.claim(|left| left.next_back()) {
            let (t, days) = &self.stretches[s];
            let td = &self.loaded.tickers[*t];
            let (_, p, first) = td.days[days.start];
            let (_, _, last) = td.days[days.end - 1];
            let part = &td.parts[p];
            let span = part.days[first];
            Columns::touch(&part.batches[span.batch].stepped(self.calls, self.puts), span.start..part.days[last].end);
            if self.counting[*t] {
                out.push((s, self.count(s)));
            }
        }
        out
    }

    /// The run's share once its days are done: stretches from the first forward.
    pub fn count_forward(&self) -> Counted {
        let mut out = Vec::new();
        while let Some(s) = self.claim(|left| left.next()) {
            if self.counting[self.stretches[s].0] {
                out.push((s, self.count(s)));
            }
        }
        out
    }

    /// Leaves the rest uncounted (the run failed or was cancelled: nobody will read the count).
    pub fn abandon(&self) {
        *self.unclaimed.lock().unwrap_or_else(PoisonError::into_inner) = 0..0;
    }

    /// Gives each ticker its counts, once every stretch has been counted by one side or the other.
    pub fn finish(&self, counted: impl IntoIterator<Item = (usize, Vec<u64>)>) {
        let mut per_ticker: Vec<Vec<u64>> = self
            .loaded
            .tickers
            .iter()
            .zip(&self.counting)
            .map(|(td, &counting)| vec![0; if counting { td.days.len() } else { 0 }])
            .collect();
        // A ticker counted already needs none of its stretches.
        let mut seen: Vec<bool> = self.stretches.iter().map(|(t, _)| !self.counting[*t]).collect();
        for (s, counts) in counted {
            let (t, days) = &self.stretches[s];
            per_ticker[*t][days.clone()].copy_from_slice(&counts);
            seen[s] = true;
        }
        if seen.iter().all(|&s| s) {
            for ((td, counts), _) in self.loaded.tickers.iter().zip(per_ticker).zip(&self.counting).filter(|(_, c)| **c)
            {
                let _ = td.invalid.set(counts);
            }
        }
    }

    fn claim(&self, take: impl FnOnce(&mut Range<usize>) -> Option<usize>) -> Option<usize> {
        take(&mut self.unclaimed.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn count(&self, s: usize) -> Vec<u64> {
        let (t, days) = &self.stretches[s];
        let td = &self.loaded.tickers[*t];
        days.clone().map(|k| td.invalid_on(k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, VerifyPolicy};
    use crate::dates::iso;
    use crate::scenario::parse;
    use crate::testkit::{Row, d, write_dataset};

    /// Two tickers over December 2022 and January 2023 (two partitions each), twenty days a record
    /// batch, with crossed quotes and null bids scattered over the days.
    fn loaded(tmp: &std::path::Path) -> LoadedData {
        let days: Vec<i32> = (d("2022-12-01")..=d("2023-01-31")).filter(|&t| (t + 4).rem_euclid(7) < 5).collect();
        let chain = |ticker_seed: usize| -> Vec<Vec<Row>> {
            let rows: Vec<Vec<Row>> = days
                .iter()
                .enumerate()
                .map(|(k, &t)| {
                    let (t, bad) = (iso(t), (k * 7 + ticker_seed) % 5);
                    (0..4)
                        .map(|s| {
                            let row = Row::new(&t, "2023-03-17", 90.0 + 5.0 * s as f64);
                            match (s, bad) {
                                (0, 0) => row.put(1.3, 1.2),
                                (1, 1) => row.call(f64::NAN, 1.0),
                                (2, 2) => row.null_put_bid(),
                                _ => row,
                            }
                        })
                        .collect()
                })
                .collect();
            rows.chunks(20).map(|days| days.concat()).collect()
        };
        write_dataset(tmp, "two", &[("AAA", chain(0)), ("BBB", chain(3))]);
        let scenario = parse(
            "name: count\n\
             data: { dataset: two, tickers: [AAA, BBB], start: 2022-12-01, end: 2023-01-31 }\n\
             strategy:\n\
             \x20 legs: [{ right: put, side: short, dte: { target: 30, min: 1, max: 200 }, delta: { target: 0.3 } }]\n",
            "count.yaml",
        )
        .unwrap();
        LoadedData::load(std::iter::once(&scenario), &Dataset::open(tmp).unwrap(), &VerifyPolicy::default()).unwrap()
    }

    /// Each ticker's counts made one day at a time on one thread: what sharing must reproduce.
    fn serial(loaded: &LoadedData) -> Vec<Vec<u64>> {
        loaded.tickers.iter().map(|td| (0..td.days.len()).map(|k| td.invalid_on(k)).collect()).collect()
    }

    fn counts(loaded: &LoadedData) -> Vec<Option<Vec<u64>>> {
        loaded.tickers.iter().map(|td| td.invalid.get().cloned()).collect()
    }

    #[test]
    fn stretches_cover_every_day_once_in_order_inside_one_batch() {
        let tmp = tempfile::tempdir().unwrap();
        let loaded = loaded(tmp.path());
        let shared = SharedCount::new(&loaded, false, true).unwrap();
        for (t, td) in loaded.tickers.iter().enumerate() {
            let mine: Vec<&Range<usize>> = shared.stretches.iter().filter(|s| s.0 == t).map(|s| &s.1).collect();
            assert_eq!(mine.first().unwrap().start, 0);
            assert_eq!(mine.last().unwrap().end, td.days.len());
            assert!(mine.windows(2).all(|w| w[0].end == w[1].start));
            assert!(mine.iter().any(|days| days.len() == STRETCH), "some stretch is cut at its length");
            for days in mine {
                assert!((1..=STRETCH).contains(&days.len()));
                let batch = |k: usize| (td.days[k].1, td.parts[td.days[k].1].days[td.days[k].2].batch);
                assert!(days.clone().all(|k| batch(k) == batch(days.start)), "a stretch leaves its batch");
            }
        }
    }

    #[test]
    fn shared_counts_equal_a_serial_count_however_the_work_is_split() {
        let tmp = tempfile::tempdir().unwrap();
        let expected: Vec<Option<Vec<u64>>> = {
            let loaded = loaded(tmp.path());
            serial(&loaded).into_iter().map(Some).collect()
        };
        assert!(expected.iter().flatten().flatten().any(|&c| c > 0), "the fixture has invalid quotes");
        // All from the front, all from the back, and both ends at once on two threads.
        let splits: [fn(&SharedCount<'_>) -> Counted; 3] = [
            |c| c.count_forward(),
            |c| c.count_backward(),
            |c| {
                std::thread::scope(|s| {
                    let back = s.spawn(|| c.count_backward());
                    let mut front = c.count_forward();
                    front.extend(back.join().unwrap());
                    front
                })
            },
        ];
        for split in splits {
            let loaded = loaded(tmp.path());
            let shared = SharedCount::new(&loaded, true, true).unwrap();
            shared.finish(split(&shared));
            assert_eq!(counts(&loaded), expected);
            let again = SharedCount::new(&loaded, true, true).unwrap();
            assert_eq!(again.counting, vec![false, false], "nothing left to count");
            assert!(again.count_backward().is_empty(), "only touched");
        }
    }

    #[test]
    fn an_abandoned_count_sets_nothing_and_a_later_run_counts_again() {
        let tmp = tempfile::tempdir().unwrap();
        let loaded = loaded(tmp.path());
        let shared = SharedCount::new(&loaded, true, true).unwrap();
        let some = shared.claim(|left| left.next()).map(|s| (s, shared.count(s)));
        shared.abandon();
        assert!(shared.count_backward().is_empty() && shared.count_forward().is_empty());
        shared.finish(some);
        assert_eq!(counts(&loaded), vec![None, None], "a partial count is never kept");
        let expected = serial(&loaded);
        assert_eq!(loaded.tickers.iter().map(|td| td.invalid().to_vec()).collect::<Vec<_>>(), expected);
    }
}
