//! One audit-log entry exactly as the server sent it, decoded only as far as
//! an archive needs (`id`, `created_at`); the rest on demand.

use std::{borrow::Cow, fmt, ops::Range};

use bytestring::ByteString;
use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::{
    model::audit_log::known_member, model::audit_log::parse_timestamp, model::audit_log::AuditLog,
    model::audit_log::KNOWN_MEMBERS, model::documented, model::json_text,
};

/// An audit-log entry exactly as the server sent it (component schema
/// `AuditLog`), for callers that archive: [`ListAuditLogs::raw_pages`]
/// streams these.
///
/// Decoding one is far cheaper than decoding an [`AuditLog`]: the object's
/// text is kept exactly as sent (and was validated as JSON), `id` and
/// `created_at` are read from it (a string, and an RFC 3339 date-time), and
/// nothing else is decoded: the other members are kept whatever they hold,
/// and [`decode`](Self::decode) checks them. Serializing one writes its text
/// verbatim.
///
/// It decodes from borrowed JSON (`serde_json::from_slice`, `from_str`).
/// A page the client fetches whose entries are written as servers write
/// them (compactly, each documented member once, in the document's order)
/// is read in one pass that checks what serde_json checks, and its entries
/// share the page's buffer instead of each holding a copy: cloning one is
/// cheap, and the page's buffer is freed when the last of its entries is
/// dropped (keep [`json`](Self::json)`.to_owned()` to hold one entry alone
/// for long). Any other page is decoded by serde_json.
///
/// [`ListAuditLogs::raw_pages`]: crate::ListAuditLogs::raw_pages
#[derive(Clone)]
pub struct RawAuditLog {
    /// The object's text (valid JSON). Read from a page in one pass
    /// ([`page_scan`](crate::model::page_scan)), it shares the page's
    /// buffer: no copy per entry.
    raw: ByteString,
    /// Shares `raw`'s buffer unless it has escapes.
    id: ByteString,
    /// Where each documented member's value is in `raw`, for an entry
    /// written in the document's order (`documented`).
    members: [(u32, u32); KNOWN_MEMBERS.len()],
    created_at: DateTime<Utc>,
    /// The text of the `created_at` string, quotes excluded.
    created_at_text: Range<usize>,
    /// The text is written as the document lists the entry, compactly (see
    /// [`documented`](crate::model::documented)): it keeps to the document, and it is one
    /// line. Found while `id` and `created_at` are read, so neither needs
    /// another look at the text.
    documented: bool,
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
        let raw: &str = &self.raw;
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

    /// The entry on one line, as a JSON Lines file holds it: its text as
    /// sent, or, when a line break stands between its tokens, that text
    /// with the whitespace between tokens removed ([`compact_json`]; no
    /// value is touched).
    ///
    /// [`compact_json`]: crate::compact_json
    pub fn json_line(&self) -> Cow<'_, str> {
        // A compact entry has no whitespace between its tokens, and a JSON
        // string holds no raw line break.
        if self.documented || memchr::memchr2(b'\n', b'\r', self.raw.as_bytes()).is_none() {
            Cow::Borrowed(self.json())
        } else {
            json_text::compact(&self.raw)
        }
    }

    /// For an entry written as servers write them (every documented member
    /// once, in the document's order, nothing else, compactly: what makes
    /// [`conforms`](Self::conforms) certain at once), each documented
    /// member's value as its JSON text: a string with its quotes and
    /// escapes, or `null`, in the order of [`AuditLog::MEMBERS`]. `None` for
    /// any other entry: read its members from [`json`](Self::json).
    pub fn documented_members(&self) -> Option<[&str; KNOWN_MEMBERS.len()]> {
        if !self.documented {
            return None;
        }
        let raw: &str = &self.raw;
        let mut values = [""; KNOWN_MEMBERS.len()];
        for (value, (start, end)) in values.iter_mut().zip(self.members) {
            *value = raw.get(start as usize..end as usize)?;
        }
        Some(values)
    }

    /// The typed entry, which keeps this text too
    /// ([`AuditLog::raw_json`]). The text was validated when it was decoded,
    /// so only the documented members are read; an error names the member
    /// that does not have its documented type.
    pub fn decode(&self) -> Result<AuditLog, DecodeEntryError> {
        AuditLog::from_validated(self.json().into()).map_err(DecodeEntryError)
    }

    /// Whether the entry keeps to the document: every required member
    /// there, every documented member of its documented type. The same
    /// verdict as [`decode`](Self::decode), at a fraction of its cost for
    /// the compact text servers send (each documented member named once,
    /// its value right after the colon); anything else is decoded.
    pub fn conforms(&self) -> Result<(), DecodeEntryError> {
        if self.documented || self.plainly_conforms() {
            return Ok(());
        }
        self.decode().map(|_| ())
    }

    /// The second fast path of [`conforms`](Self::conforms) (the first is
    /// an entry in the document's order): one skim of the
    /// object's top-level members (no value is decoded), `true` when each
    /// documented member is named at most once, the required ones are
    /// there, and each value other than `id` and `created_at` (already
    /// read) is a string, or `null` where that is allowed. A `false` is
    /// decided by the full decode, which names the member.
    fn plainly_conforms(&self) -> bool {
        let text = self.json();
        let mut seen = [false; KNOWN_MEMBERS.len()];
        for member in json_text::Skim::new(text) {
            let Ok((name, value)) = member else {
                return false;
            };
            let Some(index) = known_member(&name) else {
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                return false;
            }
            let first = text.as_bytes().get(value.start).copied();
            // operation_name, operation_text and variables may be null.
            let nullable = (4..=6).contains(&index);
            let typed = first == Some(b'"') || (nullable && first == Some(b'n'));
            if (1..=6).contains(&index) && !typed {
                return false;
            }
        }
        seen[1..=3].iter().all(|s| *s)
    }
}

