//! Trust rules at the level of a whole run (DESIGN "Trust rules"): a run never uses data that
//! differs from its manifest, and what it verified is in run.json.

use std::path::Path;

use crate::data::integrity::ContentCheck;
use crate::data::stamps::StampStore;
use crate::data::{VerifyMode, VerifyPolicy};
use crate::engine::RunOptions;
use crate::job::{Artifacts, Job, JobError, execute};
use crate::testkit::{Row, write_dataset, write_manifest};

const SCENARIO: &str = "name: trust\n\
data: { dataset: trust, tickers: [TST], start: 2022-12-28, end: 2023-01-06 }\n\
strategy:\n\
\x20 legs:\n\
\x20   - { right: put, side: short, dte: { target: 30, min: 5, max: 60 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }\n";

/// Weekdays from 2022-12-27 to 2023-01-06 (two partitions), a put chain priced by `level`.
fn days(level: f64) -> Vec<Vec<Row>> {
    ["2022-12-27", "2022-12-28", "2022-12-29", "2022-12-30", "2023-01-03", "2023-01-04", "2023-01-05", "2023-01-06"]
        .iter()
        .map(|t| {
            vec![
                Row::new(t, "2023-02-17", 95.0).delta(0.70).put(level, level + 0.2),
                Row::new(t, "2023-02-17", 100.0).delta(0.50).put(level * 2.0, level * 2.0 + 0.2),
            ]
        })
        .collect()
}

fn run(root: &Path, policy: VerifyPolicy) -> Result<Artifacts, JobError> {
    let job = Job {
        scenario_text: SCENARIO,
        scenario_source: "trust.yaml",
        scenario_dir: None,
        data_root: root,
        data_path: "explicit",
        entry_point: "binary",
        out: None,
        dataset: None,
        mark_success: true,
    };
    execute(&job, &RunOptions { verify: policy, ..RunOptions::default() })
}

fn checks(a: &Artifacts) -> Vec<ContentCheck> {
    a.run.verification.partitions.iter().map(|p| p.content).collect()
}

fn hashing(mode: VerifyMode, stamps: &Path) -> VerifyPolicy {
    VerifyPolicy::new(mode, StampStore::at(stamps))
}

#[test]
fn a_partition_replaced_by_another_years_file_is_refused_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("data");
    write_dataset(&root.join("trust"), "trust", &[("TST", days(1.0))]);
    std::fs::copy(root.join("trust/TST/2022.arrow"), root.join("trust/TST/2023.arrow")).unwrap();
    // Even without hashing: the dates (and size) are not the manifest's.
    let err = run(&root, VerifyPolicy::metadata_only()).unwrap_err();
    assert_eq!(err.code(), "ERR_DATA_MISMATCH", "{err}");
    let text = crate::error::describe(&err);
    assert!(text.contains("TST/2023.arrow") && text.contains("does not match the dataset's manifest"), "{text}");
}

#[test]
fn the_same_year_from_other_data_with_a_patched_manifest_is_caught_by_its_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, other) = (tmp.path().join("data"), tmp.path().join("other"));
    let mut manifest = write_dataset(&root.join("trust"), "trust", &[("TST", days(1.0))]);
    let theirs = write_dataset(&other, "trust", &[("TST", days(1.5))]);
    std::fs::copy(other.join("TST/2023.arrow"), root.join("trust/TST/2023.arrow")).unwrap();
    // Rows, dates and size patched to the replacement's: only the content tells.
    manifest.partitions[1].bytes = theirs.partitions[1].bytes;
    manifest.partitions[1].rows = theirs.partitions[1].rows;
    write_manifest(&root.join("trust"), &manifest);
    let stamps = tmp.path().join("stamps");
    let err = run(&root, hashing(VerifyMode::Auto, &stamps)).unwrap_err();
    assert_eq!(err.code(), "ERR_DATA_MISMATCH");
    assert!(crate::error::describe(&err).contains("sha256"), "{err}");
    // `never` trusts the metadata, and says so in run.json.
    let unverified = run(&root, hashing(VerifyMode::Never, &stamps)).unwrap();
    assert_eq!(checks(&unverified), vec![ContentCheck::Skipped; 2]);
    assert_eq!(unverified.run.verification.mode, VerifyMode::Never);
}

#[test]
fn content_is_hashed_on_first_use_then_remembered_until_the_file_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("data");
    write_dataset(&root.join("trust"), "trust", &[("TST", days(1.0))]);
    let stamps = tmp.path().join("stamps");
    let first = run(&root, hashing(VerifyMode::Auto, &stamps)).unwrap();
    assert_eq!(checks(&first), vec![ContentCheck::Hashed; 2]);
    let second = run(&root, hashing(VerifyMode::Auto, &stamps)).unwrap();
    assert_eq!(checks(&second), vec![ContentCheck::Stamp; 2]);
    assert_eq!(second.summary_json, first.summary_json);
    // `always` hashes whatever the stamps say.
    assert_eq!(checks(&run(&root, hashing(VerifyMode::Always, &stamps)).unwrap()), vec![ContentCheck::Hashed; 2]);
    // The same bytes written again are a new file: hashed again.
    let path = root.join("trust/TST/2023.arrow");
    let bytes = std::fs::read(&path).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    std::fs::write(&path, bytes).unwrap();
    let third = run(&root, hashing(VerifyMode::Auto, &stamps)).unwrap();
    assert_eq!(checks(&third), vec![ContentCheck::Stamp, ContentCheck::Hashed]);
    let paths: Vec<&str> = third.run.verification.partitions.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["TST/2022.arrow", "TST/2023.arrow"]);
}
