//! RFC 9457 Problem Details (component schema `Problem`).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// RFC 9457 Problem Details, the body of every documented error response.
///
/// Members the schema does not declare (the prose docs mention `error_code`)
/// are kept in [`extensions`](Problem::extensions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
#[schemars(description = "RFC 9457 Problem Details.")]
pub struct Problem {
    /// A URI reference that identifies the problem type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("format" = "uri-reference"))]
    pub problem_type: Option<String>,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A human-readable explanation specific to this occurrence of the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub detail: Option<String>,
    /// A URI reference that identifies the specific occurrence of the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", extend("format" = "uri-reference"))]
    pub instance: Option<String>,
    /// Members beyond those the schema declares, such as `error_code`.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem with a status and title.
    pub fn new(status: u16, title: impl Into<String>) -> Self {
        Self {
            problem_type: None,
            title: title.into(),
            status,
            detail: None,
            instance: None,
            extensions: serde_json::Map::new(),
        }
    }

    /// Sets `detail`.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Sets `type`.
    #[must_use]
    pub fn with_type(mut self, problem_type: impl Into<String>) -> Self {
        self.problem_type = Some(problem_type.into());
        self
    }

    /// Sets `instance`.
    #[must_use]
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// The undeclared `error_code` member, when the server sent one as a string.
    pub fn error_code(&self) -> Option<&str> {
        self.extensions.get("error_code").and_then(|v| v.as_str())
    }
}

/// `title: detail (error_code)`, with control characters escaped.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::model::text::quote(&self.title))?;
        if let Some(detail) = &self.detail {
            write!(f, ": {}", crate::model::text::quote(detail))?;
        }
        if let Some(code) = self.error_code() {
            write!(f, " (error_code {})", crate::model::text::quote(code))?;
        }
        Ok(())
    }
}
