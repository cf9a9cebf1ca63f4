//! The floors `cargo xtask bench` measures against: minimal hand-written
//! reqwest + serde_json loops that follow `next_cursor` and write JSON Lines.
//! No validation, no retries, no journal.
//!
//! - `raw`: each entry borrowed from the body as `&RawValue` and written
//!   verbatim: lossless, no re-encoding, the least work any correct exporter
//!   can do.
//! - `typed`: each entry decoded into a struct of the eight documented
//!   members and encoded again (drops members it does not know).
//!
//! Usage: floor raw|typed BASE_URL OUTPUT (the key from ARIZE_API_KEY).

use std::io::Write;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Deserialize, Serialize)]
struct Entry {
    id: String,
    user_id: String,
    ip: String,
    operation_type: String,
    operation_name: Option<String>,
    operation_text: Option<String>,
    variables: Option<String>,
    created_at: String,
}

#[derive(Deserialize)]
struct Pagination {
    next_cursor: Option<String>,
    has_more: bool,
}

#[derive(Deserialize)]
struct Page<E> {
    logs: Vec<E>,
    pagination: Pagination,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mode, base, output) = (
        args.next().ok_or("raw|typed")?,
        args.next().ok_or("BASE_URL")?,
        args.next().ok_or("OUTPUT")?,
    );
    let raw = match mode.as_str() {
        "raw" => true,
        "typed" => false,
        other => return Err(format!("mode {other:?} is neither raw nor typed").into()),
    };
    let key = std::env::var("ARIZE_API_KEY")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut out =
            std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&output)?);
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{base}/v2/audit-logs?limit=100");
            if let Some(c) = &cursor {
                url.push_str("&cursor=");
                url.push_str(c);
            }
            let body = client
                .get(&url)
                .bearer_auth(&key)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let pagination = if raw {
                let page: Page<&RawValue> = serde_json::from_slice(&body)?;
                for entry in &page.logs {
                    out.write_all(entry.get().as_bytes())?;
                    out.write_all(b"\n")?;
                }
                page.pagination
            } else {
                let page: Page<Entry> = serde_json::from_slice(&body)?;
                for entry in &page.logs {
                    serde_json::to_writer(&mut out, entry)?;
                    out.write_all(b"\n")?;
                }
                page.pagination
            };
            match (pagination.has_more, pagination.next_cursor) {
                (true, Some(next)) => cursor = Some(next),
                _ => break,
            }
        }
        out.flush()?;
        Ok(())
    })
}
