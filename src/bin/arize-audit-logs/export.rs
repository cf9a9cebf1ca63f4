//! `export`: sets up a new export, a resumed one, or one to stdout, and hands
//! it to the pipeline.

use std::{io, io::BufWriter, path::Path};

use arize_audit_logs::{Client, ListAuditLogsParams, ResumePoint};
use chrono::{SubsecRound, TimeDelta, Utc};
use tokio::sync::watch;

use crate::{
    check::GuardState,
    cli::{ExportArgs, Format, DEFAULT_INTERVAL, DEFAULT_PAGE_SIZE},
    hooks::FileOut,
    journal::{self, Filters, Journal, Plan, Target, Until, Written, JOURNAL_VERSION},
    output::OutputFile,
    parallel::{self, Window},
    pipeline::{Pipeline, Store, Summary},
    progress::Progress,
    sink::Sink,
    Failure,
};

/// Builds the client: as the command line says (`None`), or for the host and
/// key source a journal pins. Returns the target it resolved.
pub type Connect<'a> = dyn FnOnce(Option<&Target>) -> Result<(Client, Target), Failure> + 'a;

const WRITE_BUFFER: usize = 256 * 1024;

/// Runs `export` as the arguments say.
pub async fn run(
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    stop: watch::Receiver<bool>,
) -> Result<Summary, Failure> {
    let progress = Progress::new(!args.no_progress);
    match &args.output {
        Some(path) if args.resume => resume(path, args, connect, stop, progress).await,
        Some(path) => start(path, args, connect, stop, progress).await,
        None => {
            let (client, target) = connect(None)?;
            let mut journal = new_journal(args, target)?;
            if let Some(cursor) = &args.cursor {
                journal.plan.resume = ResumePoint::new(Some(cursor.clone()), args.skip);
            }
            let sink = Sink::create(
                BufWriter::with_capacity(WRITE_BUFFER, io::stdout().lock()),
                journal.format,
            );
            Pipeline::new(
                client,
                journal,
                sink,
                Store::Stdout,
                stop,
                args.checkpoint_every,
                progress,
            )
            .run()
            .await
        }
    }
}

/// A new export to a file: refuses to replace anything without
/// `--overwrite`, and writes the journal before the first request.
async fn start(
    path: &Path,
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    stop: watch::Receiver<bool>,
    progress: Progress,
) -> Result<Summary, Failure> {
    // Everything known client-side is checked before the file is touched.
    let (client, target) = connect(None)?;
    let mut journal = new_journal(args, target)?;
    let journal_path = journal::path_for(path);
    let output = OutputFile::open(path, true)?;
    let refuse = |failure: Failure| {
        output.remove_if_created();
        Err(failure)
    };
    let existing = match journal::load(&journal_path) {
        Ok(existing) => existing,
        Err(failure) => return refuse(failure),
    };
    let length = output.len()?;
    match &existing {
        Some(old) if !old.nothing_written() && !args.overwrite => {
            return refuse(Failure::Usage(format!(
                "{} holds an unfinished export ({} entries; its journal is {}): add --resume to \
                 continue it, or --overwrite to start over",
                path.display(),
                old.written.entries,
                journal_path.display()
            )));
        }
        _ if length > 0 && !args.overwrite => {
            return refuse(Failure::Usage(format!(
                "{} already exists ({length} bytes) and is left as it is: add --overwrite to \
                 replace it, or choose another --output",
                path.display()
            )));
        }
        _ => {}
    }
    // A journal of a start that wrote nothing (a crash before the first
    // page) is taken over.
    journal.created_file =
        output.created || existing.is_some_and(|old| old.created_file && length == 0);
    journal.replaces_existing = length > 0;
    if let Err(failure) = journal::save(&journal, &journal_path) {
        output.remove_if_created();
        return Err(failure);
    }
    let run = (client, journal, args, stop, progress);
    to_file(path, output, run).await
}

/// Continues the export of `path` from its journal, after checking that the
/// file is what the journal describes and that no flag contradicts it.
async fn resume(
    path: &Path,
    args: &ExportArgs,
    connect: Box<Connect<'_>>,
    stop: watch::Receiver<bool>,
    progress: Progress,
) -> Result<Summary, Failure> {
    let journal_path = journal::path_for(path);
    let nothing_to_resume = || {
        Failure::Usage(format!(
            "nothing to resume: {} does not exist (the export of {} finished, or never started)",
            journal_path.display(),
            path.display()
        ))
    };
    let peek = journal::load(&journal_path)?.ok_or_else(nothing_to_resume)?;
    let mut output = OutputFile::open(path, peek.nothing_written())?;
    // Read again under the lock: another run may have changed it meanwhile.
    let checked = journal::load(&journal_path).and_then(|j| {
        let mut journal = j.ok_or_else(nothing_to_resume)?;
        contradictions(args, &journal, path)?;
        output.verify(&journal)?;
        if let Some(workers) = args.parallel {
            journal.plan.workers = usize::from(workers);
        }
        Ok(journal)
    });
    let mut journal = match checked {
        Ok(journal) => journal,
        Err(failure) => {
            output.remove_if_created();
            return Err(failure);
        }
    };
    let (client, target) = connect(Some(&journal.target))?;
    journal.target = target;
    let dropped = output.cut_to(journal.written.bytes)?;
    if dropped > 0 {
        tracing::info!(
            bytes = dropped,
            "dropped what was written after the journal's last save; those entries are fetched again"
        );
    }
    let run = (client, journal, args, stop, progress);
    to_file(path, output, run).await
}

/// What a pipeline runs with: the client, the journal, the arguments for its
/// cadence, Ctrl-C and the progress line.
type Run<'a> = (
    Client,
    Journal,
    &'a ExportArgs,
    watch::Receiver<bool>,
    Progress,
);

