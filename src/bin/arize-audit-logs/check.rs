//! The check stage: every page is checked against what the export already
//! wrote before any of it is written.
//!
//! Entries of one pass arrive newest first. An entry whose id was written on
//! the page before, or at the timestamp the export has reached, is a repeat
//! of overlapping pages: it is dropped and counted. An entry newer than the
//! last one written that is not such a repeat, or a page of nothing but
//! repeats, stops the export. Memory stays bounded: only the ids of the last
//! page and of the boundary timestamp are kept.

use std::collections::HashSet;

use arize_audit_logs::{AuditLog, Error, PaginationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    /// Ids a `--follow` pass expects again at its lower bound (written by the
    /// pass before, at the same instant): dropped without counting.
    pub boundary: Vec<String>,
}

/// A page that passed the checks.
pub struct Checked {
    pub entries: Vec<AuditLog>,
    /// Entries dropped as repeats of earlier pages.
    pub repeats: u64,
}

impl GuardState {
    /// Checks one page, fetched at `cursor`. On success the state moves past
    /// the page; on failure it is unchanged and nothing may be written.
    pub fn check(
        &mut self,
        entries: Vec<AuditLog>,
        cursor: Option<&str>,
    ) -> Result<Checked, Error> {
        let received = entries.len();
        let recent: HashSet<&str> = self.recent.iter().map(|m| m.id.as_str()).collect();
        let boundary: HashSet<&str> = self.boundary.iter().map(String::as_str).collect();
        let mut on_page: HashSet<String> = HashSet::with_capacity(received);
        let mut kept = Vec::with_capacity(received);
        let mut repeats = 0u64;
        let mut expected = 0usize;
        let mut last = self.last.clone();
        for entry in entries {
            if boundary.contains(entry.id.as_str()) {
                expected += 1;
                continue;
            }
            if recent.contains(entry.id.as_str()) || on_page.contains(&entry.id) {
                repeats += 1;
                continue;
            }
            if let Some(previous) = &last {
                if entry.created_at > previous.created_at {
                    return Err(PaginationError::OutOfOrder {
                        cursor: cursor.map(str::to_owned),
                        id: entry.id.clone(),
                        created_at: entry.created_at_text().into_owned(),
                        previous_id: previous.id.clone(),
                        previous_created_at: arize_audit_logs::format_timestamp(
                            &previous.created_at,
                        ),
                    }
                    .into());
                }
            }
            last = Some(Mark {
                id: entry.id.clone(),
                created_at: entry.created_at,
            });
            on_page.insert(entry.id.clone());
            kept.push(entry);
        }
        if kept.is_empty() && repeats > 0 && received > expected {
            return Err(PaginationError::RepeatedPage {
                cursor: cursor.map(str::to_owned),
                entries: usize::try_from(repeats).unwrap_or(usize::MAX),
            }
            .into());
        }
        if !kept.is_empty() {
            let reached = last.as_ref().map(|m| m.created_at);
            // Entries of earlier pages at the timestamp reached stay: a later
            // page may still repeat them.
            let mut next: Vec<Mark> = self
                .recent
                .drain(..)
                .filter(|m| Some(m.created_at) == reached && !on_page.contains(&m.id))
                .collect();
            next.extend(kept.iter().map(|e| Mark {
                id: e.id.clone(),
                created_at: e.created_at,
            }));
            self.recent = next;
            self.last = last;
        }
        Ok(Checked {
            entries: kept,
            repeats,
        })
    }

    /// Starts a `--follow` pass over newer entries: order starts afresh, and
    /// `boundary` (the ids written at the new lower bound) are not written
    /// again.
    pub fn start_newer_pass(&mut self, boundary: Vec<String>) {
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
    use arize_audit_logs::OperationType;

    fn e(id: &str, second: u32) -> AuditLog {
        AuditLog::new(
            id,
            "u",
            "::1",
            OperationType::Query,
            format!("2026-05-18T12:00:{second:02}Z")
                .parse()
                .expect("ts"),
        )
    }

    fn ids(c: &Checked) -> Vec<&str> {
        c.entries.iter().map(|e| e.id.as_str()).collect()
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
        assert!(matches!(
            err,
            Error::Pagination(PaginationError::RepeatedPage { entries: 2, .. })
        ));
    }

    #[test]
    fn a_follow_pass_drops_its_boundary_ids_without_counting() {
        let mut g = GuardState::default();
        g.check(vec![e("a", 9)], None).expect("ok");
        g.start_newer_pass(vec!["a".into()]);
        let c = g.check(vec![e("n", 30), e("a", 9)], None).expect("ok");
        assert_eq!((ids(&c), c.repeats), (vec!["n"], 0));
        let only_boundary = g.check(vec![e("a", 9)], Some("p")).expect("not a loop");
        assert!(only_boundary.entries.is_empty());
    }
}
