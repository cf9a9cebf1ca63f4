//! What the document says about each query parameter, as data: the command
//! line builds its flags from it, the export's journal and resume hints
//! print with it, and validation reads its rules from it.

/// One query parameter of `GET /v2/audit-logs`, as the checked-in document
/// defines it ([`ListAuditLogsParams::PARAMETERS`](crate::ListAuditLogsParams::PARAMETERS)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parameter {
    /// The name on the wire (`operation_name`).
    pub name: &'static str,
    /// The document's description.
    pub description: &'static str,
    /// Its type and rules.
    pub kind: ParameterKind,
}

impl Parameter {
    /// Whether it takes several values (an array: the key is repeated).
    pub fn is_repeated(&self) -> bool {
        matches!(self.kind, ParameterKind::TextList { .. })
    }
}

/// A query parameter's type and the rules its schema sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParameterKind {
    /// An RFC 3339 date-time.
    DateTime,
    /// An integer within bounds (inclusive).
    Integer {
        /// The smallest allowed value.
        minimum: Option<i64>,
        /// The largest allowed value.
        maximum: Option<i64>,
    },
    /// A string of bounded length (in characters).
    Text {
        /// The fewest characters allowed.
        min_length: Option<usize>,
        /// The most characters allowed.
        max_length: Option<usize>,
    },
    /// One of a fixed set of strings.
    Enum {
        /// The documented values.
        values: &'static [&'static str],
    },
    /// `true` or `false`.
    Boolean,
    /// Several strings, each of bounded length.
    TextList {
        /// The fewest items allowed.
        min_items: Option<usize>,
        /// The most items allowed.
        max_items: Option<usize>,
        /// The fewest characters an item may have.
        min_length: Option<usize>,
        /// The most characters an item may have.
        max_length: Option<usize>,
    },
}

/// One value or several, for an array parameter's builder method
/// (`.operation_name("createModel")` or `.operation_name(["a", "b"])`).
pub trait Values {
    /// The values, in order.
    fn into_values(self) -> Vec<String>;
}

impl Values for &str {
    fn into_values(self) -> Vec<String> {
        vec![self.to_owned()]
    }
}

impl Values for String {
    fn into_values(self) -> Vec<String> {
        vec![self]
    }
}

impl Values for &String {
    fn into_values(self) -> Vec<String> {
        vec![self.clone()]
    }
}

impl<S: Into<String>> Values for Vec<S> {
    fn into_values(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: Into<String>, const N: usize> Values for [S; N] {
    fn into_values(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: Into<String> + Clone> Values for &[S] {
    fn into_values(self) -> Vec<String> {
        self.iter().cloned().map(Into::into).collect()
    }
}
