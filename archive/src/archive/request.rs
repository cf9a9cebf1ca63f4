//! What the archive is, from the request: the journal a new archive starts
//! with, and the check of a continued archive's state against the request
//! (what it archives is pinned; how it runs may change).

use std::{path::Path, time::Duration};

use arize_audit_logs::{ListAuditLogsParams, ResumePoint};
use chrono::{SubsecRound, TimeDelta, Utc};

use super::{ArchiveBuilder, Output, DEFAULT_INTERVAL, DEFAULT_PAGE_SIZE, DEFAULT_SPAN};
use crate::{
    check::GuardState,
    journal::{Journal, Plan, Target, Until, Written, JOURNAL_VERSION},
    lookback::{Lookback, DEFAULT_LOOKBACK},
    names::Setting,
    parallel::{self, Window},
    Error,
};

impl ArchiveBuilder {
    /// The journal of a new archive: the window pinned so that every page,
    /// and a resumed run, asks for the same range.
    pub(super) fn new_journal(&self, target: Target) -> Result<Journal, Error> {
        let now = Utc::now().trunc_subsecs(3);
        let end = self.end.unwrap_or(now);
        let start = match (self.start, self.last) {
            (Some(start), _) => start,
            (None, Some(span)) => {
                let span = TimeDelta::from_std(span)
                    .ok()
                    .and_then(|span| end.checked_sub_signed(span))
                    .ok_or_else(|| {
                        Error::refused(format!(
                            "{} reaches before the earliest representable time",
                            self.name(Setting::Last)
                        ))
                    })?;
                span
            }
            (None, None) => end.checked_sub_signed(DEFAULT_SPAN).ok_or_else(|| {
                Error::refused(format!(
                    "{} is too early to have 30 days before it",
                    self.name(Setting::End)
                ))
            })?,
        };
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        let mut params = self.filters.clone();
        params.start_time = Some(start);
        params.end_time = Some(end);
        params.limit = Some(page_size);
        params.validate().map_err(arize_audit_logs::Error::from)?;
        let filters = params.filters();
        let range = Window::new(start, end);
        let workers = usize::from(self.parallel.unwrap_or(1));
        let windows = if workers > 1 {
            parallel::plan(start, end, workers * parallel::WINDOWS_PER_WORKER)
        } else {
            vec![range]
        };
        let until = match (&self.follow, self.max_entries) {
            (Some(interval), _) => Until::Follow {
                interval_ms: millis(interval.unwrap_or(DEFAULT_INTERVAL)),
                at_end: Vec::new(),
                lookback: Lookback::new(self.lookback.unwrap_or(DEFAULT_LOOKBACK)),
            },
            (None, Some(max)) => Until::Entries { max },
            (None, None) => Until::RangeEnd,
        };
        Ok(Journal {
            version: JOURNAL_VERSION,
            target,
            filters,
            format: self.format.unwrap_or_default(),
            order: self.order.unwrap_or_default(),
            page_size,
            requested: range,
            range,
            until,
            plan: Plan {
                windows,
                resume: ResumePoint::default(),
                workers,
            },
            written: Written::default(),
            guard: GuardState::default(),
            replaces_existing: false,
            created_file: false,
            pending_pages: None,
            held: None,
            digests: None,
            output: Some(self.output_name()),
        })
    }

    /// Where the archive writes, as its journal records it: `stdout`, the
    /// file (in its directory with links resolved), or the bucket's URL.
    pub(super) fn output_name(&self) -> String {
        match &self.output {
            Output::Stdout | Output::Writer(_) => "stdout".into(),
            Output::Bucket { url, .. } => url.trim_end_matches('/').to_owned(),
            Output::Objects(uploader) => uploader.location(),
            Output::File(path) => {
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let resolved = match (std::fs::canonicalize(dir), path.file_name()) {
                    (Ok(dir), Some(name)) => dir.join(name),
                    _ => std::path::absolute(path).unwrap_or_else(|_| path.clone()),
                };
                resolved.display().to_string()
            }
        }
    }

    /// Whether the archive's state is one a service continues, the range it
    /// is given setting where the first run began: a state file, or a
    /// bucket's prefix, which keeps the state without one.
    pub(super) fn state_pins_range(&self) -> bool {
        self.state.is_some() || matches!(self.output, Output::Bucket { .. } | Output::Objects(_))
    }

