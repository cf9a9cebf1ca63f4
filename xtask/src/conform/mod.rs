//! `cargo xtask conform`: checks that a *server* behaves as the checked-in
//! document says, where a spec diff cannot see: a new enum value, a member
//! that turns null, an undocumented member, pages that overlap, a filter
//! quietly ignored, an error that is not `problem+json`.
//!
//! It sends GET requests only, at most a budget of them, and derives every
//! window, filter value and cursor from what the server itself answered
//! (its first request uses the server's defaults), so it works against any
//! account and any server clock.

mod answers;
mod behaviour;
pub mod probe;
pub mod report;
pub mod schema;

use chrono::{DateTime, Utc};
use serde_json::Value;

use probe::{Auth, Exchange, Probe};
pub use report::{Check, Evidence, Outcome, Report};
use schema::Schemas;

/// Requests `conform` sends at most, unless told otherwise.
pub const DEFAULT_BUDGET: u32 = 60;

/// An entry as a check sees it, read leniently from whatever was sent.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) id: String,
    pub(crate) created_at_text: String,
    pub(crate) created_at: Option<DateTime<Utc>>,
    pub(crate) user_id: Option<String>,
    pub(crate) operation_type: Option<String>,
    pub(crate) operation_name: Option<String>,
}

pub(crate) fn entries(exchange: &Exchange) -> Vec<Seen> {
    let Some(logs) = exchange
        .json
        .as_ref()
        .and_then(|j| j.get("logs"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    logs.iter()
        .map(|e| {
            let text = |name: &str| e.get(name).and_then(Value::as_str).map(str::to_owned);
            let created_at_text = text("created_at").unwrap_or_default();
            Seen {
                id: text("id").unwrap_or_default(),
                created_at: DateTime::parse_from_rfc3339(&created_at_text)
                    .ok()
                    .map(|t| t.with_timezone(&Utc)),
                created_at_text,
                user_id: text("user_id"),
                operation_type: text("operation_type"),
                operation_name: text("operation_name"),
            }
        })
        .collect()
}

/// `(has_more, next_cursor)` of a page.
pub(crate) fn pagination(exchange: &Exchange) -> (Option<bool>, Option<String>) {
    let p = exchange.json.as_ref().and_then(|j| j.get("pagination"));
    (
        p.and_then(|p| p.get("has_more")).and_then(Value::as_bool),
        p.and_then(|p| p.get("next_cursor"))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
    )
}

pub(crate) struct Conform {
    pub(crate) probe: Probe,
    pub(crate) schemas: Schemas,
    pub(crate) checks: Vec<Check>,
    /// Ids in the order each chain of pages (one window, one page size)
    /// delivered them, for the order check.
    pub(crate) chains: Vec<(String, Vec<Seen>)>,
}

impl Conform {
    pub(crate) fn record(
        &mut self,
        id: &'static str,
        title: &'static str,
        outcome: Outcome,
        detail: impl Into<String>,
        evidence: Vec<Evidence>,
    ) {
        self.checks.push(Check {
            id,
            title,
            outcome,
            detail: detail.into(),
            evidence,
        });
    }

    pub(crate) fn skip(&mut self, id: &'static str, title: &'static str, why: impl Into<String>) {
        self.record(id, title, Outcome::Skipped, why, Vec::new());
    }

    pub(crate) async fn get(
        &mut self,
        query: &[(&str, String)],
        auth: Auth,
    ) -> Result<Exchange, String> {
        self.probe.get(query, auth).await
    }

    /// Checks a request the document says is refused with `status`.
    pub(crate) async fn expect_status(
        &mut self,
        id: &'static str,
        title: &'static str,
        query: &[(&str, String)],
        auth: Auth,
        status: u16,
    ) {
        match self.get(query, auth).await {
            Ok(answer) if answer.status == status => {
                let detail = format!("HTTP {status}");
                self.record(
                    id,
                    title,
                    Outcome::Pass,
                    detail,
                    vec![Evidence::of(&answer)],
                );
            }
            Ok(answer) => {
                let detail = format!("expected HTTP {status}, got {}", answer.status);
                self.record(
                    id,
                    title,
                    Outcome::Fail,
                    detail,
                    vec![Evidence::of(&answer)],
                );
            }
            Err(why) => self.skip(id, title, why),
        }
    }

    /// Every page of `query` at page size `limit`, following cursors (at
    /// most `max_pages`); `None` when a request could not be made.
    pub(crate) async fn read_all(
        &mut self,
        query: &[(&str, String)],
        limit: u32,
        max_pages: usize,
    ) -> Result<(Vec<Seen>, Vec<Exchange>), String> {
        let mut seen = Vec::new();
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..max_pages {
            let mut q: Vec<(&str, String)> = query.to_vec();
            q.push(("limit", limit.to_string()));
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let page = self.get(&q, Auth::Key).await?;
            if page.status != 200 {
                return Err(format!("{} answered HTTP {}", page.request, page.status));
            }
            seen.extend(entries(&page));
            let (has_more, next) = pagination(&page);
            pages.push(page);
            match (has_more, next) {
                (Some(true), Some(next)) => cursor = Some(next),
                _ => return Ok((seen, pages)),
            }
        }
        Err(format!("more than {max_pages} pages"))
    }
}

/// Runs every check against `base_url`.
pub async fn run(base_url: &str, key: Option<String>, budget: u32) -> Result<Report, String> {
    let text = std::fs::read(crate::root().join(crate::DOCUMENT))
        .map_err(|e| format!("cannot read {}: {e}", crate::DOCUMENT))?;
    let document = crate::document::parse(&text).map_err(|e| e.to_string())?;
    let mut c = Conform {
        probe: Probe::new(base_url, key, budget)?,
        schemas: Schemas::from_document(&document)?,
        checks: Vec::new(),
        chains: Vec::new(),
    };
    behaviour::behaviour(&mut c).await;
    answers::answers(&mut c);
    Ok(Report {
        base_url: base_url.to_owned(),
        requests: c.probe.sent,
        budget,
        checks: c.checks,
    })
}
