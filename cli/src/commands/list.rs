//! `list`: one page of entries (or all with `--all`) as a table fitted to
//! the terminal, tab-separated lines when piped, or JSON; with a command
//! that fetches the next page.

use arize_audit_logs::{AuditLog, ListAuditLogsParams};
use futures::TryStreamExt;

use crate::{
    connection::connect,
    failure::Failure,
    flags::cli::{ListArgs, ListFormat},
    flags::filters::{self, shell_quote},
    terminal::stdout,
    terminal::table,
};

pub async fn run(args: ListArgs) -> Result<(), Failure> {
    let settings = connect::settings(&args.connection)?;
    let (client, _) = connect::client_with(&settings, None)?;
    let mut params = filters::resolve(
        &args.filters,
        chrono::Utc::now(),
        filters::OpenRange::ServerDefault,
    )
    .map_err(Failure::Usage)?;
    params.limit = args.limit.or(settings.page_size.as_ref().map(|(n, _)| *n));
    params.cursor.clone_from(&args.cursor);
    params.validate().map_err(|e| Failure::Api(e.into()))?;
    let format = match (args.json, args.format) {
        (true, _) => ListFormat::Json,
        (false, Some(format)) => format,
        (false, None) if stdout::is_terminal() => ListFormat::Table,
        (false, None) => ListFormat::Tsv,
    };
    let request = client.list_audit_logs().params(params.clone());
    if args.all {
        let entries: Vec<AuditLog> = request.entries().try_collect().await?;
        match format {
            ListFormat::Json => json(&entries)?,
            ListFormat::Table => {
                stdout::write_all(table::render(&entries, stdout::width()).as_bytes())?;
                stdout::write_all(b"\n")?;
            }
            ListFormat::Tsv => stdout::write_all(table::tsv(&entries).as_bytes())?,
        }
        if format != ListFormat::Json {
            crate::terminal::notice::info(&format!(
                "{} {}",
                entries.len(),
                plural(entries.len(), "entry", "entries")
            ));
        }
        return Ok(());
    }
    let page = request.send().await?;
    match format {
        ListFormat::Json => {
            json(&serde_json::json!({ "logs": page.logs, "pagination": page.pagination }))?;
            return Ok(());
        }
        ListFormat::Table => {
            stdout::write_all(table::render(&page.logs, stdout::width()).as_bytes())?;
            stdout::write_all(b"\n")?;
        }
        ListFormat::Tsv => stdout::write_all(table::tsv(&page.logs).as_bytes())?,
    }
    let count = format!(
        "{} {}",
        page.logs.len(),
        plural(page.logs.len(), "entry", "entries")
    );
    match page.next_cursor() {
        Some(cursor) => crate::terminal::notice::info(&format!(
            "{count}; the next page:\n  {}",
            next_page(&args, &params, cursor)
        )),
        None => crate::terminal::notice::info(&format!("{count}; no more")),
    }
    Ok(())
}

fn json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| Failure::Io(format!("cannot encode JSON: {e}")))?;
    text.push(b'\n');
    stdout::write_all(&text)
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The command that fetches the page after this one: the same host and key
/// flags, the same filters with a relative window (`--since`) made absolute
/// (the cursor belongs to the window it came from), and the cursor.
fn next_page(args: &ListArgs, params: &ListAuditLogsParams, cursor: &str) -> String {
    let c = &args.connection;
    let mut cmd = String::from("arize-audit-logs list");
    for (flag, value) in [
        ("--profile", c.profile.clone()),
        ("--base-url", c.base_url.clone()),
        ("--region", c.region.clone()),
        (
            "--api-key-file",
            c.api_key_file.as_ref().map(|p| p.display().to_string()),
        ),
    ] {
        if let Some(value) = value {
            cmd += &format!(" {flag} {}", shell_quote(&value));
        }
    }
    cmd += &filters::as_flags(params);
    if let Some(limit) = params.limit {
        cmd += &format!(" --limit {limit}");
    }
    if let Some(format) = args.format {
        if let Some(value) = clap::ValueEnum::to_possible_value(&format) {
            cmd += &format!(" --format {}", value.get_name());
        }
    }
    cmd += &format!(
        " --cursor {}",
        shell_quote(&arize_audit_logs::escape_control(cursor))
    );
    cmd
}