/// Why an entry's documented members do not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeEntryError(String);

/// The error for a documented member whose value is not a string (or null,
/// where that is allowed).
fn not_a_string(index: usize, value: &str, nullable: bool) -> String {
    format!(
        "invalid type: {} {}, expected {} for `{}`",
        json_kind(value),
        crate::model::text::excerpt(value.as_bytes(), 40),
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

impl<'de> Deserialize<'de> for RawAuditLog {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // Borrowed: the one validating pass, and the text exactly as sent.
        let sent: &'de RawValue = Deserialize::deserialize(deserializer)?;
        let text = ByteString::from(sent.get());
        match documented::entry(text.as_bytes(), 0).filter(|found| found.end == text.len()) {
            Some(found) => Self::documented(&text, &found),
            None => Self::skimmed(&text),
        }
        .map_err(D::Error::custom)
    }
}

impl RawAuditLog {
    /// The entry whose text `text` was found written in the document's
    /// order ([`documented::entry`]), which gave `id` and `created_at`.
    pub(crate) fn documented(text: &ByteString, found: &documented::Entry) -> Result<Self, String> {
        let id = string_value(text, found.id.clone())?;
        let mut entry = Self::with(text, id, found.created_at.clone(), true)?;
        for (slot, value) in entry.members.iter_mut().zip(&found.members) {
            *slot = (
                u32::try_from(value.start).map_err(|e| e.to_string())?,
                u32::try_from(value.end).map_err(|e| e.to_string())?,
            );
        }
        Ok(entry)
    }

    /// Any other entry: `id` and `created_at` found by [`identity`].
    fn skimmed(text: &ByteString) -> Result<Self, String> {
        let (id, created_at) = identity(text)?;
        Self::with(text, id.into(), created_at, false)
    }

    /// `created_at_range` is the range of its value, quotes included.
    fn with(
        text: &ByteString,
        id: ByteString,
        created_at_range: Range<usize>,
        documented: bool,
    ) -> Result<Self, String> {
        let quoted = text.get(created_at_range.clone()).unwrap_or_default();
        let inner = quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or_default();
        let created_at =
            if quoted.starts_with('"') && memchr::memchr(b'\\', inner.as_bytes()).is_none() {
                parse_timestamp(inner)?
            } else {
                let unescaped =
                    json_text::string(quoted).ok_or_else(|| not_a_string(7, quoted, false))?;
                parse_timestamp(&unescaped)?
            };
        Ok(Self {
            raw: text.clone(),
            id,
            members: [(0, 0); KNOWN_MEMBERS.len()],
            created_at,
            created_at_text: created_at_range.start + 1..created_at_range.end.saturating_sub(1),
            documented,
        })
    }
}

/// The string whose text (quotes included) is `range` of validated JSON
/// `text`: a slice of the text (no copy) when it has no escape.
fn string_value(text: &ByteString, range: Range<usize>) -> Result<ByteString, String> {
    let quoted = text.get(range).unwrap_or_default();
    let inner = quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default();
    if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
        return Ok(text.slice_ref(inner));
    }
    json_text::string(quoted)
        .map(ByteString::from)
        .ok_or_else(|| not_a_string(0, quoted, false))
}

