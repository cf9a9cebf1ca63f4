//! `demo`: an export from the embedded fake server over real HTTP, checked
//! against what the server holds.

use std::{path::Path, time::Instant};

use arize_audit_logs::{mock::MockServer, AuditLog};

use crate::{
    commands::{export, serve_mock::mock_config},
    failure::Failure,
    flags::cli::{DemoArgs, ExportArgs, Format},
    journal::{KeySource, Target},
};

pub async fn run(args: DemoArgs) -> Result<(), Failure> {
    let server = MockServer::start(mock_config(&args.mock))
        .await
        .map_err(|e| Failure::Io(format!("cannot start the embedded fake server: {e}")))?;
    println!(
        "Started the embedded fake Arize server at {} with {} synthetic audit-log entries.",
        server.uri(),
        args.mock.entries
    );
    let client = server.client()?;
    let target = Target {
        base_url: server.uri(),
        key: KeySource::Env,
    };
    // The same code path as a real export, over real HTTP.
    let output = match &args.output {
        Some(path) => path.clone(),
        None => demo_dir()?.join(format!(
            "demo.{}",
            arize_audit_logs_archive::Format::from(args.format).name()
        )),
    };
    let export_args = demo_export_args(output.clone(), args.format, args.overwrite)?;
    let started = Instant::now();
    let connect: arize_audit_logs_archive::Connector =
        Box::new(move |_: Option<&Target>| Ok((client, target)));
    let summary = export::run(
        &export_args,
        connect,
        crate::service::signals::listen(),
        std::sync::Arc::new(crate::terminal::observer::Terminal::new(
            !export_args.no_progress,
            None,
        )),
    )
    .await?;
    export::report_repeats(&summary);
    let elapsed = started.elapsed().as_secs_f64();

    let expected: Vec<String> = server.entries().into_iter().map(|e| e.id).collect();
    let written = read_ids(&output, args.format)?;
    let verdict = if written == expected {
        "every entry the server holds is in the file exactly once, newest first".to_owned()
    } else {
        return Err(Failure::Io(format!(
            "the file does not match the server: {} ids written, {} held",
            written.len(),
            expected.len()
        )));
    };
    println!(
        "Exported {} entries in {} pages in {elapsed:.2} s ({:.0} entries/s) to {} ({} bytes).",
        summary.entries,
        summary.pages,
        summary.entries as f64 / elapsed.max(1e-6),
        output.display(),
        summary.bytes
    );
    println!("Checked: {verdict}.");
    println!(
        "For a real export, set ARIZE_API_KEY to an account admin's key and run:\n  \
         arize-audit-logs export --since 7d --output audit-logs.jsonl"
    );
    Ok(())
}

/// A new directory for the demo's file, so it never meets an existing one.
fn demo_dir() -> Result<std::path::PathBuf, Failure> {
    let base = std::env::temp_dir();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = base.join(format!(
        "arize-audit-logs-demo-{}-{stamp}",
        std::process::id()
    ));
    std::fs::create_dir(&dir).map_err(|e| Failure::io(&dir, e))?;
    Ok(dir)
}

/// The ids of an exported file, in file order.
fn read_ids(path: &Path, format: Format) -> Result<Vec<String>, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure::io(path, e))?;
    let bad = |e: String| Failure::Io(format!("{}: {e}", path.display()));
    match format {
        Format::Jsonl | Format::Ocsf => bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| crate::digest::edge_of(l).map(|e| e.id).map_err(bad))
            .collect(),
        Format::Json => serde_json::from_slice::<Vec<AuditLog>>(&bytes)
            .map(|v| v.into_iter().map(|e| e.id).collect())
            .map_err(|e| bad(e.to_string())),
        Format::Csv => csv::Reader::from_reader(bytes.as_slice())
            .records()
            .map(|r| {
                r.map(|r| r.get(0).unwrap_or_default().to_owned())
                    .map_err(|e| bad(e.to_string()))
            })
            .collect(),
    }
}

/// The arguments of `export` with its defaults, for `demo`.
fn demo_export_args(
    output: std::path::PathBuf,
    format: Format,
    overwrite: bool,
) -> Result<ExportArgs, Failure> {
    use clap::{Args, FromArgMatches};
    let command = ExportArgs::augment_args(clap::Command::new("export"));
    let matches = command
        .try_get_matches_from(["export", "--no-progress"])
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let mut args =
        ExportArgs::from_arg_matches(&matches).map_err(|e| Failure::Usage(e.to_string()))?;
    args.output = Some(output);
    args.format = Some(format);
    args.overwrite = overwrite;
    Ok(args)
}
