//! `cargo xtask conform`: checks that a *server* behaves as the checked-in
//! document says, where a spec diff cannot see: a new enum value, a member
//! that turns null, an undocumented member, pages that overlap, a filter
//! quietly ignored, an error that is not `problem+json`.
//!
//! It sends GET requests only, at most a budget of them, and derives every
//! window, filter value and cursor from what the server itself answered
//! (its first request uses the server's defaults), so it works against any
//! account and any server clock.

pub mod probe;
pub mod schema;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::Value;

use probe::{Auth, Exchange, Probe};
use schema::{Finding, Schemas};

/// Requests `conform` sends at most, unless told otherwise.
pub const DEFAULT_BUDGET: u32 = 60;

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    Skipped,
    /// The server sent something the document does not list (a member, an
    /// enum value): not a failure, but the document is behind.
    Undocumented,
}

/// A request and an excerpt of its answer.
#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    pub request: String,
    pub status: u16,
    pub excerpt: String,
}

impl Evidence {
    fn of(exchange: &Exchange) -> Self {
        Self {
            request: exchange.request.clone(),
            status: exchange.status,
            excerpt: exchange.excerpt(),
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub id: &'static str,
    /// What it checks, in words.
    pub title: &'static str,
    pub outcome: Outcome,
    /// What was seen (for a pass, what was shown; otherwise why).
    pub detail: String,
    pub evidence: Vec<Evidence>,
}

/// Every check, with what it cost.
#[derive(Debug, Serialize)]
pub struct Report {
    pub base_url: String,
    pub requests: u32,
    pub budget: u32,
    pub checks: Vec<Check>,
}

impl Report {
    /// 0 when every check passed (or was skipped), 1 when the only findings
    /// are undocumented members or values, 2 when a check failed.
    pub fn exit_code(&self) -> u8 {
        let has = |o: Outcome| self.checks.iter().any(|c| c.outcome == o);
        if has(Outcome::Fail) {
            2
        } else if has(Outcome::Undocumented) {
            1
        } else {
            0
        }
    }

    /// Compares the outcomes with an expectation file: a line
    /// `<pass|fail|skipped|undocumented> <check id>` for every check (text
    /// after `#` is a comment, the place to say why). Every difference, or
    /// none.
    pub fn differences(&self, expected: &str) -> Vec<String> {
        let mut wanted = Vec::new();
        let mut differences = Vec::new();
        for (n, line) in expected.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(outcome), Some(id), None) = (words.next(), words.next(), words.next()) else {
                differences.push(format!(
                    "line {}: expected `<outcome> <check id>`: {line}",
                    n + 1
                ));
                continue;
            };
            wanted.push((outcome.to_owned(), id.to_owned()));
        }
        for (outcome, id) in &wanted {
            match self.check(id) {
                None => {
                    differences.push(format!("{id}: expected {outcome}, but no such check ran"))
                }
                Some(check) => {
                    let got = serde_json::to_value(check.outcome)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    if &got != outcome {
                        differences.push(format!(
                            "{id}: expected {outcome}, got {got} ({})",
                            check.detail
                        ));
                    }
                }
            }
        }
        for check in &self.checks {
            if !wanted.iter().any(|(_, id)| id == check.id) {
                differences.push(format!(
                    "{}: not in the expectations ({:?})",
                    check.id, check.outcome
                ));
            }
        }
        differences
    }

    /// The check with `id`.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The report for people.
    pub fn human(&self) -> String {
        let mut out = format!(
            "conform {}: {} requests of a budget of {}\n\n",
            self.base_url, self.requests, self.budget
        );
        let width = self.checks.iter().map(|c| c.id.len()).max().unwrap_or(0) + 2;
        for c in &self.checks {
            let tag = match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "FAIL",
                Outcome::Skipped => "skip",
                Outcome::Undocumented => "undoc",
            };
            out += &format!("{tag:<6}{:<width$}{}\n", c.id, c.title);
            if !c.detail.is_empty() {
                out += &format!("{:<6}{:<width$}{}\n", "", "", c.detail);
            }
            if c.outcome == Outcome::Fail || c.outcome == Outcome::Undocumented {
                for e in c.evidence.iter().take(2) {
                    let excerpt: String = e.excerpt.chars().take(100).collect();
                    out += &format!(
                        "{:<6}{:<width$}{} -> {}: {excerpt}…\n",
                        "", "", e.request, e.status
                    );
                }
            }
        }
        let count = |o: Outcome| self.checks.iter().filter(|c| c.outcome == o).count();
        out += &format!(
            "\n{} passed, {} failed, {} undocumented, {} skipped\n",
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::Undocumented),
            count(Outcome::Skipped)
        );
        out
    }
}

