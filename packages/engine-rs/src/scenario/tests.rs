//! Scenario parsing: what users write, and the messages they get when it is wrong.

use super::*;

const GOOD: &str = "\
name: spx-short-put-30d
data: { dataset: synthetic-spx-7y, tickers: [SPX], start: 2017-01-03, end: 2023-12-29 }
capital: 100000
strategy:
  legs:
    - right: put
      side: short
      qty: 1
      dte: { target: 45, min: 30, max: 60 }
      delta: { target: 0.30, min: 0.25, max: 0.35 }
  entry: { every_trading_days: 5, max_open: 3 }
  exit:  { profit_target: 0.50, stop_loss: 2.0, dte_exit: 21 }
  sizing: { contracts: 1 }
costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } }
";

fn err(text: &str) -> ScenarioError {
    parse(text, "s.yaml").unwrap_err()
}

#[test]
fn parses_the_design_example_with_defaults_filled() {
    let s = parse(GOOD, "s.yaml").unwrap();
    assert_eq!(s.name, "spx-short-put-30d");
    assert_eq!(s.data.start.to_string(), "2017-01-03");
    assert_eq!(s.first_strategy().legs[0].delta.unwrap().target.0, 0.30);
    assert_eq!(s.first_strategy().exit.dte_exit, Some(21));
    assert_eq!(s.first_strategy().entry.max_open.0, 3);
    assert_eq!(s.first_strategy().sizing.margin.base_pct.0, 0.20);
}

#[test]
fn json_and_yaml_give_the_same_scenario() {
    let yaml = parse(GOOD, "s.yaml").unwrap();
    let json = serde_json::to_string_pretty(&yaml).unwrap();
    assert_eq!(parse(&json, "s.json").unwrap(), yaml);
}

#[test]
fn an_out_of_range_value_names_its_path_line_and_column() {
    let e = err(&GOOD.replace("target: 0.30", "target: 1.3"));
    assert_eq!(e.path, "strategy.legs[0].delta.target");
    assert_eq!(e.message, "expected a number in (0, 1), got 1.3");
    assert_eq!((e.line, e.column), (Some(10), Some(24)));
    assert_eq!(
        e.to_string(),
        "s.yaml: strategy.legs[0].delta.target: expected a number in (0, 1), got 1.3 (line 10, column 24)"
    );
}

#[test]
fn unknown_keys_are_rejected_with_the_expected_ones() {
    let e = err(&GOOD.replace("max_open: 3", "max_opne: 3"));
    assert_eq!(e.path, "strategy.entry.max_opne");
    assert!(e.message.starts_with("unknown field `max_opne`, expected one of"), "{}", e.message);
    assert_eq!(e.line, Some(11));
}

#[test]
fn wrong_types_and_bad_dates_are_explained() {
    let e = err(&GOOD.replace("capital: 100000", "capital: lots"));
    assert_eq!(e.path, "capital");
    assert!(e.message.contains("invalid type: string \"lots\""), "{}", e.message);
    let e = err(&GOOD.replace("start: 2017-01-03", "start: 2017-13-03"));
    assert_eq!(e.path, "data.start");
    assert_eq!(e.message, "expected a date as YYYY-MM-DD, got \"2017-13-03\"");
    let e = err(&GOOD.replace("start: 2017-01-03", "start: 2017-1-3"));
    assert_eq!(e.message, "expected a date as YYYY-MM-DD, got \"2017-1-3\"");
    let e = err(&GOOD.replace("end: 2023-12-29", "end: 2016-12-29"));
    assert!(e.message.contains("start 2017-01-03 is after end 2016-12-29"), "{}", e.message);
}

