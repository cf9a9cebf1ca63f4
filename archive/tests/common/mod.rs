//! What the archive crate's tests share: a fake server with a fixed range of
//! entries, and reading an archive's ids back.

#![allow(dead_code)] // each test file uses its own part

use std::path::Path;

use arize_audit_logs::mock::{MockConfig, MockServer};
use chrono::{DateTime, Utc};

/// The newest entry of [`server`]'s data.
pub const END: &str = "2026-05-18T00:00:00Z";

/// A time from its RFC 3339 text.
pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 time")
}

/// A fake Arize server holding `entries` seeded entries over the 30 days
/// before [`END`].
pub async fn server(entries: usize) -> MockServer {
    MockServer::start(MockConfig::default().entries(entries).seed(11).end(at(END)))
        .await
        .expect("the fake server starts")
}

/// The ids the server holds from `start` to `end` (both inclusive), newest
/// first: what an archive of that range must hold, in that order.
pub fn ids_between(server: &MockServer, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<String> {
    server
        .entries()
        .into_iter()
        .filter(|e| e.created_at >= start && e.created_at <= end)
        .map(|e| e.id)
        .collect()
}

/// The ids of JSON Lines text, line by line.
pub fn ids_of(text: &[u8]) -> Vec<String> {
    std::str::from_utf8(text)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            entry["id"].as_str().expect("an id").to_owned()
        })
        .collect()
}

/// The ids of a JSON Lines file, line by line.
pub fn ids_in(path: &Path) -> Vec<String> {
    ids_of(&std::fs::read(path).expect("the archive is readable"))
}
