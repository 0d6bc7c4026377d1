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

    /// An error about the field at the dotted `path` of the scenario `text` (found on its line,
    /// best effort), for rules checked after parsing, such as against a dataset.
    pub fn at(text: &str, source_name: &str, path: &str, message: String) -> ScenarioError {
        let (line, column) = locate(text, path).map_or((None, None), |(l, c)| (Some(l), Some(c)));
        ScenarioError { source_name: source_name.to_string(), path: path.to_string(), message, line, column }
    }

    /// An analysis section's refusal (`message` as `<field>: …`) at `<section>.<field>`'s line
    /// when the field is one of `fields`, else at the section's with the whole message.
    pub fn in_section(text: &str, source_name: &str, section: &str, message: &str, fields: &[&str]) -> ScenarioError {
        match message.split_once(": ") {
            Some((field, rest)) if fields.contains(&field) => {
                Self::at(text, source_name, &format!("{section}.{field}"), rest.to_string())
            }
            _ => Self::at(text, source_name, section, message.to_string()),
        }
    }
}

/// Parses scenario text, YAML or JSON. JSON is YAML (1.2), so both go through the one YAML
/// deserializer and are read by the same rules — a JSON reader would, for one, take an array for
/// a section (`"costs": []`) where YAML refuses it. The text's size, characters and nesting are
/// checked first ([`super::guard`]).
pub fn parse(text: &str, source_name: &str) -> Result<Scenario, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    super::guard::check(text, source_name)?;
    let scenario = parse_yaml(text, source_name).map_err(|e| refine(e, text))?;
    check_across(&scenario).map_err(|message| {
        let e = ScenarioError {
            source_name: source_name.to_string(),
            path: String::new(),
            message,
            line: None,
            column: None,
        };
        refine(e, text)
    })?;
    Ok(scenario)
}

/// The rules that span several sections (portfolio, settlement, models), checked once the
/// scenario is read; the message starts with the field it is about.
pub(super) fn check_across(scenario: &Scenario) -> Result<(), String> {
    super::portfolio::check(scenario)
        .and_then(|()| super::settlement::check(scenario))
        .and_then(|()| super::models::check(scenario))
}

/// Rules that span several fields are checked once their mapping is read, so the deserializer
/// can only point at the enclosing block (often line 1). Their messages start with the field they
/// are about (`legs[0]: delta: …`): move that into the path, and find the field's line by
/// following the path's keys through the text.
fn refine(mut e: ScenarioError, text: &str) -> ScenarioError {
    while let Some((head, rest)) = e.message.split_once(": ") {
        let is_field = !head.is_empty()
            && head.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '[' | ']'))
            && head.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if !is_field {
            break;
        }
        e.path = if e.path.is_empty() { head.to_string() } else { format!("{}.{head}", e.path) };
        e.message = rest.to_string();
    }
    // A position before the field's own key belongs to an enclosing block: use the key's.
    if !e.path.is_empty()
        && let Some((line, column)) = locate(text, &e.path)
        && e.line.is_none_or(|l| l < line)
    {
        e.line = Some(line);
        e.column = Some(column);
    }
    e
}

/// The 1-based line and column of the last key of a dotted path (`strategy.legs[0].delta`),
/// found by searching each key in turn after the previous one. `[i]` picks the i-th list item
/// (`- ` or `{` after the list's key); best effort for hand-written YAML and JSON.
fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let mut at = 0usize;
    let mut found = None;
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        at = find_key(text, name, at)?;
        found = Some(at);
        if let Some(i) = index {
            for _ in 0..=i {
                let next = text[at..].find(['-', '{']).map(|k| at + k)?;
                at = next + 1;
            }
            found = Some(at - 1);
        }
    }
    found.map(|offset| super::guard::position(text, offset))
}

/// Byte offset of the next `name:` (or `"name":`) key at or after `from`.
fn find_key(text: &str, name: &str, from: usize) -> Option<usize> {
    // An empty segment (a key that is "" or holds a dot) matches everywhere: no position.
    if name.is_empty() || from > text.len() {
        return None;
    }
    let mut start = from;
    while let Some(k) = text[start..].find(name) {
        let pos = start + k;
        let before = text[..pos].chars().next_back();
        let after = text[pos + name.len()..].trim_start_matches('"');
        let boundary = before.is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '"'));
        if boundary && after.trim_start_matches([' ', '\t']).starts_with(':') {
            return Some(if before == Some('"') { pos - 1 } else { pos });
        }
        start = pos + name.len();
    }
    None
}

/// Reads and parses a scenario file.
pub fn parse_file(path: &Path) -> Result<(Scenario, String), ScenarioError> {
    let name = path.display().to_string();
    let text = read_file(path)?;
    parse(&text, &name).map(|s| (s, text))
}

/// Reads a scenario file as text: UTF-8 checked (a bad byte is named by its line and column) and
/// its size bounded before it is read whole.
pub fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let name = path.display().to_string();
    let unreadable = |message: String| ScenarioError {
        source_name: name.clone(),
        path: String::new(),
        message,
        line: None,
        column: None,
    };
    let size = std::fs::metadata(path).map_err(|e| unreadable(format!("cannot read the scenario: {e}")))?.len();
    if size > super::guard::MAX_BYTES as u64 {
        return Err(unreadable(format!(
            "the scenario is {size} bytes; at most {} are accepted",
            super::guard::MAX_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(format!("cannot read the scenario: {e}")))?;
    super::guard::text_from_bytes(bytes, &name)
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
