//! The check stage: every page is checked against what the export already
//! wrote before any of it is written.
//!
//! Entries of one pass arrive newest first. An entry whose id was written on
//! the page before, or at the timestamp the export has reached, is a repeat
//! of overlapping pages: it is dropped and counted. An entry newer than the
//! last one written that is not such a repeat, or a page of nothing but
//! repeats, stops the export. Memory stays bounded: only the ids of the last
//! page and of the boundary timestamp are kept. A `--follow` pass that
//! re-reads its look-back (see `lookback`) skips by id what the passes
//! before wrote, wherever in the pass it comes: that is no overlap.

use std::collections::HashSet;

use arize_audit_logs::RawAuditLog;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Which page, in a message: its cursor, or the first request.
fn page_at(cursor: Option<&str>) -> String {
    match cursor {
        Some(c) => format!("cursor {}", arize_audit_logs::quote_server_text(c)),
        None => "the first request".to_owned(),
    }
}

/// One written entry, as the checks remember it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub id: String,
    pub created_at: DateTime<Utc>,
}

/// What the checks remember between pages (kept in the journal, so a resumed
/// export checks the same way).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardState {
    /// The last entry written in this pass: nothing newer may follow.
    pub last: Option<Mark>,
    /// The ids of the last page written, and of every entry written at
    /// `last`'s timestamp.
    pub recent: Vec<Mark>,
    /// Ids a `--follow` pass expects again (written by the passes before,
    /// inside the look-back it re-reads): dropped without counting.
    pub boundary: HashSet<String>,
}

/// A page that passed the checks.
pub struct Checked {
    pub entries: Vec<RawAuditLog>,
    /// Entries dropped as repeats of earlier pages.
    pub repeats: u64,
}

impl GuardState {
    /// Checks one page, fetched at `cursor`. On success the state moves past
    /// the page; on failure it is unchanged and nothing may be written.
    pub fn check(
        &mut self,
        entries: Vec<RawAuditLog>,
        cursor: Option<&str>,
    ) -> Result<Checked, Error> {
        let received = entries.len();
        let mut kept: Vec<RawAuditLog> = Vec::with_capacity(received);
        let mut repeats = 0u64;
        let mut expected = 0usize;
        for entry in entries {
            let previous = kept
                .last()
                .map(|e| (e.id(), e.created_at()))
                .or_else(|| self.last.as_ref().map(|m| (m.id.as_str(), m.created_at)));
            // Only an entry that is not older than the one before can be a
            // repeat or out of order: the rest pass without a lookup.
            let suspect = !self.boundary.is_empty()
                || previous.is_none_or(|(_, at)| entry.created_at() >= at);
            if suspect {
                if self.boundary.contains(entry.id()) {
                    expected += 1;
                    continue;
                }
                // A repeat carries its original's timestamp: compare that first.
                let at = entry.created_at();
                if self
                    .recent
                    .iter()
                    .any(|m| m.created_at == at && m.id == entry.id())
                    || kept
                        .iter()
                        .rev()
                        .any(|k| k.created_at() == at && k.id() == entry.id())
                {
                    repeats += 1;
                    continue;
                }
                if let Some((previous_id, previous_at)) = previous {
                    if entry.created_at() > previous_at {
                        return Err(Error::server(format!(
                            "the page at {} is out of order: entry {} ({}) is newer than entry \
                             {} ({}) before it, although entries come newest first; nothing of \
                             that page was written",
                            page_at(cursor),
                            arize_audit_logs::quote_server_text(entry.id()),
                            arize_audit_logs::quote_server_text(&entry.created_at_text()),
                            arize_audit_logs::quote_server_text(previous_id),
                            crate::timestamp(&previous_at),
                        )));
                    }
                }
            }
            kept.push(entry);
        }
        if kept.is_empty() && repeats > 0 && received > expected {
            return Err(Error::server(format!(
                "the page at {} repeats {repeats} entries already written and nothing new: the \
                 server is returning the same entries again; stopping instead of looping; \
                 nothing of that page was written",
                page_at(cursor)
            )));
        }
        if let Some(newest_last) = kept.last() {
            let reached = newest_last.created_at();
            // Entries of earlier pages at the timestamp reached stay: a later
            // page may still repeat them.
            let carried: Vec<Mark> = self
                .recent
                .iter()
                .filter(|m| m.created_at == reached && !kept.iter().any(|k| k.id() == m.id))
                .cloned()
                .collect();
            // The earlier marks' strings are reused for this page's: no
            // allocation per entry once the first pages are through.
            let mut next = std::mem::take(&mut self.recent);
            next.truncate(carried.len() + kept.len());
            let marks = carried
                .iter()
                .map(|m| (m.id.as_str(), m.created_at))
                .chain(kept.iter().map(|e| (e.id(), e.created_at())));
            for (index, (id, created_at)) in marks.enumerate() {
                match next.get_mut(index) {
                    Some(mark) => {
                        mark.id.clear();
                        mark.id.push_str(id);
                        mark.created_at = created_at;
                    }
                    None => next.push(Mark {
                        id: id.to_owned(),
                        created_at,
                    }),
                }
            }
            self.recent = next;
            self.last = Some(Mark {
                id: newest_last.id().to_owned(),
                created_at: reached,
            });
        }
        Ok(Checked {
            entries: kept,
            repeats,
        })
    }

