//! `--batch-interval`: a followed export into a bucket stores what its polls
//! bring at most this often, so a quiet account writes one object per day
//! covered (and one manifest update) per interval, not one per poll.
//!
//! Between stores, the lines fetched are *held in the export's state*
//! (`--state FILE`, else the prefix's `_state.json`), byte for byte as they
//! will be stored, and the state is saved at every poll as before. The state
//! counts held lines as written (`written`), because it holds them: the plan,
//! the look-back's ids and the held lines are saved together, in one atomic
//! replacement, so a run killed at any point between polls continues from a
//! state that has each fetched entry either in the bucket or in the state,
//! never in neither (lost) and never in both (stored twice).
//!
//! A continued run puts the held lines back in front of its batch. Storing
//! them follows the write-ahead rule of every batch (see
//! [`crate::store::Uploader`]): the state first records how many pages
//! after the held lines the batch takes (none, for held lines stored
//! alone), so a run killed after the upload and before the state counts it
//! cuts the very same batch again; its objects are named after their
//! content, so they replace themselves, and the manifest lists each once.
//!
//! A batch is stored before the interval is up once it reaches
//! `--batch-pages` (held pages included); a stop (SIGTERM, Ctrl-C, a
//! failure) stores what is held before the export exits; and digests
//! (`--digests`) are written as each object is stored, so they cover every
//! object. `--batch-interval 0s` stores every poll, as before the flag.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Order};

/// How often a followed export into a bucket stores what it gathered when
/// `--batch-interval` is not given.
pub const DEFAULT: Duration = Duration::from_secs(5 * 60);

/// Lines fetched while following into a bucket, not yet stored: kept in the
/// export's state until they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// The lines (JSON Lines, or OCSF events), exactly as they will be
    /// stored, each ending in a line break.
    pub lines: String,
    /// The pages they came from, counted against `--batch-pages`.
    pub pages: u64,
    /// When the first of them was held: the interval runs from here, across
    /// restarts.
    pub since: DateTime<Utc>,
}

impl Held {
    /// The entries held (one a line).
    pub fn entries(&self) -> u64 {
        memchr::memchr_iter(b'\n', self.lines.as_bytes()).count() as u64
    }
}

/// When the batch of a followed export into a bucket is stored: once
/// `every` has passed since its first line was held, or once it reaches
/// `max_pages` pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    every: Duration,
    max_pages: u64,
}

/// What to do with a batch at the end of a poll.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Keep it in the state (it replaces what was held: the held lines lead
    /// the batch).
    Hold(Held),
    /// Store it now.
    Store,
}

impl Interval {
    /// The interval `every` (`None` for zero: every poll is stored), with
    /// batches cut at `max_pages` pages (`--batch-pages`).
    pub fn new(every: Duration, max_pages: u64) -> Option<Self> {
        (!every.is_zero()).then_some(Self { every, max_pages })
    }

    /// At the end of a poll: whether `batch` (everything gathered, the lines
    /// of `held` first, then those of `new_pages` pages) is held in the
    /// state or stored now, at `now`.
    pub fn decide(
        &self,
        batch: &[u8],
        held: Option<&Held>,
        new_pages: u64,
        now: DateTime<Utc>,
    ) -> Result<Decision, Error> {
        if batch.is_empty() {
            // Nothing to hold; storing nothing stores nothing.
            return Ok(Decision::Store);
        }
        let since = held.map_or(now, |h| h.since);
        let pages = held.map_or(0, |h| h.pages) + new_pages;
        // A clock set back past `since` cannot say how long lines waited:
        // they are stored rather than held for an unknown time.
        let due = (now - since)
            .to_std()
            .map_or(true, |waited| waited >= self.every);
        if due || pages >= self.max_pages {
            return Ok(Decision::Store);
        }
        let lines = String::from_utf8(batch.to_vec())
            .map_err(|_| Error::storage("the lines to hold in the export's state are not UTF-8"))?;
        Ok(Decision::Hold(Held {
            lines,
            pages,
            since,
        }))
    }
}

/// The lines of a batch that held lines lead, in the export's `order` by
/// `created_at` (stably: lines of the same instant keep their order).
///
/// Each poll's lines come in order, but a later poll's are newer than the
/// held ones: without this, an object of several polls would not lie
/// between its first and last line, which its key, its manifest record and
/// its digest all take as its range. A stable sort of the same lines gives
/// the same bytes whichever order they come in, so a batch stored again
/// after a crash makes the same objects.
pub fn in_order(batch: &[u8], order: Order) -> Result<Vec<u8>, Error> {
    let mut lines: Vec<(DateTime<Utc>, &[u8])> = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', batch) {
        let line = &batch[start..=end];
        let edge = crate::digest::edge_of(line)
            .map_err(|why| Error::storage(format!("a line to store: {why}")))?;
        let at = DateTime::parse_from_rfc3339(&edge.created_at)
            .map_err(|e| Error::storage(format!("created_at {:?}: {e}", edge.created_at)))?;
        lines.push((at.with_timezone(&Utc), line));
        start = end + 1;
    }
    match order {
        Order::NewestFirst => lines.sort_by_key(|l| std::cmp::Reverse(l.0)),
        Order::OldestFirst => lines.sort_by_key(|l| l.0),
    }
    let mut sorted = Vec::with_capacity(batch.len());
    for (_, line) in lines {
        sorted.extend_from_slice(line);
    }
    // Anything after the last line break (never written) stays last.
    sorted.extend_from_slice(&batch[start..]);
    Ok(sorted)
}

