//! `sweep:` — many scenarios from one: a grid over scenario paths (cartesian product), lists zipped
//! together, and optional random sampling with a seed. Expansion lives here, in the engine, so
//! every entry point expands the same way; every point is validated before anything runs, and
//! each point's id is derived from its parameter values (stable across runs and machines).

use std::collections::BTreeMap;

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::values::AtLeastOne;
use super::{Scenario, ScenarioError};
use crate::data::manifest::sha256_bytes;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// Scenario path → values; every combination is a point (`"strategy.exit.profit_target": [0.25, 0.5]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub grid: BTreeMap<String, Vec<Value>>,
    /// Scenario path → values, all lists the same length, advanced together (crossed with the grid).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub zip: BTreeMap<String, Vec<Value>>,
    /// Keep a random subset of the points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<Sample>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// How many points to keep (all of them when there are fewer).
    pub n: AtLeastOne,
    /// Seed of the sampling; the same seed keeps the same points.
    #[serde(default)]
    pub seed: u64,
}

/// One point of a sweep: its id, the values it sets, and the scenario it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// 12 hex digits of the sha256 of the canonical JSON of `params`.
    pub id: String,
    /// (path, value) in path order.
    pub params: Vec<(String, Value)>,
    pub scenario: Scenario,
}

/// Most points a sweep may expand to before sampling.
pub const MAX_POINTS: usize = 1_000_000;

/// Expands `scenario.sweep` into points (in a fixed order: grid paths in key order, the last path
/// varying fastest, then the zip index), each a validated scenario without `sweep`.
pub fn expand(scenario: &Scenario, source: &str) -> Result<Vec<SweepPoint>, ScenarioError> {
    let err = |path: &str, message: String| ScenarioError {
        source_name: source.to_string(),
        path: if path.is_empty() { "sweep".into() } else { format!("sweep.{path}") },
        message,
        line: None,
        column: None,
    };
    let Some(sweep) = &scenario.sweep else {
        return Err(err("", "the scenario has no `sweep` section".into()));
    };
    for (kind, map) in [("grid", &sweep.grid), ("zip", &sweep.zip)] {
        for (path, values) in map {
            if values.is_empty() {
                return Err(err(&format!("{kind}.{path}"), "list at least one value".into()));
            }
            if path.starts_with("data.") || path == "data" || path.starts_with("sweep") || path.starts_with("cscv") {
                return Err(err(
                    &format!("{kind}.{path}"),
                    "a sweep varies the strategy, costs or capital; `data`, `sweep` and `cscv` are shared by every point".into(),
                ));
            }
            strategy_named(scenario, path).map_err(|m| err(&format!("{kind}.{path}"), m))?;
        }
    }
    // Two points with the same values are one point: a repeated value is refused before anything runs.
    for (kind, map) in [("grid", &sweep.grid), ("zip", &sweep.zip)] {
        for (path, values) in map.iter().filter(|_| kind == "grid") {
            for (i, v) in values.iter().enumerate() {
                if let Some(j) = values[..i].iter().position(|u| u == v) {
                    return Err(err(
                        &format!("{kind}.{path}[{i}]"),
                        format!("{v} repeats item [{j}]; list each value once (the same values make the same point)"),
                    ));
                }
            }
        }
    }
    let zip_len = sweep.zip.values().map(Vec::len).collect::<Vec<_>>();
    if zip_len.windows(2).any(|w| w[0] != w[1]) {
        return Err(err("zip", format!("every zipped list needs the same length (got {zip_len:?})")));
    }
    let grid: Vec<(&String, &Vec<Value>)> = sweep.grid.iter().collect();
    let grid_points: usize = grid.iter().try_fold(1usize, |n, (_, v)| n.checked_mul(v.len())).unwrap_or(usize::MAX);
    let zip_points = zip_len.first().copied().unwrap_or(1);
    let total = grid_points.saturating_mul(zip_points);
    if total > MAX_POINTS {
        return Err(err("grid", format!("{total} points is more than {MAX_POINTS}; sample them with `sample`")));
    }
    if total == 0 || (sweep.grid.is_empty() && sweep.zip.is_empty()) {
        return Err(err("", "give at least one path under `grid` or `zip`".into()));
    }
    if let Some(n) = zip_len.first() {
        for i in 0..*n {
            if let Some(j) = (0..i).find(|&j| sweep.zip.values().all(|vs| vs[j] == vs[i])) {
                return Err(err(
                    "zip",
                    format!("item [{i}] of every zipped list repeats item [{j}]; list each combination once"),
                ));
            }
        }
    }
    let mut indices: Vec<usize> = (0..total).collect();
    if let Some(s) = sweep.sample {
        indices = sample(total, s.n.0 as usize, s.seed);
    }

    let mut base = scenario.clone();
    base.sweep = None;
    let base_json = serde_json::to_value(&base).map_err(|e| err("", e.to_string()))?;
    // Each point is parsed and validated on its own (the bulk of a large sweep's start-up), in
    // parallel; the first error in point order is the one reported, as if one by one.
    let point = |index: usize| -> Result<SweepPoint, ScenarioError> {
        let (g, z) = (index / zip_points, index % zip_points);
        let mut params: Vec<(String, Value)> = Vec::new();
        let mut rest = g;
        let mut grid_choice = vec![0usize; grid.len()];
        for (k, (_, values)) in grid.iter().enumerate().rev() {
            grid_choice[k] = rest % values.len();
            rest /= values.len();
        }
        for (k, (path, values)) in grid.iter().enumerate() {
            params.push(((*path).clone(), values[grid_choice[k]].clone()));
        }
        for (path, values) in &sweep.zip {
            params.push((path.clone(), values[z].clone()));
        }
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let mut json = base_json.clone();
        for (path, value) in &params {
            set_path(&mut json, path, value.clone()).map_err(|m| err(path, m))?;
        }
        let id = point_id(&params);
        let mut scenario = point_scenario(&json).map_err(|mut e| {
            e.source_name = format!("{source} (sweep point {id})");
            e.message = format!("{} [{}]", e.message, describe(&params));
            e.line = None;
            e.column = None;
            e
        })?;
        keep_order(&mut scenario, &base);
        Ok(SweepPoint { id, params, scenario })
    };
    let expanded: Vec<Result<SweepPoint, ScenarioError>> = indices.into_par_iter().map(point).collect();
    let points = expanded.into_iter().collect::<Result<Vec<_>, _>>()?;
    refuse_equal_points(&points).map_err(|m| err("", m))?;
    Ok(points)
}

