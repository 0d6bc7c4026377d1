//! What a scenario's text must be before a parser sees it: UTF-8, at most [`MAX_BYTES`], no control
//! characters, brackets nested at most [`MAX_DEPTH`] deep. Each check is one linear pass, so no
//! document — however hostile — costs more than reading it, and each failure names the line and
//! column of the offending byte (a YAML parser reports some of them at line 1, or takes quadratic
//! time on deep brackets).

use super::ScenarioError;

/// The largest scenario accepted: far above any real one (a sweep of thousands of values included).
pub const MAX_BYTES: usize = 1 << 20;
/// The deepest nesting of `[` and `{` accepted; a scenario needs fewer than ten.
pub const MAX_DEPTH: usize = 64;

fn error(source: &str, message: String, at: Option<(usize, usize)>) -> ScenarioError {
    ScenarioError {
        source_name: source.to_string(),
        path: String::new(),
        message,
        line: at.map(|a| a.0),
        column: at.map(|a| a.1),
    }
}

/// The 1-based line and column (in characters) of byte `offset`; `\r\n`, `\n` and a lone `\r`
/// each end a line, as in YAML.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let mut line = 1;
    let mut line_start = 0;
    let mut i = 0;
    while i < before.len() {
        match before[i] {
            b'\r' if before.get(i + 1) == Some(&b'\n') => {
                i += 1;
                line += 1;
                line_start = i + 1;
            }
            b'\r' | b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let column = text[line_start..offset.min(text.len())].chars().count() + 1;
    (line, column)
}

/// Scenario bytes as text: UTF-8 (an invalid byte is named by its line and column), without a
/// leading byte-order mark.
pub fn text_from_bytes(bytes: Vec<u8>, source: &str) -> Result<String, ScenarioError> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let text = String::from_utf8_lossy(&bytes[..good]).into_owned();
            let at = position(&text, good);
            Err(error(
                source,
                format!("byte 0x{:02x} is not UTF-8 text (a scenario is UTF-8 YAML or JSON)", bytes[good]),
                Some(at),
            ))
        }
    }
}

/// Checks size, characters and nesting in one pass.
pub fn check(text: &str, source: &str) -> Result<(), ScenarioError> {
    if text.len() > MAX_BYTES {
        return Err(error(
            source,
            format!("the scenario is {} bytes; at most {MAX_BYTES} are accepted", text.len()),
            None,
        ));
    }
    if text.trim().is_empty() {
        return Err(error(source, "the scenario is empty".into(), None));
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // Inside a quoted scalar: the quote that ends it.
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0x7f {
            let name = if b == 0 { "a NUL byte".to_string() } else { format!("the control character 0x{b:02x}") };
            return Err(error(source, format!("{name} is not allowed in a scenario"), Some(position(text, i))));
        }
        match quote {
            Some(q) => {
                if b == b'\\' && q == b'"' {
                    i += 1; // the escaped character
                } else if b == q {
                    // YAML doubles a single quote inside single quotes.
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 1;
                    } else {
                        quote = None;
                    }
                }
            }
            None => {
                // A quote opens a quoted scalar only where a scalar can start; `don't` stays plain.
                let starts_scalar =
                    i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b':' | b',' | b'[' | b'{' | b'-');
                match b {
                    b'"' | b'\'' if starts_scalar => quote = Some(b),
                    b'#' if starts_scalar => {
                        while i + 1 < bytes.len() && !matches!(bytes[i + 1], b'\n' | b'\r') {
                            i += 1;
                        }
                    }
                    b'[' | b'{' => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Err(error(
                                source,
                                format!("brackets nested more than {MAX_DEPTH} deep"),
                                Some(position(text, i)),
                            ));
                        }
                    }
                    b']' | b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_every_kind_of_line_break() {
        let text = "a\nbc\r\nd\re";
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, 3), (2, 2));
        assert_eq!(position(text, 6), (3, 1));
        assert_eq!(position(text, 8), (4, 1));
        assert_eq!(position("é\tx", 3), (1, 3), "columns count characters, not bytes");
    }

    #[test]
    fn a_control_character_is_named_where_it_is() {
        let e = check("name: a\ndata:\n  x: b\u{0}c\n", "s.yaml").unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(7)));
        assert_eq!(e.message, "a NUL byte is not allowed in a scenario");
        let e = check("name: a\r  b: \u{7}\r", "s.yaml").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(6)));
    }

    #[test]
    fn invalid_utf8_is_named_where_it_is_and_a_bom_is_dropped() {
        let e = text_from_bytes(b"name: a\ndata: \xff\n".to_vec(), "s.yaml").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(7)));
        assert!(e.message.starts_with("byte 0xff is not UTF-8"), "{}", e.message);
        assert_eq!(text_from_bytes("\u{feff}name: a".as_bytes().to_vec(), "s").unwrap(), "name: a");
    }

    #[test]
    fn nesting_is_bounded_but_brackets_in_strings_and_comments_do_not_count() {
        let deep = format!("name: {}", "[".repeat(100_000));
        let e = check(&deep, "s.yaml").unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(7 + MAX_DEPTH)));
        let quoted = format!(
            "name: '{}' # {}\ndescription: \"{}\"\nnote: don't {}\n",
            "[".repeat(200),
            "{".repeat(200),
            "[".repeat(200),
            "x"
        );
        check(&quoted, "s.yaml").unwrap();
        let e = check(&"x".repeat(MAX_BYTES + 1), "s.yaml").unwrap_err();
        assert!(e.message.contains("at most 1048576"), "{}", e.message);
    }
}
