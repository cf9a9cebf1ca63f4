//! The OCSF activity of an entry: what kind of API call it records, from its
//! `operation_type` and `operation_name`.

/// An API Activity's `activity_id` (OCSF class 6003).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    Create = 1,
    Read = 2,
    Update = 3,
    Delete = 4,
    /// Not one of the above: `activity_name` then holds the source's value.
    Other = 99,
}

impl Activity {
    /// The rule, documented in the OCSF table of docs/operating.md:
    ///
    /// - `QUERY` and `SUBSCRIPTION` (a GraphQL subscription fetches data as
    ///   it changes) are reads;
    /// - a `MUTATION` is classified by the first word of its
    ///   `operation_name` (a camelCase, PascalCase, snake_case or REST
    ///   `METHOD /path` name), compared without regard to case: `create`,
    ///   `add` or `POST` → Create; `update`, `PUT` or `PATCH` → Update;
    ///   `delete` or `remove` (and REST `DELETE`) → Delete;
    /// - anything else — a mutation with another or no name, an operation
    ///   type the document does not list — is Other, never dropped.
    pub fn of(operation_type: &str, operation_name: Option<&str>) -> Self {
        match operation_type {
            "QUERY" | "SUBSCRIPTION" => Self::Read,
            "MUTATION" => {
                let verb = operation_name.map(first_word).unwrap_or_default();
                let is = |words: &[&str]| words.iter().any(|w| verb.eq_ignore_ascii_case(w));
                if is(&["create", "add", "post"]) {
                    Self::Create
                } else if is(&["update", "put", "patch"]) {
                    Self::Update
                } else if is(&["delete", "remove"]) {
                    Self::Delete
                } else {
                    Self::Other
                }
            }
            _ => Self::Other,
        }
    }

    /// `activity_id`.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// `type_uid`: `class_uid * 100 + activity_id`.
    pub fn type_uid(self) -> u32 {
        super::CLASS_UID * 100 + u32::from(self.id())
    }

    /// The caption OCSF gives the activity (`activity_name`, except for
    /// Other, whose name is the source's value).
    pub fn caption(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Read => "Read",
            Self::Update => "Update",
            Self::Delete => "Delete",
            Self::Other => "Other",
        }
    }

    /// `type_name`: the class's caption and the activity's.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Create => "API Activity: Create",
            Self::Read => "API Activity: Read",
            Self::Update => "API Activity: Update",
            Self::Delete => "API Activity: Delete",
            Self::Other => "API Activity: Other",
        }
    }
}

/// The first word of a name: letters up to a non-letter or to where a
/// lowercase letter is followed by an uppercase one (`createAiIntegration`
/// → `create`, `DeleteUser` → `Delete`, `POST /v2/x` → `POST`).
fn first_word(name: &str) -> &str {
    let bytes = name.as_bytes();
    let mut end = 0;
    while end < bytes.len() && bytes[end].is_ascii_alphabetic() {
        if end > 0 && bytes[end].is_ascii_uppercase() && bytes[end - 1].is_ascii_lowercase() {
            break;
        }
        end += 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_rule_classifies_each_kind_of_operation() {
        use Activity::*;
        for (operation_type, name, activity) in [
            ("QUERY", Some("getModels"), Read),
            ("QUERY", None, Read),
            ("QUERY", Some("deleteLooking"), Read),
            ("SUBSCRIPTION", Some("onMonitorAlert"), Read),
            ("MUTATION", Some("createAiIntegration"), Create),
            ("MUTATION", Some("CreateUser"), Create),
            ("MUTATION", Some("add_member"), Create),
            ("MUTATION", Some("POST /v2/experiments"), Create),
            ("MUTATION", Some("updateMonitor"), Update),
            ("MUTATION", Some("PATCH /v2/x"), Update),
            ("MUTATION", Some("deleteApiKey"), Delete),
            ("MUTATION", Some("removeMember"), Delete),
            ("MUTATION", Some("DELETE /v2/datasets/1"), Delete),
            ("MUTATION", Some("creates"), Other),
            ("MUTATION", Some("rotateKey"), Other),
            ("MUTATION", Some(""), Other),
            ("MUTATION", None, Other),
            ("WEBHOOK", Some("createThing"), Other),
            ("query", Some("getModels"), Other),
        ] {
            assert_eq!(
                Activity::of(operation_type, name),
                activity,
                "{operation_type} {name:?}"
            );
        }
    }

    #[test]
    fn type_uid_is_the_class_times_100_plus_the_activity() {
        assert_eq!(Activity::Read.type_uid(), 600_302);
        assert_eq!(Activity::Other.type_uid(), 600_399);
        assert_eq!(Activity::Delete.id(), 4);
    }
}
