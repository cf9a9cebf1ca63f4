//! `export --format ocsf`: each entry as one OCSF API Activity event
//! (class 6003, category 6), one a line, following OCSF [`VERSION`].
//!
//! # The mapping
//!
//! | OCSF | from the entry |
//! |---|---|
//! | `class_uid`, `class_name` | 6003, "API Activity" |
//! | `category_uid`, `category_name` | 6, "Application Activity" |
//! | `activity_id`, `activity_name` | by [`Activity::of`]: `QUERY`, `SUBSCRIPTION` → 2 Read; a `MUTATION` whose `operation_name` starts with the word `create`/`add`/`POST` → 1 Create, `update`/`PUT`/`PATCH` → 3 Update, `delete`/`remove` → 4 Delete; anything else (another mutation, an `operation_type` the document does not list) → 99 Other, with `activity_name` = `operation_type` |
//! | `type_uid`, `type_name` | 600300 + `activity_id`, "API Activity: " + the activity |
//! | `time` | `created_at` in epoch milliseconds (a finer fraction is cut off) |
//! | `severity_id`, `severity` | 1, "Informational": an entry records an action and rates nothing |
//! | `status_id`, `status` | 0, "Unknown": an entry does not say whether the operation succeeded |
//! | `metadata.version` | [`VERSION`] |
//! | `metadata.uid` | `id` |
//! | `metadata.product` | `name` "Arize AX", `vendor_name` "Arize AI" |
//! | `metadata.logged_time` | `created_at` in epoch milliseconds: when Arize AX logged the entry |
//! | `metadata.original_time` | `created_at` exactly as sent |
//! | `actor.user.uid` | `user_id` |
//! | `src_endpoint.ip` | `ip`, when it is an IPv4 or IPv6 address; otherwise `src_endpoint.name` holds it as sent |
//! | `api.operation` | `operation_name` when present (not `null`), else `operation_type` |
//! | `api.request.uid` | `id` (the entry records one request) |
//! | `api.request.data` | `operation_type`, and `operation_name`, `operation_text`, `variables` when not `null` (`variables` the string as sent) |
//! | `unmapped` | every member the document does not list, value unchanged (absent when there is none) |
//! | `raw_data` | the entry exactly as sent: the JSON Lines export's line |
//!
//! The event of an entry is the same whenever it is exported (no field
//! holds the time of the export), so a batch uploaded again after a crash
//! is the same object, and digests stay checkable. It uses only attributes
//! that OCSF 1.1.0 already has, so the same event with `metadata.version`
//! 1.1.0 (the version Amazon Security Lake takes) validates too.

mod activity;
mod entry;
mod event;
pub mod line;
pub mod schema;
mod write;

use std::{borrow::Cow, io, net::IpAddr};

use arize_audit_logs::RawAuditLog;

pub use activity::Activity;
use entry::{decoded, Members};
pub use event::ApiActivity;
use event::{
    Actor, Api, Endpoint, JsonStr, Metadata, Product, Request, RequestData, Unmapped, User,
};

/// The OCSF version the events follow (`metadata.version`).
pub const VERSION: &str = "1.8.0";

/// API Activity.
pub const CLASS_UID: u32 = 6003;

/// Application Activity.
pub const CATEGORY_UID: u32 = 6;

/// How [`write_event`] found the entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// Every documented member named once, the required ones there, each of
    /// its documented type: what [`RawAuditLog::conforms`] accepts (the
    /// reading applies the same rule, so the sink need not skim it again).
    AsDocumented,
    /// It breaks the document; [`RawAuditLog::conforms`] says how.
    BreaksTheDocument,
}

/// Appends the event of `entry`, whose JSON Lines text is `line`, to `out`
/// as one line of JSON (without its line break), and says whether the entry
/// keeps to the document.
///
/// Every entry has an event. One that breaks the document (a documented
/// member missing, repeated or of another type) is mapped from
/// `entry::as_documented`: each such member as its JSON text, a missing
/// one as empty; `raw_data` keeps the entry exactly as sent. The sink
/// counts it as it does for every format, and the export ends with exit 4.
pub fn write_event(out: &mut Vec<u8>, entry: &RawAuditLog, line: &str) -> io::Result<Read> {
    let repaired;
    let mut read = Read::AsDocumented;
    // The line is the entry's text when it was sent on one line: an entry
    // written in the document's order has its members found already.
    let as_sent = entry.json();
    let documented = entry
        .documented_members()
        .filter(|_| std::ptr::eq(line.as_ptr(), as_sent.as_ptr()) && line.len() == as_sent.len());
    let members = match documented
        .map(Members::documented)
        .map(Ok)
        .unwrap_or_else(|| Members::read(line))
    {
        Ok(members) => members,
        Err(_) => {
            read = Read::BreaksTheDocument;
            repaired = entry::as_documented(line);
            Members::read(&repaired).map_err(|why| {
                io::Error::other(format!(
                    "entry {:?} is not a JSON object: {why}",
                    entry.id()
                ))
            })?
        }
    };
    let created_at = entry.created_at_text();
    map(entry, &created_at, line, members).write_json(out);
    Ok(read)
}

