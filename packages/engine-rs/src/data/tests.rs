//! Reader tests on hand-made partitions: pruning, day slicing, contract lookup, scans, and the
//! ways a file can be broken.

use super::scan::{ScanFilter, scan_partition};
use super::stamps::StampStore;
use super::verify::{VerifyOptions, verify};
use super::*;
use crate::DataError;
use crate::testkit::{Row, d, write_dataset, write_manifest, write_partition};

/// Two trade days of SPX, two expiries each, three strikes; in two record batches (one per day).
fn two_days() -> Vec<Vec<Row>> {
    let day = |t: &str| {
        vec![
            Row::new(t, "2023-02-17", 3900.0).delta(0.70).put(20.0, 21.0),
            Row::new(t, "2023-02-17", 4000.0).delta(0.50).put(40.0, 41.0),
            Row::new(t, "2023-02-17", 4100.0).delta(0.30).put(80.0, 82.0),
            Row::new(t, "2023-03-17", 3900.0).delta(0.65),
            Row::new(t, "2023-03-17", 4000.0).delta(0.50),
            Row::new(t, "2023-03-17", 4100.0).delta(0.35),
        ]
    };
    vec![day("2023-01-03"), day("2023-01-04")]
}

#[test]
fn opens_a_partition_and_indexes_its_days() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("SPX/2023.arrow");
    write_partition(&path, "SPX", &two_days());
    let p = Partition::open(&path).unwrap();
    assert_eq!(p.rows, 12);
    assert_eq!(p.batches.len(), 2);
    assert_eq!(p.batches[0].tickers, vec!["SPX".to_string()]);
    assert_eq!(p.days.len(), 2);
    assert_eq!((p.days[1].batch, p.days[1].start, p.days[1].end), (1, 0, 6));
    assert_eq!(p.first_day(), Some(d("2023-01-03")));
    assert!(p.day(d("2023-01-05")).is_none());
}

#[test]
fn looks_up_contracts_by_expiry_strike_and_right_without_scanning() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("SPX/2023.arrow");
    write_partition(&path, "SPX", &two_days());
    let p = Partition::open(&path).unwrap();
    let day = p.day(d("2023-01-04")).unwrap();
    assert_eq!(day.len(), 6);
    assert_eq!(day.expiries.len(), 2);
    assert_eq!(day.expiries[1], Expiry { date: d("2023-03-17"), start: 3, end: 6 });
    assert_eq!(day.dte(d("2023-02-17")), 44);

    let put = day.contract(d("2023-02-17"), 4100.0, Right::Put).unwrap();
    assert_eq!((put.bid, put.ask, put.mid()), (80.0, 82.0, 81.0));
    assert!((put.delta - (0.30 - 1.0)).abs() < 1e-12, "put delta = call delta − 1");
    let call = day.contract(d("2023-03-17"), 3900.0, Right::Call).unwrap();
    assert_eq!(call.delta, 0.65);

    assert_eq!(day.find(d("2023-02-17"), 4050.0), None, "strike not listed");
    assert_eq!(day.find(d("2023-02-24"), 4000.0), None, "expiry not listed");
    assert_eq!(day.find(d("2023-03-17"), 4100.0), Some(5));
}

/// A hint only saves work: whatever it remembers — nothing, another day's row, another contract's
/// place, a row past the day — the hinted lookup finds what `find` finds, and learns it.
#[test]
fn a_hinted_lookup_finds_what_find_finds_whatever_the_hint_says() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("SPX/2023.arrow");
    // Day 2 lists one strike fewer in the first expiry: yesterday's places shift.
    let mut days = two_days();
    days[1].remove(0);
    write_partition(&path, "SPX", &days);
    let p = Partition::open(&path).unwrap();
    let (day1, day2) = (p.day(d("2023-01-03")).unwrap(), p.day(d("2023-01-04")).unwrap());
    let contracts: Vec<(i32, f64)> = ["2023-02-17", "2023-03-17", "2023-02-24"]
        .iter()
        .flat_map(|e| [3900.0, 4000.0, 4050.0, 4100.0].map(|k| (d(e), k)))
        .collect();
    for day in [&day1, &day2] {
        for &(e, k) in &contracts {
            // Hints learnt from every contract on either day, and the empty one.
            let mut hints = vec![RowHint::default()];
            for other in [&day1, &day2] {
                for &(oe, ok) in &contracts {
                    let mut h = RowHint::default();
                    other.find_hinted(oe, ok, &mut h);
                    hints.push(h);
                }
            }
            for mut h in hints {
                assert_eq!(day.find_hinted(e, k, &mut h), day.find(e, k), "{e} {k} on {}", day.trade_date);
                // Asked again the same day, the learnt hint answers the same.
                assert_eq!(day.find_hinted(e, k, &mut h), day.find(e, k));
            }
        }
    }
}

