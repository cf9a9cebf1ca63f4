//! The members of one entry, read in one pass from its JSON Lines text and
//! borrowed from it: the documented ones by name, the others kept as sent.

use std::{borrow::Cow, fmt};

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One entry's members. `id` and `created_at` are not here: the raw entry
/// has them already decoded and checked.
#[derive(Debug, Default)]
pub struct Members<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub ip: Option<Cow<'a, str>>,
    pub operation_type: Option<Cow<'a, str>>,
    /// `None` when absent or `null` (the document allows both).
    pub operation_name: Option<Cow<'a, str>>,
    pub operation_text: Option<Cow<'a, str>>,
    /// JSON text, kept as the string it was sent as.
    pub variables: Option<Cow<'a, str>>,
    /// The members the document does not list, in the server's order, each
    /// value exactly as written.
    pub unknown: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Members<'a> {
    /// Reads the members of `line`, one entry's JSON object.
    ///
    /// An entry that breaks the document is still read, never refused (the
    /// sink counts it, warns and ends the export with exit 4, as for every
    /// format; see `crate::conformance`): a documented member of another
    /// type is taken as its JSON text, as a CSV export writes it (`7`,
    /// `null`, `{}`); a missing one is absent (an empty string where OCSF
    /// needs a value); a repeated one is kept after the first, in
    /// `unknown`. `raw_data` holds the entry as sent in every case.
    pub fn read(line: &'a str) -> Result<Self, String> {
        let mut deserializer = serde_json::Deserializer::from_str(line);
        deserializer
            .deserialize_map(MembersVisitor)
            .map_err(|e| e.to_string())
    }
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an audit-log entry object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Members::default();
        // Which documented member was seen: a repeated one goes to `unknown`.
        let mut seen = [false; 8];
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let index = match name.as_ref() {
                "id" => 0,
                "user_id" => 1,
                "ip" => 2,
                "operation_type" => 3,
                "operation_name" => 4,
                "operation_text" => 5,
                "variables" => 6,
                "created_at" => 7,
                _ => usize::MAX,
            };
            let value: &'de RawValue = map.next_value()?;
            if index == usize::MAX || std::mem::replace(&mut seen[index], true) {
                members.unknown.push((name, value));
                continue;
            }
            match index {
                1 => members.user_id = Some(string(value)),
                2 => members.ip = Some(string(value)),
                3 => members.operation_type = Some(string(value)),
                4 => members.operation_name = string_or_null(value),
                5 => members.operation_text = string_or_null(value),
                6 => members.variables = string_or_null(value),
                // `id` and `created_at`: the raw entry has them decoded.
                _ => {}
            }
        }
        Ok(members)
    }
}

/// A member documented as a string: its text, or its JSON text when it is
/// of another type.
fn string(value: &RawValue) -> Cow<'_, str> {
    match serde_json::from_str::<Text<'_>>(value.get()) {
        Ok(Text(text)) => text,
        Err(_) => Cow::Borrowed(value.get()),
    }
}

/// A member documented as a string or `null`: `None` for `null`, else as
/// [`string`].
fn string_or_null(value: &RawValue) -> Option<Cow<'_, str>> {
    (value.get() != "null").then(|| string(value))
}

/// A string, borrowed from the text when it holds no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_members_are_read_and_the_others_kept_as_written() {
        let line = r#"{"zone":{"a":[1.50,null]},"id":"i","user_id":"u\"1","ip":"::1","operation_type":"QUERY","operation_name":null,"variables":"{\"a\":1}","created_at":"2026-05-18T12:00:00.000Z","n":1e3}"#;
        let members = Members::read(line).expect("reads");
        assert_eq!(members.user_id.as_deref(), Some("u\"1"));
        assert_eq!(members.ip.as_deref(), Some("::1"));
        assert_eq!(members.operation_type.as_deref(), Some("QUERY"));
        assert_eq!(members.operation_name, None);
        assert_eq!(members.operation_text, None);
        assert_eq!(members.variables.as_deref(), Some(r#"{"a":1}"#));
        let unknown: Vec<(&str, &str)> = members
            .unknown
            .iter()
            .map(|(n, v)| (n.as_ref(), v.get()))
            .collect();
        assert_eq!(
            unknown,
            vec![("zone", r#"{"a":[1.50,null]}"#), ("n", "1e3")]
        );
    }

    #[test]
    fn a_member_missing_or_of_another_type_is_read_as_its_json_text_never_refused() {
        let line = r#"{"id":"i","ip":7,"operation_type":"QUERY","user_id":null,"variables":{"a":1},"operation_type":"MUTATION"}"#;
        let members = Members::read(line).expect("an entry that breaks the document is read");
        assert_eq!(members.ip.as_deref(), Some("7"));
        assert_eq!(members.user_id.as_deref(), Some("null"));
        assert_eq!(members.variables.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(
            members.operation_type.as_deref(),
            Some("QUERY"),
            "the first"
        );
        let unknown: Vec<(&str, &str)> = members
            .unknown
            .iter()
            .map(|(n, v)| (n.as_ref(), v.get()))
            .collect();
        assert_eq!(
            unknown,
            vec![("operation_type", r#""MUTATION""#)],
            "the repeat kept"
        );
        let missing = Members::read(r#"{"id":"i","operation_type":"QUERY"}"#).expect("reads");
        assert_eq!((missing.user_id, missing.ip), (None, None));
    }
}
