//! A small, deterministic YAML emitter. Every string that a
//! YAML 1.1 or 1.2 reader could take for something else (a number, a date, a
//! boolean such as `no`, a null) is double-quoted, so the document reads the
//! same in every parser.

use std::fmt::Write as _;

use serde_norway::{Mapping, Value};

/// The value as a YAML document, ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Mapping(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Sequence(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n("  ", level));
}

fn write_map(out: &mut String, map: &Mapping, level: usize) {
    for (key, value) in map {
        indent(out, level);
        out.push_str(&key_text(key));
        out.push(':');
        write_nested(out, value, level);
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Mapping(map) if !map.is_empty() => {
                // The first member on the dash's line, the rest aligned under it.
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, level + 1);
                    }
                    out.push_str(&key_text(key));
                    out.push(':');
                    write_nested(out, value, level + 1);
                }
            }
            other => write_nested(out, other, level),
        }
    }
}

/// After `key:` or `-`: a scalar on the same line, a collection below.
fn write_nested(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Mapping(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, level + 1);
        }
        Value::Sequence(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level + 1);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_text(s),
        Value::Sequence(_) => "[]".to_owned(),
        Value::Mapping(_) => "{}".to_owned(),
        Value::Tagged(tagged) => scalar_text(&tagged.value),
    }
}

fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => string_text(s),
        other => string_text(&scalar_text(other)),
    }
}

/// Plain when unambiguous, else a JSON string (which is valid YAML).
fn string_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        let mut quoted = String::with_capacity(s.len() + 2);
        quoted.push('"');
        for c in s.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                '\r' => quoted.push_str("\\r"),
                c if c.is_control() => {
                    let _ = write!(quoted, "\\u{:04x}", c as u32);
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}

/// Starts with a letter, uses only letters, digits, spaces and `_.,()/'-`,
/// does not end with a space, and is not a YAML 1.1 boolean or null word.
fn is_plain_safe(s: &str) -> bool {
    const SPECIAL_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _.,()/'-".contains(c))
        && !SPECIAL_WORDS.contains(&s.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ambiguous_strings_are_quoted_and_the_output_parses_back() {
        let value = json!({
            "openapi": "3.0.3",
            "when": "2026-05-18T12:00:00.000Z",
            "word": "no",
            "plain": "List audit logs",
            "200": {"$ref": "#/components/responses/Ok"},
            "list": ["QUERY", {"name": "a", "in": "query"}, [1, 2]],
            "empty": {}, "none": [], "n": 1.5, "b": true, "z": null,
            "multi": "line one\nline \"two\"",
        });
        let text = to_yaml(&serde_norway::to_value(&value).expect("value"));
        assert!(
            text.contains("when: \"2026-05-18T12:00:00.000Z\""),
            "{text}"
        );
        assert!(text.contains("word: \"no\""));
        assert!(text.contains("plain: List audit logs"));
        let back: serde_json::Value = serde_norway::from_str(&text).expect("valid YAML");
        assert_eq!(back, value);
    }
}