#[test]
fn refuses_a_day_split_across_record_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("SPX/2023.arrow");
    let mut days = two_days();
    let tail = days[0].split_off(3);
    days.insert(1, tail);
    write_partition(&path, "SPX", &days);
    let err = Partition::open(&path).unwrap_err();
    assert!(matches!(err, DataError::Layout { .. }));
    assert!(err.to_string().contains("2023-01-03 spans two record batches"), "{err}");
    assert!(err.to_string().contains("SPX/2023.arrow"), "{err}");
}

#[test]
fn reports_a_truncated_file_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("SPX/2023.arrow");
    write_partition(&path, "SPX", &two_days());
    let bytes = std::fs::read(&path).unwrap();
    for keep in [0, 5, bytes.len() / 2, bytes.len() - 3] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let err = Partition::open(&path).unwrap_err();
        assert!(matches!(err, DataError::Arrow { .. }), "keep {keep}: {err}");
        assert!(err.to_string().contains("SPX/2023.arrow"), "{err}");
    }
}

#[test]
fn refuses_a_schema_without_the_orats_columns() {
    use arrow_array::{Float64Array, RecordBatch};
    use std::sync::Arc;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("X/2023.arrow");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let batch = RecordBatch::try_from_iter([("strike", Arc::new(Float64Array::from(vec![1.0])) as _)]).unwrap();
    let mut w = arrow_ipc::writer::FileWriter::try_new(std::fs::File::create(&path).unwrap(), &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    let err = Partition::open(&path).unwrap_err();
    assert!(matches!(err, DataError::Schema { .. }));
    assert!(err.to_string().contains("column \"tradeDate\" is missing"), "{err}");
}

fn spx_and_ndx(tmp: &std::path::Path) -> Dataset {
    let year = |y: i32| vec![vec![Row::new(&format!("{y}-06-01"), &format!("{y}-07-21"), 100.0)]];
    let spx: Vec<Vec<Row>> = [2021, 2022, 2023].iter().flat_map(|&y| year(y)).collect();
    let ndx: Vec<Vec<Row>> = [2022, 2023].iter().flat_map(|&y| year(y)).collect();
    write_dataset(tmp, "two-tickers", &[("SPX", spx), ("NDX", ndx)]);
    Dataset::open(tmp).unwrap()
}

#[test]
fn prunes_partitions_by_ticker_and_date_range() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = spx_and_ndx(tmp.path());
    let paths = |sel: Selection| ds.prune(&sel).unwrap().iter().map(|p| p.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(Selection::default()).len(), 5);
    assert_eq!(
        paths(Selection { tickers: Some(vec!["SPX".into()]), start: Some(d("2022-01-01")), end: None }),
        ["SPX/2022.arrow", "SPX/2023.arrow"]
    );
    // Each partition here holds one day, June 1st: the window keeps only the 2022 partitions.
    assert_eq!(
        paths(Selection { tickers: None, start: Some(d("2022-06-01")), end: Some(d("2023-05-31")) }),
        ["NDX/2022.arrow", "SPX/2022.arrow"]
    );
}

#[test]
fn explains_an_unknown_ticker_or_an_empty_range() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = spx_and_ndx(tmp.path());
    let err = ds.prune(&Selection { tickers: Some(vec!["RUT".into()]), ..Default::default() }).unwrap_err();
    assert_eq!(err.to_string(), "dataset two-tickers: ticker RUT is not in the dataset (it has SPX, NDX)");
    let err = ds.prune(&Selection { start: Some(d("2030-01-01")), ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("covers 2021-06-01 to 2023-06-01"), "{err}");
}

