//! A dataset directory: its manifest and the partitions a run needs. Pruning uses only the
//! manifest (ticker, trade-date range per partition), so unneeded files are never opened.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::data::integrity::{PartitionCheck, VerifyPolicy};
use crate::data::manifest::{Manifest, PartitionEntry};
use crate::data::partition::Partition;
use crate::dates::iso;
use crate::error::{DataError, DataResult};

#[derive(Debug, Clone)]
pub struct Dataset {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// Which part of a dataset a run reads. `None` means all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub tickers: Option<Vec<String>>,
    /// First and last trade date, inclusive, as Date32 days.
    pub start: Option<i32>,
    pub end: Option<i32>,
}

/// What `dataset info` shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetInfo {
    pub dir: String,
    pub name: String,
    pub source: serde_json::Value,
    pub tickers: Vec<String>,
    pub first_trade_date: Option<String>,
    pub last_trade_date: Option<String>,
    pub partitions: usize,
    pub rows: u64,
    pub bytes: u64,
    pub per_ticker: Vec<TickerInfo>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TickerInfo {
    pub ticker: String,
    pub first_trade_date: String,
    pub last_trade_date: String,
    pub partitions: usize,
    pub rows: u64,
}

impl Dataset {
    pub fn open(dir: &Path) -> DataResult<Dataset> {
        if !dir.is_dir() {
            return Err(DataError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such dataset directory"),
            ));
        }
        Ok(Dataset { dir: dir.to_path_buf(), manifest: Manifest::load(dir)? })
    }

    /// The partitions that hold the selection, in (ticker, year) order. An unknown ticker or a date
    /// range that misses the data is an error naming what the dataset does hold.
    pub fn prune(&self, sel: &Selection) -> DataResult<Vec<&PartitionEntry>> {
        let err = |message: String| DataError::Selection { dataset: self.manifest.name.clone(), message };
        if let (Some(s), Some(e)) = (sel.start, sel.end)
            && s > e
        {
            return Err(err(format!("start {} is after end {}", iso(s), iso(e))));
        }
        if let Some(tickers) = &sel.tickers {
            for t in tickers {
                if !self.manifest.tickers.contains(t) {
                    return Err(err(format!(
                        "ticker {t} is not in the dataset (it has {})",
                        self.manifest.tickers.join(", ")
                    )));
                }
            }
        }
        let wanted = |p: &PartitionEntry| sel.tickers.as_ref().is_none_or(|ts| ts.contains(&p.ticker));
        let mut out: Vec<&PartitionEntry> = self
            .manifest
            .partitions
            .iter()
            .filter(|p| wanted(p))
            .filter(|p| sel.start.is_none_or(|s| p.last_day() >= s) && sel.end.is_none_or(|e| p.first_day() <= e))
            .collect();
        if out.is_empty() {
            let (first, last) = self.date_range().unwrap_or_default();
            return Err(err(format!(
                "no data between {} and {} (the dataset covers {first} to {last})",
                sel.start.map(iso).unwrap_or_else(|| "the start".into()),
                sel.end.map(iso).unwrap_or_else(|| "the end".into()),
            )));
        }
        out.sort_by(|a, b| (&a.ticker, a.year).cmp(&(&b.ticker, b.year)));
        Ok(out)
    }

    /// Opens (maps) the selected partitions in parallel, each checked against its manifest entry
    /// as `policy` says; returns them in (ticker, year) order with what was verified.
    pub fn open_partitions(
        &self,
        sel: &Selection,
        policy: &VerifyPolicy,
    ) -> DataResult<Vec<(PartitionEntry, Partition, PartitionCheck)>> {
        let entries = self.prune(sel)?;
        entries
            .par_iter()
            .map(|e| {
                let part = Partition::open(&e.full_path(&self.dir))?;
                let check = policy.check(e, &part)?;
                Ok(((*e).clone(), part, check))
            })
            .collect()
    }

    /// First and last trade date over all partitions, ISO.
    pub fn date_range(&self) -> Option<(String, String)> {
        let first = self.manifest.partitions.iter().min_by_key(|p| p.first_day())?;
        let last = self.manifest.partitions.iter().max_by_key(|p| p.last_day())?;
        Some((first.first_trade_date.clone(), last.last_trade_date.clone()))
    }

    pub fn info(&self) -> DatasetInfo {
        let m = &self.manifest;
        let per_ticker = m
            .tickers
            .iter()
            .filter_map(|t| {
                let parts: Vec<&PartitionEntry> = m.partitions.iter().filter(|p| &p.ticker == t).collect();
                Some(TickerInfo {
                    ticker: t.clone(),
                    first_trade_date: parts.iter().min_by_key(|p| p.first_day())?.first_trade_date.clone(),
                    last_trade_date: parts.iter().max_by_key(|p| p.last_day())?.last_trade_date.clone(),
                    partitions: parts.len(),
                    rows: parts.iter().map(|p| p.rows).sum(),
                })
            })
            .collect();
        let range = self.date_range();
        DatasetInfo {
            dir: self.dir.display().to_string(),
            name: m.name.clone(),
            source: m.source.clone(),
            tickers: m.tickers.clone(),
            first_trade_date: range.as_ref().map(|r| r.0.clone()),
            last_trade_date: range.map(|r| r.1),
            partitions: m.partitions.len(),
            rows: m.partitions.iter().map(|p| p.rows).sum(),
            bytes: m.partitions.iter().map(|p| p.bytes).sum(),
            per_ticker,
        }
    }
}
