//! What a continued export (`--resume`, or a `--state` that exists) may
//! change, and what it takes from its state.
//!
//! How it runs may change from one run to the next, so a service can be
//! retuned by restarting it: `--interval`, `--lookback` and `--page-size`
//! replace what the state recorded; `--checkpoint-every`, `--batch-pages`,
//! `--metrics-listen`, `--health-intervals`, `--parallel` and logging are
//! never recorded. What it archives (host, filters, format, order, output)
//! is pinned: `export`'s contradiction check refuses a different value. A
//! flag left out takes the state's value, and when that is not the flag's
//! default, stderr says so.

use std::path::Path;

use arize_audit_logs::ListAuditLogsParams;
use arize_audit_logs_archive::{Format, Order};

use crate::{
    cli::{ExportArgs, DEFAULT_INTERVAL, DEFAULT_PAGE_SIZE},
    journal::{Journal, Until},
    lookback::DEFAULT_LOOKBACK,
};

/// Applies the operational flags of `args` to the continued `journal`
/// (kept in `path`), and says on stderr which values left out come from it.
pub fn apply(args: &ExportArgs, journal: &mut Journal, path: &Path) {
    let mut from_state: Vec<String> = Vec::new();
    match args.page_size {
        Some(size) if size != journal.page_size && journal.pending_pages.is_some() => {
            // A batch written ahead must be cut into the same pages again.
            eprintln!(
                "continuing with `--page-size {}` from the state {} until the batch it wrote \
                 ahead is stored (the batch is fetched in the same pages again); --page-size \
                 {size} applies from the next run",
                journal.page_size,
                path.display()
            );
        }
        Some(size) => journal.page_size = size,
        None if journal.page_size != DEFAULT_PAGE_SIZE => {
            from_state.push(format!("--page-size {}", journal.page_size));
        }
        None => {}
    }
    if let Until::Follow {
        interval_ms,
        lookback,
        ..
    } = &mut journal.until
    {
        match args.interval {
            Some(interval) => *interval_ms = millis(interval),
            None if *interval_ms != millis(DEFAULT_INTERVAL) => from_state.push(format!(
                "--interval {}",
                humantime::format_duration(std::time::Duration::from_millis(*interval_ms))
            )),
            None => {}
        }
        match args.lookback {
            Some(back) => lookback.ms = millis(back),
            None if lookback.ms != millis(DEFAULT_LOOKBACK) => from_state.push(format!(
                "--lookback {}",
                humantime::format_duration(lookback.duration())
            )),
            None => {}
        }
    }
    if args.format.is_none() && journal.format != Format::Jsonl {
        from_state.push(format!("--format {}", journal.format.name()));
    }
    if args.order.is_none() && journal.order != Order::default() {
        from_state.push(format!("--order {}", journal.order.name()));
    }
    for parameter in crate::query_flags::parameters() {
        let given = args
            .filters
            .query
            .given
            .iter()
            .any(|(p, _)| p.name == parameter.name);
        if given {
            continue;
        }
        let flag = crate::query_flags::flag(parameter);
        from_state.extend(
            values(&journal.filters, parameter.name)
                .into_iter()
                .map(|value| format!("{flag} {}", crate::filters::shell_quote(&value))),
        );
    }
    for setting in from_state {
        eprintln!(
            "continuing with `{setting}` from the state {}",
            path.display()
        );
    }
}

/// A parameter's values in `params`, as its flag takes them.
fn values(params: &ListAuditLogsParams, name: &str) -> Vec<String> {
    params
        .to_query()
        .into_iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .collect()
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