    /// Refuses a setting that contradicts the journal at `journal_path`,
    /// naming the setting and both values: what the archive is (host,
    /// filters, format, order, output, range) is pinned; how it runs may
    /// change (see [`Self::retune`]). With a state the range is not
    /// compared: it set where the run that created the state began.
    pub(super) fn contradictions(
        &self,
        journal: &Journal,
        journal_path: &Path,
    ) -> Result<(), Error> {
        let ts = crate::timestamp;
        let mut found: Vec<(String, String, String)> = Vec::new();
        let differs = |found: &mut Vec<(String, String, String)>,
                       setting: String,
                       given: String,
                       recorded: String| {
            if given != recorded {
                found.push((setting, given, recorded));
            }
        };
        let pinned = self.state_pins_range();
        if let (Some(start), false) = (&self.start, pinned) {
            differs(
                &mut found,
                self.name(Setting::Start),
                ts(start),
                ts(&journal.requested.start),
            );
        }
        if let (Some(end), false) = (&self.end, pinned) {
            differs(
                &mut found,
                self.name(Setting::End),
                ts(end),
                ts(&journal.requested.end),
            );
        }
        if let (Some(since), false) = (self.last, pinned) {
            found.push((
                self.name(Setting::Last),
                format_duration(since),
                format!(
                    "the window {} to {} ({} is relative to now, so it cannot name it again)",
                    ts(&journal.requested.start),
                    ts(&journal.requested.end),
                    self.name(Setting::Last)
                ),
            ));
        }
        let given_filters = self.filters.to_query();
        let mut names: Vec<&'static str> = given_filters.iter().map(|(n, _)| *n).collect();
        names.dedup();
        for name in names {
            differs(
                &mut found,
                self.name(Setting::Filter(name)),
                values_of(&self.filters, name),
                values_of(&journal.filters, name),
            );
        }
        if let Some(format) = self.format {
            differs(
                &mut found,
                self.name(Setting::Format),
                format.name().into(),
                journal.format.name().into(),
            );
        }
        if let Some(order) = self.order {
            differs(
                &mut found,
                self.name(Setting::Order),
                order.name().into(),
                journal.order.name().into(),
            );
        }
        // Without a state file the journal is found by the output's name.
        if let (Some(recorded), Some(_)) = (&journal.output, &self.state) {
            differs(
                &mut found,
                self.name(Setting::Output),
                self.output_name(),
                recorded.clone(),
            );
        }
        if let Some(max) = self.max_entries {
            let recorded = match journal.until {
                Until::Entries { max } => max.to_string(),
                _ => "(none)".into(),
            };
            differs(
                &mut found,
                self.name(Setting::MaxEntries),
                max.to_string(),
                recorded,
            );
        }
        if self.follow.is_some() && !matches!(journal.until, Until::Follow { .. }) {
            found.push((
                self.name(Setting::Follow),
                "given".into(),
                "not following".into(),
            ));
        }
        match found.first() {
            None => Ok(()),
            Some((setting, given, recorded)) => Err(Error::refused(format!(
                "{setting} {given} contradicts the journal {}, which continues an export with \
                 {recorded}: a continued export keeps what it archives (host, filters, format, \
                 order, output, range) from its journal, so leave {setting} out (or start \
                 another export){}",
                journal_path.display(),
                if found.len() > 1 {
                    format!(
                        "; also {}",
                        found[1..]
                            .iter()
                            .map(|(f, g, r)| format!("{f} {g} (journal: {r})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                }
            ))),
        }
    }

    /// Applies how this run asks to run to a continued `journal`: page size,
    /// poll interval and look-back replace what the state recorded (a batch
    /// written ahead keeps its page size until it is stored).
    pub(super) fn retune(&self, journal: &mut Journal, path: &Path) {
        match self.page_size {
            Some(size) if size != journal.page_size && journal.pending_pages.is_some() => {
                self.observer.warning(&format!(
                    "continuing with page size {} from the state {} until the batch it wrote \
                     ahead is stored (the batch is fetched in the same pages again); page size \
                     {size} applies from the next run",
                    journal.page_size,
                    path.display()
                ));
            }
            Some(size) => journal.page_size = size,
            None => {}
        }
        if let Until::Follow {
            interval_ms,
            lookback,
            ..
        } = &mut journal.until
        {
            if let Some(Some(interval)) = self.follow {
                *interval_ms = millis(interval);
            }
            if let Some(back) = self.lookback {
                lookback.ms = millis(back);
            }
        }
    }
}

/// A parameter's values as the journal would print them; `(none)` when unset.
fn values_of(params: &ListAuditLogsParams, name: &str) -> String {
    let values: Vec<String> = params
        .to_query()
        .into_iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .collect();
    if values.is_empty() {
        "(none)".into()
    } else {
        values.join(", ")
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A duration as people write it: `1h 30m`, `90s`.
fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            parts.push(format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    parts.join(" ")
}