/// The entry's `id` and the range of its `created_at` value (quotes
/// included), in validated JSON text.
///
/// The fast path reads an entry in the documented order, which starts
/// `{"id":"` and ends with the `created_at` member, without looking at the
/// rest: the text ends `"}`, so its last member's value is a string, which
/// starts at the last unescaped quote before that (a string value holds no
/// unescaped quote); when `"created_at":` stands right before it, that is the
/// last member. Anything else is found by a skim of the members.
fn identity(text: &str) -> Result<(String, Range<usize>), String> {
    const ID: &str = "{\"id\":\"";
    const CREATED_AT: &str = "\"created_at\":";
    let fast = (|| {
        let rest = text.strip_prefix(ID)?;
        let id_end = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
        if rest.as_bytes()[id_end] != b'"' {
            return None;
        }
        // The last value: from the quote before the closing `"}`.
        let tail = text.strip_suffix("\"}")?;
        let value_start = memchr::memrchr(b'"', tail.as_bytes())?;
        if !tail[..value_start].ends_with(CREATED_AT)
            || memchr::memchr(b'\\', &tail.as_bytes()[value_start..]).is_some()
        {
            return None;
        }
        Some((rest[..id_end].to_owned(), value_start..text.len() - 1))
    })();
    if let Some(found) = fast {
        return Ok(found);
    }
    if !text.starts_with('{') {
        return Err(format!(
            "invalid type: {}, expected an audit-log entry object",
            json_kind(text)
        ));
    }
    let mut id = None;
    let mut created_at = None;
    for member in json_text::Skim::new(text) {
        let (name, range) =
            member.map_err(|_| "invalid type: expected an entry object".to_owned())?;
        let slot = match name.as_ref() {
            "id" => &mut id,
            "created_at" => &mut created_at,
            _ => continue,
        };
        if slot.is_some() {
            return Err(format!("duplicate field `{name}`"));
        }
        *slot = Some(range);
    }
    let id = id.ok_or("missing field `id`")?;
    let id_text = text.get(id).unwrap_or_default();
    let id = json_text::string(id_text).ok_or_else(|| not_a_string(0, id_text, false))?;
    Ok((id, created_at.ok_or("missing field `created_at`")?))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What the skim alone finds.
    fn skimmed(text: &str) -> (String, Range<usize>) {
        let (mut id, mut created_at) = (None, None);
        for member in json_text::Skim::new(text) {
            let (name, range) = member.expect("member");
            match name.as_ref() {
                "id" => id = json_text::string(&text[range]),
                "created_at" => created_at = Some(range),
                _ => {}
            }
        }
        (id.expect("id"), created_at.expect("created_at"))
    }

    #[test]
    fn conforms_agrees_with_decode() {
        for text in [
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","operation_name":null,"created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"NEW","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","user_id":7,"ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","variables":{},"created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","user_id": "u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","x":{"user_id":"u"},"user_id":3,"ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","operation_text":"{\"user_id\":\"u\"}","user_id":false,"ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","operation_name":nullx,"created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","operation\u005fname":5,"created_at":"2026-05-18T12:00:00Z"}"#,
        ] {
            let Ok(entry) = serde_json::from_str::<RawAuditLog>(text) else {
                continue;
            };
            assert_eq!(entry.conforms().is_ok(), entry.decode().is_ok(), "{text}");
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_skim_on_every_shape() {
        let cases = [
            // the documented order: the fast path
            r#"{"id":"QQ==","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            // a member after created_at, nested created_at names, escapes
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z","x":{"created_at":"1999-01-01T00:00:00Z"}}"#,
            r#"{"x":{"created_at":"1999-01-01T00:00:00Z"},"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a\"b","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","variables":"{\"created_at\":\"x\"}","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"created_at":"2026-05-18T12:00:00Z","id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","n":"\"created_at\":\"x"}"#,
            r#"{ "id" : "a", "user_id":"u","ip":"::1","operation_type":"QUERY", "created_at" : "2026-05-18T12:00:00Z" }"#,
        ];
        for text in cases {
            assert_eq!(identity(text).expect(text), skimmed(text), "{text}");
            let entry: RawAuditLog = serde_json::from_str(text).expect(text);
            assert_eq!(entry.created_at_text(), "2026-05-18T12:00:00Z", "{text}");
            assert_eq!(entry.json(), text);
            let typed = entry.decode().expect("decodes");
            assert_eq!(
                (typed.id.as_str(), typed.created_at),
                (entry.id(), entry.created_at())
            );
        }
    }

    #[test]
    fn id_and_created_at_are_required_and_checked() {
        for (text, says) in [
            (
                r#"{"user_id":"u","created_at":"2026-05-18T12:00:00Z"}"#,
                "missing field `id`",
            ),
            (r#"{"id":"a"}"#, "missing field `created_at`"),
            (
                r#"{"id":1,"created_at":"2026-05-18T12:00:00Z"}"#,
                "invalid type: number",
            ),
            (
                r#"{"id":"a","created_at":"yesterday"}"#,
                "not an RFC 3339 date-time",
            ),
            (r#"{"id":"a","created_at":null}"#, "invalid type: null"),
            (r#"[1]"#, "invalid type: sequence"),
        ] {
            let error = serde_json::from_str::<RawAuditLog>(text).expect_err(text);
            assert!(error.to_string().contains(says), "{text}: {error}");
        }
    }
}
