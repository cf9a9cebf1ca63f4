//! What a failed export says about continuing: the engine's [`Resume`]
//! (what is safe, where it stopped) in the command line's words, with the
//! command that continues it.

use arize_audit_logs_archive::{journal::KeySource, Location, Resume, StateLocation, Window};

use crate::flags::filters::{as_flags, shell_quote, timestamp};

/// A failed export in the command line's words: its exit code, and what is
/// safe with the command that continues.
pub fn failure(e: arize_audit_logs_archive::Error) -> crate::failure::Failure {
    let hint = e.resume().map(hint);
    let failure = crate::failure::Failure::from(e);
    match hint {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}

/// The hint a failed export ends with.
pub fn hint(resume: &Resume) -> String {
    let mut hint = match &resume.clean {
        Some(Ok(())) => {
            return "Nothing was written, and nothing was left behind: run the same command again."
                .into()
        }
        Some(Err(cleanup)) => return format!("Cleaning up also failed: error: {cleanup}"),
        None => continuing(resume),
    };
    if resume.breaks.count > 0 {
        hint = format!(
            "{hint}\nAlso: {}; written as sent.",
            resume.breaks.describe()
        );
    }
    hint
}

fn continuing(resume: &Resume) -> String {
    let written = resume.written;
    match (&resume.output, &resume.state) {
        (Location::Writer, state) => to_stdout(resume, state.as_ref()),
        (Location::File(output), Some(StateLocation::File { path, default })) => {
            let at = match &resume.point.cursor {
                Some(c) => format!(
                    " It stopped at cursor {} (entry {} of that page).",
                    arize_audit_logs::quote_server_text(c),
                    resume.point.skip
                ),
                None => String::new(),
            };
            let state = if *default {
                String::new()
            } else {
                format!(" --state {}", shell_quote(&path.display().to_string()))
            };
            format!(
                "{written} entries are safely in {}.{at} To continue exactly where it stopped \
                 (same host, key source, filters and format, from its journal), run:\n  \
                 arize-audit-logs export --output {}{state} --resume",
                output.display(),
                shell_quote(&output.display().to_string())
            )
        }
        (output, state) => {
            let location = match output {
                Location::File(path) => path.display().to_string(),
                Location::Bucket(url) => url.clone(),
                Location::Writer => "stdout".into(),
            };
            let state = match state {
                Some(StateLocation::File { path, .. }) => path.display().to_string(),
                Some(StateLocation::Prefix(url)) => format!("the prefix ({url})"),
                None => "nowhere".into(),
            };
            let held = resume.held;
            if held > 0 {
                format!(
                    "{} entries are stored in {location}, and {held} more are held in the \
                     export's state, saved in {state}: run the same command again to store them \
                     and continue exactly where it stopped.",
                    written.saturating_sub(held),
                )
            } else {
                format!(
                    "{written} entries are stored in {location}, and the export's state is saved \
                     in {state}: run the same command again to continue exactly where it stopped."
                )
            }
        }
    }
}

fn to_stdout(resume: &Resume, state: Option<&StateLocation>) -> String {
    let written = resume.written;
    match state {
        Some(StateLocation::File { path, .. }) => format!(
            "{written} entries were written to stdout, and its state is saved in {}: run the \
             same command again to continue after the last batch written (a batch, at most \
             one page, may be written again; each line's id tells them apart).",
            path.display()
        ),
        Some(StateLocation::Prefix(url)) => format!(
            "{written} entries were written to stdout, and its state is saved in {url}: run the \
             same command again to continue."
        ),
        None if resume.parallel => format!(
            "{written} entries were written to stdout. A parallel export to stdout cannot be \
             resumed; export to a file with --output to make it resumable."
        ),
        None => match resume.remaining.first() {
            None => format!("{written} entries were written to stdout."),
            Some(window) => format!(
                "{written} entries were written to stdout. To fetch the rest, run:\n  {}",
                stdout_command(resume, window)
            ),
        },
    }
}

/// The command that continues a stdout export where it stopped.
fn stdout_command(resume: &Resume, window: &Window) -> String {
    let target = &resume.target;
    let mut cmd = format!(
        "arize-audit-logs export --base-url {}",
        shell_quote(&target.base_url)
    );
    if let KeySource::File { path } = &target.key {
        cmd += &format!(
            " --api-key-file {}",
            shell_quote(&path.display().to_string())
        );
    }
    if let KeySource::AxProfile { path } = &target.key {
        if let Some(name) = path.file_stem() {
            cmd += &format!(" --profile {}", shell_quote(&name.to_string_lossy()));
        }
    }
    let point = &resume.point;
    let mut params = resume.filters.clone();
    params.start_time = Some(window.start);
    params.end_time = Some(window.end);
    // A cursor too long to quote is left out: the range then ends at the
    // oldest entry written, whose instant's entries come again.
    let cursor = point.cursor.as_deref().filter(|c| {
        arize_audit_logs::quote_server_text(c) == arize_audit_logs::escape_control(c)
            || resume.oldest.is_none()
    });
    let mut note = String::new();
    if let (Some(long), None, Some(oldest)) = (&point.cursor, cursor, resume.oldest) {
        params.end_time = Some(oldest.min(window.end));
        note = format!(
            "\n(The server's cursor, {} characters, is too long to quote; this continues from \
             the oldest entry written, so the entries at {} come again: each line's id tells \
             them apart.)",
            long.chars().count(),
            timestamp(&oldest)
        );
    }
    cmd += &as_flags(&params);
    cmd += &format!(
        " --format {} --page-size {}",
        resume.format.name(),
        resume.page_size
    );
    if resume.order != arize_audit_logs_archive::Order::default() {
        cmd += &format!(" --order {}", resume.order.name());
    }
    if let Some(left) = resume.entries_left {
        cmd += &format!(" --max-entries {left}");
    }
    if let Some(c) = cursor {
        cmd += &format!(" --cursor {} --skip {}", shell_quote(c), point.skip);
    }
    cmd + &note
}