#[test]
fn scans_count_rows_in_the_dte_and_delta_windows() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("SPX/2023.arrow");
    write_partition(&path, "SPX", &two_days());
    let p = Partition::open(&path).unwrap();
    // Puts with |delta| in [0.45, 0.72] ⇔ call delta in [0.28, 0.55]; DTE 40..50 keeps only the
    // 2023-02-17 expiry (45 and 44 days): strikes 4000 (0.50) and 4100 (0.30) on both days.
    let f = ScanFilter { right: Right::Put, min_dte: 40, max_dte: 50, min_abs_delta: 0.45, max_abs_delta: 0.72 };
    let s = scan_partition(&p, &f, None, None);
    assert_eq!((s.rows_scanned, s.rows_matched, s.days), (12, 4, 2));
    // Calls with |delta| in [0.6, 0.7], any DTE up to 80: 3900 on both expiries and days.
    let f = ScanFilter { right: Right::Call, min_dte: 0, max_dte: 80, min_abs_delta: 0.6, max_abs_delta: 0.7 };
    assert_eq!(scan_partition(&p, &f, None, None).rows_matched, 4);
    assert_eq!(scan_partition(&p, &f, Some(d("2023-01-04")), None).rows_matched, 2);
}

#[test]
fn verify_accepts_a_good_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "good", &[("SPX", two_days())]);
    let r = verify(tmp.path(), VerifyOptions::default());
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.partitions_checked, r.rows_checked), (1, 12));
}

#[test]
fn verify_keeps_the_invalid_quote_counts_beside_the_stamps_it_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut days = two_days();
    // One crossed put side on the second day.
    days[1][2] = days[1][2].clone().put(5.0, 4.0);
    let m = write_dataset(tmp.path(), "t", &[("SPX", days)]);
    let (path, sha) = (tmp.path().join("SPX/2023.arrow"), m.partitions[0].sha256.clone());
    let stamps = StampStore::at(tmp.path().join("stamps"));
    verify(tmp.path(), VerifyOptions { checksums: true, contents: true, stamps: stamps.clone() });
    assert!(stamps.contains(&path, &sha));
    assert_eq!(stamps.quote_counts(&path, &sha), Some(vec![0, 1]));
    // Without checksums nothing is stamped, and nothing is kept beside a stamp either.
    let unhashed = StampStore::at(tmp.path().join("unhashed"));
    verify(tmp.path(), VerifyOptions { checksums: false, contents: true, stamps: unhashed.clone() });
    assert_eq!((unhashed.contains(&path, &sha), unhashed.quote_counts(&path, &sha)), (false, None));
}

fn kinds(dir: &std::path::Path) -> Vec<(String, String)> {
    verify(dir, VerifyOptions::default()).problems.into_iter().map(|p| (p.file, p.kind)).collect()
}

#[test]
fn verify_catches_a_wrong_checksum_and_a_flipped_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = write_dataset(tmp.path(), "t", &[("SPX", two_days())]);
    m.partitions[0].sha256 = "0".repeat(64);
    write_manifest(tmp.path(), &m);
    assert_eq!(kinds(tmp.path()), [("SPX/2023.arrow".to_string(), "checksum".to_string())]);

    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), "t", &[("SPX", two_days())]);
    let path = tmp.path().join("SPX/2023.arrow");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&path, bytes).unwrap();
    assert!(kinds(tmp.path()).contains(&("SPX/2023.arrow".into(), "checksum".into())));
}

#[test]
fn verify_catches_missing_extra_and_miscounted_partitions() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = write_dataset(tmp.path(), "t", &[("SPX", two_days())]);
    m.partitions[0].rows = 13;
    write_manifest(tmp.path(), &m);
    std::fs::write(tmp.path().join("SPX/2024.arrow"), b"stray").unwrap();
    std::fs::write(tmp.path().join("SPX/2025.arrow.partial"), b"stray").unwrap();
    let k = kinds(tmp.path());
    assert!(k.contains(&("SPX/2023.arrow".into(), "rows".into())), "{k:?}");
    assert!(k.contains(&("SPX/2024.arrow".into(), "extra".into())), "{k:?}");
    assert!(k.contains(&("SPX/2025.arrow.partial".into(), "extra".into())), "{k:?}");
    std::fs::remove_file(tmp.path().join("SPX/2023.arrow")).unwrap();
    assert!(kinds(tmp.path()).contains(&("SPX/2023.arrow".into(), "missing".into())));
    std::fs::write(tmp.path().join("manifest.json"), b"{").unwrap();
    assert_eq!(kinds(tmp.path()), [("manifest.json".to_string(), "manifest".to_string())]);
}

