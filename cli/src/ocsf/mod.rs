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

use std::{borrow::Cow, io, net::IpAddr};

use arize_audit_logs::RawAuditLog;

pub use activity::Activity;
use entry::Members;
pub use event::ApiActivity;
use event::{Actor, Api, Endpoint, Metadata, Product, Request, RequestData, Unmapped, User};

/// The OCSF version the events follow (`metadata.version`).
pub const VERSION: &str = "1.8.0";

/// API Activity.
pub const CLASS_UID: u32 = 6003;

/// Application Activity.
pub const CATEGORY_UID: u32 = 6;

/// Appends the event of `entry`, whose JSON Lines text is `line`, to `out`
/// as one line of JSON (without its line break).
///
/// Every entry has an event. One that breaks the document (a documented
/// member missing or of another type) is mapped from what it has, each
/// such member as its JSON text (see `entry::Members::read`), and
/// `raw_data` keeps it exactly as sent; the sink counts it as every format
/// does, and the export ends with exit 4.
pub fn write_event(out: &mut Vec<u8>, entry: &RawAuditLog, line: &str) -> io::Result<()> {
    let members = Members::read(line).map_err(|why| {
        io::Error::other(format!(
            "entry {:?} is not a JSON object: {why}",
            entry.id()
        ))
    })?;
    let created_at = entry.created_at_text();
    let event = map(entry, &created_at, line, members);
    serde_json::to_writer(out, &event).map_err(io::Error::other)
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
    // A missing member (an entry that breaks the document) maps as empty.
    let operation_type = operation_type.unwrap_or_default();
    let activity = Activity::of(&operation_type, operation_name.as_deref());
    let activity_name = match activity {
        Activity::Other => operation_type.clone(),
        known => Cow::Borrowed(known.caption()),
    };
    let millis = entry.created_at().timestamp_millis();
    let ip = ip.unwrap_or_default();
    let src_endpoint = if is_ip_address(&ip) {
        Endpoint {
            ip: Some(ip),
            name: None,
        }
    } else {
        Endpoint {
            ip: None,
            name: Some(ip),
        }
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
                uid: user_id.unwrap_or_default(),
            },
        },
        src_endpoint,
        api: Api {
            operation: operation_name
                .clone()
                .unwrap_or_else(|| operation_type.clone()),
            request: Request {
                uid: entry.id(),
                data: RequestData {
                    operation_type,
                    operation_name,
                    operation_text,
                    variables,
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
