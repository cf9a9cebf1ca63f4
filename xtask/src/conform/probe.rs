//! The requests `conform` sends: GET only, at most a fixed budget of them,
//! waiting as `Retry-After` asks, and each answer kept as evidence.

use std::time::Duration;

use serde_json::Value;

/// The longest `Retry-After` waited for; a longer one ends the probing.
const MAX_WAIT: Duration = Duration::from_secs(120);

/// How a request authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// The key under test.
    Key,
    /// No `Authorization` header.
    None,
    /// A key nobody issued.
    Wrong,
}

/// One request and its answer.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// `GET /v2/audit-logs?…` as sent (the key never appears).
    pub request: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    /// The server's clock (`Date`), when it sent one.
    pub date: Option<chrono::DateTime<chrono::Utc>>,
    pub body: Vec<u8>,
    /// The body as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl Exchange {
    /// The first 300 characters of the body, for a report.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut excerpt: String = text.chars().take(300).collect();
        if text.chars().count() > 300 {
            excerpt.push('…');
        }
        excerpt
    }
}

/// Sends the requests, within the budget.
pub struct Probe {
    http: reqwest::Client,
    endpoint: String,
    key: Option<String>,
    budget: u32,
    /// Requests sent so far.
    pub sent: u32,
    /// Every answer, in order.
    pub log: Vec<Exchange>,
}

impl Probe {
    pub fn new(base_url: &str, key: Option<String>, budget: u32) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "arize-audit-logs-conform/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            endpoint: format!("{}/v2/audit-logs", base_url.trim_end_matches('/')),
            key,
            budget,
            sent: 0,
            log: Vec::new(),
        })
    }

    /// Requests left in the budget.
    pub fn left(&self) -> u32 {
        self.budget.saturating_sub(self.sent)
    }

    /// `GET` with `query`; `Err` when the budget is spent, the server asks
    /// for too long a wait, or nothing answered.
    pub async fn get(&mut self, query: &[(&str, String)], auth: Auth) -> Result<Exchange, String> {
        loop {
            if self.left() == 0 {
                return Err(format!("the budget of {} requests is spent", self.budget));
            }
            self.sent += 1;
            let mut request = self
                .http
                .get(&self.endpoint)
                .query(query)
                .header("accept", "application/json, application/problem+json");
            match (auth, &self.key) {
                (Auth::Key, Some(key)) => request = request.bearer_auth(key),
                (Auth::Wrong, _) => request = request.bearer_auth("conform-not-a-key-0000"),
                _ => {}
            }
            let shown = describe(query, auth);
            let response = request
                .send()
                .await
                .map_err(|e| format!("{shown}: no answer ({e})"))?;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let status = response.status().as_u16();
            let content_type = header("content-type");
            let retry_after = header("retry-after");
            let date = header("date")
                .and_then(|d| chrono::DateTime::parse_from_rfc2822(&d).ok())
                .map(|d| d.with_timezone(&chrono::Utc));
            let body = response
                .bytes()
                .await
                .map_err(|e| format!("{shown}: the body broke off ({e})"))?
                .to_vec();
            let json = serde_json::from_slice(&body).ok();
            let exchange = Exchange {
                request: shown,
                status,
                content_type,
                retry_after,
                date,
                body,
                json,
            };
            self.log.push(exchange.clone());
            if status == 429 {
                let wait = exchange
                    .retry_after
                    .as_deref()
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .map_or(Duration::from_secs(1), Duration::from_secs);
                if wait > MAX_WAIT {
                    return Err(format!(
                        "{}: the server asks to wait {} s, longer than {} s",
                        exchange.request,
                        wait.as_secs(),
                        MAX_WAIT.as_secs()
                    ));
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            return Ok(exchange);
        }
    }
}

/// The request as a report shows it.
fn describe(query: &[(&str, String)], auth: Auth) -> String {
    let mut text = String::from("GET /v2/audit-logs");
    for (i, (name, value)) in query.iter().enumerate() {
        text.push(if i == 0 { '?' } else { '&' });
        text.push_str(name);
        text.push('=');
        text.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
    }
    match auth {
        Auth::Key => {}
        Auth::None => text.push_str(" (no Authorization)"),
        Auth::Wrong => text.push_str(" (a wrong key)"),
    }
    text
}
