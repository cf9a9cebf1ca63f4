//! `list`: one page of entries (or all with `--all`) as a table or JSON.

use std::{io::Write, path::Path};

use arize_audit_logs::AuditLog;
use futures::TryStreamExt;

use crate::{cli::ListArgs, connect, failure::Failure, filters, table};

pub async fn run(args: ListArgs) -> Result<(), Failure> {
    let client = connect::client(&args.connection)?;
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