/// The event of one entry (see the module's table).
fn map<'a>(
    entry: &'a RawAuditLog,
    created_at: &'a str,
    line: &'a str,
    members: Members<'a>,
) -> ApiActivity<'a> {
    let Members {
        user_id,
        ip,
        operation_type,
        operation_name,
        operation_text,
        variables,
        unknown,
    } = members;
    // `read` checked that the required members are there.
    let sent = |text: Option<&'a str>| text.map(JsonStr::Sent);
    let operation_type = operation_type.map_or(JsonStr::Ours(""), JsonStr::Sent);
    let type_text = match operation_type {
        JsonStr::Sent(text) => decoded(text),
        JsonStr::Ours(text) => Cow::Borrowed(text),
    };
    let name_text = operation_name.map(decoded);
    let activity = Activity::of(&type_text, name_text.as_deref());
    let activity_name = match activity {
        Activity::Other => operation_type,
        known => JsonStr::Ours(known.caption()),
    };
    let millis = entry.created_at().timestamp_millis();
    let src_endpoint = match ip {
        Some(ip) if is_ip_address(&decoded(ip)) => Endpoint {
            ip: sent(Some(ip)),
            name: None,
        },
        ip => Endpoint {
            ip: None,
            name: Some(ip.map_or(JsonStr::Ours(""), JsonStr::Sent)),
        },
    };
    ApiActivity {
        category_uid: CATEGORY_UID,
        category_name: "Application Activity",
        class_uid: CLASS_UID,
        class_name: "API Activity",
        activity_id: activity.id(),
        activity_name,
        type_uid: activity.type_uid(),
        type_name: activity.type_name(),
        time: millis,
        severity_id: 1,
        severity: "Informational",
        status_id: 0,
        status: "Unknown",
        metadata: Metadata {
            version: VERSION,
            uid: entry.id(),
            product: Product {
                name: "Arize AX",
                vendor_name: "Arize AI",
            },
            logged_time: millis,
            original_time: created_at,
        },
        actor: Actor {
            user: User {
                uid: user_id.map_or(JsonStr::Ours(""), JsonStr::Sent),
            },
        },
        src_endpoint,
        api: Api {
            operation: sent(operation_name).unwrap_or(operation_type),
            request: Request {
                uid: entry.id(),
                data: RequestData {
                    operation_type,
                    operation_name: sent(operation_name),
                    operation_text: sent(operation_text),
                    variables: sent(variables),
                },
            },
        },
        unmapped: (!unknown.is_empty()).then_some(Unmapped(unknown)),
        raw_data: line,
    }
}

