//! The checks over everything answered: order, cursors, and the bodies
//! against the document's schemas.

use serde_json::Value;

use super::{
    behaviour::count, pagination, probe::Exchange, schema::Finding, Conform, Evidence, Outcome,
    Seen,
};

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

/// Every check over the answers so far.
pub(crate) fn answers(c: &mut Conform) {
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
