//! The floor `cargo xtask bench` measures against: a minimal hand-written
//! reqwest + serde_json loop that follows `next_cursor` and writes the same
//! JSON Lines as the CLI. No validation, no retries, no checkpoints.
//! Usage: floor BASE_URL OUTPUT (the key from ARIZE_API_KEY).

use std::io::Write;

use serde::{Deserialize, Serialize};

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
struct Page {
    logs: Vec<Entry>,
    pagination: Pagination,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (base, output) = (args.next().ok_or("BASE_URL")?, args.next().ok_or("OUTPUT")?);
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
            let page: Page = serde_json::from_slice(&body)?;
            for entry in &page.logs {
                serde_json::to_writer(&mut out, entry)?;
                out.write_all(b"\n")?;
            }
            match (page.pagination.has_more, page.pagination.next_cursor) {
                (true, Some(next)) => cursor = Some(next),
                _ => break,
            }
        }
        out.flush()?;
        Ok(())
    })
}
