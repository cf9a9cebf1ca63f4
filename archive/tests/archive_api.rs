//! The archive engine through its public API, against the embedded fake
//! server: what a service that embeds it relies on.

mod common;

use std::{
    io::Write,
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use arize_audit_logs::{mock::MockServer, ListAuditLogsParams};
use arize_audit_logs_archive::{
    journal, Archive, ArchiveBuilder, ErrorKind, Observer, Output, StopHandle, StopReason,
};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

use common::{at, ids_between, ids_in, ids_of, server, END};

const START: &str = "2026-04-28T00:00:00Z";

/// A file archive of [`START`] to [`END`] in pages of 50.
fn file_archive(server: &MockServer, file: &Path) -> ArchiveBuilder {
    Archive::builder(server.client().expect("client"))
        .start(at(START))
        .end(at(END))
        .page_size(50)
        .output(Output::File(file.to_owned()))
}

/// Stops the run, as a service's shutdown would, once `after` pages were
/// written.
struct StopAfter {
    after: u64,
    pages: Mutex<u64>,
    stop: StopHandle,
    reason: StopReason,
}

impl StopAfter {
    fn new(after: u64, stop: &StopHandle, reason: StopReason) -> Arc<Self> {
        Arc::new(Self {
            after,
            pages: Mutex::new(0),
            stop: stop.clone(),
            reason,
        })
    }
}

impl Observer for StopAfter {
    fn page(&self, _written: u64, _newest: Option<DateTime<Utc>>) {
        let mut pages = self.pages.lock().expect("lock");
        *pages += 1;
        if *pages == self.after {
            self.stop.stop(self.reason);
        }
    }
}

/// A writer whose bytes the test reads back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_file_archive_holds_every_entry_of_the_range_once_in_order_and_removes_its_journal() {
    let server = server(1_000).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    let expected = ids_between(&server, at(START), at(END));
    assert!(expected.len() > 100, "several pages");

    let archive = file_archive(&server, &file).open().await.expect("opens");
    assert!(!archive.settings().continued, "a new archive");
    let summary = archive.run().await.expect("finishes");

    assert_eq!(ids_in(&file), expected);
    assert_eq!(summary.entries, expected.len() as u64);
    assert!(
        !journal::path_for(&file).exists(),
        "a finished archive keeps no journal"
    );
}

#[tokio::test]
async fn a_second_open_of_a_file_another_archive_holds_is_busy() {
    let server = server(200).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");

    let holder = file_archive(&server, &file).open().await.expect("opens");
    let second = file_archive(&server, &file)
        .resume_only(true)
        .open()
        .await
        .err()
        .expect("refused while held");
    assert_eq!(second.kind(), ErrorKind::Busy, "{second}");
    assert_eq!(server.requests(), 0, "refused before any request");

    // The holder is unaffected, and writes the archive.
    holder.run().await.expect("the holder finishes");
    assert_eq!(ids_in(&file), ids_between(&server, at(START), at(END)));
}

#[tokio::test]
async fn an_existing_file_is_refused_without_overwrite_and_left_as_it_was() {
    let server = server(200).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("evidence.jsonl");
    std::fs::write(&file, b"someone's evidence\n").expect("written");

    let refused = file_archive(&server, &file)
        .open()
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.kind(), ErrorKind::Refused, "{refused}");
    assert!(
        refused.to_string().contains(".overwrite(true)"),
        "it names the setting that would replace the file: {refused}"
    );
    assert_eq!(
        std::fs::read(&file).expect("still there"),
        b"someone's evidence\n"
    );
    assert!(!journal::path_for(&file).exists(), "no journal claims it");
    assert_eq!(server.requests(), 0, "nothing fetched");
}

#[tokio::test]
async fn a_run_stopped_mid_range_says_what_is_written_and_resume_only_finishes_the_same_file() {
    let server = server(1_000).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    let expected = ids_between(&server, at(START), at(END));
    assert!(expected.len() > 150, "more than three pages");

    let stop = StopHandle::new();
    let stopped = file_archive(&server, &file)
        .stop_handle(stop.clone())
        .observer(StopAfter::new(3, &stop, StopReason::Interrupt))
        .open()
        .await
        .expect("opens")
        .run()
        .await
        .expect_err("stopped before the range\'s end");
    assert_eq!(
        stopped.kind(),
        ErrorKind::Stopped(StopReason::Interrupt),
        "{stopped}"
    );
    let resume = stopped.resume().expect("it says what is safe");
    assert_eq!(
        resume.written, 150,
        "the three pages written before the stop"
    );
    assert_eq!(
        ids_in(&file),
        expected[..150],
        "the file holds exactly what the resume point vouches for"
    );

    let continued = file_archive(&server, &file)
        .resume_only(true)
        .open()
        .await
        .expect("continues");
    assert!(continued.settings().continued);
    continued.run().await.expect("finishes");
    assert_eq!(ids_in(&file), expected, "each entry once, in order");
    assert!(!journal::path_for(&file).exists());
}

