//! `strategies:` — several named strategies in one account (docs/scenario.md, "A portfolio of
//! strategies"). The single-strategy form (`strategy:`) is one strategy named `main` with weight 1
//! on every ticker; the engine only ever sees [`Member`]s.
//!
//! `strategies` is a YAML map, name → strategy, so a sweep path reads
//! `strategies.put_leg.legs[0].delta.target`. Its order is the order the strategies act in each
//! day, so it is kept as written (a plain map would sort it).

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::values::Ticker;
use super::{Scenario, Strategy};

/// The name of the one strategy of the single-strategy form.
pub const SINGLE: &str = "main";
/// Most strategies in one scenario.
pub const MAX_STRATEGIES: usize = 32;
/// Most characters of a strategy's name.
pub const MAX_NAME: usize = 64;
/// How far above 1 the weights may sum before they are refused (decimal fractions do not add
/// exactly in binary: 0.1 + 0.2 + 0.7).
const WEIGHT_SLACK: f64 = 1e-9;

/// Named strategies in the order written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Strategies(pub Vec<(String, Strategy)>);

/// A name is a sweep path segment and a results column value: a letter, then letters, digits
/// and `_`.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= MAX_NAME
}

impl Serialize for Strategies {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, strategy) in &self.0 {
            map.serialize_entry(name, strategy)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Strategies {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strategies;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of strategy name → strategy")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strategies, A::Error> {
                let mut out: Vec<(String, Strategy)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    if !valid_name(&name) {
                        return Err(de::Error::custom(format!(
                            "{:?} cannot name a strategy: a letter, then letters, digits and '_', at most {MAX_NAME} characters",
                            name.escape_debug().to_string()
                        )));
                    }
                    if out.iter().any(|(n, _)| *n == name) {
                        return Err(de::Error::custom(format!(
                            "{name}: two strategies are named {name}; give each its own name"
                        )));
                    }
                    if out.len() == MAX_STRATEGIES {
                        return Err(de::Error::custom(format!("at most {MAX_STRATEGIES} strategies")));
                    }
                    let strategy = map.next_value::<Strategy>()?;
                    out.push((name, strategy));
                }
                Ok(Strategies(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl JsonSchema for Strategies {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Strategies".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let strategy = g.subschema_for::<Strategy>();
        schemars::json_schema!({
            "type": "object",
            "description": "Named strategies sharing one account, in the order they act each day.",
            "propertyNames": { "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$" },
            "additionalProperties": strategy,
            "minProperties": 1,
            "maxProperties": MAX_STRATEGIES,
        })
    }
}

/// One strategy of a scenario as the engine runs it.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    pub name: &'a str,
    /// Its share of the account's equity for sizing, in (0, 1].
    pub weight: f64,
    /// The tickers it trades, in `data.tickers` order.
    pub tickers: &'a [Ticker],
    pub strategy: &'a Strategy,
    /// Named under `strategies` (else the single form's `strategy`).
    pub named: bool,
}

impl Member<'_> {
    /// The field that holds it: `strategy` or `strategies.<name>`.
    pub fn path(&self) -> String {
        if self.named { format!("strategies.{}", self.name) } else { "strategy".to_string() }
    }

    /// Whether it trades `ticker`.
    pub fn trades(&self, ticker: &str) -> bool {
        self.tickers.iter().any(|t| t.0 == ticker)
    }
}

impl Scenario {
    /// The scenario's strategies, in the order they act: the single form's one, or each of
    /// `strategies` (weights defaulting to equal shares; tickers to all of `data.tickers`).
    pub fn members(&self) -> Vec<Member<'_>> {
        if let Some(s) = &self.strategy {
            return vec![Member { name: SINGLE, weight: 1.0, tickers: &self.data.tickers, strategy: s, named: false }];
        }
        let Some(list) = &self.strategies else { return Vec::new() };
        let equal = 1.0 / list.0.len() as f64;
        list.0
            .iter()
            .map(|(name, s)| Member {
                name,
                weight: s.weight.map_or(equal, |w| w.0),
                tickers: s.tickers.as_deref().unwrap_or(&self.data.tickers),
                strategy: s,
                named: true,
            })
            .collect()
    }

    /// The one strategy of the single form, or the first of `strategies`.
    pub fn first_strategy(&self) -> &Strategy {
        self.members().first().map(|m| m.strategy).unwrap_or_else(|| unreachable!("parse requires a strategy"))
    }

    /// Whether the scenario holds several named strategies (`strategies:`) rather than one.
    pub fn is_portfolio(&self) -> bool {
        self.strategies.is_some()
    }
}