/// An entry as a check sees it, read leniently from whatever was sent.
#[derive(Clone, Debug)]
struct Seen {
    id: String,
    created_at_text: String,
    created_at: Option<DateTime<Utc>>,
    user_id: Option<String>,
    operation_type: Option<String>,
    operation_name: Option<String>,
}

fn entries(exchange: &Exchange) -> Vec<Seen> {
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
fn pagination(exchange: &Exchange) -> (Option<bool>, Option<String>) {
    let p = exchange.json.as_ref().and_then(|j| j.get("pagination"));
    (
        p.and_then(|p| p.get("has_more")).and_then(Value::as_bool),
        p.and_then(|p| p.get("next_cursor"))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
    )
}

struct Conform {
    probe: Probe,
    schemas: Schemas,
    checks: Vec<Check>,
    /// Ids in the order each chain of pages (one window, one page size)
    /// delivered them, for the order check.
    chains: Vec<(String, Vec<Seen>)>,
}

impl Conform {
    fn record(
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

    fn skip(&mut self, id: &'static str, title: &'static str, why: impl Into<String>) {
        self.record(id, title, Outcome::Skipped, why, Vec::new());
    }

    async fn get(&mut self, query: &[(&str, String)], auth: Auth) -> Result<Exchange, String> {
        self.probe.get(query, auth).await
    }

    /// Checks a request the document says is refused with `status`.
    async fn expect_status(
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
    async fn read_all(
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
    behaviour(&mut c).await;
    bodies(&mut c);
    Ok(Report {
        base_url: base_url.to_owned(),
        requests: c.probe.sent,
        budget,
        checks: c.checks,
    })
}

const DEFAULT_LIMIT: (&str, &str) = (
    "limit.default",
    "without limit, a page holds at most 50 entries (exactly 50 when there are more)",
);
const LIMIT: (&str, &str) = ("limit.honoured", "limit=3 gives at most 3 entries a page");
const LIMIT_0: (&str, &str) = ("limit.zero_rejected", "limit=0 is answered with 400");
const LIMIT_101: (&str, &str) = ("limit.over_100_rejected", "limit=101 is answered with 400");
const START_AFTER_END: (&str, &str) = (
    "range.start_after_end_rejected",
    "a start_time after the end_time is answered with 400",
);
const NO_KEY: (&str, &str) = (
    "auth.no_key",
    "no Authorization header is answered with 401",
);
const WRONG_KEY: (&str, &str) = ("auth.wrong_key", "a wrong key is answered with 401");
const START_INCLUSIVE: (&str, &str) = (
    "range.start_inclusive",
    "an entry at exactly start_time is included",
);
const END_INCLUSIVE: (&str, &str) = (
    "range.end_inclusive",
    "an entry at exactly end_time is included",
);
const USER_ID: (&str, &str) = ("filter.user_id", "user_id returns only that user's entries");
const OPERATION_TYPE: (&str, &str) = (
    "filter.operation_type",
    "operation_type returns only that type",
);
const OPERATION_NAME: (&str, &str) = (
    "filter.operation_name",
    "operation_name returns only those names",
);
const PAGE_SIZES: (&str, &str) = (
    "pagination.same_entries_at_any_page_size",
    "one window read at limit 100 and at limit 10 gives the same entries, no overlap, no gap",
);
const ORDER: (&str, &str) = (
    "order.newest_first",
    "entries come newest first, within and across pages",
);
const CURSOR: (&str, &str) = (
    "pagination.next_cursor_iff_has_more",
    "next_cursor is present exactly when has_more is true",
);
const SUCCESS_SCHEMA: (&str, &str) = (
    "schema.success_bodies",
    "every 200 body validates against ListAuditLogsResponse",
);
const ERROR_SCHEMA: (&str, &str) = (
    "schema.error_bodies",
    "every error answer is application/problem+json with the documented members",
);
const RETRY_AFTER: (&str, &str) = (
    "rate_limit.retry_after_integer",
    "a 429's Retry-After is an integer of seconds",
);

async fn behaviour(c: &mut Conform) {
    // Discovery: the server's own defaults first.
    let first = match c.get(&[], Auth::Key).await {
        Ok(first) => first,
        Err(why) => {
            for (id, title) in [
                DEFAULT_LIMIT,
                LIMIT,
                LIMIT_0,
                LIMIT_101,
                START_AFTER_END,
                NO_KEY,
                WRONG_KEY,
                START_INCLUSIVE,
                END_INCLUSIVE,
                USER_ID,
                OPERATION_TYPE,
                OPERATION_NAME,
                PAGE_SIZES,
            ] {
                c.skip(id, title, format!("the first request failed: {why}"));
            }
            return;
        }
    };
    let refused =
        (first.status != 200).then(|| format!("the key was refused: HTTP {}", first.status));
    let now = first.date.unwrap_or_else(Utc::now);
    let mut sample = entries(&first);
    if first.status == 200 {
        c.chains.push((first.request.clone(), sample.clone()));
        let (has_more, _) = pagination(&first);
        let n = sample.len();
        let (outcome, detail) = match has_more {
            _ if n > 50 => (
                Outcome::Fail,
                format!("{} without a limit", count(n, "entry", "entries")),
            ),
            Some(true) if n != 50 => (
                Outcome::Fail,
                format!("{} and has_more: true", count(n, "entry", "entries")),
            ),
            Some(true) => (Outcome::Pass, "50 entries and has_more: true".to_owned()),
            _ => (
                Outcome::Skipped,
                format!(
                    "the default window holds {}, so a default of 50 cannot show",
                    count(n, "entry", "entries")
                ),
            ),
        };
        let (id, title) = DEFAULT_LIMIT;
        c.record(id, title, outcome, detail, vec![Evidence::of(&first)]);
        if sample.is_empty() {
            // Nothing in the default window: look back a year from the server's clock.
            let query = [
                ("start_time", stamp(now - TimeDelta::days(365))),
                ("end_time", stamp(now)),
            ];
            if let Ok(wide) = c.get(&query, Auth::Key).await {
                sample = entries(&wide);
                c.chains.push((wide.request.clone(), sample.clone()));
            }
        }
    } else {
        let (id, title) = DEFAULT_LIMIT;
        c.skip(id, title, refused.clone().unwrap_or_default());
    }

    // Refusals the document promises.
    let (id, title) = LIMIT_0;
    c.expect_status(id, title, &[("limit", "0".into())], Auth::Key, 400)
        .await;
    let (id, title) = LIMIT_101;
    c.expect_status(id, title, &[("limit", "101".into())], Auth::Key, 400)
        .await;
    let (id, title) = START_AFTER_END;
    let query = [
        ("start_time", stamp(now)),
        ("end_time", stamp(now - TimeDelta::hours(1))),
    ];
    c.expect_status(id, title, &query, Auth::Key, 400).await;
    let (id, title) = NO_KEY;
    c.expect_status(id, title, &[], Auth::None, 401).await;
    let (id, title) = WRONG_KEY;
    c.expect_status(id, title, &[], Auth::Wrong, 401).await;

    let dated: Vec<Seen> = sample
        .iter()
        .filter(|e| e.created_at.is_some())
        .cloned()
        .collect();
    if let Some(why) = refused.or_else(|| {
        dated
            .is_empty()
            .then(|| "no entries were found to derive requests from".to_owned())
    }) {
        for (id, title) in [
            LIMIT,
            START_INCLUSIVE,
            END_INCLUSIVE,
            USER_ID,
            OPERATION_TYPE,
            OPERATION_NAME,
            PAGE_SIZES,
        ] {
            c.skip(id, title, why.clone());
        }
        return;
    }
    let newest = dated[0].clone();
    let oldest = dated[dated.len() - 1].clone();
    let window = [
        ("start_time", oldest.created_at_text.clone()),
        ("end_time", newest.created_at_text.clone()),
    ];

    limit_honoured(c).await;
    inclusive(c, &dated, &newest, &oldest).await;
    let (id, title) = USER_ID;
    filter(
        c,
        id,
        title,
        "user_id",
        &dated,
        |e| e.user_id.clone(),
        &window,
    )
    .await;
    // Only a value the document lists can be sent.
    let types = c
        .schemas
        .enum_values("AuditLogOperationType")
        .unwrap_or_default();
    let (id, title) = OPERATION_TYPE;
    let documented = |e: &Seen| e.operation_type.clone().filter(|t| types.contains(t));
    filter(c, id, title, "operation_type", &dated, documented, &window).await;
    let (id, title) = OPERATION_NAME;
    filter(
        c,
        id,
        title,
        "operation_name",
        &dated,
        |e| e.operation_name.clone(),
        &window,
    )
    .await;
    page_sizes(c, &dated).await;
}

/// `n` and the word for one or many.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn limit_honoured(c: &mut Conform) {
    let (id, title) = LIMIT;
    match c.get(&[("limit", "3".into())], Auth::Key).await {
        Ok(page) if page.status == 200 => {
            let n = entries(&page).len();
            let (has_more, _) = pagination(&page);
            c.chains.push((page.request.clone(), entries(&page)));
            let outcome = match (n, has_more) {
                (n, _) if n > 3 => Outcome::Fail,
                (3, _) | (_, Some(false)) => Outcome::Pass,
                _ => Outcome::Fail,
            };
            let detail = format!(
                "{}, has_more: {}",
                count(n, "entry", "entries"),
                has_more.map_or("absent".into(), |h| h.to_string())
            );
            c.record(id, title, outcome, detail, vec![Evidence::of(&page)]);
        }
        Ok(page) => {
            let detail = format!("HTTP {}", page.status);
            c.record(id, title, Outcome::Fail, detail, vec![Evidence::of(&page)]);
        }
        Err(why) => c.skip(id, title, why),
    }
}

/// Probes both bounds at an observed `created_at`, exactly as the server
/// wrote it.
async fn inclusive(c: &mut Conform, dated: &[Seen], newest: &Seen, oldest: &Seen) {
    let probe = dated[dated.len() / 2].clone();
    for ((id, title), start, end) in [
        (
            START_INCLUSIVE,
            probe.created_at_text.clone(),
            newest.created_at_text.clone(),
        ),
        (
            END_INCLUSIVE,
            oldest.created_at_text.clone(),
            probe.created_at_text.clone(),
        ),
    ] {
        let query = [
            ("start_time", start),
            ("end_time", end),
            ("limit", "100".into()),
        ];
        match c.get(&query, Auth::Key).await {
            Ok(page) if page.status == 200 => {
                let got = entries(&page);
                let found = got.iter().any(|e| e.id == probe.id);
                let detail = if found {
                    format!(
                        "entry {} at {} is in the answer",
                        probe.id, probe.created_at_text
                    )
                } else {
                    format!(
                        "entry {} at {} is missing from the answer",
                        probe.id, probe.created_at_text
                    )
                };
                let outcome = if found { Outcome::Pass } else { Outcome::Fail };
                c.record(id, title, outcome, detail, vec![Evidence::of(&page)]);
            }
            Ok(page) => {
                let detail = format!("HTTP {}", page.status);
                c.record(id, title, Outcome::Fail, detail, vec![Evidence::of(&page)]);
            }
            Err(why) => c.skip(id, title, why),
        }
    }
}

/// Filters by a value observed on an entry, inside the observed window: the
/// answer must hold only matching entries, and that entry.
async fn filter(
    c: &mut Conform,
    id: &'static str,
    title: &'static str,
    parameter: &'static str,
    dated: &[Seen],
    value_of: impl Fn(&Seen) -> Option<String>,
    window: &[(&'static str, String)],
) {
    // A value some observed entries have and others do not, so an ignored
    // filter shows.
    let values: Vec<Option<String>> = dated.iter().map(&value_of).collect();
    let Some((target, value)) = dated.iter().zip(&values).find_map(|(e, v)| {
        let v = v.as_ref()?;
        values
            .iter()
            .any(|o| o.as_ref() != Some(v))
            .then(|| (e.clone(), v.clone()))
    }) else {
        let why = match values.iter().flatten().next() {
            Some(_) => format!("every observed entry has the same {parameter}, so an ignored filter could not show"),
            None => format!("no observed entry has a {parameter}"),
        };
        c.skip(id, title, why);
        return;
    };
    let mut query = window.to_vec();
    query.push((parameter, value.clone()));
    query.push(("limit", "100".into()));
    match c.get(&query, Auth::Key).await {
        Ok(page) if page.status == 200 => {
            let got = entries(&page);
            let matches = |e: &Seen| match parameter {
                "operation_type" => e.operation_type.as_deref() == Some(value.as_str()),
                _ => value_of(e).as_deref() == Some(value.as_str()),
            };
            let strays: Vec<&Seen> = got.iter().filter(|e| !matches(e)).collect();
            let has_target = got.iter().any(|e| e.id == target.id);
            let (outcome, detail) = match (strays.first(), has_target) {
                (Some(stray), _) => (
                    Outcome::Fail,
                    format!(
                        "{} of {} entries do not match {parameter}={value:?}; entry {} has {:?}",
                        strays.len(),
                        got.len(),
                        stray.id,
                        value_of(stray)
                    ),
                ),
                (None, false) => (
                    Outcome::Fail,
                    format!(
                        "entry {} (which has {parameter}={value:?}) is missing",
                        target.id
                    ),
                ),
                (None, true) => (
                    Outcome::Pass,
                    format!(
                        "{}, all with {parameter}={value:?}",
                        count(got.len(), "entry", "entries")
                    ),
                ),
            };
            c.record(id, title, outcome, detail, vec![Evidence::of(&page)]);
        }
        Ok(page) => {
            let detail = format!("HTTP {}", page.status);
            c.record(id, title, Outcome::Fail, detail, vec![Evidence::of(&page)]);
        }
        Err(why) => c.skip(id, title, why),
    }
}

/// Reads one observed window at two page sizes and compares the entries.
async fn page_sizes(c: &mut Conform, dated: &[Seen]) {
    let (id, title) = PAGE_SIZES;
    let last = (dated.len() - 1).min(24);
    if last < 10 {
        c.skip(
            id,
            title,
            format!(
                "only {} observed; a window needs more than 10 to span pages at limit 10",
                count(last + 1, "entry", "entries")
            ),
        );
        return;
    }
    let window = [
        ("start_time", dated[last].created_at_text.clone()),
        ("end_time", dated[0].created_at_text.clone()),
    ];
    let whole = c.read_all(&window, 100, 5).await;
    let paged = c.read_all(&window, 10, 12).await;
    let ((whole, whole_pages), (paged, paged_pages)) = match (whole, paged) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(why), _) | (_, Err(why)) => {
            c.skip(id, title, why);
            return;
        }
    };
    c.chains
        .push((whole_pages[0].request.clone(), whole.clone()));
    c.chains
        .push((paged_pages[0].request.clone(), paged.clone()));
    let ids = |s: &[Seen]| s.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    let (a, b) = (ids(&whole), ids(&paged));
    let mut evidence: Vec<Evidence> = whole_pages
        .iter()
        .chain(&paged_pages)
        .map(Evidence::of)
        .collect();
    if a == b {
        let detail = format!(
            "{} in {} and in {}",
            count(a.len(), "entry", "entries"),
            count(whole_pages.len(), "page", "pages"),
            count(paged_pages.len(), "page", "pages")
        );
        c.record(id, title, Outcome::Pass, detail, Vec::new());
        return;
    }
    let repeated = b
        .iter()
        .enumerate()
        .find(|(i, id)| b[..*i].contains(id))
        .map(|(_, id)| id.clone());
    let missing = a.iter().find(|id| !b.contains(id)).cloned();
    let extra = b.iter().find(|id| !a.contains(id)).cloned();
    let detail = match (repeated, missing, extra) {
        (Some(id), _, _) => format!(
            "at limit 10, entry {id} comes twice (pages overlap); {} entries against {}",
            b.len(),
            a.len()
        ),
        (_, Some(id), _) => format!(
            "at limit 10, entry {id} is missing (a gap); {} entries against {}",
            b.len(),
            a.len()
        ),
        (_, _, Some(id)) => {
            format!("at limit 10, entry {id} appears that limit 100 did not return")
        }
        _ => "the same entries in another order".to_owned(),
    };
    evidence.truncate(4);
    c.record(id, title, Outcome::Fail, detail, evidence);
}

/// The checks over everything answered: order, cursors, and the bodies
/// against the document's schemas.
fn bodies(c: &mut Conform) {
    let log = c.probe.log.clone();

    let (id, title) = ORDER;
    let mut bad = None;
    for (request, chain) in &c.chains {
        let times: Vec<&Seen> = chain.iter().filter(|e| e.created_at.is_some()).collect();
        if let Some(pair) = times.windows(2).find(|w| w[0].created_at < w[1].created_at) {
            bad = Some((request.clone(), pair[0].clone(), pair[1].clone()));
            break;
        }
    }
    let ordered: usize = c.chains.iter().map(|(_, chain)| chain.len()).sum();
    match bad {
        Some((request, a, b)) => {
            let detail = format!(
                "{request}: entry {} ({}) comes before the newer {} ({})",
                a.id, a.created_at_text, b.id, b.created_at_text
            );
            c.record(id, title, Outcome::Fail, detail, Vec::new());
        }
        None if ordered < 2 => c.skip(id, title, "fewer than two entries were seen"),
        None => c.record(
            id,
            title,
            Outcome::Pass,
            format!(
                "{} in {}",
                count(ordered, "entry", "entries"),
                count(c.chains.len(), "read", "reads")
            ),
            Vec::new(),
        ),
    }

    let pages: Vec<&Exchange> = log.iter().filter(|e| e.status == 200).collect();
    let (id, title) = CURSOR;
    let broken = pages.iter().find(|p| {
        let (has_more, next) = pagination(p);
        has_more != Some(next.is_some())
    });
    match broken {
        Some(page) => c.record(
            id,
            title,
            Outcome::Fail,
            "has_more and next_cursor disagree (or has_more is missing)",
            vec![Evidence::of(page)],
        ),
        None if pages.is_empty() => c.skip(id, title, "no page was answered"),
        None => c.record(
            id,
            title,
            Outcome::Pass,
            count(pages.len(), "page", "pages"),
            Vec::new(),
        ),
    }

    let (id, title) = SUCCESS_SCHEMA;
    let mut invalid = Vec::new();
    let mut undocumented = Vec::new();
    for page in &pages {
        let Some(json) = &page.json else {
            invalid.push((Evidence::of(page), "the body is not JSON".to_owned()));
            continue;
        };
        match c.schemas.check("ListAuditLogsResponse", json) {
            Err(why) => invalid.push((Evidence::of(page), why)),
            Ok(findings) => classify(page, &findings, &mut invalid, &mut undocumented),
        }
    }
    let n = pages.len();
    conclude(c, id, title, n, "200 bodies", invalid, undocumented);

    let (id, title) = ERROR_SCHEMA;
    let errors: Vec<&Exchange> = log.iter().filter(|e| e.status >= 400).collect();
    let mut invalid = Vec::new();
    let mut undocumented = Vec::new();
    for answer in &errors {
        let media = answer
            .content_type
            .as_deref()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media != "application/problem+json" {
            invalid.push((
                Evidence::of(answer),
                format!(
                    "content type {:?}, not application/problem+json",
                    answer.content_type.as_deref().unwrap_or("(none)")
                ),
            ));
            continue;
        }
        let Some(json) = &answer.json else {
            invalid.push((Evidence::of(answer), "the body is not JSON".to_owned()));
            continue;
        };
        match c.schemas.check("Problem", json) {
            Err(why) => invalid.push((Evidence::of(answer), why)),
            Ok(findings) => {
                if json.get("status").and_then(Value::as_u64) != Some(u64::from(answer.status)) {
                    invalid.push((
                        Evidence::of(answer),
                        format!("its status member is not {}", answer.status),
                    ));
                }
                classify(answer, &findings, &mut invalid, &mut undocumented);
            }
        }
    }
    conclude(
        c,
        id,
        title,
        errors.len(),
        "error answers",
        invalid,
        undocumented,
    );

    let (id, title) = RETRY_AFTER;
    let limited: Vec<&Exchange> = log.iter().filter(|e| e.status == 429).collect();
    match limited.iter().find(|e| {
        e.retry_after
            .as_deref()
            .is_none_or(|r| r.trim().parse::<u64>().is_err())
    }) {
        _ if limited.is_empty() => c.skip(id, title, "no request was answered with 429"),
        Some(answer) => {
            let detail = format!(
                "Retry-After: {:?}",
                answer.retry_after.as_deref().unwrap_or("(absent)")
            );
            c.record(id, title, Outcome::Fail, detail, vec![Evidence::of(answer)]);
        }
        None => c.record(
            id,
            title,
            Outcome::Pass,
            format!("{} with 429", count(limited.len(), "answer", "answers")),
            Vec::new(),
        ),
    }
}

fn classify(
    exchange: &Exchange,
    findings: &[Finding],
    invalid: &mut Vec<(Evidence, String)>,
    undocumented: &mut Vec<(Evidence, String)>,
) {
    // `/logs/7/geo` and `/logs/8/geo` are one finding.
    let general = |path: &str| {
        path.split('/')
            .map(|s| {
                if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                    "*"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    for finding in findings {
        let finding = match finding {
            Finding::Invalid { path, message } => Finding::Invalid {
                path: general(path),
                message: message.clone(),
            },
            Finding::UndocumentedMember { path } => Finding::UndocumentedMember {
                path: general(path),
            },
            Finding::UndocumentedValue { path, value } => Finding::UndocumentedValue {
                path: general(path),
                value: value.clone(),
            },
        };
        match &finding {
            Finding::Invalid { path, message } => {
                invalid.push((Evidence::of(exchange), format!("{path}: {message}")))
            }
            Finding::UndocumentedMember { path } => {
                undocumented.push((Evidence::of(exchange), format!("member {path}")))
            }
            Finding::UndocumentedValue { path, value } => {
                undocumented.push((Evidence::of(exchange), format!("value {value:?} at {path}")))
            }
        }
    }
}

fn conclude(
    c: &mut Conform,
    id: &'static str,
    title: &'static str,
    count: usize,
    what: &str,
    invalid: Vec<(Evidence, String)>,
    undocumented: Vec<(Evidence, String)>,
) {
    let summary = |list: &[(Evidence, String)]| {
        let mut reasons: Vec<&str> = Vec::new();
        for (_, reason) in list {
            if !reasons.contains(&reason.as_str()) {
                reasons.push(reason);
            }
        }
        let shown: Vec<&str> = reasons.iter().take(5).copied().collect();
        let more = reasons.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        };
        format!("in {count} {what}: {}{more}", shown.join("; "))
    };
    // At most two answers, each request once.
    let evidence = |list: &[(Evidence, String)]| {
        let mut shown: Vec<Evidence> = Vec::new();
        for (e, _) in list {
            if shown.len() < 2 && !shown.iter().any(|s| s.request == e.request) {
                shown.push(e.clone());
            }
        }
        shown
    };
    if !invalid.is_empty() {
        c.record(
            id,
            title,
            Outcome::Fail,
            summary(&invalid),
            evidence(&invalid),
        );
    } else if !undocumented.is_empty() {
        c.record(
            id,
            title,
            Outcome::Undocumented,
            summary(&undocumented),
            evidence(&undocumented),
        );
    } else if count == 0 {
        c.skip(id, title, format!("no {what} were seen"));
    } else {
        c.record(
            id,
            title,
            Outcome::Pass,
            format!("{count} {what}"),
            Vec::new(),
        );
    }
}
