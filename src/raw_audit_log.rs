//! One audit-log entry exactly as the server sent it, decoded only as far as
//! an archive needs (`id`, `created_at`); the rest on demand.

use std::{borrow::Cow, fmt, ops::Range};

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::{audit_log::KNOWN_MEMBERS, json_text, AuditLog};

/// An audit-log entry exactly as the server sent it (component schema
/// `AuditLog`), for callers that archive: [`ListAuditLogs::raw_pages`]
/// streams these.
///
/// Decoding one is far cheaper than decoding an [`AuditLog`]: the object's
/// text is kept exactly as sent, `id` and `created_at` are read from it, and
/// the documented members are checked to have the documented JSON types
/// (strings; the optional ones may be null or absent), but nothing else is
/// decoded. So an entry that decodes as a `RawAuditLog` always
/// [`decode`](Self::decode)s as an `AuditLog` too. Serializing one writes its
/// text verbatim.
///
/// It decodes from borrowed JSON (`serde_json::from_slice`, `from_str`),
/// which is how every page is decoded.
///
/// [`ListAuditLogs::raw_pages`]: crate::ListAuditLogs::raw_pages
#[derive(Clone)]
pub struct RawAuditLog {
    /// The object's text (valid JSON).
    raw: String,
    id: String,
    created_at: DateTime<Utc>,
    /// The text of the `created_at` string, quotes excluded.
    created_at_text: Range<usize>,
}

impl RawAuditLog {
    /// The entry's `id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The entry's `created_at`.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// `created_at` as the server wrote it.
    pub fn created_at_text(&self) -> Cow<'_, str> {
        let raw = self.raw.as_str();
        let range = self.created_at_text.clone();
        let inner = raw.get(range.clone()).unwrap_or_default();
        if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
            return Cow::Borrowed(inner);
        }
        raw.get(range.start.saturating_sub(1)..range.end + 1)
            .and_then(json_text::string)
            .map_or(Cow::Borrowed(inner), Cow::Owned)
    }

    /// The entry exactly as the server sent it: every member, unknown ones
    /// included, in the server's order, values untouched.
    pub fn json(&self) -> &str {
        &self.raw
    }

    /// The typed entry, which keeps this text too
    /// ([`AuditLog::raw_json`]).
    pub fn decode(&self) -> serde_json::Result<AuditLog> {
        serde_json::from_str(&self.raw)
    }
}

/// The documented members of an entry, found in its text.
pub(crate) struct Members<'a> {
    pub values: [Option<&'a str>; KNOWN_MEMBERS.len()],
    pub ranges: [Range<usize>; KNOWN_MEMBERS.len()],
}

/// Finds the documented members and checks their JSON types: the required
/// ones are strings, the optional ones strings or null.
pub(crate) fn members(text: &str) -> Result<Members<'_>, String> {
    if !text.starts_with('{') {
        return Err(format!(
            "invalid type: {}, expected an audit-log entry object",
            json_kind(text)
        ));
    }
    let mut found = Members {
        values: [None; KNOWN_MEMBERS.len()],
        ranges: std::array::from_fn(|_| 0..0),
    };
    for member in json_text::Skim::new(text) {
        let (name, range) =
            member.map_err(|_| "invalid type: expected an entry object".to_owned())?;
        if let Some(i) = crate::audit_log::known_member(&name) {
            if found.values[i].is_some() {
                return Err(format!("duplicate field `{name}`"));
            }
            found.values[i] = text.get(range.clone());
            found.ranges[i] = range;
        }
    }
    check_types(&found.values)?;
    Ok(found)
}

/// Checks that the documented members have the documented JSON types.
fn check_types(values: &[Option<&str>; KNOWN_MEMBERS.len()]) -> Result<(), String> {
    for (i, value) in values.iter().enumerate() {
        let nullable = (4..=6).contains(&i);
        match value {
            None if nullable => {}
            None => return Err(format!("missing field `{}`", KNOWN_MEMBERS[i])),
            Some(v) if v.starts_with('"') || (nullable && *v == "null") => {}
            Some(v) => return Err(not_a_string(i, v, nullable)),
        }
    }
    Ok(())
}

/// The error for a documented member whose value is not a string (or null,
/// where that is allowed).
pub(crate) fn not_a_string(index: usize, value: &str, nullable: bool) -> String {
    format!(
        "invalid type: {} {}, expected {} for `{}`",
        json_kind(value),
        crate::text::excerpt(value.as_bytes(), 40),
        if nullable {
            "a string or null"
        } else {
            "a string"
        },
        KNOWN_MEMBERS[index]
    )
}

/// What kind of JSON value `text` is, by its first byte.
fn json_kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'{') => "map",
        Some(b'[') => "sequence",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        Some(b'"') => "string",
        _ => "number",
    }
}

/// RFC 3339 (the fast path), else anything chrono reads as a UTC date-time.
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| text.parse())
        .map_err(|e| {
            format!(
                "created_at {:?} is not an RFC 3339 date-time: {e}",
                crate::text::excerpt(text.as_bytes(), 40)
            )
        })
}

impl<'de> Deserialize<'de> for RawAuditLog {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // Borrowed: the one validating pass, and the text exactly as sent.
        let sent: &'de RawValue = Deserialize::deserialize(deserializer)?;
        let text = sent.get();
        let found = members(text).map_err(D::Error::custom)?;
        let id = found.values[0]
            .and_then(json_text::string)
            .unwrap_or_default();
        let created_at_text = found.values[7]
            .and_then(json_text::string)
            .unwrap_or_default();
        let created_at = parse_timestamp(&created_at_text).map_err(D::Error::custom)?;
        let range = found.ranges[7].clone();
        Ok(Self {
            raw: text.to_owned(),
            id,
            created_at,
            created_at_text: range.start + 1..range.end.saturating_sub(1),
        })
    }
}

impl Serialize for RawAuditLog {
    /// The text as sent, verbatim.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue = serde_json::from_str(&self.raw).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl JsonSchema for RawAuditLog {
    fn schema_name() -> Cow<'static, str> {
        AuditLog::schema_name()
    }

    /// The same as [`AuditLog`]'s: it is the same object.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        AuditLog::json_schema(generator)
    }
}

impl PartialEq for RawAuditLog {
    /// The same text.
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for RawAuditLog {}

impl fmt::Debug for RawAuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawAuditLog")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("json", &self.raw)
            .finish()
    }
}