/// Rules of the strategies as a whole, checked once the scenario is read: exactly one of
/// `strategy` and `strategies`; weights and tickers only in `strategies`, all or no weights, their
/// sum at most 1; each strategy's tickers among `data.tickers`. Messages start with the field.
pub fn check(s: &Scenario) -> Result<(), String> {
    match (&s.strategy, &s.strategies) {
        (Some(_), Some(_)) => {
            return Err(
                "strategies: give `strategy` (one strategy) or `strategies` (several, by name), not both".into()
            );
        }
        (None, None) => {
            return Err("strategy: give a `strategy`, or several named ones under `strategies`".into());
        }
        (Some(one), None) => {
            for (field, set) in [("weight", one.weight.is_some()), ("tickers", one.tickers.is_some())] {
                if set {
                    return Err(format!(
                        "strategy: {field}: goes with `strategies` (several named strategies); one strategy trades every ticker with all the capital"
                    ));
                }
            }
        }
        (None, Some(list)) => check_list(s, list)?,
    }
    if let Some(name) = &s.benchmark
        && !s.data.tickers.iter().any(|t| t.0 == *name)
        && !crate::data::series::valid_name(name)
    {
        return Err(format!(
            "benchmark: {name:?} is neither one of data.tickers nor a series name (a letter, then letters, digits, '_', '.', '-')"
        ));
    }
    Ok(())
}

