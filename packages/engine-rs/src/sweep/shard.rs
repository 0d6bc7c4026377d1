//! Shards: a sweep cut into K contiguous runs of points, one per task or array child.

use std::ops::Range;
use std::str::FromStr;

/// Shard `index` of `count` (0 ≤ index < count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The points of this shard among `n`: ⌊i·n/K⌋ … ⌊(i+1)·n/K⌋ − 1, so sizes differ by at most one.
    pub fn range(&self, n: usize) -> Range<usize> {
        (self.index * n / self.count)..((self.index + 1) * n / self.count)
    }

    /// The shard's directory under the sweep's output: `shards/0007`.
    pub fn dir_name(&self) -> String {
        format!("shards/{:04}", self.index)
    }

    /// Checks the shard against a sweep of `n` points: an empty shard is refused.
    pub fn check(&self, n: usize) -> Result<(), String> {
        if self.count > n {
            return Err(format!("{} shards for {n} point(s): use at most {n} shards", self.count));
        }
        Ok(())
    }

    /// The shard an AWS Batch array child runs: `AWS_BATCH_JOB_ARRAY_INDEX` j picks `list[j]` when
    /// a shard list is given (a retry of some shards), else shard j.
    pub fn from_array(array_index: &str, count: &str, list: Option<&str>) -> Result<Shard, String> {
        let j: usize = array_index
            .trim()
            .parse()
            .map_err(|_| format!("AWS_BATCH_JOB_ARRAY_INDEX `{array_index}` is not an index"))?;
        let count: usize = count
            .trim()
            .parse()
            .ok()
            .filter(|&k| k >= 1)
            .ok_or_else(|| format!("AEGIS_SHARDS `{count}` is not a positive whole number"))?;
        let index = match list.map(str::trim).filter(|l| !l.is_empty()) {
            None => j,
            Some(list) => {
                let indices: Vec<usize> = list
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| format!("AEGIS_SHARD_LIST: `{s}` is not a shard index")))
                    .collect::<Result<_, _>>()?;
                *indices.get(j).ok_or_else(|| {
                    format!("AWS_BATCH_JOB_ARRAY_INDEX {j} is past AEGIS_SHARD_LIST's {} shard(s)", indices.len())
                })?
            }
        };
        Shard::new(index, count)
    }

    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 {
            return Err("a sweep has at least one shard".into());
        }
        if index >= count {
            return Err(format!("shard {index} of {count}: the index runs from 0 to {}", count - 1));
        }
        Ok(Shard { index, count })
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `i/K`, e.g. `3/8`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: write i/K, e.g. 0/4 (the index runs from 0 to K − 1)");
        let (i, k) = s.split_once('/').ok_or_else(bad)?;
        let index = i.trim().parse().map_err(|_| bad())?;
        let count = k.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}