#[test]
fn cross_field_rules_are_checked_and_located() {
    let e = err(&GOOD.replace("{ target: 0.30, min: 0.25, max: 0.35 }", "{ target: 0.30, min: 0.35 }"));
    assert_eq!(e.path, "strategy.legs[0].delta");
    assert_eq!(e.message, "min 0.35 is above target 0.3");
    assert_eq!((e.line, e.column), (Some(10), Some(7)));
    let e = err(&GOOD.replace("end: 2023-12-29", "end: 2016-12-29"));
    assert_eq!((e.path.as_str(), e.line), ("data", Some(2)));
    let e = err(&GOOD.replace("every_trading_days: 5", "every_trading_days: 5, weekdays: [mon]"));
    assert_eq!(e.path, "strategy.entry");
    assert_eq!(e.message, "give `every_trading_days` or `weekdays`, not both");
    assert_eq!(e.line, Some(11));
    let e = err(&GOOD.replace("sizing: { contracts: 1 }", "sizing: { contracts: 1, equity_fraction: 0.1 }"));
    assert_eq!(e.path, "strategy.sizing");
    assert_eq!(e.message, "give exactly one of `contracts` or `equity_fraction`");
    let e = err(&GOOD.replace("      delta: { target: 0.30, min: 0.25, max: 0.35 }\n", ""));
    assert!(e.message.contains("choose the strike by exactly one of"), "{}", e.message);
}

#[test]
fn malformed_yaml_and_json_report_a_position() {
    let e = err("name: x\ndata: [unclosed\n");
    assert!(e.line.is_some(), "{e}");
    let e = parse("{ \"name\": \"x\",\n  \"data\": }", "s.json").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.to_string().starts_with("s.json: "), "{e}");
}

#[test]
fn templates_expand_to_the_legs_they_stand_for() {
    let text = GOOD.replace(
        "  legs:\n    - right: put\n      side: short\n      qty: 1\n      dte: { target: 45, min: 30, max: 60 }\n      delta: { target: 0.30, min: 0.25, max: 0.35 }\n",
        "  template:\n    iron_condor: { dte: { target: 45 }, put_delta: { target: 0.16 }, call_delta: { target: 0.16 }, width: 50 }\n",
    );
    let s = parse(&text, "s.yaml").unwrap();
    let legs = s.first_strategy().resolved_legs();
    type Shape = (Right, Side, Option<(usize, f64)>);
    let shape: Vec<Shape> = legs.iter().map(|l| (l.right, l.side, l.offset.map(|o| (o.leg, o.width.0)))).collect();
    assert_eq!(
        shape,
        [
            (Right::Put, Side::Short, None),
            (Right::Put, Side::Long, Some((0, -50.0))),
            (Right::Call, Side::Short, None),
            (Right::Call, Side::Long, Some((2, 50.0))),
        ]
    );
    let e = err(&text.replace("width: 50", "width: 50, wings: 3"));
    assert!(e.message.starts_with("unknown field `wings`"), "{}", e.message);
}

#[test]
fn every_template_expands_to_valid_legs() {
    let dte = "{ target: 30 }";
    let d = "{ target: 0.3 }";
    for t in [
        format!("short_put: {{ dte: {dte}, delta: {d} }}"),
        format!("short_call: {{ dte: {dte}, delta: {d} }}"),
        format!("strangle: {{ dte: {dte}, put_delta: {d}, call_delta: {d} }}"),
        format!("straddle: {{ dte: {dte}, side: long }}"),
        format!("put_vertical: {{ dte: {dte}, delta: {d}, width: 10, kind: credit }}"),
        format!("call_vertical: {{ dte: {dte}, delta: {d}, width: 10, kind: debit }}"),
        format!("iron_condor: {{ dte: {dte}, put_delta: {d}, call_delta: {d}, width: 10 }}"),
        format!("iron_butterfly: {{ dte: {dte}, width: 10 }}"),
        format!("calendar: {{ right: call, front_dte: {dte}, back_dte: {{ target: 60 }}, delta: {d} }}"),
    ] {
        let text = format!(
            "name: t\ndata: {{ dataset: d, tickers: [SPX], start: 2020-01-02, end: 2020-12-31 }}\nstrategy:\n  template: {{ {t} }}\n"
        );
        let s = parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{t}: {e}"));
        assert!(!s.first_strategy().resolved_legs().is_empty());
    }
}

#[test]
fn the_json_schema_describes_the_scenario() {
    let schema = json_schema();
    let text = schema.to_string();
    for key in ["\"strategy\"", "\"iron_condor\"", "\"spread_fraction\"", "\"every_trading_days\"", "exclusiveMaximum"]
    {
        assert!(text.contains(key), "schema lacks {key}");
    }
    assert_eq!(schema["title"], "Scenario");
}

