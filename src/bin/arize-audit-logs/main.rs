//! `arize-audit-logs`: export and inspect the Arize AX audit log.

mod check;
mod cli;
mod export;
mod filters;
mod hooks;
mod journal;
mod output;
mod parallel;
mod pipeline;
mod progress;
mod query_flags;
mod sink;
mod table;

use std::{
    io::{IsTerminal, Write},
    path::Path,
    process::ExitCode,
    time::Instant,
};

use arize_audit_logs::{
    mock::{Faults, MockConfig, MockServer},
    AuditLog, Client, ConfigError, Error, RetryPolicy,
};
use clap::Parser;
use futures::TryStreamExt;
use tokio::sync::watch;

use crate::{
    cli::{
        Cli, Command, ConnectionArgs, DemoArgs, ExportArgs, Format, ListArgs, MockArgs,
        ServeMockArgs,
    },
    journal::{KeySource, Target},
};

/// Why a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or local state: exit 2.
    Usage(String),
    /// An error from the client library: exit 2, 3, 4 or 1 by its kind.
    Api(Error),
    /// No usable credentials: exit 3.
    Auth(String),
    /// Ctrl-C: exit 130.
    Interrupted,
    /// A local file could not be read or written: exit 1.
    Io(String),
    /// Any of the above, with what to do next.
    Hinted(Box<Failure>, String),
}

impl Failure {
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        Self::Io(format!("{}: {e}", path.display()))
    }

    pub fn with_hint(self, hint: String) -> Self {
        Self::Hinted(Box::new(self), hint)
    }

    fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Auth(_) => 3,
            Self::Interrupted => 130,
            Self::Io(_) => 1,
            Self::Hinted(inner, _) => inner.exit_code(),
            Self::Api(e) => match e {
                Error::Config(_) | Error::InvalidParameter(_) | Error::BadRequest(_) => 2,
                Error::Unauthorized(_) | Error::Forbidden(_) => 3,
                Error::Internal(_) => 1,
                _ => 4,
            },
        }
    }

    pub fn report(&self) -> String {
        match self {
            Self::Usage(m) | Self::Io(m) | Self::Auth(m) => format!("error: {m}"),
            Self::Interrupted => "interrupted".to_owned(),
            Self::Api(e) => format!("error: {e}"),
            Self::Hinted(inner, hint) => format!("{}\n{hint}", inner.report()),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Api(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread: the work is I/O-bound, and hand-offs between worker threads
    // cost more than they save (measured with `cargo xtask bench`).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.report());
            ExitCode::from(failure.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::List(args) => list(args).await,
        Command::Export(args) => export_command(args).await,
        Command::Schema => schema(),
        Command::ServeMock(args) => serve_mock(args).await,
        Command::Demo(args) => demo(args).await,
    }
}

/// A receiver that turns true on Ctrl-C.
fn ctrl_c() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(true);
        }
    });
    rx
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "error",
        1 => "arize_audit_logs=warn",
        2 => "arize_audit_logs=info",
        _ => "arize_audit_logs=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// The API key in a key file (its first line).
fn api_key(path: &Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure::io(path, e))?;
    warn_if_shared(path);
    let key = text.lines().next().unwrap_or("").trim().to_owned();
    if key.is_empty() {
        return Err(Failure::Usage(format!(
            "{} holds no API key on its first line",
            path.display()
        )));
    }
    Ok(key)
}

