//! Reading a scenario from YAML or JSON text, with errors that name the field path and the line and
//! column: `strategy.legs[1].delta.target: expected a number in (0, 1), got 1.3 (line 14, column 17)`.

use std::path::Path;

use super::Scenario;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{}{}", source_prefix(.source_name), path_prefix(.path), .message, position(.line, .column))]
pub struct ScenarioError {
    /// The file (or `<scenario>` for text given directly).
    pub source_name: String,
    /// Dotted field path, e.g. `strategy.legs[1].delta.target`; empty for the document itself.
    pub path: String,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

fn source_prefix(s: &str) -> String {
    if s.is_empty() { String::new() } else { format!("{s}: ") }
}

fn path_prefix(p: &str) -> String {
    if p.is_empty() || p == "." { String::new() } else { format!("{p}: ") }
}

fn position(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

impl ScenarioError {
    pub fn code(&self) -> &'static str {
        "ERR_SCENARIO"
    }
}

/// Parses scenario text. JSON is recognised by a leading `{`; anything else is read as YAML.
pub fn parse(text: &str, source_name: &str) -> Result<Scenario, ScenarioError> {
    if text.trim_start().starts_with('{') { parse_json(text, source_name) } else { parse_yaml(text, source_name) }
}

/// Reads and parses a scenario file.
pub fn parse_file(path: &Path) -> Result<(Scenario, String), ScenarioError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        source_name: name.clone(),
        path: String::new(),
        message: format!("cannot read the scenario: {e}"),
        line: None,
        column: None,
    })?;
    parse(&text, &name).map(|s| (s, text))
}

fn parse_yaml(text: &str, source_name: &str) -> Result<Scenario, ScenarioError> {
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, Scenario>(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let location = inner.location();
        let mut message = inner.to_string();
        // serde_norway writes "<path>: <message> at line L column C"; keep only the message.
        if let Some(loc) = &location {
            let suffix = format!(" at line {} column {}", loc.line(), loc.column());
            if let Some(m) = message.strip_suffix(&suffix) {
                message = m.to_string();
            }
        }
        // …and drop its own path prefix, which may name a parent of the exact path.
        if let Some((head, rest)) = message.split_once(": ")
            && !head.contains(' ')
            && (head == "." || path.starts_with(head))
        {
            message = rest.to_string();
        }
        ScenarioError {
            source_name: source_name.to_string(),
            path: if path == "." { String::new() } else { path },
            message,
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
        }
    })
}

fn parse_json(text: &str, source_name: &str) -> Result<Scenario, ScenarioError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let scenario = serde_path_to_error::deserialize::<_, Scenario>(&mut de)
        .map_err(|e| json_error(source_name, e.path().to_string(), &e.into_inner()))?;
    de.end().map_err(|e| json_error(source_name, String::new(), &e))?;
    Ok(scenario)
}

fn json_error(source_name: &str, path: String, inner: &serde_json::Error) -> ScenarioError {
    let (line, column) = (inner.line(), inner.column());
    let mut message = inner.to_string();
    let suffix = format!(" at line {line} column {column}");
    if let Some(m) = message.strip_suffix(&suffix) {
        message = m.to_string();
    }
    ScenarioError {
        source_name: source_name.to_string(),
        path: if path == "." { String::new() } else { path },
        message,
        line: (line > 0).then_some(line),
        column: (line > 0).then_some(column),
    }
}