const SWEEP: &str = "\
sweep:
  grid: { \"strategy.legs[0].delta.target\": [0.26, 0.3], \"strategy.exit.profit_target\": [0.25, 0.5, 0.75] }
cscv: { partitions: 8 }
";

#[test]
fn a_sweep_expands_to_validated_points_with_stable_ids() {
    let s = parse(&format!("{GOOD}{SWEEP}"), "s.yaml").unwrap();
    assert_eq!(s.cscv, Some(CscvSpec { partitions: 8, metric: CscvMetric::Sharpe }));
    let points = sweep::expand(&s, "s.yaml").unwrap();
    assert_eq!(points.len(), 6);
    // Grid paths in key order, the last varying fastest.
    let shape: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                p.scenario.first_strategy().exit.profit_target.unwrap().0,
                p.scenario.first_strategy().legs[0].delta.unwrap().target.0,
            )
        })
        .collect();
    assert_eq!(shape, [(0.25, 0.26), (0.25, 0.3), (0.5, 0.26), (0.5, 0.3), (0.75, 0.26), (0.75, 0.3)]);
    assert!(points.iter().all(|p| p.scenario.sweep.is_none() && p.id.len() == 12));
    // Ids depend on the values only: the same point in another sweep has the same id.
    let again = sweep::expand(&parse(&format!("{GOOD}{SWEEP}"), "other.yaml").unwrap(), "other.yaml").unwrap();
    assert_eq!(points.iter().map(|p| &p.id).collect::<Vec<_>>(), again.iter().map(|p| &p.id).collect::<Vec<_>>());
    let ids: std::collections::BTreeSet<_> = points.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids.len(), 6);
}

#[test]
fn zip_and_sample_select_points_deterministically() {
    let text = format!(
        "{GOOD}sweep:\n  zip: {{ \"strategy.exit.profit_target\": [0.3, 0.4, 0.5], \"strategy.exit.stop_loss\": [1.0, 1.5, 2.0] }}\n  grid: {{ capital: [50000, 100000, 200000, 400000] }}\n  sample: {{ n: 5, seed: 7 }}\n"
    );
    let s = parse(&text, "s.yaml").unwrap();
    let a = sweep::expand(&s, "s.yaml").unwrap();
    let b = sweep::expand(&s, "s.yaml").unwrap();
    assert_eq!(a.len(), 5);
    assert_eq!(a, b);
    for p in &a {
        let (pt, sl) = (
            p.scenario.first_strategy().exit.profit_target.unwrap().0,
            p.scenario.first_strategy().exit.stop_loss.unwrap().0,
        );
        assert!([(0.3, 1.0), (0.4, 1.5), (0.5, 2.0)].contains(&(pt, sl)), "zipped together: {pt} {sl}");
    }
}

#[test]
fn bad_sweeps_are_refused_before_anything_runs() {
    let with = |sweep: &str| parse(&format!("{GOOD}sweep:\n{sweep}"), "s.yaml").unwrap();
    let e = sweep::expand(&with("  grid: { \"data.start\": [\"2018-01-02\"] }\n"), "s.yaml").unwrap_err();
    assert_eq!(e.path, "sweep.grid.data.start");
    let e =
        sweep::expand(&with("  zip: { capital: [1, 2], \"strategy.exit.dte_exit\": [1] }\n"), "s.yaml").unwrap_err();
    assert!(e.message.contains("same length"), "{e}");
    let e = sweep::expand(&with("  grid: { \"strategy.legs[0].delta.target\": [0.3, 1.5] }\n"), "s.yaml").unwrap_err();
    assert_eq!(e.path, "strategy.legs[0].delta.target");
    assert!(e.message.contains("got 1.5") && e.message.contains("[strategy.legs[0].delta.target=1.5]"), "{e}");
    // Points are checked in parallel; the error is still the first bad point's, every time.
    for _ in 0..20 {
        let values: Vec<String> = (0..400).map(|i| format!("{}", 0.26 + f64::from(i) * 0.00002)).collect();
        let grid = format!("  grid: {{ \"strategy.legs[0].delta.target\": [{}, 1.5, 2.5, 3.5] }}\n", values.join(", "));
        let e = sweep::expand(&with(&grid), "s.yaml").unwrap_err();
        assert!(e.message.contains("[strategy.legs[0].delta.target=1.5]"), "{e}");
    }
    let e = sweep::expand(&with("  grid: { \"strategy.legs[3].qty\": [2] }\n"), "s.yaml").unwrap_err();
    assert!(e.message.contains("has 1 item(s), no [3]"), "{e}");
    let e = parse(&format!("{GOOD}cscv: {{ partitions: 7 }}\n"), "s.yaml").unwrap_err();
    assert_eq!(e.message, "expected an even number ≥ 2, got 7");
}