fn check_list(s: &Scenario, list: &Strategies) -> Result<(), String> {
    if list.0.is_empty() {
        return Err("strategies: list at least one strategy".into());
    }
    let weighted = list.0.iter().filter(|(_, st)| st.weight.is_some()).count();
    if weighted != 0 && weighted != list.0.len() {
        let (name, _) = list.0.iter().find(|(_, st)| st.weight.is_none()).unwrap_or(&list.0[0]);
        return Err(format!(
            "strategies: {name}: it has no weight: give every strategy a weight, or none (equal weights); {weighted} of {} have one",
            list.0.len()
        ));
    }
    for (name, st) in &list.0 {
        if let Some(w) = st.weight
            && w.0 > 1.0
        {
            return Err(format!("strategies: {name}: weight: at most 1 (the whole account), got {w}"));
        }
        if let Some(tickers) = &st.tickers {
            if tickers.is_empty() {
                return Err(format!(
                    "strategies: {name}: tickers: list at least one ticker, or leave it out (every ticker)"
                ));
            }
            for (i, t) in tickers.iter().enumerate() {
                if !s.data.tickers.contains(t) {
                    let all: Vec<&str> = s.data.tickers.iter().map(|t| t.0.as_str()).collect();
                    return Err(format!(
                        "strategies: {name}: tickers: {} (item {i}) is not one of data.tickers ({}); add it there first",
                        t.0,
                        all.join(", ")
                    ));
                }
                if let Some(j) = tickers[..i].iter().position(|u| u == t) {
                    return Err(format!("strategies: {name}: tickers: {} (item {i}) repeats item {j}", t.0));
                }
            }
        }
    }
    let sum: f64 = list.0.iter().filter_map(|(_, st)| st.weight.map(|w| w.0)).sum();
    if sum > 1.0 + WEIGHT_SLACK {
        let parts: Vec<String> = list.0.iter().filter_map(|(n, st)| st.weight.map(|w| format!("{n} {w}"))).collect();
        return Err(format!(
            "strategies: the weights sum to {} ({}); at most 1 — what is left stays in cash",
            round(sum),
            parts.join(" + ")
        ));
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

#[cfg(test)]
mod tests {
    use crate::scenario::{ScenarioError, parse, sweep};

    const HEAD: &str = "name: book\ndata: { dataset: d, tickers: [SPY, QQQ], start: 2020-01-02, end: 2020-12-31 }\n";
    const PUT: &str = "template: { short_put: { delta: { target: 0.3 }, dte: { target: 30 } } }";

    fn book(strategies: &str) -> Result<crate::scenario::Scenario, ScenarioError> {
        parse(&format!("{HEAD}strategies:\n{strategies}"), "book.yaml")
    }

    #[test]
    fn strategies_keep_their_order_weights_and_tickers() {
        let s = book(&format!(
            "  zeta:\n    weight: 0.5\n    tickers: [QQQ]\n    {PUT}\n  alpha:\n    weight: 0.25\n    {PUT}\n"
        ))
        .unwrap();
        let m = s.members();
        assert_eq!(m.iter().map(|m| m.name).collect::<Vec<_>>(), ["zeta", "alpha"]);
        assert_eq!((m[0].weight, m[1].weight), (0.5, 0.25));
        assert_eq!(m[0].tickers.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["QQQ"]);
        assert_eq!(m[1].tickers.len(), 2, "every ticker by default");
        assert_eq!(m[0].path(), "strategies.zeta");
        // No weights: equal shares.
        let s = book(&format!("  a:\n    {PUT}\n  b:\n    {PUT}\n  c:\n    {PUT}\n")).unwrap();
        assert!(s.members().iter().all(|m| m.weight == 1.0 / 3.0));
        // The single form: one strategy named `main` with everything.
        let one = parse(&format!("{HEAD}strategy:\n  {PUT}\n"), "one.yaml").unwrap();
        let m = one.members();
        assert_eq!((m.len(), m[0].name, m[0].weight, m[0].path().as_str()), (1, "main", 1.0, "strategy"));
    }

    #[test]
    fn bad_portfolios_are_refused_with_the_field_and_line() {
        let cases: [(String, &str, &str, usize); 8] = [
            // The name's first use is where it is found.
            (format!("  a:\n    {PUT}\n  a:\n    {PUT}\n"), "strategies.a", "two strategies are named a", 4),
            (
                format!("  a:\n    weight: 0.7\n    {PUT}\n  b:\n    weight: 0.4\n    {PUT}\n"),
                "strategies",
                "the weights sum to 1.1 (a 0.7 + b 0.4); at most 1",
                3,
            ),
            (
                format!("  a:\n    weight: 0.5\n    {PUT}\n  b:\n    {PUT}\n"),
                "strategies.b",
                "give every strategy a weight, or none",
                7,
            ),
            (format!("  a:\n    weight: 1.5\n    {PUT}\n"), "strategies.a.weight", "at most 1", 5),
            (
                format!("  a:\n    tickers: [SPY, IWM]\n    {PUT}\n"),
                "strategies.a.tickers",
                "IWM (item 1) is not one of data.tickers (SPY, QQQ)",
                5,
            ),
            (
                format!("  a:\n    tickers: [SPY, SPY]\n    {PUT}\n"),
                "strategies.a.tickers",
                "SPY (item 1) repeats item 0",
                5,
            ),
            (format!("  put-leg:\n    {PUT}\n"), "strategies", "cannot name a strategy", 4),
            ("  {}\n".to_string(), "strategies", "list at least one strategy", 3),
        ];
        for (body, path, message, line) in cases {
            let e = book(&body).unwrap_err();
            assert_eq!(e.path, path, "{e}");
            assert!(e.message.contains(message), "{e}");
            assert_eq!(e.line, Some(line), "{e}");
        }
        let both = parse(&format!("{HEAD}strategy:\n  {PUT}\nstrategies:\n  a:\n    {PUT}\n"), "b.yaml").unwrap_err();
        assert!(both.message.contains("not both"), "{both}");
        let neither = parse(HEAD, "n.yaml").unwrap_err();
        assert!(neither.message.contains("give a `strategy`"), "{neither}");
        let single = parse(&format!("{HEAD}strategy:\n  weight: 0.5\n  {PUT}\n"), "w.yaml").unwrap_err();
        assert_eq!((single.path.as_str(), single.line), ("strategy.weight", Some(4)), "{single}");
        assert!(single.message.contains("goes with `strategies`"), "{single}");
    }

    #[test]
    fn a_sweep_addresses_a_strategy_by_name() {
        let text = format!(
            "{HEAD}strategies:\n  zeta:\n    {PUT}\n  alpha:\n    {PUT}\nsweep:\n  grid: {{ \"strategies.alpha.template.short_put.delta.target\": [0.2, 0.3] }}\n"
        );
        let points = sweep::expand(&parse(&text, "s.yaml").unwrap(), "s.yaml").unwrap();
        assert_eq!(points.len(), 2);
        for p in &points {
            // The order the strategies act in survives the point's trip through JSON.
            assert_eq!(p.scenario.members().iter().map(|m| m.name).collect::<Vec<_>>(), ["zeta", "alpha"]);
        }
        let with = |path: &str| {
            let text = format!("{HEAD}strategies:\n  zeta:\n    {PUT}\nsweep:\n  grid: {{ \"{path}\": [1, 2] }}\n");
            sweep::expand(&parse(&text, "s.yaml").unwrap(), "s.yaml").unwrap_err()
        };
        let e = with("strategies.beta.entry.max_open");
        assert_eq!(e.path, "sweep.grid.strategies.beta.entry.max_open");
        // Through `plan` (every entry point), the error has the line of the swept path.
        let text = format!(
            "{HEAD}strategies:\n  zeta:\n    {PUT}\nsweep:\n  grid: {{ \"strategies.beta.entry.max_open\": [1, 2] }}\n"
        );
        let placed = crate::sweep::plan(&text, "s.yaml").unwrap_err();
        assert_eq!(
            (placed.path.as_str(), placed.line),
            ("sweep.grid.strategies.beta.entry.max_open", Some(7)),
            "{placed}"
        );
        assert!(e.message.contains("no strategy is named beta; the scenario has zeta"), "{e}");
        let e = with("strategy.entry.max_open");
        assert!(e.message.contains("name the one to vary: strategies.<name>"), "{e}");
        let e = with("strategies.zeta");
        assert!(e.message.contains("name a strategy and one of its fields"), "{e}");
        let single =
            format!("{HEAD}strategy:\n  {PUT}\nsweep:\n  grid: {{ \"strategies.main.entry.max_open\": [1, 2] }}\n");
        let e = sweep::expand(&parse(&single, "s.yaml").unwrap(), "s.yaml").unwrap_err();
        assert!(e.message.contains("has one strategy"), "{e}");
    }
}
