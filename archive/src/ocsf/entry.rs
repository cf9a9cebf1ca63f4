//! The members of one entry, read in one pass from its JSON Lines text and
//! borrowed from it: the documented ones by name, each string kept as the
//! JSON text it was sent as (written back verbatim, decoded only where the
//! mapping reads it), the others kept as sent.

use std::borrow::Cow;

use arize_audit_logs::AuditLog;

/// One entry's members. `id` and `created_at` are not here: the raw entry
/// has them already decoded and checked.
/// Each value is its JSON text, exactly as sent.
#[derive(Debug, Default)]
pub struct Members<'a> {
    pub user_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub operation_type: Option<&'a str>,
    /// `None` when absent or `null` (the document allows both).
    pub operation_name: Option<&'a str>,
    pub operation_text: Option<&'a str>,
    /// JSON text, kept as the string it was sent as.
    pub variables: Option<&'a str>,
    /// The members the document does not list, in the server's order, each
    /// value exactly as written.
    pub unknown: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> Members<'a> {
    /// The members of an entry written in the document's order, as the
    /// library found them ([`arize_audit_logs::RawAuditLog::documented_members`]): nothing to
    /// skim, and nothing unknown.
    pub fn documented(values: [&'a str; AuditLog::MEMBERS.len()]) -> Self {
        let string_or_null = |value: &'a str| (value != "null").then_some(value);
        Members {
            user_id: Some(values[1]),
            ip: Some(values[2]),
            operation_type: Some(values[3]),
            operation_name: string_or_null(values[4]),
            operation_text: string_or_null(values[5]),
            variables: string_or_null(values[6]),
            unknown: Vec::new(),
        }
    }

    /// Reads the members of `line`, one entry's JSON object (valid JSON:
    /// the page it came in was decoded), in one skim. An error names the
    /// documented member that is missing, repeated or not of its documented
    /// type.
    pub fn read(line: &'a str) -> Result<Self, String> {
        let mut members = Members::default();
        // Which documented member was seen, so a repeated one is refused
        // (as the typed entry refuses it).
        let mut seen = [false; AuditLog::MEMBERS.len()];
        for member in arize_audit_logs::json_members(line) {
            let (name, value) = member.map_err(|e| e.to_string())?;
            let Some(index) = AuditLog::member_index(&name) else {
                members.unknown.push((name, value));
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                return Err(format!("duplicate field `{name}`"));
            }
            match index {
                1 => members.user_id = Some(required(value, "user_id")?),
                2 => members.ip = Some(required(value, "ip")?),
                3 => members.operation_type = Some(required(value, "operation_type")?),
                4 => members.operation_name = nullable(value, "operation_name")?,
                5 => members.operation_text = nullable(value, "operation_text")?,
                6 => members.variables = nullable(value, "variables")?,
                _ => {}
            }
        }
        for (name, value) in [
            ("user_id", &members.user_id),
            ("ip", &members.ip),
            ("operation_type", &members.operation_type),
        ] {
            if value.is_none() {
                return Err(format!("missing field `{name}`"));
            }
        }
        Ok(members)
    }
}

/// A member whose value must be a string: its JSON text.
fn required<'a>(value: &'a str, name: &str) -> Result<&'a str, String> {
    if value.starts_with('"') {
        Ok(value)
    } else {
        Err(format!("`{name}` is {}, not a string", kind(value)))
    }
}

/// A member whose value must be a string or `null`: the string's JSON
/// text, `None` for `null`.
fn nullable<'a>(value: &'a str, name: &str) -> Result<Option<&'a str>, String> {
    match value.as_bytes().first() {
        Some(b'"') => Ok(Some(value)),
        Some(b'n') => Ok(None),
        _ => Err(format!("`{name}` is {}, not a string or null", kind(value))),
    }
}

/// The string a JSON string's text stands for, borrowed when it holds no
/// escapes.
pub fn decoded(text: &str) -> Cow<'_, str> {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or_default();
    if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
        return Cow::Borrowed(inner);
    }
    serde_json::from_str::<String>(text).map_or(Cow::Borrowed(inner), Cow::Owned)
}

/// The members of `line`, an entry that breaks the document, written again
/// as the document has them: a documented string member of another type
/// becomes the string of its JSON text (`7` → `"7"`), a missing required
/// one an empty string, a repeated one is left out after the first (the
/// event's `raw_data` keeps it), and every other member stays as sent, in
/// the server's order. Text that is not a JSON object gives `{}`.
pub fn as_documented(line: &str) -> String {
    const REQUIRED: [&str; 3] = ["user_id", "ip", "operation_type"];
    const NULLABLE: [&str; 3] = ["operation_name", "operation_text", "variables"];
    let members = crate::conformance::members_in_order(line);
    let as_string = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let mut seen: Vec<&str> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for (name, value) in &members {
        let text = value.get();
        let documented = REQUIRED.contains(&name.as_str()) || NULLABLE.contains(&name.as_str());
        if documented || name == "id" || name == "created_at" {
            if seen.contains(&name.as_str()) {
                continue;
            }
            seen.push(name.as_str());
        }
        let keep = !documented
            || text.starts_with('"')
            || (text == "null" && NULLABLE.contains(&name.as_str()));
        let value = if keep {
            text.to_owned()
        } else {
            as_string(text)
        };
        out.push(format!("{}:{value}", as_string(name)));
    }
    for name in REQUIRED {
        if !seen.contains(&name) {
            out.push(format!("\"{name}\":\"\""));
        }
    }
    format!("{{{}}}", out.join(","))
}

