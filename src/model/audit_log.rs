//! One audit-log entry and its operation type (`AuditLog`, `AuditLogOperationType`).

use std::{borrow::Cow, fmt, str::FromStr};

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{ser::SerializeMap, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::model::json_text;

/// A single audit log entry recording an authenticated user action
/// (component schema `AuditLog`).
///
/// Nothing the server sends is lost. An entry decoded from JSON keeps the
/// object exactly as it was sent ([`raw_json`](Self::raw_json)), so members
/// this version does not know — a member Arize adds next month, flat or
/// nested — reach an archive untouched, and
/// [`unknown_members`](Self::unknown_members) lists them. Serializing the
/// entry writes its members in the server's order: the documented ones with
/// their current values (so a changed field is written as changed), the
/// unknown ones verbatim. `created_at` is written back as the text the server
/// sent unless the field was changed.
///
/// Equality and hashing look at the documented fields only (`created_at` as
/// the parsed instant).
///
/// Decoding keeps the raw object through `serde_json`'s raw values, so it
/// works with `serde_json`'s deserializers (`from_str`, `from_slice`,
/// `from_reader`, `from_value`), which is how every page is decoded.
#[derive(Clone, JsonSchema)]
#[non_exhaustive]
#[schemars(description = "A single audit log entry recording an authenticated user action.")]
#[schemars(extend("additionalProperties" = true))]
pub struct AuditLog {
    /// A universally unique identifier (base64-encoded opaque string).
    pub id: String,
    /// The user who acted (base64 global user id).
    #[schemars(description = "The user who acted (base64-encoded global user id).")]
    pub user_id: String,
    /// The IP address the request came from.
    pub ip: String,
    /// The type of operation that was audited.
    pub operation_type: OperationType,
    /// The name of the GraphQL operation or REST endpoint.
    #[serde(default)]
    pub operation_name: Option<String>,
    /// The full text of the operation (query or mutation body, or REST request body).
    #[serde(default)]
    pub operation_text: Option<String>,
    /// JSON-serialized variables passed with the operation: JSON *text*, not an
    /// object. [`AuditLog::variables_json`] parses it.
    #[serde(default)]
    #[schemars(
        description = "JSON-serialized variables passed with the operation (JSON text, not an object)."
    )]
    pub variables: Option<String>,
    /// When the action happened. See [`AuditLog::created_at_text`] for how it
    /// is written back.
    #[schemars(description = "When the action happened (RFC 3339, UTC).")]
    pub created_at: DateTime<Utc>,
    /// `created_at` as the server sent it, with the value it parsed to.
    #[serde(skip)]
    #[schemars(skip)]
    sent_created_at: Option<SentTimestamp>,
    /// The whole object as the server sent it.
    #[serde(skip)]
    #[schemars(skip)]
    raw: Option<Box<str>>,
}

/// The index of a documented member in [`KNOWN_MEMBERS`].
pub(crate) fn known_member(name: &str) -> Option<usize> {
    Some(match name {
        "id" => 0,
        "user_id" => 1,
        "ip" => 2,
        "operation_type" => 3,
        "operation_name" => 4,
        "operation_text" => 5,
        "variables" => 6,
        "created_at" => 7,
        _ => return None,
    })
}

/// The documented members, in the document's order.
pub(crate) const KNOWN_MEMBERS: [&str; 8] = [
    "id",
    "user_id",
    "ip",
    "operation_type",
    "operation_name",
    "operation_text",
    "variables",
    "created_at",
];

/// A timestamp's text as received, and the value it parsed to.
#[derive(Clone)]
struct SentTimestamp {
    value: DateTime<Utc>,
    text: Box<str>,
}

impl<'de> Deserialize<'de> for AuditLog {
    /// One validating pass by `serde_json` keeps the object's text; the
    /// documented members are then taken from that text by a skim that
    /// decodes only them (a string without escapes is copied as it is).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Self::from_validated(raw.into()).map_err(D::Error::custom)
    }
}

