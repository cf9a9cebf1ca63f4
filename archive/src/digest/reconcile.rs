//! `verify --against-arize`: reads the archive's range from the API again
//! and compares the ids, changing nothing.

use std::collections::{HashMap, HashSet};

use arize_audit_logs::Client;
use chrono::{DateTime, Utc};
use futures::StreamExt;

use super::report::{Kind, Range, Reconciled, Report};
use crate::{
    names::{Names, Setting},
    Error,
};

/// Compares the ids `report` saw with those Arize returns for the same
/// range and query, with at most `max_pages` pages (each a request, retried
/// as the client's policy says, waiting as `Retry-After` asks).
pub async fn against_arize(
    client: &Client,
    report: &mut Report,
    range: Range,
    max_pages: u64,
    names: &dyn Names,
) -> Result<Option<Reconciled>, Error> {
    let seen = report.seen.take().unwrap_or_default();
    let times = seen.iter().map(|(_, t)| *t);
    let (Some(start), Some(end)) = (
        range.start.or_else(|| times.clone().min()),
        range.end.or_else(|| times.max()),
    ) else {
        return Ok(None);
    };
    let mut params = report.query.clone().unwrap_or_default();
    params.start_time = Some(start);
    params.end_time = Some(end);
    params.limit = Some(arize_audit_logs::MAX_LIMIT);
    let mut pages = client.list_audit_logs().params(params).raw_pages();
    let mut returned: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut count = 0u64;
    // Pages come newest first: once the budget runs out, what is compared
    // is from the oldest entry returned to the end.
    let mut from = start;
    while let Some(page) = pages.next().await {
        let page = page.map_err(Error::from)?;
        count += 1;
        for entry in &page.entries {
            returned.insert(entry.id().to_owned(), entry.created_at());
        }
        if count >= max_pages {
            let more = page.pagination.has_more;
            if more {
                from = page.entries.last().map_or(end, |e| e.created_at());
                report.add(
                    Kind::Incomplete,
                    "arize",
                    format!(
                        "stopped after {count} pages ({max}): compared from {} to {} only; \
                         raise {max}, or narrow {}/{}",
                        crate::timestamp(&from),
                        crate::timestamp(&end),
                        names.name(Setting::Start),
                        names.name(Setting::End),
                        max = names.name(Setting::MaxRequests),
                    ),
                );
            }
            break;
        }
    }
    let within = |t: &DateTime<Utc>| *t >= from && *t <= end;
    let archived: HashSet<&str> = seen
        .iter()
        .filter(|(_, t)| within(t))
        .map(|(id, _)| id.as_str())
        .collect();
    let mut not_in_archive: Vec<(&String, &DateTime<Utc>)> = returned
        .iter()
        .filter(|(id, t)| within(t) && !archived.contains(id.as_str()))
        .collect();
    not_in_archive.sort_by_key(|(id, t)| (std::cmp::Reverse(**t), (*id).clone()));
    let mut not_in_arize: Vec<(String, DateTime<Utc>)> = seen
        .iter()
        .filter(|(id, t)| within(t) && !returned.contains_key(id))
        .cloned()
        .collect();
    not_in_arize.sort_by_key(|(id, t)| (std::cmp::Reverse(*t), id.clone()));
    let missing: Vec<(String, String)> = not_in_archive
        .into_iter()
        .map(|(id, t)| (id.clone(), crate::timestamp(t)))
        .collect();
    for (id, t) in missing {
        report
            .add(
                Kind::NotInArchive,
                "arize",
                format!("created_at {t}: Arize returns it for the range, the archive lacks it"),
            )
            .id = Some(id);
    }
    for (id, t) in not_in_arize {
        report
            .add(
                Kind::NotInArize,
                "arize",
                format!(
                    "created_at {}: in the archive, but Arize no longer returns it (retention \
                     or deletion)",
                    crate::timestamp(&t)
                ),
            )
            .id = Some(id);
    }
    Ok(Some(Reconciled {
        pages: count,
        returned: returned.len() as u64,
        from,
        to: end,
    }))
}
