//! One audit-log entry and its operation type (`AuditLog`, `AuditLogOperationType`).

use std::{borrow::Cow, fmt, str::FromStr};

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A single audit log entry recording an authenticated user action
/// (component schema `AuditLog`).
///
/// Members the server sends that this version does not know are ignored, so a
/// newer API never breaks a running client.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
#[schemars(description = "A single audit log entry recording an authenticated user action.")]
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
    /// When the action happened. Written back with millisecond precision,
    /// as the API sends it (finer precision is kept when present).
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(description = "When the action happened (RFC 3339, UTC).")]
    pub created_at: DateTime<Utc>,
}

fn serialize_timestamp<S: Serializer>(t: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_timestamp(t))
}

/// RFC 3339 in UTC with `Z`: milliseconds, as the API writes them
/// (`2026-05-18T12:00:00.000Z`), or more digits when the value has them.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    use chrono::{SecondsFormat, Timelike};
    let format = if t.nanosecond().is_multiple_of(1_000_000) {
        SecondsFormat::Millis
    } else {
        SecondsFormat::AutoSi
    };
    t.to_rfc3339_opts(format, true)
}

impl AuditLog {
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
