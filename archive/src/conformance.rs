//! Entries that break the document: a documented member missing, or of
//! another type than the document gives it (a number where it says string).
//!
//! The policy, the same for every format and output: such an entry is kept
//! as sent (JSON Lines and JSON: its text; CSV: each cell as sent, the raw
//! JSON text of a member whose type is wrong, no member dropped), counted,
//! warned about, and the run that wrote it exits 4 once the export is
//! complete: the server is at fault, not the disk. An `operation_type` the
//! document does not list is no break: the document's list may grow, and
//! the entry decodes (`OperationType::Unknown`).

use std::fmt;

use arize_audit_logs::{quote_server_text, AuditLog, DecodeEntryError, RawAuditLog};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The entries of a run that break the document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breaks {
    /// How many were written.
    pub count: u64,
    /// The first one: its id and why.
    pub first: Option<String>,
    /// The last one counted, the same way.
    pub latest: Option<String>,
}

impl Breaks {
    /// Counts one more, `entry`, that broke the document because of `why`.
    pub fn add(&mut self, entry: &RawAuditLog, why: &DecodeEntryError) {
        self.count += 1;
        let this = format!(
            "entry {}: {}",
            quote_server_text(entry.id()),
            quote_server_text(&why.to_string())
        );
        if self.first.is_none() {
            self.first = Some(this.clone());
        }
        self.latest = Some(this);
    }

    /// The breaks counted since there were `before` of them.
    pub fn since(&self, before: u64) -> Breaks {
        Breaks {
            count: self.count - before,
            first: if before == 0 {
                self.first.clone()
            } else {
                self.latest.clone()
            },
            latest: self.latest.clone(),
        }
    }

    /// `N entries break the API's document (such as entry …: why)`.
    pub fn describe(&self) -> String {
        let what = if self.count == 1 {
            "1 entry breaks".to_owned()
        } else {
            format!("{} entries break", self.count)
        };
        match &self.first {
            Some(first) => format!("{what} the API's document (such as {first})"),
            None => format!("{what} the API's document"),
        }
    }
}

/// The CSV cells of an entry that does not decode, as sent: a string
/// member's text, the compact JSON text of any other value, nothing for a
/// member that is absent or null; the members the document does not list in
/// `extra`. The sink neutralises cells that start like a formula, as for
/// every row.
pub fn csv_cells_as_sent(entry: &RawAuditLog) -> [String; 9] {
    let members = members_in_order(entry.json());
    let cell = |name: &str| {
        members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| cell_text(value))
            .unwrap_or_default()
    };
    let extra: Vec<String> = members
        .iter()
        .filter(|(name, _)| !AuditLog::MEMBERS.contains(&name.as_str()))
        .map(|(name, value)| {
            format!(
                "{}:{}",
                serde_json::to_string(name).unwrap_or_default(),
                arize_audit_logs::compact_json(value.get())
            )
        })
        .collect();
    [
        cell("id"),
        cell("user_id"),
        cell("ip"),
        cell("operation_type"),
        cell("operation_name"),
        cell("operation_text"),
        cell("variables"),
        entry.created_at_text().into_owned(),
        if extra.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", extra.join(","))
        },
    ]
}

/// A member's value as a cell: a string's text, else the value's JSON text.
fn cell_text(value: &RawValue) -> String {
    match serde_json::from_str::<String>(value.get()) {
        Ok(text) => text,
        Err(_) if value.get() == "null" => String::new(),
        Err(_) => arize_audit_logs::compact_json(value.get()).into_owned(),
    }
}

/// The members of `json`, a JSON object, in the server's order, values as
/// sent (none when it is not an object).
pub fn members_in_order(json: &str) -> Vec<(String, &RawValue)> {
    serde_json::from_str::<Members<'_>>(json)
        .map(|m| m.0)
        .unwrap_or_default()
}

/// An object's members in the server's order, values as sent.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, &'de RawValue>()? {
                    members.push((name, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawAuditLog {
        serde_json::from_str(text).expect("an entry the page decodes")
    }

    #[test]
    fn a_member_of_the_wrong_type_is_kept_as_its_json_text() {
        let entry = raw(
            r#"{"id":"a","user_id":42,"ip":{"v":4},"operation_type":"QUERY","operation_name":null,"zone":[1, 2],"created_at":"2026-05-18T12:00:00Z"}"#,
        );
        assert!(entry.decode().is_err(), "it breaks the document");
        let cells = csv_cells_as_sent(&entry);
        assert_eq!(cells[0], "a");
        assert_eq!(cells[1], "42");
        assert_eq!(cells[2], r#"{"v":4}"#);
        assert_eq!(cells[4], "");
        assert_eq!(cells[7], "2026-05-18T12:00:00Z");
        assert_eq!(cells[8], r#"{"zone":[1,2]}"#);
    }

    #[test]
    fn a_missing_member_is_an_empty_cell_and_a_break_is_described_once() {
        let entry = raw(
            r#"{"id":"b","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
        );
        let why = entry.decode().expect_err("user_id is required");
        assert_eq!(csv_cells_as_sent(&entry)[1], "");
        let mut breaks = Breaks::default();
        breaks.add(&entry, &why);
        breaks.add(&entry, &why);
        assert_eq!(breaks.count, 2);
        let text = breaks.describe();
        assert!(text.starts_with("2 entries break the API's document (such as entry b: "));
        assert!(text.contains("user_id"), "{text}");
    }
}
