//! series.arrow: read, checked against its manifest entry, and refused by rule with the row and
//! field, by `dataset verify` and by a load.

use super::series::{self, Series};
use super::verify::{VerifyOptions, verify};
use super::*;
use crate::testkit::{Row, SeriesRow, d, write_dataset, write_series};

fn dataset(tmp: &std::path::Path, rows: &[SeriesRow<'_>]) -> Manifest {
    let day = |t: &str| vec![Row::new(t, "2023-02-17", 100.0)];
    let mut m = write_dataset(tmp, "se", &[("XYZ", vec![day("2023-01-03"), day("2023-01-06")])]);
    write_series(tmp, &mut m, rows);
    m
}

fn problems(dir: &std::path::Path) -> Vec<String> {
    verify(dir, VerifyOptions::default())
        .problems
        .iter()
        .map(|p| format!("{} [{}] {}", p.file, p.kind, p.message))
        .collect()
}

fn always() -> VerifyPolicy {
    VerifyPolicy::new(VerifyMode::Always, Default::default())
}

#[test]
fn reads_each_series_in_date_order() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = [("SPY.close", "2023-01-03", 380.5), ("VIX", "2023-01-03", 22.9), ("VIX", "2023-01-04", 21.1)];
    let m = dataset(tmp.path(), &rows);
    let (s, check) = Series::load(tmp.path(), &m, &always()).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.get("VIX"), Some(&[(d("2023-01-03"), 22.9), (d("2023-01-04"), 21.1)][..]));
    assert_eq!(s.names().collect::<Vec<_>>(), ["SPY.close", "VIX"]);
    assert_eq!(s.get("VVIX"), None);
    assert_eq!(check.unwrap().path, "series.arrow");
    assert!(problems(tmp.path()).is_empty(), "{:?}", problems(tmp.path()));
}

#[test]
fn refuses_each_broken_rule_naming_the_row_and_field() {
    let cases: Vec<(Vec<SeriesRow<'_>>, &str)> = vec![
        (
            vec![("9VIX", "2023-01-03", 1.0)],
            "row 1: name: \"9VIX\" is not 1 to 64 of A-Z a-z 0-9 _ . - starting with a letter",
        ),
        (vec![("VIX", "2023-01-03", 1.0), ("V IX", "2023-01-04", 1.0)], "row 2: name: \"V IX\""),
        (vec![("VIX", "2023-01-03", f64::NAN)], "row 1: value: NaN is not a finite number"),
        (vec![("VIX", "2023-01-03", f64::INFINITY)], "row 1: value: inf is not a finite number"),
        (vec![("VIX", "2023-01-04", 1.0), ("VIX", "2023-01-03", 1.0)], "row 2: (VIX, 2023-01-03) is out of order"),
        (
            vec![("VIX", "2023-01-04", 1.0), ("VIX", "2023-01-04", 2.0)],
            "row 2: (VIX, 2023-01-04) repeats the row before it",
        ),
        (vec![("b", "2023-01-03", 1.0), ("a", "2023-01-04", 1.0)], "row 2: (a, 2023-01-04) is out of order"),
    ];
    for (rows, want) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let m = dataset(tmp.path(), &rows);
        let err = Series::load(tmp.path(), &m, &VerifyPolicy::metadata_only()).unwrap_err().to_string();
        assert!(err.contains("series.arrow") && err.contains(want), "{err}\nwanted: {want}");
        let found = problems(tmp.path());
        assert!(
            found.len() == 1 && found[0].starts_with("series.arrow [series]") && found[0].contains(want),
            "{found:?}"
        );
    }
}

#[test]
fn refuses_a_series_file_that_is_not_what_the_manifest_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = dataset(tmp.path(), &[("VIX", "2023-01-03", 20.0), ("VIX", "2023-01-04", 21.0)]);
    // Names the manifest does not list.
    let listed = m.series.clone().unwrap();
    m.series.as_mut().unwrap().names = vec!["VIX".into(), "VVIX".into()];
    crate::testkit::write_manifest(tmp.path(), &m);
    let err = Series::load(tmp.path(), &m, &always()).unwrap_err().to_string();
    assert!(err.contains("series VIX, the manifest says VIX, VVIX"), "{err}");
    m.series = Some(listed);
    crate::testkit::write_manifest(tmp.path(), &m);
    // The same size, other bytes: only the checksum can tell.
    let path = tmp.path().join("series.arrow");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let err = Series::load(tmp.path(), &m, &always()).unwrap_err();
    assert_eq!(err.code(), "ERR_DATA_MISMATCH", "{err}");
    assert!(problems(tmp.path()).iter().any(|p| p.starts_with("series.arrow [mismatch]") && p.contains("sha256")));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(problems(tmp.path()), vec!["series.arrow [missing] listed in the manifest but not on disk".to_string()]);
    let text =
        std::fs::read_to_string(tmp.path().join("manifest.json")).unwrap().replace("\"series.arrow\"", "\"s.arrow\"");
    std::fs::write(tmp.path().join("manifest.json"), text).unwrap();
    let err = Manifest::load(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("series.path is \"s.arrow\", expected \"series.arrow\""), "{err}");
}

#[test]
fn garbage_bytes_are_an_error_never_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    dataset(tmp.path(), &[("VIX", "2023-01-03", 20.0), ("VIX", "2023-01-04", 21.0)]);
    let path = tmp.path().join("series.arrow");
    let good = std::fs::read(&path).unwrap();
    for at in (0..good.len()).step_by(7) {
        let mut bytes = good.clone();
        bytes[at] ^= 0xff;
        let _ = series::parse(&bytes, &path);
    }
}
