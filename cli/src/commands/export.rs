//! `export`: the flags made into an archive ([`ArchiveBuilder`]), its events drawn on the
//! terminal and counted in the metrics, and its end said in the command
//! line's words (exit code, the command that continues).

use std::{path::Path, sync::Arc};

use arize_audit_logs_archive::{
    ArchiveBuilder, Connector, Observer, Output, Settings, StopHandle, Summary,
};
use chrono::Utc;

use crate::{
    commands::continue_command,
    failure::Failure,
    flags::cli::ExportArgs,
    flags::filters::{self, OpenRange},
    flags::names::Flags,
    journal::{self, Target},
    service::metrics::Metrics,
    terminal::observer::Terminal,
};

/// Runs `export` as the arguments say, with the client `connect` builds.
pub async fn run(
    args: &ExportArgs,
    connect: Connector,
    stop: StopHandle,
    observer: Arc<dyn Observer>,
) -> Result<Summary, Failure> {
    // The flags are checked in their own words before anything else.
    filters::resolve(&args.filters, Utc::now(), OpenRange::Pin).map_err(Failure::Usage)?;
    let archive = builder(args, connect)
        .stop_handle(stop)
        .observer(observer)
        .open()
        .await
        .map_err(Failure::from)?;
    if archive.settings().continued {
        from_state(args, archive.settings());
    }
    archive.run().await.map_err(continue_command::failure)
}

/// The archive the flags describe.
fn builder(args: &ExportArgs, connect: Connector) -> ArchiveBuilder {
    let f = &args.filters;
    let mut b = ArchiveBuilder::with_connector(connect)
        .names(Arc::new(Flags))
        .resume_only(args.resume)
        .overwrite(args.overwrite)
        .checkpoint_every(args.checkpoint_every)
        .batch_pages(args.batch_pages)
        .output(match &args.output {
            None => Output::Stdout,
            Some(url) if crate::bucket::is_bucket(url) => Output::Bucket {
                url: url.display().to_string(),
                endpoint: args.endpoint_url.clone(),
            },
            Some(path) => Output::File(path.clone()),
        });
    let mut query = arize_audit_logs::ListAuditLogsParams::default();
    // Checked by `filters::resolve` already.
    let _ = f.query.apply(&mut query);
    b = b.filters(query);
    if let Some(start) = f.start {
        b = b.start(start);
    }
    if let Some(end) = f.end {
        b = b.end(end);
    }
    if let Some(since) = f.since {
        b = b.last(since);
    }
    if let Some(state) = &args.state {
        b = b.state(state.clone());
    }
    if let Some(format) = args.format {
        b = b.format(format.into());
    }
    if let Some(order) = args.order {
        b = b.order(order.into());
    }
    if let Some(size) = args.page_size {
        b = b.page_size(size);
    }
    if let Some(workers) = args.parallel {
        b = b.parallel(workers);
    }
    if args.follow {
        b = b.follow(args.interval);
    }
    if let Some(lookback) = args.lookback {
        b = b.lookback(lookback);
    }
    if let Some(max) = args.max_entries {
        b = b.max_entries(max);
    }
    if args.digests || args.signing_key.is_some() {
        b = b.digests(args.signing_key.clone());
    }
    if let Some(cursor) = &args.cursor {
        b = b.cursor(cursor.clone(), args.skip);
    }
    if let Some(interval) = args.batch_interval {
        b = b.batch_interval(interval);
    }
    b
}

/// Says which values a continued export takes from its state: each flag
/// left out whose recorded value is not the flag's default.
fn from_state(args: &ExportArgs, settings: &Settings) {
    let mut taken: Vec<String> = Vec::new();
    if args.page_size.is_none() && settings.page_size != arize_audit_logs_archive::DEFAULT_PAGE_SIZE
    {
        taken.push(format!("--page-size {}", settings.page_size));
    }
    if let Some((interval, lookback)) = settings.follow {
        if args.interval.is_none() && interval != arize_audit_logs_archive::DEFAULT_INTERVAL {
            taken.push(format!(
                "--interval {}",
                humantime::format_duration(interval)
            ));
        }
        if args.lookback.is_none() && lookback != crate::lookback::DEFAULT_LOOKBACK {
            taken.push(format!(
                "--lookback {}",
                humantime::format_duration(lookback)
            ));
        }
    }
    if args.format.is_none() && settings.format != arize_audit_logs_archive::Format::Jsonl {
        taken.push(format!("--format {}", settings.format.name()));
    }
    if args.order.is_none() && settings.order != arize_audit_logs_archive::Order::default() {
        taken.push(format!("--order {}", settings.order.name()));
    }
    for parameter in crate::flags::query_flags::parameters() {
        let given = args
            .filters
            .query
            .given
            .iter()
            .any(|(p, _)| p.name == parameter.name);
        if given {
            continue;
        }
        let flag = crate::flags::query_flags::flag(parameter);
        taken.extend(
            settings
                .filters
                .to_query()
                .into_iter()
                .filter(|(n, _)| *n == parameter.name)
                .map(|(_, value)| format!("{flag} {}", filters::shell_quote(&value))),
        );
    }
    let state = match &settings.state {
        Some(arize_audit_logs_archive::StateLocation::File { path, .. }) => {
            path.display().to_string()
        }
        Some(arize_audit_logs_archive::StateLocation::Prefix(url)) => url.clone(),
        None => return,
    };
    for setting in taken {
        eprintln!("continuing with `{setting}` from the state {state}");
    }
}

