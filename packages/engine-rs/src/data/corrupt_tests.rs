//! Corrupt bytes: every single-byte change in the head of a partition (its schema, dictionary and
//! first batch headers) and in its footer must give a clean error or the very same data — never a
//! panic — through what every run does on open: decode, then check against the manifest entry.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use super::Partition;
use super::integrity::{VerifyMode, VerifyPolicy, check_metadata};
use super::manifest::PartitionEntry;
use super::stamps::StampStore;
use crate::testkit::{Row, write_dataset};

/// Three days of a small chain, one record batch each.
fn small_chain() -> Vec<Vec<Row>> {
    ["2023-01-03", "2023-01-04", "2023-01-05"]
        .iter()
        .map(|t| {
            vec![
                Row::new(t, "2023-02-17", 3900.0).delta(0.70).put(20.0, 21.0),
                Row::new(t, "2023-02-17", 4000.0).delta(0.50).put(40.0, 41.0),
                Row::new(t, "2023-03-17", 4000.0).delta(0.50),
            ]
        })
        .collect()
}

/// Everything a run could read from a partition, as text.
fn fingerprint(p: &Partition) -> String {
    format!("{:?}|{:?}|{}", p.batches, p.days, p.rows)
}

/// Opens `bytes` as the partition of `entry`, as a run does; `Err(text)` when it panicked.
fn open(path: &Path, entry: &PartitionEntry, bytes: &[u8]) -> Result<Result<String, String>, String> {
    std::fs::write(path, bytes).expect("write");
    let checked = || {
        let part = Partition::open(path)?;
        check_metadata(entry, &part)?;
        Ok::<_, crate::DataError>(fingerprint(&part))
    };
    catch_unwind(AssertUnwindSafe(|| checked().map_err(|e| e.to_string()))).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn every_byte_flip_in_the_head_and_footer_is_an_error_or_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let manifest = write_dataset(tmp.path(), "flips", &[("SPX", small_chain())]);
    let entry = &manifest.partitions[0];
    let path = tmp.path().join(&entry.path);
    let good = std::fs::read(&path).expect("read");
    let expected = open(&path, entry, &good).expect("no panic").expect("the clean file opens");
    let footer_len = u32::from_le_bytes(good[good.len() - 10..good.len() - 6].try_into().expect("4 bytes")) as usize;
    let footer = good.len() - 10 - footer_len..good.len();
    let positions: Vec<usize> = (0..2048.min(good.len())).chain(footer).collect();
    let hashing = VerifyPolicy::new(VerifyMode::Always, StampStore::disabled());
    let (mut panics, mut errors, mut same) = (Vec::new(), 0, 0);
    for &at in &positions {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bytes = good.clone();
            bytes[at] ^= mask;
            match open(&path, entry, &bytes) {
                Err(panic) => panics.push(format!("byte {at} ^ {mask:#04x}: {panic}")),
                Ok(Err(message)) => {
                    assert!(message.contains(&entry.path), "an error names the file: {message}");
                    errors += 1;
                }
                Ok(Ok(print)) => {
                    assert_eq!(print, expected, "byte {at} ^ {mask:#04x} changed the data without an error");
                    // The bytes differ all the same: a run that hashes refuses them.
                    let part = Partition::open(&path).expect("opened just now");
                    assert!(hashing.check(entry, &part).is_err(), "byte {at} ^ {mask:#04x} passed the sha256 check");
                    same += 1;
                }
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{} of {} flips panicked, e.g.\n{}",
        panics.len(),
        positions.len() * 3,
        panics[..panics.len().min(10)].join("\n")
    );
    assert!(errors > 0 && same > 0, "{errors} errors, {same} harmless");
}

#[test]
fn every_byte_flip_of_a_results_table_is_an_error_or_a_table_never_a_panic() {
    // A sweep's tables and a returns matrix are read back by merges and `aegis-bt cscv`: input too.
    let rows: Vec<crate::results::EquityRow> = (0..5)
        .map(|i| crate::results::EquityRow {
            date: 19_360 + i,
            equity: 100_000.0 + f64::from(i),
            cash: 1.0,
            positions_value: 2.0,
            daily_return: 0.001,
            drawdown: 0.0,
            open_positions: 1,
            realized_pnl: 0.0,
            unrealized_pnl: 0.0,
            delta_dollars: 0.0,
            gamma_dollars: 0.0,
            theta_dollars: 0.0,
            vega_dollars: 0.0,
            pnl: crate::results::Attribution::default(),
            pnl_other: 0.0,
        })
        .collect();
    let good = crate::results::equity_ipc(&rows).expect("encode");
    let mut panics = Vec::new();
    for at in 0..good.len() {
        for mask in [0x01u8, 0xff] {
            let mut bytes = good.clone();
            bytes[at] ^= mask;
            if catch_unwind(|| super::ipc::decode_bytes(&bytes).map(|b| b.len())).is_err() {
                panics.push(format!("byte {at} ^ {mask:#04x}"));
            }
        }
    }
    assert!(panics.is_empty(), "{} flips panicked: {}", panics.len(), panics[..panics.len().min(10)].join(", "));
}