#[test]
fn a_repeated_sweep_value_is_refused_naming_both_items() {
    let with = |sweep: &str| parse(&format!("{GOOD}sweep:\n{sweep}"), "s.yaml").unwrap();
    let e =
        sweep::expand(&with("  grid: { \"strategy.exit.profit_target\": [0.25, 0.5, 0.25] }\n"), "s.yaml").unwrap_err();
    assert_eq!(e.path, "sweep.grid.strategy.exit.profit_target[2]");
    assert!(e.message.starts_with("0.25 repeats item [0]"), "{e}");
    let e = sweep::expand(
        &with("  zip: { capital: [1000, 2000, 1000], \"strategy.exit.dte_exit\": [1, 2, 1] }\n"),
        "s.yaml",
    )
    .unwrap_err();
    assert!(e.message.contains("item [2] of every zipped list repeats item [0]"), "{e}");
    // Written differently, the same value: one scenario, refused with both points named.
    let e = sweep::expand(&with("  grid: { capital: [100000, 100000.0] }\n"), "s.yaml").unwrap_err();
    assert!(e.message.contains("are the same scenario") && e.message.contains("capital=100000.0"), "{e}");
    // Zipped values that repeat only in one list are distinct points.
    sweep::expand(&with("  zip: { capital: [1000, 1000], \"strategy.exit.dte_exit\": [1, 2] }\n"), "s.yaml").unwrap();
}

#[test]
fn duplicate_tickers_are_refused_naming_both_positions() {
    let e = err(&GOOD.replace("tickers: [SPX]", "tickers: [SPX, NDX, SPX]"));
    assert_eq!(e.path, "data.tickers[2]");
    assert_eq!(e.message, "SPX repeats tickers[0]; list each ticker once");
    assert_eq!(e.line, Some(2));
}

#[test]
fn quantities_are_bounded_so_every_output_column_holds_them() {
    let e = err(&GOOD.replace("qty: 1", "qty: 2147483648"));
    assert_eq!(e.path, "strategy.legs[0].qty");
    let e = err(&GOOD.replace("qty: 1", "qty: 1001"));
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        ("strategy.legs[0].qty", "at most 1000 contracts per unit, got 1001")
    );
    assert_eq!(e.line, Some(8));
    let e = err(&GOOD.replace("sizing: { contracts: 1 }", "sizing: { contracts: 100001 }"));
    assert_eq!(e.path, "strategy.sizing.contracts");
    let e = err(&GOOD.replace("sizing: { contracts: 1 }", "sizing: { equity_fraction: 0.5, max_contracts: 200000 }"));
    assert_eq!(e.path, "strategy.sizing.max_contracts");
    // The largest allowed position still fits trades.arrow's Int32 quantity.
    assert!(i64::from(MAX_LEG_QTY) * i64::from(MAX_UNITS) <= i64::from(i32::MAX));
}

#[test]
fn a_dataset_is_a_name_never_a_path() {
    for bad in ["../other/x", "/abs/path", "a/b", "a\\\\b", "..", ".hidden", "x..y", "tab\\tname"] {
        let e = err(&GOOD.replace("dataset: synthetic-spx-7y", &format!("dataset: \"{bad}\"")));
        assert_eq!(e.path, "data.dataset", "{bad}");
        assert!(e.message.contains("is not a dataset name"), "{bad}: {e}");
    }
    assert!(check_dataset_name("synthetic-spx-7y_v2.1").is_ok());
}

