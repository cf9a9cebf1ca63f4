//! The progress line on stderr: drawn only when stderr is a terminal.

use std::{io::IsTerminal, time::Duration};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A spinner on stderr when it is a terminal and `wanted`; else nothing.
    pub fn new(wanted: bool) -> Self {
        let bar = if wanted && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message("starting");
            bar
        } else {
            ProgressBar::hidden()
        };
        Self { bar }
    }

    pub fn update(&self, entries: u64, pages: u64) {
        if self.bar.is_hidden() {
            return;
        }
        let secs = self.bar.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{entries} entries, {pages} pages, {:.0} entries/s",
            entries as f64 / secs
        ));
    }

    pub fn waiting(&self, entries: u64, pages: u64) {
        if !self.bar.is_hidden() {
            self.bar.set_message(format!(
                "{entries} entries, {pages} pages; following, waiting for newer entries"
            ));
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