#[test]
fn verify_checks_every_row_against_the_contract() {
    type Corruption = Box<dyn Fn(&mut Vec<Vec<Row>>)>;
    let cases: Vec<(&str, Corruption)> = vec![
        ("order", Box::new(|days| days[0].swap(0, 1))),
        ("duplicate", Box::new(|days| days[0][1].strike = 3900.0)),
        ("quote", Box::new(|days| days[1][2] = days[1][2].clone().put(5.0, 4.0))),
        ("quote", Box::new(|days| days[1][2] = days[1][2].clone().call(-0.05, 1.0))),
        ("dates", Box::new(|days| days[0][0].expir_date = d("2023-01-02"))),
        ("value", Box::new(|days| days[0][0].stk_px = f64::NAN)),
    ];
    for (kind, corrupt) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let mut days = two_days();
        corrupt(&mut days);
        write_dataset(tmp.path(), "t", &[("SPX", days)]);
        let report = verify(tmp.path(), VerifyOptions::default());
        let found: Vec<&str> = report.problems.iter().map(|p| p.kind.as_str()).collect();
        assert!(found.contains(&kind), "expected {kind}, got {:?}", report.problems);
        assert!(report.problems.iter().all(|p| p.file == "SPX/2023.arrow"));
    }
}

#[test]
fn a_day_is_grouped_into_its_expiries_whatever_their_lengths() {
    // Expiries of 1, 15, 16, 17, 33 and 2 strikes: shorter, as long as and longer than the
    // 16-row blocks the grouping compares at a time. Each group is exactly its expiry's rows.
    let lengths = [1usize, 15, 16, 17, 33, 2];
    let expiries = ["2023-01-20", "2023-01-27", "2023-02-17", "2023-03-17", "2023-06-16", "2023-12-15"];
    let mut rows = Vec::new();
    for (len, expiry) in lengths.iter().zip(expiries) {
        rows.extend((0..*len).map(|k| Row::new("2023-01-03", expiry, 3000.0 + 10.0 * k as f64)));
    }
    let part =
        Partition::from_batches(std::path::Path::new("SPX/2023.arrow"), &[crate::testkit::batch("SPX", &rows)], 0)
            .unwrap();
    let groups = DayChain::group(&part.batches[0], 0, rows.len());
    let mut start = 0;
    let expected: Vec<Expiry> = lengths
        .iter()
        .zip(expiries)
        .map(|(len, expiry)| {
            start += len;
            Expiry { date: d(expiry), start: start - len, end: start }
        })
        .collect();
    assert_eq!(groups, expected);
    // A window inside the day, starting and ending mid-expiry.
    let inner = DayChain::group(&part.batches[0], 5, 40);
    assert_eq!(
        inner,
        vec![
            Expiry { date: d("2023-01-27"), start: 5, end: 16 },
            Expiry { date: d("2023-02-17"), start: 16, end: 32 },
            Expiry { date: d("2023-03-17"), start: 32, end: 40 },
        ]
    );
}

#[test]
fn touching_rows_ahead_of_a_run_stays_inside_its_columns_whatever_the_range() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("SPX/2023.arrow");
    write_partition(&path, "SPX", &two_days());
    let part = Partition::open(&path).unwrap();
    let cols = &part.batches[0];
    // The place, the underlying and the call greeks always; each right adds its own columns.
    assert_eq!(cols.stepped(false, false).len(), 7);
    assert_eq!(cols.stepped(true, false).len(), 9);
    assert_eq!(cols.stepped(false, true).len(), 12);
    let n = cols.len;
    #[allow(clippy::reversed_empty_ranges)]
    for rows in [0..n, 0..0, 2..1, 0..usize::MAX, usize::MAX - 1..usize::MAX, n..n + 5] {
        Columns::touch(&cols.stepped(true, true), rows);
    }
}