    /// Starts a `--follow` pass over newer entries: order starts afresh, and
    /// `boundary` (the ids already written inside the pass's range) are not
    /// written again.
    pub fn start_newer_pass(&mut self, boundary: HashSet<String>) {
        *self = Self {
            last: None,
            recent: Vec::new(),
            boundary,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, second: u32) -> RawAuditLog {
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:{second:02}Z"}}"#
        ))
        .expect("entry")
    }

    fn ids(c: &Checked) -> Vec<&str> {
        c.entries.iter().map(RawAuditLog::id).collect()
    }

    #[test]
    fn overlapping_pages_drop_and_count_the_repeats() {
        let mut g = GuardState::default();
        let first = g
            .check(vec![e("a", 9), e("b", 8), e("c", 7)], None)
            .expect("ok");
        assert_eq!(ids(&first), ["a", "b", "c"]);
        let second = g
            .check(vec![e("b", 8), e("c", 7), e("d", 6)], Some("p2"))
            .expect("ok");
        assert_eq!((ids(&second), second.repeats), (vec!["d"], 2));
    }

    #[test]
    fn entries_sharing_the_boundary_timestamp_are_remembered_across_pages() {
        let mut g = GuardState::default();
        g.check(vec![e("a", 9), e("b", 5)], None).expect("ok");
        g.check(vec![e("c", 5)], Some("p2")).expect("ok");
        // b is two pages back but shares the timestamp reached.
        let third = g.check(vec![e("b", 5), e("d", 4)], Some("p3")).expect("ok");
        assert_eq!((ids(&third), third.repeats), (vec!["d"], 1));
    }

    #[test]
    fn a_newer_entry_that_is_no_repeat_stops_before_anything_is_written() {
        let mut g = GuardState::default();
        g.check(vec![e("a", 9), e("b", 8)], None).expect("ok");
        let before = g.clone();
        let err = g
            .check(vec![e("c", 7), e("z", 10)], Some("p2"))
            .err()
            .expect("out of order");
        assert!(err.to_string().contains("cursor p2"), "{err}");
        assert_eq!(g, before, "state unchanged");
        let mut g = GuardState::default();
        assert!(g.check(vec![e("old", 1), e("new", 2)], None).is_err());
    }

    #[test]
    fn a_page_of_nothing_but_repeats_stops_the_export() {
        let mut g = GuardState::default();
        g.check(vec![e("a", 9), e("b", 8)], None).expect("ok");
        let err = g
            .check(vec![e("a", 9), e("b", 8)], Some("p2"))
            .err()
            .expect("loop");
        assert_eq!(err.kind(), crate::ErrorKind::Server);
        assert!(err.to_string().contains("repeats 2 entries"), "{err}");
    }

    #[test]
    fn a_follow_pass_drops_its_boundary_ids_without_counting() {
        let mut g = GuardState::default();
        g.check(vec![e("a", 9)], None).expect("ok");
        g.start_newer_pass(HashSet::from(["a".to_owned()]));
        let c = g.check(vec![e("n", 30), e("a", 9)], None).expect("ok");
        assert_eq!((ids(&c), c.repeats), (vec!["n"], 0));
        let only_boundary = g.check(vec![e("a", 9)], Some("p")).expect("not a loop");
        assert!(only_boundary.entries.is_empty());
    }

    #[test]
    fn a_reread_pass_skips_written_ids_anywhere_and_keeps_late_ones_in_order() {
        let mut g = GuardState::default();
        g.check(vec![e("c", 9), e("a", 5)], None).expect("ok");
        // The re-read: new on top, a late entry between two written ones.
        g.start_newer_pass(HashSet::from(["c".to_owned(), "a".to_owned()]));
        let first = g
            .check(vec![e("n", 30), e("c", 9), e("late", 7)], None)
            .expect("filtered by id, not refused as overlap");
        assert_eq!((ids(&first), first.repeats), (vec!["n", "late"], 0));
        let second = g.check(vec![e("a", 5)], Some("p2")).expect("ok");
        assert!(second.entries.is_empty());
    }
}