/// Warns when a key file is readable or writable by group or others.
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: {} is accessible to other users (mode {mode:03o}); restrict it with `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_: &Path) {}

fn client(connection: &ConnectionArgs) -> Result<Client, Failure> {
    client_for(connection, None).map(|(client, _)| client)
}

/// The client, as the command line says (`pinned` is `None`), or for the host
/// and key source an export's journal pins: then `--base-url` and `--region`
/// must agree with it, `ARIZE_BASE_URL` is not read, and `--api-key-file`
/// replaces the recorded key source (a key may be rotated between a failure
/// and its resume). Returns where it connects and where its key came from.
fn client_for(
    connection: &ConnectionArgs,
    pinned: Option<&Target>,
) -> Result<(Client, Target), Failure> {
    init_logging(connection.verbose);
    let mut builder = Client::builder()
        .retry_policy(RetryPolicy::default().max_attempts(connection.max_attempts));
    let key_source = match (&connection.api_key_file, pinned.map(|t| &t.key)) {
        (Some(path), _) | (None, Some(KeySource::File { path })) => KeySource::File {
            path: std::path::absolute(path).unwrap_or_else(|_| path.clone()),
        },
        (None, _) => KeySource::Env,
    };
    if let KeySource::File { path } = &key_source {
        builder = builder.api_key(api_key(path)?);
    }
    match pinned {
        Some(target) => {
            let given = match (&connection.base_url, &connection.region) {
                (Some(url), _) => Some(("--base-url", url.trim_end_matches('/').to_owned())),
                (None, Some(region)) => Some(("--region", region.base_url())),
                (None, None) => None,
            };
            if let Some((flag, url)) = given {
                if url != target.base_url.trim_end_matches('/') {
                    return Err(Failure::Usage(format!(
                        "{flag} ({url}) contradicts the journal, which continues an export from {}: \
                         --resume uses the journal's host, so leave {flag} out",
                        target.base_url
                    )));
                }
            }
            builder = builder.base_url(target.base_url.clone());
        }
        None => {
            if let Some(url) = &connection.base_url {
                builder = builder.base_url(url.clone());
            }
            if let Some(region) = &connection.region {
                builder = builder.region(region.clone());
            }
        }
    }
    if let Some(timeout) = connection.timeout {
        builder = builder.timeout(timeout);
    }
    match builder.build() {
        Err(Error::Config(ConfigError::MissingApiKey)) => Err(Failure::Auth(
            "no API key: set ARIZE_API_KEY or pass --api-key-file FILE (an Arize account admin's key, \
             from the region the account lives in)"
                .into(),
        )
        .with_hint("To try the tool without a key, run `arize-audit-logs demo`.".into())),
        Err(e) => Err(e.into()),
        Ok(client) => {
            let target = Target {
                base_url: client.base_url().to_owned(),
                key: key_source,
            };
            Ok((client, target))
        }
    }
}

async fn list(args: ListArgs) -> Result<(), Failure> {
    let client = client(&args.connection)?;
    let mut params = filters::resolve(
        &args.filters,
        chrono::Utc::now(),
        filters::OpenRange::ServerDefault,
    )
    .map_err(Failure::Usage)?;
    params.limit = args.limit;
    params.cursor.clone_from(&args.cursor);
    params
        .validate()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let request = client.list_audit_logs().params(params);
    let mut out = std::io::stdout().lock();
    let write_err = |e: std::io::Error| Failure::io(Path::new("stdout"), e);
    if args.all {
        let entries: Vec<AuditLog> = request.entries().try_collect().await?;
        if args.json {
            serde_json::to_writer_pretty(&mut out, &entries).map_err(|e| write_err(e.into()))?;
            writeln!(out).map_err(write_err)?;
        } else {
            writeln!(out, "{}", table::render(&entries)).map_err(write_err)?;
            writeln!(out, "{} entries", entries.len()).map_err(write_err)?;
        }
    } else {
        let page = request.send().await?;
        if args.json {
            let body = serde_json::json!({ "logs": page.logs, "pagination": page.pagination });
            serde_json::to_writer_pretty(&mut out, &body).map_err(|e| write_err(e.into()))?;
            writeln!(out).map_err(write_err)?;
        } else {
            writeln!(out, "{}", table::render(&page.logs)).map_err(write_err)?;
            match page.next_cursor() {
                Some(cursor) => writeln!(
                    out,
                    "{} entries; more with --cursor {}",
                    page.logs.len(),
                    arize_audit_logs::escape_control(cursor)
                ),
                None => writeln!(out, "{} entries; no more", page.logs.len()),
            }
            .map_err(write_err)?;
        }
    }
    Ok(())
}

async fn export_command(args: ExportArgs) -> Result<(), Failure> {
    let connection = args.connection.clone();
    let connect = Box::new(move |pinned: Option<&Target>| client_for(&connection, pinned));
    let summary = export::run(&args, connect, ctrl_c()).await?;
    report_repeats(&summary);
    if std::io::stderr().is_terminal() {
        let target = args
            .output
            .as_ref()
            .map_or("stdout".into(), |p| p.display().to_string());
        eprintln!(
            "Exported {} entries ({} pages) to {target} in {:.2} s.",
            summary.entries,
            summary.pages,
            summary.elapsed.as_secs_f64()
        );
    }
    Ok(())
}

/// Overlapping pages are no failure, but never silent.
fn report_repeats(summary: &pipeline::Summary) {
    if summary.repeats > 0 {
        eprintln!(
            "warning: the server sent {} entries again on a later page (overlapping pages); each \
             was written once",
            summary.repeats
        );
    }
}

fn schema() -> Result<(), Failure> {
    let schema = schemars::schema_for!(AuditLog);
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Failure::Io(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn mock_config(args: &MockArgs) -> MockConfig {
    MockConfig::default()
        .entries(args.entries)
        .seed(args.seed)
        .unknown_operation_types(args.unknown_operation_types)
        .faults(
            Faults::none()
                .latency(args.latency)
                .rate_limit(args.rate_limit, Some(args.retry_after))
                .server_error(args.server_error)
                .drop_connection(args.drop_connection)
                .truncate_body(args.truncate_body)
                .unknown_members(args.unknown_members)
                .pages(args.page_fault.into()),
        )
}

async fn serve_mock(args: ServeMockArgs) -> Result<(), Failure> {
    let server = MockServer::start_on(args.listen, mock_config(&args.mock))
        .await
        .map_err(|e| Failure::Io(format!("cannot listen on {}: {e}", args.listen)))?;
    println!("Fake Arize audit-log API listening on {}", server.uri());
    println!("  admin key (ARIZE_API_KEY): {}", server.api_key());
    println!("  non-admin key (answers 403): mock-member-key");
    println!(
        "  try: ARIZE_API_KEY={} arize-audit-logs list --base-url {}",
        server.api_key(),
        server.uri()
    );
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    let mut stop = ctrl_c();
    let _ = stop.wait_for(|s| *s).await;
    server.shutdown().await;
    Ok(())
}

async fn demo(args: DemoArgs) -> Result<(), Failure> {
    init_logging(0);
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
        None => demo_dir()?.join(format!("demo.{}", args.format.name())),
    };
    let export_args = demo_export_args(output.clone(), args.format, args.overwrite)?;
    let started = Instant::now();
    let connect = Box::new(move |_: Option<&Target>| Ok((client, target)));
    let summary = export::run(&export_args, connect, ctrl_c()).await?;
    report_repeats(&summary);
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
        Format::Jsonl => bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                serde_json::from_slice::<AuditLog>(l)
                    .map(|e| e.id)
                    .map_err(|e| bad(e.to_string()))
            })
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