/// Runs the pipeline into `output`, which holds what the journal records.
async fn to_file(path: &Path, output: OutputFile, run: Run<'_>) -> Result<Summary, Failure> {
    let (client, journal, args, stop, progress) = run;
    let out = BufWriter::with_capacity(WRITE_BUFFER, FileOut::new(output.file));
    let sink = Sink::resume(
        out,
        journal.format,
        &journal.written,
        journal.written.bytes > 0,
    );
    let store = Store::File {
        output: path.to_owned(),
        journal: journal::path_for(path),
    };
    Pipeline::new(
        client,
        journal,
        sink,
        store,
        stop,
        args.checkpoint_every,
        progress,
    )
    .run()
    .await
}

/// The journal of a new export: the window pinned so that every page, and a
/// resumed run, asks for the same range.
fn new_journal(args: &ExportArgs, target: Target) -> Result<Journal, Failure> {
    let f = &args.filters;
    let end = f.end.unwrap_or_else(|| Utc::now().trunc_subsecs(3));
    let start = match (f.start, f.since) {
        (Some(start), _) => start,
        (None, Some(since)) => {
            let span = TimeDelta::from_std(since)
                .map_err(|_| Failure::Usage(format!("--since {since:?} is too long")))?;
            end.checked_sub_signed(span)
                .ok_or_else(|| Failure::Usage("--since reaches too far back".into()))?
        }
        // The server's own default, pinned.
        (None, None) => end - TimeDelta::days(30),
    };
    let page_size = args.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let filters = Filters {
        user_id: f.user_id.clone(),
        operation_type: f.operation_type.clone(),
    };
    let mut params = ListAuditLogsParams::default();
    params.start_time = Some(start);
    params.end_time = Some(end);
    params.user_id = filters.user_id.clone();
    params.operation_type = filters.operation_type.clone();
    params.limit = Some(page_size);
    params.validate().map_err(|e| Failure::Api(e.into()))?;

    let range = Window::new(start, end);
    let workers = usize::from(args.parallel.unwrap_or(1));
    let windows = if workers > 1 {
        parallel::plan(start, end, workers * parallel::WINDOWS_PER_WORKER)
    } else {
        vec![range]
    };
    let until = match (args.follow, args.max_entries) {
        (true, _) => Until::Follow {
            interval_ms: millis(args.interval.unwrap_or(DEFAULT_INTERVAL)),
            at_end: Vec::new(),
        },
        (false, Some(max)) => Until::Entries { max },
        (false, None) => Until::RangeEnd,
    };
    Ok(Journal {
        version: JOURNAL_VERSION,
        target,
        filters,
        format: args.format.unwrap_or(Format::Jsonl),
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
    })
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Refuses a flag given beside `--resume` that contradicts the journal,
/// naming the flag and both values.
fn contradictions(args: &ExportArgs, journal: &Journal, path: &Path) -> Result<(), Failure> {
    let ts = arize_audit_logs::format_timestamp;
    let f = &args.filters;
    let mut found: Vec<(&str, String, String)> = Vec::new();
    let differs = |found: &mut Vec<(&str, String, String)>,
                   flag: &'static str,
                   given: String,
                   recorded: String| {
        if given != recorded {
            found.push((flag, given, recorded));
        }
    };
    if let Some(start) = &f.start {
        differs(
            &mut found,
            "--start",
            ts(start),
            ts(&journal.requested.start),
        );
    }
    if let Some(end) = &f.end {
        differs(&mut found, "--end", ts(end), ts(&journal.requested.end));
    }
    if let Some(since) = f.since {
        found.push((
            "--since",
            humantime::format_duration(since).to_string(),
            format!(
                "the window {} to {} (--since is relative to now, so it cannot name it again)",
                ts(&journal.requested.start),
                ts(&journal.requested.end)
            ),
        ));
    }
    let shown = |v: Option<&str>| v.map_or_else(|| "(none)".to_owned(), str::to_owned);
    if let Some(user) = &f.user_id {
        differs(
            &mut found,
            "--user-id",
            user.clone(),
            shown(journal.filters.user_id.as_deref()),
        );
    }
    if let Some(t) = &f.operation_type {
        differs(
            &mut found,
            "--operation-type",
            t.to_string(),
            shown(journal.filters.operation_type.as_ref().map(|t| t.as_str())),
        );
    }
    if let Some(format) = args.format {
        differs(
            &mut found,
            "--format",
            format.name().into(),
            journal.format.name().into(),
        );
    }
    if let Some(size) = args.page_size {
        differs(
            &mut found,
            "--page-size",
            size.to_string(),
            journal.page_size.to_string(),
        );
    }
    if let Some(max) = args.max_entries {
        let recorded = match journal.until {
            Until::Entries { max } => max.to_string(),
            _ => "(none)".into(),
        };
        differs(&mut found, "--max-entries", max.to_string(), recorded);
    }
    let following = match &journal.until {
        Until::Follow { interval_ms, .. } => Some(*interval_ms),
        _ => None,
    };
    if args.follow && following.is_none() {
        found.push(("--follow", "given".into(), "not following".into()));
    }
    if let (Some(interval), Some(recorded)) = (args.interval, following) {
        differs(
            &mut found,
            "--interval",
            humantime::format_duration(interval).to_string(),
            humantime::format_duration(std::time::Duration::from_millis(recorded)).to_string(),
        );
    }
    match found.first() {
        None => Ok(()),
        Some((flag, given, recorded)) => Err(Failure::Usage(format!(
            "{flag} {given} contradicts the journal of {}, which continues an export with {recorded}: \
             --resume takes every setting from the journal, so leave {flag} out (or export to \
             another file){}",
            path.display(),
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
