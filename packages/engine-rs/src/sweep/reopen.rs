//! A finished sweep directory read back (`aegis-bt walk-forward --sweep <dir>`): its info and
//! tables, checked like any other input, and the walk-forward run over them, rerunning points on
//! the data when asked.

use std::path::{Path, PathBuf};

use super::walk::{self, Rerun};
use super::{SweepInfo, SweepTable};
use crate::data::{Dataset, VerifyPolicy};
use crate::engine::{EngineError, LoadedData};
use crate::job::{self, JobError, locate_dataset};
use crate::results::SUCCESS_FILE;
use crate::results::files::write_atomic;
use crate::scenario::sweep::expand;
use crate::walkforward::{Mode, Options, Report};

fn bad(dir: &Path, message: impl std::fmt::Display) -> JobError {
    JobError::InvalidArgument(format!("{}: {message}", dir.display()))
}

/// The whole sweep in `dir`: `sweep.json`, `sweep.arrow`, `returns.arrow` and, when present (a
/// sweep by this engine), `entries.arrow` and `benchmark.arrow`. Refuses a shard or an
/// unfinished sweep.
pub fn open_sweep(dir: &Path) -> Result<(SweepInfo, SweepTable, bool), JobError> {
    if !dir.join(SUCCESS_FILE).is_file() {
        return Err(bad(dir, "no _SUCCESS: not a finished sweep directory"));
    }
    let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| bad(&dir.join(name), e));
    let info: SweepInfo = serde_json::from_slice(&read("sweep.json")?).map_err(|e| bad(&dir.join("sweep.json"), e))?;
    if let Some(s) = info.shard {
        return Err(bad(dir, format!("shard {} of {}, not a whole sweep: merge the shards first", s.index, s.count)));
    }
    let mut table =
        SweepTable::decode(&info.paths, &read("sweep.arrow")?, &read("returns.arrow")?).map_err(|e| bad(dir, e))?;
    if table.rows.len() != info.points.len() || table.rows.iter().zip(&info.points).any(|(r, p)| r.id != p.id) {
        return Err(bad(dir, "sweep.json and sweep.arrow do not list the same points"));
    }
    let extras = dir.join("entries.arrow").is_file() && dir.join("benchmark.arrow").is_file();
    if extras {
        table.decode_extras(&read("entries.arrow")?, &read("benchmark.arrow")?).map_err(|e| bad(dir, e))?;
    }
    Ok((info, table, extras))
}

/// What `rerun` mode needs: the sweep's scenario and where its data is.
#[derive(Debug, Clone)]
pub struct RerunInputs<'a> {
    pub scenario_text: &'a str,
    pub scenario_source: &'a str,
    pub scenario_dir: Option<&'a Path>,
    pub data_root: &'a Path,
    pub verify: VerifyPolicy,
}

/// The walk-forward of the sweep in `dir`, written there (or to `out`) as `walk_forward.json` and
/// `walk_forward.arrow`.
pub fn walk_forward_dir(
    dir: &Path,
    options: &Options,
    rerun: Option<&RerunInputs<'_>>,
    out: Option<&Path>,
) -> Result<(Report, PathBuf), JobError> {
    let (info, table, extras) = open_sweep(dir)?;
    if options.min_trades.is_some() && !extras {
        return Err(bad(dir, "no entries.arrow (a sweep by an older engine): a minimum trade count cannot be applied"));
    }
    let report = match (options.mode, rerun) {
        (Mode::Returns, _) => walk::analyse(&table, &info, options, None)?,
        (Mode::Rerun, None) => {
            return Err(JobError::InvalidArgument(
                "--mode rerun runs the chosen points: give the sweep's --scenario and --data".into(),
            ));
        }
        (Mode::Rerun, Some(inputs)) => {
            let sha = crate::data::manifest::sha256_bytes(inputs.scenario_text.as_bytes());
            if sha != info.scenario_sha256 {
                return Err(JobError::InvalidArgument(format!(
                    "{}: not the scenario of the sweep in {} (sha256 {sha}, the sweep's {})",
                    inputs.scenario_source,
                    dir.display(),
                    info.scenario_sha256
                )));
            }
            let mut scenario = job::validate(inputs.scenario_text, inputs.scenario_source)?;
            scenario.data.dataset.clone_from(&info.dataset);
            let mut points = expand(&scenario, inputs.scenario_source)
                .map_err(|e| crate::scenario::sweep::place(e, inputs.scenario_text))?;
            for p in &mut points {
                p.scenario.data.dataset.clone_from(&info.dataset);
            }
            if points.len() != table.rows.len() || points.iter().zip(&table.rows).any(|(p, r)| p.id != r.id) {
                return Err(bad(dir, "the scenario's points are not the sweep's"));
            }
            let data_dir = locate_dataset(inputs.data_root, &info.dataset)?;
            let manifest_sha = crate::data::manifest::Manifest::file_sha256(&data_dir).map_err(EngineError::from)?;
            if manifest_sha != info.dataset_manifest_sha256 {
                return Err(bad(
                    &data_dir,
                    format!(
                        "its manifest (sha256 {manifest_sha}) is not the one the sweep ran on ({})",
                        info.dataset_manifest_sha256
                    ),
                ));
            }
            let dataset = Dataset::open(&data_dir).map_err(EngineError::from)?;
            let mut loaded = LoadedData::load(points.iter().map(|p| &p.scenario), &dataset, &inputs.verify)?;
            loaded.attach_dates_files(
                points.iter().map(|p| &p.scenario),
                inputs.scenario_dir,
                inputs.scenario_text,
                inputs.scenario_source,
            )?;
            loaded.count_invalid_quotes();
            let source = Rerun { points: &points, loaded: &loaded, dates: &table.dates };
            walk::analyse(&table, &info, options, Some(&source))?
        }
    };
    let target = out.unwrap_or(dir).to_path_buf();
    let write = |name: &str, bytes: &[u8]| {
        std::fs::create_dir_all(&target)
            .and_then(|()| write_atomic(&target, name, bytes))
            .map_err(|source| JobError::Write { path: target.join(name), source })
    };
    write("walk_forward.json", &report.to_json_bytes())?;
    write("walk_forward.arrow", &report.to_ipc().map_err(|e| JobError::Encode(e.to_string()))?)?;
    Ok((report, target))
}