/// Pages a batch may still take in after the lines `held` before it is cut
/// at `max_pages` (`--batch-pages`).
pub fn room(max_pages: u64, held: Option<&Held>) -> u64 {
    max_pages.saturating_sub(held.map_or(0, |h| h.pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &[u8] = b"{\"id\":\"a\",\"created_at\":\"2026-05-02T00:00:01.000Z\"}\n";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + seconds, 0).expect("a time")
    }

    fn five_minutes() -> Interval {
        Interval::new(Duration::from_secs(300), 10).expect("not zero")
    }

    #[test]
    fn zero_stores_every_poll() {
        assert_eq!(Interval::new(Duration::ZERO, 10), None);
    }

    #[test]
    fn a_polls_lines_are_held_from_the_time_they_came_until_the_interval_is_up() {
        let first = five_minutes()
            .decide(LINE, None, 1, at(0))
            .expect("decides");
        let Decision::Hold(held) = first else {
            panic!("held: {first:?}")
        };
        assert_eq!((held.entries(), held.pages, held.since), (1, 1, at(0)));
        assert_eq!(held.lines.as_bytes(), LINE);

        let both = [LINE, LINE].concat();
        let Decision::Hold(later) = five_minutes()
            .decide(&both, Some(&held), 1, at(299))
            .expect("decides")
        else {
            panic!("still held a second before the interval is up")
        };
        assert_eq!(
            (later.entries(), later.pages, later.since),
            (2, 2, at(0)),
            "the interval runs from the first line held"
        );
        assert_eq!(
            five_minutes()
                .decide(&both, Some(&held), 0, at(300))
                .expect("decides"),
            Decision::Store
        );
    }

    #[test]
    fn a_batch_reaching_batch_pages_is_stored_inside_the_interval() {
        let held = Held {
            lines: String::from_utf8(LINE.to_vec()).expect("utf8"),
            pages: 7,
            since: at(0),
        };
        let batch = [LINE, LINE].concat();
        assert_eq!(
            five_minutes()
                .decide(&batch, Some(&held), 3, at(1))
                .expect("decides"),
            Decision::Store
        );
        assert_eq!(room(10, Some(&held)), 3);
        assert_eq!(room(5, Some(&held)), 0, "a lowered --batch-pages");
        assert_eq!(room(10, None), 10);
    }

    #[test]
    fn held_lines_are_stored_when_the_clock_was_set_back_past_them() {
        let held = Held {
            lines: String::from_utf8(LINE.to_vec()).expect("utf8"),
            pages: 1,
            since: at(100),
        };
        assert_eq!(
            five_minutes()
                .decide(LINE, Some(&held), 0, at(0))
                .expect("decides"),
            Decision::Store
        );
    }

    fn line(id: &str, created_at: &str) -> String {
        format!("{{\"id\":\"{id}\",\"created_at\":\"{created_at}\"}}\n")
    }

    #[test]
    fn a_batch_of_several_polls_is_put_in_the_exports_order_keeping_ties_as_they_came() {
        // Held: a poll, newest first; then a newer poll, newest first.
        let batch = [
            line("b", "2026-05-02T00:00:01.000Z"),
            line("a", "2026-05-02T00:00:00.000Z"),
            line("d", "2026-05-02T00:00:03.000Z"),
            line("c2", "2026-05-02T00:00:02.000Z"),
            line("c1", "2026-05-02T00:00:02.000Z"),
        ]
        .concat();
        let ids = |bytes: Vec<u8>| -> Vec<String> {
            String::from_utf8(bytes)
                .expect("utf8")
                .lines()
                .map(|l| l.split('"').nth(3).expect("id").to_owned())
                .collect()
        };
        let newest = in_order(batch.as_bytes(), Order::NewestFirst).expect("sorts");
        assert_eq!(ids(newest.clone()), ["d", "c2", "c1", "b", "a"]);
        assert_eq!(
            ids(in_order(batch.as_bytes(), Order::OldestFirst).expect("sorts")),
            ["a", "b", "c2", "c1", "d"]
        );
        assert_eq!(
            in_order(&newest, Order::NewestFirst).expect("sorts"),
            newest,
            "the same bytes again, from any order of the same lines"
        );
        assert!(in_order(b"not json\n", Order::NewestFirst).is_err());
    }

    #[test]
    fn an_empty_poll_holds_nothing() {
        assert_eq!(
            five_minutes().decide(b"", None, 1, at(0)).expect("decides"),
            Decision::Store
        );
    }
}