impl AuditLog {
    /// The typed entry of one object's JSON text that `serde_json` has
    /// already validated.
    pub(crate) fn from_validated(raw: Box<str>) -> Result<Self, String> {
        /// The documented members, decoded by serde in one pass.
        #[derive(Deserialize)]
        struct Wire {
            id: String,
            user_id: String,
            ip: String,
            operation_type: OperationType,
            #[serde(default)]
            operation_name: Option<String>,
            #[serde(default)]
            operation_text: Option<String>,
            #[serde(default)]
            variables: Option<String>,
            created_at: String,
        }
        let wire: Wire = serde_json::from_str(&raw).map_err(|e| e.to_string())?;
        let value = parse_timestamp(&wire.created_at)?;
        Ok(Self {
            id: wire.id,
            user_id: wire.user_id,
            ip: wire.ip,
            operation_type: wire.operation_type,
            operation_name: wire.operation_name,
            operation_text: wire.operation_text,
            variables: wire.variables,
            created_at: value,
            sent_created_at: Some(SentTimestamp {
                value,
                text: wire.created_at.into_boxed_str(),
            }),
            raw: Some(raw),
        })
    }
}

impl Serialize for AuditLog {
    /// The members in the server's order (see [`AuditLog`]); an entry built
    /// with [`AuditLog::new`] writes the eight documented members.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let sent = self
            .raw
            .as_deref()
            .and_then(|raw| json_text::members(raw).ok());
        let mut map = serializer.serialize_map(None)?;
        let mut written = [false; KNOWN_MEMBERS.len()];
        for (name, value) in sent.iter().flatten() {
            match known_member(name) {
                Some(i) if !written[i] => {
                    self.serialize_known(&mut map, i)?;
                    written[i] = true;
                }
                Some(_) => {}
                None => map.serialize_entry(name, value)?,
            }
        }
        for (i, done) in written.iter().enumerate() {
            // A member the server left out stays out unless it now has a value.
            let absent_and_empty = sent.is_some() && self.known_is_null(i);
            if !done && !absent_and_empty {
                self.serialize_known(&mut map, i)?;
            }
        }
        map.end()
    }
}

impl PartialEq for AuditLog {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.id,
            &self.user_id,
            &self.ip,
            &self.operation_type,
            &self.operation_name,
            &self.operation_text,
            &self.variables,
            self.created_at,
        ) == (
            &other.id,
            &other.user_id,
            &other.ip,
            &other.operation_type,
            &other.operation_name,
            &other.operation_text,
            &other.variables,
            other.created_at,
        )
    }
}

impl Eq for AuditLog {}