/// Runs the command.
pub async fn command(mut args: ExportArgs, metrics: Option<Arc<Metrics>>) -> Result<(), Failure> {
    if args.output.as_deref() == Some(Path::new("-")) {
        // `-o -` is standard output, as everywhere else.
        args.output = None;
    }
    let settings = crate::connection::connect::settings(&args.connection)?;
    let continues = args.resume || args.state.as_ref().is_some_and(|s| s.exists());
    if !continues && args.page_size.is_none() {
        // A profile's page size; a continued export keeps its journal's.
        args.page_size = settings.page_size.as_ref().map(|(n, _)| *n);
    }
    let connect: Connector = Box::new(move |pinned: Option<&Target>| {
        crate::connection::connect::client_with(&settings, pinned).map_err(|failure| failure.into())
    });
    let metrics = match (&metrics, &args.metrics_listen) {
        (Some(metrics), Some(addr)) => {
            for bound in metrics.serve(addr).await? {
                crate::terminal::notice::info(&format!(
                    "Serving http://{bound}/metrics and http://{bound}/healthz"
                ));
            }
            Some(metrics.clone() as Arc<dyn Observer>)
        }
        _ => None,
    };
    let observer = Arc::new(Terminal::new(!args.no_progress, metrics));
    let summary = run(&args, connect, crate::service::signals::listen(), observer).await?;
    report_repeats(&summary);
    report_late(&summary);
    let target = args
        .output
        .as_ref()
        .map_or("stdout".into(), |p| p.display().to_string());
    if let Some(reason) = summary.stopped {
        // A service's stop: said whether or not anyone watches stderr.
        let journal = args
            .state
            .clone()
            .or_else(|| args.output.as_deref().map(journal::path_for));
        let in_prefix =
            args.state.is_none() && args.output.as_deref().is_some_and(crate::bucket::is_bucket);
        let state = match journal {
            Some(_) if in_prefix => format!(
                "its state is saved in the prefix ({}), and the same command continues it",
                crate::bucket::STATE_NAME
            ),
            Some(path) => format!(
                "its state is saved in {}, and the same command continues it",
                path.display()
            ),
            None => "without --state it cannot be continued".into(),
        };
        crate::terminal::notice::info(&format!(
            "Stopped following on {}: {} entries written to {target} in all; {state}.",
            crate::service::signals::Signal::of(reason).name(),
            summary.entries,
        ));
    } else if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        crate::terminal::notice::info(&format!(
            "Exported {} entries ({} pages) to {target} in {:.2} s.",
            summary.entries,
            summary.pages,
            summary.elapsed.as_secs_f64()
        ));
    }
    broken_entries(&summary)
}

/// The export's last word on entries that break the document: they are
/// written as sent and the export is complete, but the run exits 4 (see
/// [`arize_audit_logs_archive::conformance`]).
pub fn broken_entries(summary: &Summary) -> Result<(), Failure> {
    if summary.breaks.count == 0 {
        return Ok(());
    }
    let done = if summary.stopped.is_some() {
        "its state is saved, and the same command goes on after them"
    } else {
        "the export is complete, so nothing needs to run again"
    };
    Err(Failure::Server(format!(
        "{}: the server sent them against its own document. Each is written as sent \
         (CSV: each member's text, or its JSON text where its type is wrong), and {done}.",
        summary.breaks.describe()
    )))
}

/// Entries the look-back found are no failure, but never silent: they show
/// how late the server makes entries visible.
pub fn report_late(summary: &Summary) {
    if summary.late > 0 {
        eprintln!(
            "{} entries were found by the look-back: the server showed them only after an \
             earlier poll had covered their created_at; each was written once",
            summary.late
        );
    }
}

/// Overlapping pages are no failure, but never silent.
pub fn report_repeats(summary: &Summary) {
    if summary.repeats > 0 {
        crate::terminal::notice::warn(&format!(
            "warning: the server sent {} entries again on a later page (overlapping pages); each \
             was written once",
            summary.repeats
        ));
    }
}
