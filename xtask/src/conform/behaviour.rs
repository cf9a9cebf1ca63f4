//! The behaviour checks: limits, refusals, authentication, inclusive
//! bounds, filters and pagination at two page sizes, each request derived
//! from what the server answered before.

use chrono::{DateTime, TimeDelta, Utc};

use super::{entries, pagination, probe::Auth, Conform, Evidence, Outcome, Seen};

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

/// Every behaviour check, discovery first.
pub(crate) async fn behaviour(c: &mut Conform) {
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
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
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
