//! An object store of the caller's own (`Output::Objects`): batches cut
//! the same way again after a failed upload, so no object is stored twice
//! under two names.

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use arize_audit_logs::mock::{MockConfig, MockServer};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use arize_audit_logs_archive::{
    digest::{Content, Sealed, Unit},
    journal,
    store::Uploader,
    Archive, Error, Observer, Output, StopHandle, StopReason, Summary,
};

/// Keeps what it is given; fails while `failing` is set.
#[derive(Clone, Default)]
struct Recorder {
    uploads: Arc<Mutex<Vec<Vec<u8>>>>,
    attempts: Arc<Mutex<Vec<Vec<u8>>>>,
    failing: bool,
}

impl Uploader for Recorder {
    fn upload<'a>(
        &'a mut self,
        lines: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<(Unit, Content)>, Error>> {
        self.attempts.lock().expect("lock").push(lines.to_vec());
        if self.failing {
            return Box::pin(async { Err(Error::storage("the store is down")) });
        }
        self.uploads.lock().expect("lock").push(lines.to_vec());
        Box::pin(async { Ok(Vec::new()) })
    }

    fn store_digest<'a>(&'a mut self, _: &'a Sealed) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    fn digest_head(&mut self) -> BoxFuture<'_, Result<Option<Sealed>, Error>> {
        Box::pin(async { Ok(None) })
    }

    fn location(&self) -> String {
        "test://".into()
    }
}

/// Stops the run as a service manager would once `after` pages were
/// written.
struct StopAfter {
    after: u64,
    pages: Mutex<u64>,
    stop: StopHandle,
}

impl Observer for StopAfter {
    fn page(&self, _: u64, _: Option<DateTime<Utc>>) {
        let mut pages = self.pages.lock().expect("lock");
        *pages += 1;
        if *pages == self.after {
            self.stop.stop(StopReason::Terminate);
        }
    }
}

async fn run_once(
    server: &MockServer,
    state: &Path,
    recorder: Recorder,
    stop_after: Option<u64>,
) -> Result<Summary, Error> {
    let stop = StopHandle::new();
    let mut builder = Archive::builder(server.client().expect("client"))
        .start("2026-01-01T00:00:00Z".parse().expect("t"))
        .end("2026-05-18T00:00:00Z".parse().expect("t"))
        .page_size(10)
        .batch_pages(5)
        .output(Output::Objects(Box::new(recorder)))
        .state(state)
        .stop_handle(stop.clone());
    if let Some(after) = stop_after {
        builder = builder.observer(Arc::new(StopAfter {
            after,
            pages: Mutex::new(0),
            stop,
        }));
    }
    builder.open().await?.run().await
}

#[tokio::test]
async fn a_batch_cut_short_by_a_stop_is_cut_the_same_again_after_its_upload_failed() {
    let server = MockServer::start(
        MockConfig::default()
            .entries(120)
            .seed(3)
            .end("2026-05-18T00:00:00Z".parse().expect("t")),
    )
    .await
    .expect("fake server");
    let dir = tempfile::tempdir().expect("dir");
    let state = dir.path().join("state.json");

    // A stop after 3 pages of a 5-page batch: the short batch is
    // uploaded on the way out, and that upload fails.
    let broken = Recorder {
        failing: true,
        ..Recorder::default()
    };
    let failed = run_once(&server, &state, broken.clone(), Some(3)).await;
    assert!(failed.is_err());
    let attempted = broken.attempts.lock().expect("lock").clone();
    assert_eq!(attempted.len(), 1, "once, on the way out");
    assert_eq!(attempted[0].iter().filter(|b| **b == b'\n').count(), 30);
    let saved = journal::load(&state).expect("loads").expect("kept");
    assert_eq!(
        saved.pending_pages,
        Some(3),
        "the short batch is written ahead"
    );
    assert_eq!(
        saved.written.entries, 0,
        "nothing counted that is not stored"
    );

    // The same request again: its first batch is those 3 pages again,
    // so the same objects replace what the failed upload may have left.
    let working = Recorder::default();
    run_once(&server, &state, working.clone(), None)
        .await
        .expect("finishes");
    let uploads = working.uploads.lock().expect("lock").clone();
    assert_eq!(uploads[0], attempted[0]);
    assert_eq!(
        uploads
            .iter()
            .map(|u| u.iter().filter(|b| **b == b'\n').count())
            .collect::<Vec<_>>(),
        vec![30, 50, 40],
        "then whole batches of 5 pages"
    );
    assert!(!state.exists());
}
