//! Property tests of the scenario parser on generated documents: any text, edits of a good
//! scenario, and structured documents written both as YAML and as JSON. The parser must never
//! panic, must place every error inside the text, and must accept or refuse a document alike in
//! both syntaxes (reading the same scenario when it accepts).

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::sweep::read_value;
use super::{ScenarioError, parse};

const GOOD: &str = "\
name: prop
data: { dataset: synthetic-spx-7y, tickers: [SPX, NDX], start: 2017-01-03, end: 2023-12-29 }
capital: 100000
strategy:
  legs:
    - { right: put, side: short, qty: 1, dte: { target: 45, min: 30, max: 60 }, delta: { target: 0.30, min: 0.25, max: 0.35 } }
    - { right: put, side: long, offset: { leg: 0, width: -50 } }
  entry: { every_trading_days: 5, max_open: 3, iv_rank: { min: 0.2, lookback: 100 } }
  exit: { profit_target: 0.50, stop_loss: 2.0, dte_exit: 21 }
  sizing: { equity_fraction: 0.1, against: margin, max_contracts: 10 }
costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } }
sweep:
  grid: { \"strategy.exit.profit_target\": [0.25, 0.5] }
cscv: { partitions: 4 }
";

/// An error's position, when it has one, lies inside the text (one line past the last for an
/// error at the very end).
fn located_inside(e: &ScenarioError, text: &str) -> bool {
    let lines = text.split(['\n', '\r']).count() + 1;
    e.line.is_none_or(|l| l >= 1 && l <= lines) && e.column.is_none_or(|c| c >= 1)
}

fn check(text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = parse(text, "prop.yaml") {
        prop_assert!(located_inside(&e, text), "{e:?} outside a text of {} lines", text.lines().count());
        prop_assert!(!e.message.is_empty());
    }
    Ok(())
}

/// An edit of a text at byte positions given as fractions of its length (kept on char boundaries).
#[derive(Debug, Clone)]
enum Edit {
    Delete(f64, usize),
    Insert(f64, String),
    Replace(f64, usize, String),
    DuplicateLine(f64),
}

fn boundary(text: &str, at: f64) -> usize {
    let mut i = ((text.len() as f64) * at) as usize;
    while !text.is_char_boundary(i.min(text.len())) {
        i += 1;
    }
    i.min(text.len())
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut s = text.to_string();
    match edit {
        Edit::Delete(at, n) => {
            let i = boundary(&s, *at);
            let j = boundary(&s, (i + n) as f64 / s.len().max(1) as f64);
            s.replace_range(i..j.max(i), "");
        }
        Edit::Insert(at, what) => s.insert_str(boundary(&s, *at), what),
        Edit::Replace(at, n, what) => {
            let i = boundary(&s, *at);
            let j = boundary(&s, (i + n) as f64 / s.len().max(1) as f64);
            s.replace_range(i..j.max(i), what);
        }
        Edit::DuplicateLine(at) => {
            let lines: Vec<&str> = text.lines().collect();
            let k = ((lines.len() as f64) * at) as usize % lines.len().max(1);
            let mut out: Vec<&str> = lines.clone();
            out.insert(k, lines[k]);
            s = out.join("\n");
        }
    }
    s
}

/// Snippets a hand or a tool might leave in a scenario: YAML syntax, brackets, quotes, control
/// characters, numbers at their limits.
fn snippet() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}",
        Just("\0".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("[[[[".to_string()),
        Just("]}".to_string()),
        Just("&a".to_string()),
        Just("*a".to_string()),
        Just("!!binary".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("# ".to_string()),
        Just("\u{feff}".to_string()),
        Just("1e309".to_string()),
        Just("-0".to_string()),
        Just("2147483648".to_string()),
        Just("NaN".to_string()),
        Just(".inf".to_string()),
        Just("é\u{2028}".to_string()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..1.0f64, 1usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (0.0..1.0f64, snippet()).prop_map(|(a, w)| Edit::Insert(a, w)),
        (0.0..1.0f64, 1usize..12, snippet()).prop_map(|(a, n, w)| Edit::Replace(a, n, w)),
        (0.0..1.0f64).prop_map(Edit::DuplicateLine),
    ]
}

/// Values a field may be set to: every JSON kind, near and past the limits.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-2.0..2.0f64).prop_map(|x| json!(x)),
        prop_oneof![Just(0.0), Just(1.0), Just(1e300), Just(-1e-300), Just(0.5)].prop_map(|x| json!(x)),
        "[a-z0-9 ._/-]{0,10}".prop_map(Value::String),
        prop_oneof![Just("2017-01-03"), Just("2023-02-30"), Just("put"), Just("short"), Just("margin"), Just("SPX")]
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// A change to the good scenario's tree, at a path chosen by indices into its keys.
#[derive(Debug, Clone)]
enum TreeEdit {
    Set(Vec<usize>, Value),
    Remove(Vec<usize>),
    AddKey(Vec<usize>, String, Value),
}

fn tree_edit() -> impl Strategy<Value = TreeEdit> {
    let path = prop::collection::vec(0usize..16, 1..4);
    prop_oneof![
        (path.clone(), value()).prop_map(|(p, v)| TreeEdit::Set(p, v)),
        path.clone().prop_map(TreeEdit::Remove),
        (path, "[a-z_]{1,10}", value()).prop_map(|(p, k, v)| TreeEdit::AddKey(p, k, v)),
    ]
}

/// Walks `path` (each index picks a key of a map or an item of a list, modulo its size) and edits
/// there.
fn edit_tree(root: &mut Value, edit: &TreeEdit) {
    let (path, last) = match edit {
        TreeEdit::Set(p, _) | TreeEdit::Remove(p) | TreeEdit::AddKey(p, _, _) => (&p[..p.len() - 1], p[p.len() - 1]),
    };
    // The path as a JSON pointer, found by walking the tree read-only, then edited in place.
    let mut pointer = String::new();
    let mut at: &Value = root;
    for &i in path {
        let (step, next) = match at {
            Value::Object(m) if !m.is_empty() => {
                let (k, v) = m.iter().nth(i % m.len()).unwrap_or_else(|| unreachable!("an entry of the map"));
                (k.replace('~', "~0").replace('/', "~1"), v)
            }
            Value::Array(a) if !a.is_empty() => ((i % a.len()).to_string(), &a[i % a.len()]),
            _ => break,
        };
        pointer.push('/');
        pointer.push_str(&step);
        at = next;
    }
    let Some(node) = root.pointer_mut(&pointer) else { return };
    match (node, edit) {
        (Value::Object(m), TreeEdit::Set(_, v)) if !m.is_empty() => {
            let key = m.keys().nth(last % m.len()).cloned().unwrap_or_default();
            m.insert(key, v.clone());
        }
        (Value::Object(m), TreeEdit::Remove(_)) if !m.is_empty() => {
            let key = m.keys().nth(last % m.len()).cloned().unwrap_or_default();
            m.remove(&key);
        }
        (Value::Object(m), TreeEdit::AddKey(_, k, v)) => {
            m.insert(k.clone(), v.clone());
        }
        (Value::Array(a), TreeEdit::Set(_, v)) if !a.is_empty() => {
            let n = a.len();
            a[last % n] = v.clone();
        }
        (Value::Array(a), TreeEdit::Remove(_)) if !a.is_empty() => {
            let n = a.len();
            a.remove(last % n);
        }
        (node, TreeEdit::Set(_, v)) => *node = v.clone(),
        _ => {}
    }
}

fn good_tree() -> Value {
    let s = parse(GOOD, "good.yaml").unwrap_or_else(|e| panic!("the base scenario parses: {e}"));
    serde_json::to_value(&s).unwrap_or_else(|e| panic!("a scenario serializes: {e}"))
}

#[test]
fn every_example_is_read_from_its_value_as_from_its_text() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 15, "{} examples", files.len());
    for file in files {
        let scenario = parse(&std::fs::read_to_string(&file).unwrap(), "example").unwrap();
        let tree = serde_json::to_value(&scenario).unwrap();
        let text = tree.to_string();
        let read = read_value(&tree, &text).unwrap_or_else(|| panic!("{}: not read from its value", file.display()));
        assert_eq!(Ok(read), parse(&text, ""), "{}", file.display());
    }
}

