//! A prefix is one archive: a new export into a prefix refuses a range the
//! prefix already holds entries of, read from its manifests, so no entry is
//! ever stored twice. A range after the archive's last entry continues the
//! archive (and its digest chain).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::manifest::Manifest;
use crate::{parallel::Window, Error};

/// An object of the prefix with entries inside a range.
#[derive(Debug, PartialEq)]
pub struct Held {
    pub key: String,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// Whether the partition of `day` may hold entries of `range`.
pub fn may_hold(day: NaiveDate, range: &Window) -> bool {
    range.start.date_naive() <= day && day <= range.end.date_naive()
}

/// The objects of `manifest` whose entries reach into `range` (both bounds
/// inclusive).
pub fn within(manifest: &Manifest, range: &Window) -> Vec<Held> {
    let time = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    manifest
        .objects
        .iter()
        .filter_map(|object| {
            let (a, b) = (
                time(&object.first.created_at)?,
                time(&object.last.created_at)?,
            );
            let (first, last) = (a.min(b), a.max(b));
            (first <= range.end && range.start <= last).then(|| Held {
                key: object.key.clone(),
                first,
                last,
            })
        })
        .collect()
}

/// Refuses when `found` holds anything, naming the overlap and where a
/// range that continues the archive may start.
pub fn refuse_if_any(
    archive: &str,
    range: &Window,
    found: &[Held],
    start: &str,
) -> Result<(), Error> {
    let (Some(earliest), Some(latest)) = (
        found.iter().min_by_key(|h| h.first),
        found.iter().max_by_key(|h| h.last),
    ) else {
        return Ok(());
    };
    let ts = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    Err(Error::refused(format!(
        "{archive} already holds entries of this export's range ({} to {}): {} object{} from \
         {} to {}, such as {}. A prefix is one archive and no entry is stored twice: start \
         after its last entry ({start} {}), or export to another prefix",
        ts(&range.start),
        ts(&range.end),
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        ts(&earliest.first),
        ts(&latest.last),
        latest.key,
        ts(&(latest.last + chrono::TimeDelta::milliseconds(1))),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bucket::manifest::{Edge, ObjectRecord};

    fn object(key: &str, newest: &str, oldest: &str) -> ObjectRecord {
        let edge = |t: &str| Edge {
            id: t.into(),
            created_at: t.into(),
        };
        ObjectRecord {
            key: key.into(),
            sha256: String::new(),
            bytes: 1,
            content_sha256: String::new(),
            content_bytes: 1,
            entries: 2,
            first: edge(newest),
            last: edge(oldest),
        }
    }

    #[test]
    fn an_object_overlaps_a_range_when_any_instant_is_shared_bounds_included() {
        let day: NaiveDate = "2026-05-01".parse().expect("day");
        let mut manifest = Manifest::new(day, crate::Format::Jsonl);
        manifest.objects.push(object(
            "a",
            "2026-05-01T10:00:00.000Z",
            "2026-05-01T08:00:00.000Z",
        ));
        manifest.objects.push(object(
            "b",
            "2026-05-01T20:00:00.000Z",
            "2026-05-01T12:00:00.000Z",
        ));
        let range = |s: &str, e: &str| Window::new(s.parse().expect("t"), e.parse().expect("t"));
        let keys = |r: &Window| {
            within(&manifest, r)
                .into_iter()
                .map(|h| h.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(&range("2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z")),
            ["a"]
        );
        assert!(keys(&range(
            "2026-05-01T10:00:00.001Z",
            "2026-05-01T11:59:59.999Z"
        ))
        .is_empty());
        assert_eq!(
            keys(&range("2026-04-01T00:00:00Z", "2026-06-01T00:00:00Z")),
            ["a", "b"]
        );
        let refused = refuse_if_any(
            "s3://x/p/",
            &range("2026-05-01T09:00:00Z", "2026-05-01T13:00:00Z"),
            &within(
                &manifest,
                &range("2026-05-01T09:00:00Z", "2026-05-01T13:00:00Z"),
            ),
            "--start",
        )
        .expect_err("overlaps");
        assert_eq!(refused.kind(), crate::ErrorKind::Refused);
        assert!(
            refused
                .to_string()
                .contains("--start 2026-05-01T20:00:00.001Z"),
            "{}",
            refused.to_string()
        );
        assert!(may_hold(
            day,
            &range("2026-04-30T23:00:00Z", "2026-05-01T00:00:00Z")
        ));
    }
}
