//! The progress line on stderr, drawn only when stderr is a terminal: the
//! share of the time range written so far, entries, pages, rate, and an
//! estimate of the time left.
//!
//! Entries arrive newest first, so an export that has written down to
//! `created_at` T has covered `[T, end]` of its range `[start, end]`;
//! parallel windows are written in the same order, so the share never goes
//! back.

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use indicatif::{ProgressState, ProgressStyle};
use tracing_indicatif::span_ext::IndicatifSpanExt;

use crate::terminal::logging::PROGRESS_TARGET;

/// The bar counts in hundredths of a percent of the range.
const STEPS: u64 = 10_000;

/// The progress line: a span that tracing-indicatif draws as a bar, so log
/// lines are written above it instead of through it.
pub struct ProgressLine {
    /// `None` when nothing is drawn.
    span: Option<tracing::Span>,
    started: Instant,
}

impl ProgressLine {
    /// A bar on stderr when it is a terminal and `wanted`; else nothing.
    pub fn new(wanted: bool) -> Self {
        let span = (wanted && std::io::stderr().is_terminal()).then(|| {
            let span = tracing::info_span!(target: PROGRESS_TARGET, "export");
            span.pb_set_style(&style());
            span.pb_set_length(STEPS);
            span.pb_set_message("starting");
            span.pb_start();
            span
        });
        Self {
            span,
            started: Instant::now(),
        }
    }

    /// After a page: what is written, and the oldest `created_at` written
    /// within `range`.
    pub fn update(
        &self,
        entries: u64,
        pages: u64,
        range: (DateTime<Utc>, DateTime<Utc>),
        oldest: Option<DateTime<Utc>>,
    ) {
        let Some(span) = &self.span else {
            return;
        };
        if let Some(oldest) = oldest {
            span.pb_set_position(share(range, oldest));
        }
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        span.pb_set_message(&format!(
            "{}, {}, {:.0} entries/s",
            count(entries, "entry", "entries"),
            count(pages, "page", "pages"),
            entries as f64 / secs
        ));
    }

    /// Caught up while following: no share or estimate, just the wait.
    pub fn waiting(&self, entries: u64, pages: u64) {
        if let Some(span) = &self.span {
            span.pb_set_style(
                &ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            span.pb_set_message(&format!(
                "{}, {}; following, waiting for newer entries",
                count(entries, "entry", "entries"),
                count(pages, "page", "pages")
            ));
        }
    }

    /// Clears the line (the span closes).
    pub fn finish(&mut self) {
        self.span = None;
    }
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} {share} of the range, {msg} [{elapsed_precise}, {left}]",
    )
    .unwrap_or_else(|_| ProgressStyle::default_spinner())
    .with_key("share", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.1}%", s.fraction() * 100.0);
    })
    .with_key("left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = w.write_str(&left(s.pos(), s.elapsed()));
    })
}

/// The time left at the pace so far, or that it is too early to say.
fn left(pos: u64, elapsed: Duration) -> String {
    if pos == 0 || elapsed < Duration::from_millis(500) {
        return "estimating the time left".into();
    }
    let total = elapsed.as_secs_f64() * STEPS as f64 / pos as f64;
    let rest = Duration::from_secs_f64((total - elapsed.as_secs_f64()).max(0.0));
    format!(
        "about {} left",
        humantime::format_duration(Duration::from_secs(rest.as_secs()))
    )
}

/// How much of `[start, end]` lies at or after `oldest`, in [`STEPS`].
fn share((start, end): (DateTime<Utc>, DateTime<Utc>), oldest: DateTime<Utc>) -> u64 {
    let span = (end - start).num_milliseconds();
    if span <= 0 {
        return STEPS;
    }
    let done = (end - oldest.clamp(start, end)).num_milliseconds();
    u64::try_from(i128::from(done) * i128::from(STEPS) / i128::from(span)).unwrap_or(STEPS)
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("ts")
    }

    #[test]
    fn the_share_is_the_part_of_the_range_after_the_oldest_entry_written() {
        let range = (t("2026-05-01T00:00:00Z"), t("2026-05-11T00:00:00Z"));
        assert_eq!(share(range, t("2026-05-11T00:00:00Z")), 0);
        assert_eq!(share(range, t("2026-05-08T12:00:00Z")), 2_500);
        assert_eq!(share(range, t("2026-05-01T00:00:00Z")), STEPS);
        assert_eq!(share(range, t("2020-01-01T00:00:00Z")), STEPS, "clamped");
        let instant = (range.0, range.0);
        assert_eq!(share(instant, range.0), STEPS);
    }

    #[test]
    fn the_estimate_follows_the_pace_so_far() {
        assert_eq!(left(0, Duration::from_secs(10)), "estimating the time left");
        assert_eq!(left(2_500, Duration::from_secs(10)), "about 30s left");
        assert_eq!(left(STEPS, Duration::from_secs(10)), "about 0s left");
    }

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(1, "page", "pages"), "1 page");
        assert_eq!(count(2, "page", "pages"), "2 pages");
        assert_eq!(count(0, "entry", "entries"), "0 entries");
    }
}
