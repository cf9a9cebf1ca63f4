//! Reading a document from a file or a URL.

use std::time::Duration;

/// The default upstream: Arize's whole REST API description.
pub const UPSTREAM_URL: &str = "https://api.arize.com/v2/spec.yaml";

/// The bytes of `source`: a URL (`http://` or `https://`) or a file path.
pub fn read(source: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        fetch(source, timeout)
    } else {
        std::fs::read(source).map_err(|e| format!("cannot read {source}: {e}"))
    }
}

fn fetch(url: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime to fetch {url}: {e}"))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .user_agent(concat!(
                "arize-audit-logs-xtask/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        let response = client
            .get(url)
            .send()
            .await
            .map_err(|e| describe(url, &e, timeout))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("fetching {url} answered HTTP {status}"));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| describe(url, &e, timeout))?;
        Ok(body.to_vec())
    })
}

fn describe(url: &str, e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("fetching {url} timed out after {} s", timeout.as_secs_f64())
    } else if e.is_connect() {
        format!("cannot connect to fetch {url}: {}", chain(e))
    } else {
        format!("fetching {url} failed: {}", chain(e))
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(inner) = next {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        next = inner.source();
    }
    text
}