#[test]
fn hostile_documents_fail_fast_with_a_position() {
    // 100,000 brackets: refused at the 65th, before any parser sees them (which took > 20 s).
    let e = err(&format!("name: x\ndata: {}\n", "[".repeat(100_000)));
    assert!(e.message.contains("nested more than 64 deep"), "{e}");
    assert_eq!((e.line, e.column), (Some(2), Some(71)));
    // A NUL byte is named on its own line, not at line 1.
    let e = err(&GOOD.replace("side: short", "side: sh\0ort"));
    assert_eq!((e.line, e.column), (Some(7), Some(15)));
    // CR-only line endings keep their lines.
    let e = err(&GOOD.replace('\n', "\r").replace("target: 0.30", "target: 1.3"));
    assert_eq!((e.path.as_str(), e.line), ("strategy.legs[0].delta.target", Some(10)));
    let e = err(&" ".repeat(guard::MAX_BYTES + 1));
    assert!(e.message.contains("at most"), "{e}");
}

#[test]
fn text_fields_are_written_as_text_and_a_name_can_name_a_directory() {
    for (value, expected) in [
        ("", "expected a scenario name, got nothing (null)"),
        ("~", "got nothing (null)"),
        ("null", "got nothing (null)"),
        ("123", "got the number 123; quote it"),
        ("true", "got the boolean true; quote it"),
        ("\"  \"", "got an empty string"),
        ("../../etc", "cannot name a results directory"),
        ("a/b", "cannot name a results directory"),
        (".hidden", "cannot name a results directory"),
    ] {
        let e = err(&GOOD.replace("name: spx-short-put-30d", &format!("name: {value}")));
        assert_eq!(e.path, "name", "{value}");
        assert!(e.message.contains(expected), "{value}: {e}");
    }
    assert_eq!(parse(&GOOD.replace("name: spx-short-put-30d", "name: \"null\""), "s.yaml").unwrap().name, "null");
    let e = err(&GOOD.replace("tickers: [SPX]", "tickers: [123]"));
    assert_eq!(e.path, "data.tickers[0]");
    let e = err(&GOOD.replace("dataset: synthetic-spx-7y", "dataset: ~"));
    assert_eq!(e.path, "data.dataset");
}

#[test]
fn json_is_read_by_the_same_rules_as_yaml() {
    let good = serde_json::to_value(parse(GOOD, "s.yaml").unwrap()).unwrap();
    // A JSON reader would fill a struct from an array; the rules refuse it in both syntaxes.
    let mut costs_as_list = good.clone();
    costs_as_list["costs"] = serde_json::json!([0.5]);
    let e = parse(&serde_json::to_string_pretty(&costs_as_list).unwrap(), "s.json").unwrap_err();
    assert_eq!(e.path, "costs");
    assert!(e.line.is_some(), "{e}");
    let mut null_name = good;
    null_name["name"] = serde_json::Value::Null;
    assert!(parse(&null_name.to_string(), "s.json").unwrap_err().message.contains("got nothing (null)"));
}

#[test]
fn the_index_list_settles_in_cash_whatever_the_case_unless_the_scenario_says() {
    use settlement::{Settlement, Style};
    let s = parse(GOOD, "s.yaml").unwrap().settlement;
    for cash in ["SPX", "spx", "SpXw", "xsp", "VIX"] {
        assert_eq!(s.style_of(cash), Style::Cash, "{cash}");
    }
    for physical in ["SPY", "spy", "SPXX", "SP", "", "ſpx"] {
        assert_eq!(s.style_of(physical), Style::Physical, "{physical}");
    }
    let mut own: Settlement = s;
    own.style.insert("spx".to_string(), Style::Physical);
    own.style.insert("AAPL".to_string(), Style::Cash);
    assert_eq!(
        (own.style_of("spx"), own.style_of("SPX"), own.style_of("AAPL")),
        (Style::Physical, Style::Cash, Style::Cash)
    );
}
