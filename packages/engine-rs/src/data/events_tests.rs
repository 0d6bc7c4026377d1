//! events.arrow: read, checked against its manifest entry, and refused by rule with the row and
//! field, by `dataset verify` and by a run.

use super::events::{self, Events};
use super::verify::{VerifyOptions, verify};
use super::*;
use crate::testkit::{EventRow, Row, write_dataset, write_events};

fn dataset(tmp: &std::path::Path, events: &[EventRow<'_>]) -> Manifest {
    let day = |t: &str| vec![Row::new(t, "2023-02-17", 100.0)];
    let mut m = write_dataset(tmp, "ev", &[("XYZ", vec![day("2023-01-03"), day("2023-01-06")])]);
    write_events(tmp, &mut m, events);
    m
}

fn problems(dir: &std::path::Path) -> Vec<String> {
    verify(dir, VerifyOptions::default())
        .problems
        .iter()
        .map(|p| format!("{} [{}] {}", p.file, p.kind, p.message))
        .collect()
}

#[test]
fn reads_dividends_by_ticker_and_date() {
    let tmp = tempfile::tempdir().unwrap();
    let m = dataset(
        tmp.path(),
        &[("XYZ", "2023-01-04", "earnings", None, Some("amc")), ("XYZ", "2023-01-05", "ex_dividend", Some(0.25), None)],
    );
    let (events, check) =
        Events::load(tmp.path(), &m, &VerifyPolicy::new(VerifyMode::Always, Default::default())).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events.dividend("XYZ", crate::testkit::d("2023-01-05")), Some(0.25));
    assert_eq!(events.dividend("XYZ", crate::testkit::d("2023-01-04")), None);
    assert_eq!(events.of("ABC"), &[]);
    assert_eq!(check.unwrap().path, "events.arrow");
    assert!(problems(tmp.path()).is_empty(), "{:?}", problems(tmp.path()));
}

#[test]
fn refuses_each_broken_rule_naming_the_row_and_field() {
    let cases: Vec<(Vec<EventRow<'_>>, &str)> = vec![
        (
            vec![("ABC", "2023-01-04", "ex_dividend", Some(0.25), None)],
            "row 1: ticker: ABC is not one of the dataset's tickers",
        ),
        (
            vec![("XYZ", "2023-01-09", "ex_dividend", Some(0.25), None)],
            "row 1: date: 2023-01-09 is outside XYZ's data, 2023-01-03 to 2023-01-06",
        ),
        (vec![("XYZ", "2023-01-04", "buyback", Some(0.25), None)], "row 1: kind: \"buyback\" is not earnings"),
        (
            vec![("XYZ", "2023-01-04", "ex_dividend", Some(-1.0), None)],
            "row 1: amount: expected a dividend > 0, got -1",
        ),
        (vec![("XYZ", "2023-01-04", "ex_dividend", None, None)], "row 1: amount: expected a dividend > 0, got null"),
        (vec![("XYZ", "2023-01-04", "split", Some(1.0), None)], "row 1: amount: expected a split ratio"),
        (
            vec![("XYZ", "2023-01-04", "ex_dividend", Some(0.2), Some("bmo"))],
            "row 1: session: \"bmo\" is not bmo or amc on an earnings row",
        ),
        (
            vec![
                ("XYZ", "2023-01-05", "ex_dividend", Some(0.2), None),
                ("XYZ", "2023-01-04", "ex_dividend", Some(0.2), None),
            ],
            "row 2: (XYZ, 2023-01-04, ExDividend) is out of order",
        ),
        (
            vec![
                ("XYZ", "2023-01-05", "ex_dividend", Some(0.2), None),
                ("XYZ", "2023-01-05", "ex_dividend", Some(0.3), None),
            ],
            "row 2: (XYZ, 2023-01-05, ExDividend) repeats the row before it",
        ),
    ];
    for (rows, want) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let m = dataset(tmp.path(), &rows);
        let err = Events::load(tmp.path(), &m, &VerifyPolicy::metadata_only()).unwrap_err().to_string();
        assert!(err.contains("events.arrow") && err.contains(want), "{err}\nwanted: {want}");
        let found = problems(tmp.path());
        assert!(
            found.len() == 1 && found[0].starts_with("events.arrow [events]") && found[0].contains(want),
            "{found:?}"
        );
    }
}

#[test]
fn refuses_an_events_file_that_is_not_what_the_manifest_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let m = dataset(tmp.path(), &[("XYZ", "2023-01-04", "ex_dividend", Some(0.25), None)]);
    // The same size, other bytes: only the checksum can tell.
    let path = tmp.path().join("events.arrow");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let err = Events::load(tmp.path(), &m, &VerifyPolicy::new(VerifyMode::Always, Default::default())).unwrap_err();
    assert_eq!(err.code(), "ERR_DATA_MISMATCH", "{err}");
    assert!(problems(tmp.path()).iter().any(|p| p.starts_with("events.arrow [mismatch]") && p.contains("sha256")));
    // Missing altogether.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(problems(tmp.path()), vec!["events.arrow [missing] listed in the manifest but not on disk".to_string()]);
    // A manifest whose events entry names another file is refused when it is read.
    let text = std::fs::read_to_string(tmp.path().join("manifest.json"))
        .unwrap()
        .replace("\"events.arrow\"", "\"../x.arrow\"");
    std::fs::write(tmp.path().join("manifest.json"), text).unwrap();
    let err = Manifest::load(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("events.path is \"../x.arrow\""), "{err}");
}

#[test]
fn garbage_bytes_are_an_error_never_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let m = dataset(tmp.path(), &[("XYZ", "2023-01-04", "ex_dividend", Some(0.25), None)]);
    let path = tmp.path().join("events.arrow");
    let good = std::fs::read(&path).unwrap();
    for at in (0..good.len()).step_by(7) {
        let mut bytes = good.clone();
        bytes[at] ^= 0xff;
        let _ = events::parse(&bytes, &path, &m);
    }
}