#[tokio::test]
async fn a_writer_output_gets_every_line_of_the_range() {
    let server = server(1_000).await;
    let out = Shared::default();

    Archive::builder(server.client().expect("client"))
        .start(at(START))
        .end(at(END))
        .page_size(50)
        .output(Output::Writer(Box::new(out.clone())))
        .open()
        .await
        .expect("opens")
        .run()
        .await
        .expect("finishes");

    let written = out.0.lock().expect("lock").clone();
    assert_eq!(ids_of(&written), ids_between(&server, at(START), at(END)));
}

#[tokio::test]
async fn a_state_made_for_one_filter_is_refused_when_continued_with_another() {
    let server = server(500).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    let state = dir.path().join("audit.state");
    let users: Vec<String> = server.entries().into_iter().map(|e| e.user_id).collect();
    let other = users
        .iter()
        .find(|u| **u != users[0])
        .expect("two users")
        .clone();
    let for_user = |user: &str| {
        let mut params = ListAuditLogsParams::default();
        params.user_id = Some(user.to_owned());
        params
    };

    // A run stopped after its first page (a deploy).
    let stop = StopHandle::new();
    let first = file_archive(&server, &file)
        .filters(for_user(&users[0]))
        .page_size(5)
        .state(&state)
        .stop_handle(stop.clone())
        .observer(StopAfter::new(1, &stop, StopReason::Terminate))
        .open()
        .await
        .expect("opens")
        .run()
        .await;
    assert!(first.is_err(), "stopped before it finished");
    assert!(state.exists(), "the state is kept to continue from");

    let refused = file_archive(&server, &file)
        .filters(for_user(&other))
        .state(&state)
        .open()
        .await
        .err()
        .expect("another filter is another archive");
    assert_eq!(refused.kind(), ErrorKind::Refused, "{refused}");
    let message = refused.to_string();
    assert!(
        message.contains("user_id") && message.contains(&other) && message.contains(&users[0]),
        "it names the filter and both values: {message}"
    );

    // The archive the state belongs to still continues.
    file_archive(&server, &file)
        .filters(for_user(&users[0]))
        .page_size(5)
        .state(&state)
        .open()
        .await
        .expect("the same filter continues")
        .run()
        .await
        .expect("finishes");
    let expected: Vec<String> = server
        .entries()
        .into_iter()
        .filter(|e| e.user_id == users[0] && e.created_at >= at(START) && e.created_at <= at(END))
        .map(|e| e.id)
        .collect();
    assert_eq!(ids_in(&file), expected);
}

#[tokio::test]
async fn a_last_30_days_archive_continued_a_day_later_keeps_its_pinned_window() {
    // Entries up to now, so that the day since the archive began has some.
    let server = MockServer::start(
        arize_audit_logs::mock::MockConfig::default()
            .entries(2_000)
            .seed(5)
            .span(TimeDelta::days(40)),
    )
    .await
    .expect("fake server");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    let state = dir.path().join("audit.state");
    let thirty_days = Duration::from_secs(30 * 86_400);
    let day_ago = (Utc::now() - TimeDelta::days(1)).trunc_subsecs(0);

    // Begun a day ago (its end pinned then), stopped after two pages.
    let stop = StopHandle::new();
    let begun = Archive::builder(server.client().expect("client"))
        .end(day_ago)
        .last(thirty_days)
        .page_size(50)
        .output(Output::File(file.clone()))
        .state(&state)
        .stop_handle(stop.clone())
        .observer(StopAfter::new(2, &stop, StopReason::Interrupt))
        .open()
        .await
        .expect("opens");
    let pinned = begun.settings().requested;
    assert!(begun.run().await.is_err(), "stopped part way");

    // Today: the same `.last(30 days)`, now a different window.
    let today = Archive::builder(server.client().expect("client"))
        .last(thirty_days)
        .page_size(50)
        .output(Output::File(file.clone()))
        .state(&state)
        .open()
        .await
        .expect("continues");
    assert!(today.settings().continued);
    assert_eq!(
        today.settings().requested,
        pinned,
        "the state's window wins"
    );
    today.run().await.expect("finishes");

    let expected = ids_between(&server, pinned.start, pinned.end);
    let in_last_day = ids_between(&server, pinned.end + TimeDelta::milliseconds(1), Utc::now());
    assert!(
        !in_last_day.is_empty(),
        "the last day has entries to leave out"
    );
    assert_eq!(ids_in(&file), expected, "exactly the pinned window");
}