/// A point's scenario from its JSON, read as its text would be: the same scenario or the same
/// error. Reading the text (YAML, as every scenario is read) was most of a large sweep's
/// start-up, so a point is read from the value itself wherever that reads exactly like the text.
fn point_scenario(json: &Value) -> Result<Scenario, ScenarioError> {
    let text = json.to_string();
    match read_value(json, &text) {
        Some(scenario) => Ok(scenario),
        None => super::parse(&text, ""),
    }
}

/// The scenario `json` stands for, read from the value, with the checks `text` would get; `None`
/// where only the text can say: the text fails its guard, the value holds a null (a value reads
/// null as an empty section or list, where the text refuses it), or the value is refused (its
/// reading is the stricter one, so the text's answer, scenario or error, is the one to give).
pub(super) fn read_value(json: &Value, text: &str) -> Option<Scenario> {
    if super::guard::check(text, "").is_err() || holds_null(json) {
        return None;
    }
    let scenario = Scenario::deserialize(serde_norway::to_value(json).ok()?).ok()?;
    super::parse::check_across(&scenario).ok()?;
    Some(scenario)
}

fn holds_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(holds_null),
        Value::Object(map) => map.values().any(holds_null),
        _ => false,
    }
}

/// Gives an error about a swept path (`sweep.grid.<path>…`, `sweep.zip.<path>…`) the line of that
/// path's key in the scenario `text` (a dotted key cannot be followed segment by segment).
pub fn place(mut e: ScenarioError, text: &str) -> ScenarioError {
    if e.line.is_some() {
        return e;
    }
    let path = e.path.clone();
    let Some(rest) = path.strip_prefix("sweep.grid.").or_else(|| path.strip_prefix("sweep.zip.")) else {
        return e;
    };
    // The swept path itself, or (an error about one of its values) without its trailing `[i]`.
    let without_index = rest.rsplit_once('[').map_or(rest, |(head, _)| head);
    let sweep_at = text.find("sweep:").unwrap_or(0);
    for key in [rest, without_index] {
        for written in [format!("\"{key}\""), format!("'{key}'"), key.to_string()] {
            if let Some(k) = text[sweep_at..].find(&written) {
                let (line, column) = super::guard::position(text, sweep_at + k);
                e.line = Some(line);
                e.column = Some(column);
                return e;
            }
        }
    }
    e
}

/// A path under `strategies` names one of the scenario's strategies; `strategy.…` and
/// `strategies.…` each go with their own form of the scenario.
fn strategy_named(scenario: &Scenario, path: &str) -> Result<(), String> {
    let head = path.split(['.', '[']).next().unwrap_or_default();
    match (head, &scenario.strategies) {
        ("strategy", Some(list)) => Err(format!(
            "the scenario has several strategies (`strategies`); name the one to vary: strategies.<name>.… ({})",
            names(list)
        )),
        ("strategies", None) => {
            Err("the scenario has one strategy (`strategy`); vary it as strategy.…, without a name".into())
        }
        ("strategies", Some(list)) => {
            let name = path.split('.').nth(1).map(|n| n.split('[').next().unwrap_or(n)).unwrap_or_default();
            if name.is_empty() || path.split('.').count() < 3 {
                return Err(format!("name a strategy and one of its fields: strategies.<name>.… ({})", names(list)));
            }
            if list.0.iter().any(|(n, _)| n == name) {
                Ok(())
            } else {
                Err(format!("no strategy is named {name}; the scenario has {}", names(list)))
            }
        }
        _ => Ok(()),
    }
}