impl std::hash::Hash for AuditLog {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.user_id.hash(state);
        self.ip.hash(state);
        self.operation_type.hash(state);
        self.operation_name.hash(state);
        self.operation_text.hash(state);
        self.variables.hash(state);
        self.created_at.hash(state);
    }
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("ip", &self.ip)
            .field("operation_type", &self.operation_type)
            .field("operation_name", &self.operation_name)
            .field("operation_text", &self.operation_text)
            .field("variables", &self.variables)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl AuditLog {
    fn known_is_null(&self, index: usize) -> bool {
        match index {
            4 => self.operation_name.is_none(),
            5 => self.operation_text.is_none(),
            6 => self.variables.is_none(),
            _ => false,
        }
    }

    fn serialize_known<M: SerializeMap>(&self, map: &mut M, index: usize) -> Result<(), M::Error> {
        let name = KNOWN_MEMBERS[index];
        match index {
            0 => map.serialize_entry(name, &self.id),
            1 => map.serialize_entry(name, &self.user_id),
            2 => map.serialize_entry(name, &self.ip),
            3 => map.serialize_entry(name, &self.operation_type),
            4 => map.serialize_entry(name, &self.operation_name),
            5 => map.serialize_entry(name, &self.operation_text),
            6 => map.serialize_entry(name, &self.variables),
            _ => map.serialize_entry(name, &*self.created_at_text()),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` read directly (the form the API
/// sends), else RFC 3339 by chrono, else anything chrono reads as a UTC
/// date-time.
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    if let Some(t) = parse_utc_z(text) {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| text.parse())
        .map_err(|e| {
            format!(
                "created_at {:?} is not an RFC 3339 date-time: {e}",
                crate::model::text::excerpt(text.as_bytes(), 40)
            )
        })
}

/// The common form only; `None` sends anything else to chrono.
fn parse_utc_z(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b.last() != Some(&b'Z')
    {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let value = digits(20..b.len() - 1)?;
            value * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(digits(0..4)?).ok()?,
        digits(5..7)?,
        digits(8..10)?,
    )?;
    let seconds = digits(17..19)?;
    if seconds > 59 {
        return None; // a leap second: chrono decides
    }
    Some(
        date.and_hms_nano_opt(digits(11..13)?, digits(14..16)?, seconds, nanos)?
            .and_utc(),
    )
}

/// RFC 3339 in UTC with `Z`: milliseconds, as the API writes them
/// (`2026-05-18T12:00:00.000Z`), or more digits when the value has them.
pub(crate) fn format_timestamp(t: &DateTime<Utc>) -> String {
    use chrono::{SecondsFormat, Timelike};
    let format = if t.nanosecond().is_multiple_of(1_000_000) {
        SecondsFormat::Millis
    } else {
        SecondsFormat::AutoSi
    };
    t.to_rfc3339_opts(format, true)
}

impl AuditLog {
    /// The members the document lists, in its order: what CSV columns and
    /// [`unknown_members`](Self::unknown_members) are measured against.
    pub const MEMBERS: [&'static str; 8] = KNOWN_MEMBERS;

    /// The index in [`MEMBERS`](Self::MEMBERS) of the documented member
    /// named `name`; `None` for a member the document does not list.
    pub fn member_index(name: &str) -> Option<usize> {
        known_member(name)
    }

    /// Creates an entry with the required fields; the optional ones start as
    /// `None`. Useful for tests and for the fake server.
    pub fn new(
        id: impl Into<String>,
        user_id: impl Into<String>,
        ip: impl Into<String>,
        operation_type: OperationType,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: id.into(),
            user_id: user_id.into(),
            ip: ip.into(),
            operation_type,
            operation_name: None,
            operation_text: None,
            variables: None,
            created_at,
            sent_created_at: None,
            raw: None,
        }
    }

    /// The entry exactly as the server sent it: every member, unknown ones
    /// included, in the server's order, values untouched. `None` for an entry
    /// built with [`AuditLog::new`]. It does not follow later changes to the
    /// fields: serialize the entry for that.
    pub fn raw_json(&self) -> Option<&str> {
        self.raw.as_deref()
    }

    /// The members the server sent that the document does not list, in the
    /// server's order, each value as sent (flat or nested). Empty for an
    /// entry built with [`AuditLog::new`].
    pub fn unknown_members(&self) -> Vec<(String, &RawValue)> {
        let Some(raw) = self.raw.as_deref() else {
            return Vec::new();
        };
        json_text::members(raw)
            .map(|members| {
                members
                    .into_iter()
                    .filter(|(name, _)| !KNOWN_MEMBERS.contains(&name.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// [`unknown_members`](Self::unknown_members) as one compact JSON object
    /// (`{"geo":{"country":"NL"}}`), or `None` when there are none: what an
    /// export's CSV writes in its `extra` column.
    pub fn unknown_members_json(&self) -> Option<String> {
        let members = self.unknown_members();
        if members.is_empty() {
            return None;
        }
        let mut out = String::from("{");
        for (i, (name, value)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // A string always serializes.
            out.push_str(&serde_json::to_string(name).unwrap_or_default());
            out.push(':');
            out.push_str(&json_text::compact(value.get()));
        }
        out.push('}');
        Some(out)
    }

    /// `created_at` as it is written back: the server's text when the entry
    /// came from the API and `created_at` was not changed since, else RFC
    /// 3339 in UTC (milliseconds, as the API writes them).
    pub fn created_at_text(&self) -> Cow<'_, str> {
        match &self.sent_created_at {
            Some(sent) if sent.value == self.created_at => Cow::Borrowed(&sent.text),
            _ => Cow::Owned(format_timestamp(&self.created_at)),
        }
    }

    /// Sets `operation_name`.
    #[must_use]
    pub fn with_operation_name(mut self, name: Option<String>) -> Self {
        self.operation_name = name;
        self
    }

    /// Sets `operation_text`.
    #[must_use]
    pub fn with_operation_text(mut self, text: Option<String>) -> Self {
        self.operation_text = text;
        self
    }

    /// Sets `variables` (JSON text).
    #[must_use]
    pub fn with_variables(mut self, variables: Option<String>) -> Self {
        self.variables = variables;
        self
    }

    /// Parses [`variables`](AuditLog::variables) as JSON.
    ///
    /// `None` when the server sent no variables (absent or `null`);
    /// `Some(Err(_))` when the text is not valid JSON.
    pub fn variables_json(&self) -> Option<serde_json::Result<serde_json::Value>> {
        self.variables.as_deref().map(serde_json::from_str)
    }
}

/// The type of operation that was audited (component schema
/// `AuditLogOperationType`).
///
/// A value the document does not list parses into [`OperationType::Unknown`],
/// which keeps the server's string, instead of failing the whole page.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OperationType {
    /// `QUERY`
    Query,
    /// `MUTATION`
    Mutation,
    /// `SUBSCRIPTION`
    Subscription,
    /// A value this version of the crate does not know, kept as sent.
    Unknown(String),
}

impl OperationType {
    /// The values the document lists, in its order.
    pub const KNOWN: [OperationType; 3] = [Self::Query, Self::Mutation, Self::Subscription];

    /// The value as it goes on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Query => "QUERY",
            Self::Mutation => "MUTATION",
            Self::Subscription => "SUBSCRIPTION",
            Self::Unknown(other) => other,
        }
    }

    /// Whether the value is one the document lists.
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }
}

impl fmt::Display for OperationType {
    /// The wire value, honouring width, fill and alignment (`{:<12}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl From<&str> for OperationType {
    fn from(value: &str) -> Self {
        match value {
            "QUERY" => Self::Query,
            "MUTATION" => Self::Mutation,
            "SUBSCRIPTION" => Self::Subscription,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl From<String> for OperationType {
    fn from(value: String) -> Self {
        match value.as_str() {
            "QUERY" | "MUTATION" | "SUBSCRIPTION" => Self::from(value.as_str()),
            _ => Self::Unknown(value),
        }
    }
}

impl FromStr for OperationType {
    type Err = std::convert::Infallible;

    /// Never fails: an unlisted value becomes [`OperationType::Unknown`].
    /// Matching is exact (the API's values are upper case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s))
    }
}

impl Serialize for OperationType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OperationType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = OperationType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an operation type string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OperationType::from(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(OperationType::from(v))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl JsonSchema for OperationType {
    fn schema_name() -> Cow<'static, str> {
        "AuditLogOperationType".into()
    }

    /// The listed values, plus any other string: the crate keeps values the
    /// document does not list, so a pipeline validating exported lines must
    /// accept them too.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let known: Vec<&str> = Self::KNOWN.iter().map(Self::as_str).collect();
        schemars::json_schema!({
            "description": "The type of operation that was audited.",
            "type": "string",
            "anyOf": [
                { "enum": known },
                { "description": "A value the API added after this crate was generated." }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn operation_type_display_honours_width_and_alignment() {
        assert_eq!(format!("[{:<10}]", OperationType::Query), "[QUERY     ]");
        assert_eq!(format!("[{:>10}]", OperationType::Mutation), "[  MUTATION]");
        assert_eq!(
            format!("[{:^9}]", OperationType::Unknown("X".into())),
            "[    X    ]"
        );
    }

    use super::*;

    #[test]
    fn the_common_timestamp_form_is_read_as_chrono_reads_it() {
        for text in [
            "2026-05-18T12:00:00Z",
            "2026-05-18T12:00:00.5Z",
            "2026-05-18T12:00:00.000Z",
            "2026-05-18T23:59:59.123456789Z",
            "2024-02-29T00:00:00Z",
        ] {
            let chrono: DateTime<Utc> = DateTime::parse_from_rfc3339(text).expect(text).into();
            assert_eq!(parse_utc_z(text), Some(chrono), "{text}");
        }
        for other in [
            "2026-05-18T12:00:00+02:00",
            "2026-05-18 12:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-05-18T12:00:60Z",
            "2026-05-18T12:00:00.Z",
            "2026-05-18T12:00:00.1234567890Z",
            "2026-05-18T1a:00:00Z",
        ] {
            assert_eq!(parse_utc_z(other), None, "{other}");
        }
        assert_eq!(
            parse_timestamp("2026-05-18T14:00:00+02:00").expect("chrono"),
            parse_timestamp("2026-05-18T12:00:00Z").expect("fast")
        );
    }
}
