//! Test hooks for the durability tests (feature `fault-injection`; without
//! it every hook is a no-op and nothing is read from the environment).
//!
//! - `ARIZE_AUDIT_LOGS_TEST_PAUSE=POINT:N` stops the process dead (it prints
//!   `test-pause: POINT N` and sleeps, so the test can `kill -9` it exactly
//!   there) the Nth time it reaches POINT: `started` (journal created, before
//!   the first request), `page-written` (a page handed to the file, not yet
//!   synced), `data-synced` (data on disk, journal not yet replaced),
//!   `digest-written` (`--digests`: its digest on disk too) or
//!   `journal-saved`.
//! - `ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER=BYTES` makes writes to the output
//!   file fail with ENOSPC (disk full) once this run wrote that many bytes.
//! - `ARIZE_AUDIT_LOGS_TEST_NO_PROGRESS_WAIT_MS=MS` caps the waits between
//!   pages that bring nothing new at MS (the bound stays the default), so
//!   a test of a server that never advances runs in moments.
//! - `ARIZE_AUDIT_LOGS_TEST_FAIL_OWNED_WRITES_AFTER=N` makes writes of the
//!   files the tool owns (journal, state, keys: everything
//!   [`crate::safe_file`] writes aside) fail with ENOSPC after the first N.

#[cfg(feature = "fault-injection")]
mod enabled {
    use std::{
        fs::File,
        io::{self, Write},
        sync::atomic::{AtomicU64, Ordering},
    };

    static REACHED: [AtomicU64; 5] = [
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    ];
    const POINTS: [&str; 5] = [
        "started",
        "page-written",
        "data-synced",
        "digest-written",
        "journal-saved",
    ];

    pub fn pause(point: &str) {
        let Some(index) = POINTS.iter().position(|p| *p == point) else {
            return;
        };
        let reached = REACHED[index].fetch_add(1, Ordering::SeqCst) + 1;
        let Ok(wanted) = std::env::var("ARIZE_AUDIT_LOGS_TEST_PAUSE") else {
            return;
        };
        if wanted == format!("{point}:{reached}") {
            eprintln!("test-pause: {point} {reached}");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }

    /// The output file, failing as disk full past the configured budget.
    pub struct FileOut {
        file: File,
        budget: Option<u64>,
    }

    impl FileOut {
        pub fn new(file: File) -> Self {
            let budget = std::env::var("ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER")
                .ok()
                .and_then(|b| b.parse().ok());
            Self { file, budget }
        }

        pub fn file(&self) -> &File {
            &self.file
        }
    }

    impl Write for FileOut {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if let Some(budget) = &mut self.budget {
                if *budget == 0 {
                    return Err(io::Error::from_raw_os_error(28)); // ENOSPC
                }
                let n = buf
                    .len()
                    .min(usize::try_from(*budget).unwrap_or(usize::MAX));
                let written = self.file.write(&buf[..n])?;
                *budget -= written as u64;
                return Ok(written);
            }
            self.file.write(buf)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.file.flush()
        }
    }
}

#[cfg(feature = "fault-injection")]
mod owned {
    use std::{
        fs::File,
        io::{self, Write},
        sync::atomic::{AtomicU64, Ordering},
    };

    static WRITES: AtomicU64 = AtomicU64::new(0);

    /// Writes a tool-owned file, failing as disk full past the configured
    /// number of writes.
    pub fn owned_write(file: &mut File, bytes: &[u8]) -> io::Result<()> {
        let done = WRITES.fetch_add(1, Ordering::SeqCst);
        let budget = std::env::var("ARIZE_AUDIT_LOGS_TEST_FAIL_OWNED_WRITES_AFTER")
            .ok()
            .and_then(|b| b.parse::<u64>().ok());
        if budget.is_some_and(|b| done >= b) {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        file.write_all(bytes)
    }
}

#[cfg(feature = "fault-injection")]
pub use enabled::{pause, FileOut};
#[cfg(feature = "fault-injection")]
pub use owned::owned_write;

/// The client's policy for pages without progress, when a test shortens
/// its waits.
#[cfg(feature = "fault-injection")]
pub fn no_progress_policy() -> Option<arize_audit_logs::NoProgressPolicy> {
    let ms: u64 = std::env::var("ARIZE_AUDIT_LOGS_TEST_NO_PROGRESS_WAIT_MS")
        .ok()?
        .parse()
        .ok()?;
    let wait = std::time::Duration::from_millis(ms);
    Some(
        arize_audit_logs::NoProgressPolicy::default()
            .initial_backoff(wait)
            .max_backoff(wait),
    )
}

/// The client's policy for pages without progress: the default.
#[cfg(not(feature = "fault-injection"))]
#[inline]
pub fn no_progress_policy() -> Option<arize_audit_logs::NoProgressPolicy> {
    None
}

#[cfg(not(feature = "fault-injection"))]
mod disabled {
    use std::{
        fs::File,
        io::{self, Write},
    };

    #[inline]
    pub fn pause(_point: &str) {}

    /// Writes a tool-owned file.
    #[inline]
    pub fn owned_write(file: &mut File, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes)
    }

    /// The output file.
    pub struct FileOut(File);

    impl FileOut {
        pub fn new(file: File) -> Self {
            Self(file)
        }

        pub fn file(&self) -> &File {
            &self.0
        }
    }

    impl Write for FileOut {
        #[inline]
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.write(buf)
        }

        #[inline]
        fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
            self.0.write_all(buf)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.0.flush()
        }
    }
}

#[cfg(not(feature = "fault-injection"))]
pub use disabled::{owned_write, pause, FileOut};