fn names(list: &super::portfolio::Strategies) -> String {
    list.0.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
}

/// A point's scenario went through a JSON map, which sorts keys: put its strategies back in the
/// order the scenario lists them (the order they act in).
fn keep_order(point: &mut Scenario, base: &Scenario) {
    if let (Some(list), Some(order)) = (&mut point.strategies, &base.strategies) {
        list.0.sort_by_key(|(name, _)| order.0.iter().position(|(n, _)| n == name).unwrap_or(usize::MAX));
    }
}

/// Values that differ only in how they are written (`1` and `1.0`) still make one scenario: two
/// points whose scenarios are equal are refused, naming both.
fn refuse_equal_points(points: &[SweepPoint]) -> Result<(), String> {
    // The keys in parallel (each a scenario's JSON, hashed), then compared in point order.
    let keys: Vec<String> = points
        .par_iter()
        .map(|p| sha256_bytes(serde_json::to_string(&p.scenario).unwrap_or_default().as_bytes()))
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, (p, key)) in points.iter().zip(keys).enumerate() {
        if let Some(&j) = seen.get(&key) {
            return Err(format!(
                "points {} [{}] and {} [{}] are the same scenario; list each value once",
                points[j].id,
                describe(&points[j].params),
                p.id,
                describe(&p.params)
            ));
        }
        seen.insert(key, i);
    }
    Ok(())
}

/// `path=value, …` for messages.
pub fn describe(params: &[(String, Value)]) -> String {
    params.iter().map(|(p, v)| format!("{p}={v}")).collect::<Vec<_>>().join(", ")
}

/// The id of a point: 12 hex digits of the sha256 of its parameters' canonical JSON.
pub fn point_id(params: &[(String, Value)]) -> String {
    let canonical: BTreeMap<&str, &Value> = params.iter().map(|(p, v)| (p.as_str(), v)).collect();
    sha256_bytes(serde_json::to_string(&canonical).unwrap_or_default().as_bytes())[..12].to_string()
}

/// `k` distinct indices of `0..n`, sorted, chosen by a seeded partial Fisher–Yates shuffle
/// (splitmix64), the same on every machine.
fn sample(n: usize, k: usize, seed: u64) -> Vec<usize> {
    if k >= n {
        return (0..n).collect();
    }
    let mut rng = crate::rng::SplitMix64::new(seed);
    let mut next = || rng.next_u64();
    // Sparse Fisher–Yates: only the swapped positions are stored.
    let mut swapped: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        let j = i + (next() % (n - i) as u64) as usize;
        let vi = *swapped.get(&i).unwrap_or(&i);
        let vj = *swapped.get(&j).unwrap_or(&j);
        swapped.insert(j, vi);
        out.push(vj);
    }
    out.sort_unstable();
    out
}

/// Sets `value` at a dotted path with `[i]` list indices (`strategy.legs[0].delta.target`).
/// Objects gain missing keys; list indices must exist.
fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let mut node = root;
    let segments: Vec<&str> = path.split('.').collect();
    for (n, segment) in segments.iter().enumerate() {
        let last = n + 1 == segments.len();
        let (name, indices) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (*segment, ""),
        };
        if name.is_empty() {
            return Err(format!("`{path}` is not a scenario path"));
        }
        let Value::Object(map) = node else {
            return Err(format!("`{path}`: `{name}` is inside a value that is not a map"));
        };
        let mut indices: Vec<usize> = indices
            .split(['[', ']'])
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<usize>().map_err(|_| format!("`{path}`: `[{s}]` is not a list index")))
            .collect::<Result<_, _>>()?;
        if last && indices.is_empty() {
            map.insert(name.to_string(), value);
            return Ok(());
        }
        node = map.entry(name.to_string()).or_insert_with(|| Value::Object(Default::default()));
        let last_index = indices.pop();
        for i in indices {
            node = node.get_mut(i).ok_or_else(|| format!("`{path}`: `{name}` has no item {i}"))?;
        }
        if let Some(i) = last_index {
            let len = node.as_array().map_or(0, Vec::len);
            let item = node.get_mut(i).ok_or_else(|| format!("`{path}`: `{name}` has {len} item(s), no [{i}]"))?;
            if last {
                *item = value;
                return Ok(());
            }
            node = item;
        }
    }
    Ok(())
}