#[test]
fn a_null_is_left_to_the_text_which_refuses_it_where_a_value_would_read_an_empty_list() {
    let mut tree = good_tree();
    tree["strategy"]["legs"] = Value::Null;
    let text = tree.to_string();
    assert_eq!(read_value(&tree, &text), None);
    let refused = parse(&text, "").unwrap_err();
    assert_eq!(refused.path, "strategy.legs", "{refused}");
    // Read from a value, the null would have been an empty list of legs: another error.
    let as_value = serde_norway::to_value(&tree).unwrap();
    let from_value = serde_path_to_error::deserialize::<_, super::Scenario>(as_value);
    assert!(from_value.is_err_and(|e| e.to_string() != refused.message));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_an_answer_never_a_panic(text in "\\PC{0,400}") {
        check(&text)?;
    }

    #[test]
    fn any_bytes_as_text_are_an_answer(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        check(&text)?;
    }

    #[test]
    fn edits_of_a_good_scenario_are_an_answer_with_a_position_inside_the_text(edits in prop::collection::vec(edit(), 1..4)) {
        let text = edits.iter().fold(GOOD.to_string(), |t, e| apply(&t, e));
        check(&text)?;
    }

    #[test]
    fn a_sweep_point_read_from_its_value_is_what_its_text_reads(edits in prop::collection::vec(tree_edit(), 0..4)) {
        let mut tree = good_tree();
        for e in &edits {
            edit_tree(&mut tree, e);
        }
        let text = tree.to_string();
        if let Some(read) = read_value(&tree, &text) {
            prop_assert_eq!(Ok(read), parse(&text, ""));
        }
    }

    #[test]
    fn yaml_and_json_read_a_generated_document_the_same_way(edits in prop::collection::vec(tree_edit(), 1..4)) {
        let mut tree = good_tree();
        for e in &edits {
            edit_tree(&mut tree, e);
        }
        let json = serde_json::to_string_pretty(&tree).unwrap_or_default();
        let yaml = serde_norway::to_string(&tree).unwrap_or_default();
        let (from_json, from_yaml) = (parse(&json, "prop.json"), parse(&yaml, "prop.yaml"));
        match (&from_json, &from_yaml) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            // The two deserializers may explain one fault differently; both must place it.
            (Err(a), Err(b)) => prop_assert!(located_inside(a, &json) && located_inside(b, &yaml)),
            _ => prop_assert!(false, "JSON says {:?}, YAML says {:?}\n{}", from_json.as_ref().err().map(ToString::to_string), from_yaml.as_ref().err().map(ToString::to_string), yaml),
        }
    }
}