/// What kind of JSON value `text` is, by its first byte.
fn kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the library found of an entry in the document's order is what
    /// a skim of its text reads.
    #[test]
    fn members_found_by_the_library_are_the_members_a_skim_reads() {
        for text in [
            r#"{"id":"i","user_id":"u\"1","ip":"::1","operation_type":"QUERY","operation_name":null,"operation_text":"q","variables":"{\"a\":1}","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"i","user_id":"u","ip":"::1","operation_type":"X","operation_name":"n","operation_text":null,"variables":null,"created_at":"2026-05-18T12:00:00Z"}"#,
        ] {
            let entry: arize_audit_logs::RawAuditLog = serde_json::from_str(text).expect("entry");
            let values = entry.documented_members().expect("in the document's order");
            assert_eq!(
                format!("{:?}", Members::documented(values)),
                format!("{:?}", Members::read(text).expect("reads"))
            );
        }
        let other: arize_audit_logs::RawAuditLog = serde_json::from_str(
            r#"{"id":"i","ip":"::1","user_id":"u","operation_type":"X","created_at":"2026-05-18T12:00:00Z"}"#,
        )
        .expect("entry");
        assert!(other.documented_members().is_none());
    }

    #[test]
    fn documented_members_are_read_and_the_others_kept_as_written() {
        let line = r#"{"zone":{"a":[1.50,null]},"id":"i","user_id":"u\"1","ip":"::1","operation_type":"QUERY","operation_name":null,"variables":"{\"a\":1}","created_at":"2026-05-18T12:00:00.000Z","n":1e3}"#;
        let members = Members::read(line).expect("reads");
        let text = |v: Option<&str>| v.map(|v| decoded(v).into_owned());
        assert_eq!(text(members.user_id).as_deref(), Some("u\"1"));
        assert_eq!(members.user_id, Some(r#""u\"1""#));
        assert_eq!(text(members.ip).as_deref(), Some("::1"));
        assert_eq!(text(members.operation_type).as_deref(), Some("QUERY"));
        assert!(members.operation_name.is_none());
        assert!(members.operation_text.is_none());
        assert_eq!(text(members.variables).as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(members.variables, Some(r#""{\"a\":1}""#));
        let unknown: Vec<(&str, &str)> = members
            .unknown
            .iter()
            .map(|(n, v)| (n.as_ref(), *v))
            .collect();
        assert_eq!(
            unknown,
            vec![("zone", r#"{"a":[1.50,null]}"#), ("n", "1e3")]
        );
    }

    #[test]
    fn a_documented_member_missing_or_of_another_type_is_named() {
        for (line, says) in [
            (
                r#"{"id":"i","ip":"::1","operation_type":"QUERY"}"#,
                "missing field `user_id`",
            ),
            (
                r#"{"id":"i","user_id":"u","ip":7,"operation_type":"QUERY"}"#,
                "`ip` is a number, not a string",
            ),
            (
                r#"{"user_id":null,"ip":"::1","operation_type":"QUERY"}"#,
                "`user_id` is null, not a string",
            ),
            (
                r#"{"user_id":"u","ip":"::1","operation_type":"QUERY","variables":{}}"#,
                "`variables` is an object, not a string or null",
            ),
            (
                r#"{"user_id":"u","user_id":"v","ip":"::1","operation_type":"QUERY"}"#,
                "duplicate field `user_id`",
            ),
        ] {
            let error = Members::read(line).expect_err(line);
            assert!(error.contains(says), "{line}: {error}");
        }
    }

    #[test]
    fn an_entry_that_breaks_the_document_is_read_as_documented_never_refused() {
        let line = r#"{"id":"i","ip":7,"operation_type":"QUERY","user_id":null,"variables":{"a":1},"operation_type":"MUTATION","z":[1]}"#;
        let repaired = as_documented(line);
        let members = Members::read(&repaired).expect("read once repaired");
        let text = |v: Option<&str>| v.map(|v| decoded(v).into_owned());
        assert_eq!(text(members.ip).as_deref(), Some("7"));
        assert_eq!(text(members.user_id).as_deref(), Some("null"));
        assert_eq!(text(members.variables).as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(
            text(members.operation_type).as_deref(),
            Some("QUERY"),
            "the first"
        );
        let unknown: Vec<(&str, &str)> = members
            .unknown
            .iter()
            .map(|(n, v)| (n.as_ref(), *v))
            .collect();
        assert_eq!(unknown, vec![("z", "[1]")], "the others as sent, in order");
        let missing = as_documented(r#"{"id":"i","operation_type":"QUERY"}"#);
        let members = Members::read(&missing).expect("a missing member reads as empty");
        assert_eq!(text(members.user_id).as_deref(), Some(""));
        assert_eq!(text(members.ip).as_deref(), Some(""));
    }
}