/// Whether `text` is an IPv4 or IPv6 address that OCSF's `ip_t` accepts (at
/// most 40 characters).
fn is_ip_address(text: &str) -> bool {
    text.len() <= 40 && text.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn event_of(text: &str) -> serde_json::Value {
        let entry: RawAuditLog = serde_json::from_str(text).expect("an entry");
        let mut out = Vec::new();
        write_event(&mut out, &entry, &entry.json_line()).expect("an event");
        assert!(!out.contains(&b'\n'), "one line");
        serde_json::from_slice(&out).expect("JSON")
    }

    /// The event of `line` as serde writes its type, `raw_data` (which the
    /// type skips) added last: what [`ApiActivity::write_json`] must write.
    fn serialized_by_serde(entry: &RawAuditLog, line: &str) -> String {
        let repaired;
        let members = match Members::read(line) {
            Ok(members) => members,
            Err(_) => {
                repaired = entry::as_documented(line);
                Members::read(&repaired).expect("repaired")
            }
        };
        let created_at = entry.created_at_text();
        let event = map(entry, &created_at, line, members);
        let mut json = serde_json::to_string(&event).expect("serializes");
        json.pop();
        json.push_str(",\"raw_data\":");
        json.push_str(&serde_json::to_string(line).expect("a string"));
        json.push('}');
        json
    }

    #[test]
    fn the_fast_writer_writes_what_serde_writes_for_every_kind_of_entry() {
        for line in [
            r#"{"id":"a\"1","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
            r#"{"id":"a","user_id":"u","ip":"x y","operation_type":"MUTATION","operation_name":"deleteKey","operation_text":"mutation {}","variables":"{\"a\":\"\\u00e9\"}","created_at":"2026-05-18T12:00:00.123456Z","z\u00e9":[1,{"b":null}],"n":1e3}"#,
            "{\"id\":\"a\",\t\"user_id\":\"u\",\"ip\":\"192.0.2.1\",\"operation_type\":\"WEBHOOK\",\"operation_name\":null,\"created_at\":\"2026-05-18T12:00:00Z\"}",
            r#"{"id":"a","ip":7,"operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}"#,
        ] {
            let entry: RawAuditLog = serde_json::from_str(line).expect("an entry");
            let mut out = Vec::new();
            write_event(&mut out, &entry, line).expect("an event");
            assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serialized_by_serde(&entry, line)
            );
        }
    }

    proptest::proptest! {
        /// The sink takes the mapping's reading as the conformance verdict
        /// (no second skim), so the two rules must agree on every entry.
        #[test]
        fn the_mappings_reading_agrees_with_the_librarys_conformance_rule(
            members in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "user_id", "ip", "operation_type", "operation_name",
                        "operation_text", "variables", "id", "created_at",
                        "user\\u005fid", "zone",
                    ]),
                    proptest::sample::select(vec![
                        r#""s""#, "null", "7", "{}", "[1]", "true", r#""a\"b""#,
                    ]),
                ),
                0..9,
            )
        ) {
            let mut line = String::from(r#"{"id":"i","created_at":"2026-05-18T12:00:00Z""#);
            for (name, value) in &members {
                // id and created_at again only as a repetition.
                line.push_str(&format!(r#","{name}":{value}"#));
            }
            line.push('}');
            let Ok(entry) = serde_json::from_str::<RawAuditLog>(&line) else {
                return Ok(());
            };
            let mut out = Vec::new();
            let read = write_event(&mut out, &entry, &line).expect("an event");
            proptest::prop_assert_eq!(
                read == Read::AsDocumented,
                entry.conforms().is_ok(),
                "{}", line
            );
            proptest::prop_assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serialized_by_serde(&entry, &line),
                "{}", line
            );
        }
    }

    #[test]
    fn an_ip_ocsf_would_refuse_goes_to_the_endpoint_name_as_sent() {
        for (ip, member) in [
            ("192.0.2.1", "ip"),
            ("2001:db8::1", "ip"),
            ("::ffff:192.0.2.1", "ip"),
            // 45 characters: an address, but longer than OCSF's ip_t allows.
            ("0000:0000:0000:0000:0000:ffff:255.255.255.255", "name"),
            ("fe80::1%eth0", "name"),
            ("192.0.2.1, 10.0.0.1", "name"),
            ("", "name"),
        ] {
            let event = event_of(&format!(
                r#"{{"id":"a","user_id":"u","ip":{ip:?},"operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z"}}"#
            ));
            assert_eq!(
                event["src_endpoint"],
                serde_json::json!({ member: ip }),
                "{ip}"
            );
        }
    }

    #[test]
    fn raw_data_is_the_line_with_tabs_quotes_and_backslashes_escaped() {
        let line = "{\"id\":\"a\",\t\"user_id\":\"u\\\"\\\\\\u00e9\u{e9}\",\"ip\":\"::1\",\"operation_type\":\"QUERY\",\"created_at\":\"2026-05-18T12:00:00Z\"}";
        let event = event_of(line);
        assert_eq!(event["raw_data"], line);
        assert_eq!(event["actor"]["user"]["uid"], "u\"\\\u{e9}\u{e9}");
    }

    #[test]
    fn time_is_created_at_in_milliseconds_cut_not_rounded() {
        let event = event_of(
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"1969-12-31T23:59:59.9995Z"}"#,
        );
        assert_eq!(event["time"], -1);
        assert_eq!(
            event["metadata"]["original_time"],
            "1969-12-31T23:59:59.9995Z"
        );
        let event = event_of(
            r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00.123999Z"}"#,
        );
        assert_eq!(event["time"], 1_779_105_600_123_i64);
    }

    #[test]
    fn the_format_is_persisted_by_its_name_and_older_journals_still_read() {
        assert_eq!(
            serde_json::to_string(&Format::Ocsf).expect("json"),
            r#""ocsf""#
        );
        for format in [Format::Jsonl, Format::Csv, Format::Json, Format::Ocsf] {
            let text = serde_json::to_string(&format).expect("json");
            assert_eq!(
                serde_json::from_str::<Format>(&text).expect("reads"),
                format
            );
            assert_eq!(text, format!("{:?}", format.name()));
        }
        assert!(Format::Ocsf.is_line_per_entry() && Format::Jsonl.is_line_per_entry());
        assert!(!Format::Csv.is_line_per_entry() && !Format::Json.is_line_per_entry());
    }
}
