//! The look-back of `export --follow`: each poll re-reads the last
//! `--lookback` before the range reached so far, and writes only the ids it
//! has not written, so an entry that became visible only after a poll had
//! covered its `created_at` (commit lag, a replica behind, a server clock
//! behind ours) is still written, once.
//!
//! Each poll asks for `[hi - lookback, hi]`, where `hi` is the server's
//! clock (the `Date` of its last answer, moved on by the time since), never
//! before the previous poll's end: a poll never leaves a gap behind the one
//! before, whatever either clock says. The ids written inside that window
//! are kept (in the journal, so a restart filters the same way) and nothing
//! older: memory is bounded by the entries of one look-back. An entry that
//! becomes visible later than the look-back is not seen by any poll; `verify
//! --against-arize` reports it.

use std::{collections::HashSet, time::Duration, time::Instant};

use arize_audit_logs::RawAuditLog;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::{check::Mark, parallel::Window};

/// `--lookback`'s default: minutes of commit lag or clock skew.
pub const DEFAULT_LOOKBACK: Duration = Duration::from_secs(5 * 60);

/// What the look-back keeps between polls (in the journal, beside the
/// follow interval).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookback {
    /// The look-back, in milliseconds.
    pub ms: u64,
    /// The ids written whose `created_at` is within the look-back of the
    /// range's end: a re-read skips them.
    #[serde(default)]
    pub seen: Vec<Mark>,
    /// The end of the poll before: what this pass writes at or before it
    /// was found by the look-back (`None` on the first pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reread_to: Option<DateTime<Utc>>,
}

impl Default for Lookback {
    /// A journal from before the look-back: the default look-back, and no
    /// ids yet (its `at_end` ids still filter its next poll).
    fn default() -> Self {
        Self::new(DEFAULT_LOOKBACK)
    }
}

impl Lookback {
    /// A look-back of `lookback`, with no ids yet.
    pub fn new(lookback: Duration) -> Self {
        Self {
            ms: u64::try_from(lookback.as_millis()).unwrap_or(u64::MAX),
            seen: Vec::new(),
            reread_to: None,
        }
    }

    /// The look-back as a duration.
    pub fn duration(&self) -> Duration {
        Duration::from_millis(self.ms)
    }

    fn span(&self) -> TimeDelta {
        TimeDelta::milliseconds(i64::try_from(self.ms).unwrap_or(i64::MAX))
    }

    /// How many of `entries` (passed by the checks, about to be written)
    /// the look-back found: dated at or before the poll before had reached.
    pub fn found(&self, entries: &[RawAuditLog]) -> u64 {
        self.reread_to.map_or(0, |to| {
            entries.iter().filter(|e| e.created_at() <= to).count() as u64
        })
    }

    /// Keeps the ids of `entries`, written in a pass up to `range_end`,
    /// that a later poll re-reads.
    pub fn record(&mut self, entries: &[RawAuditLog], range_end: DateTime<Utc>) {
        let from = range_end
            .checked_sub_signed(self.span())
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        self.seen.extend(
            entries
                .iter()
                .filter(|e| e.created_at() >= from)
                .map(|e| Mark {
                    id: e.id().to_owned(),
                    created_at: e.created_at(),
                }),
        );
    }

    /// The next poll after a pass that reached `old_end`: `[hi - lookback,
    /// hi]` with `hi` the server's `now` (never before `old_end`, and never
    /// reaching before `requested_start`), and the ids already written in
    /// it, which the pass skips. Ids older than the window are forgotten.
    pub fn next_poll(
        &mut self,
        old_end: DateTime<Utc>,
        requested_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> (Window, HashSet<String>) {
        let hi = now.trunc_subsecs(3).max(old_end);
        let back = hi
            .checked_sub_signed(self.span())
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let lo = back.min(old_end).max(requested_start);
        self.seen.retain(|m| m.created_at >= lo);
        self.reread_to = Some(old_end);
        let written = self.seen.iter().map(|m| m.id.clone()).collect();
        (Window::new(lo, hi), written)
    }
}

/// The server's clock, as its answers' `Date` headers show it.
#[derive(Default)]
pub struct ServerClock {
    /// The latest `Date`, and when it arrived.
    seen: Option<(DateTime<Utc>, Instant)>,
}

impl ServerClock {
    /// Notes an answer's `Date`. It is whole seconds, so each is a lower
    /// bound of the server's time: the highest estimate is kept.
    pub fn observe(&mut self, date: DateTime<Utc>) {
        if self.now().is_none_or(|estimate| date >= estimate) {
            self.seen = Some((date, Instant::now()));
        }
    }

    /// The server's time now: its last `Date` moved on by the time since
    /// (`None` before any answer carried one).
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.seen.map(|(date, at)| {
            TimeDelta::from_std(at.elapsed())
                .ok()
                .and_then(|since| date.checked_add_signed(since))
                .unwrap_or(date)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, at: &str) -> RawAuditLog {
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"{at}"}}"#
        ))
        .expect("entry")
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("ts")
    }

    #[test]
    fn a_poll_rereads_the_lookback_and_keeps_only_the_ids_inside_it() {
        let mut lb = Lookback::new(Duration::from_secs(10));
        let end = t("2026-05-18T12:00:30Z");
        lb.record(
            &[
                e("new", "2026-05-18T12:00:30Z"),
                e("inside", "2026-05-18T12:00:21Z"),
                e("old", "2026-05-18T12:00:05Z"),
            ],
            end,
        );
        assert_eq!(lb.seen.len(), 2, "only what a re-read can meet is kept");
        let (window, written) =
            lb.next_poll(end, t("2026-05-01T00:00:00Z"), t("2026-05-18T12:00:33Z"));
        assert_eq!(
            window,
            Window::new(t("2026-05-18T12:00:23Z"), t("2026-05-18T12:00:33Z"))
        );
        assert_eq!(written, HashSet::from(["new".to_owned()]));
        assert_eq!(lb.reread_to, Some(end));
        let found = lb.found(&[
            e("late", "2026-05-18T12:00:29Z"),
            e("fresh", "2026-05-18T12:00:31Z"),
        ]);
        assert_eq!(found, 1, "dated before the poll before reached: late");
    }

    #[test]
    fn a_poll_never_leaves_a_gap_nor_reaches_before_the_start() {
        let mut lb = Lookback::new(Duration::from_secs(10));
        let end = t("2026-05-18T12:00:30Z");
        // Hours later (a restart): the window still starts at the old end.
        let (window, _) = lb.next_poll(end, t("2026-05-01T00:00:00Z"), t("2026-05-18T15:00:00Z"));
        assert_eq!(window.start, end);
        // A server clock behind the old end: the window still reaches it.
        let (window, _) = lb.next_poll(end, t("2026-05-01T00:00:00Z"), t("2026-05-18T12:00:28Z"));
        assert_eq!(window, Window::new(t("2026-05-18T12:00:20Z"), end));
        let (window, _) = lb.next_poll(end, t("2026-05-18T12:00:25Z"), end);
        assert_eq!(window.start, t("2026-05-18T12:00:25Z"));
    }

    #[test]
    fn the_server_clock_keeps_its_highest_estimate() {
        let mut clock = ServerClock::default();
        assert!(clock.now().is_none());
        clock.observe(t("2026-05-18T12:00:30Z"));
        clock.observe(t("2026-05-18T12:00:29Z"));
        assert!(clock.now().expect("seen") >= t("2026-05-18T12:00:30Z"));
    }
}
