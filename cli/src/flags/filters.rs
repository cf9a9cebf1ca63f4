//! The filter flags of `list` and `export`, resolved into request parameters
//! in one place: the range conveniences (`--start`, `--end`, `--since`) and
//! one flag per query parameter of the document.

use arize_audit_logs::ListAuditLogsParams;
use chrono::{DateTime, TimeDelta, Utc};

use crate::flags::cli::FilterArgs;

pub use arize_audit_logs_archive::timestamp;

/// The flags that ask for `params` again, shell-quoted: `--start` and
/// `--end` (absolute), then one flag a query value (`limit` and `cursor`
/// aside, which each command names its own way).
pub fn as_flags(params: &ListAuditLogsParams) -> String {
    let mut flags = String::new();
    for (name, value) in params.to_query() {
        let flag = match name {
            "start_time" => "--start".to_owned(),
            "end_time" => "--end".to_owned(),
            "limit" | "cursor" => continue,
            other => format!("--{}", other.replace('_', "-")),
        };
        flags += &format!(" {flag} {}", shell_quote(&value));
    }
    flags
}

/// `text` as one shell word.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:+@%,".contains(&b))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The range the server applies when none is given: 30 days before the end.
pub const DEFAULT_SPAN: TimeDelta = TimeDelta::days(30);

/// Whether a range is pinned when the flags leave it open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenRange {
    /// Leave what is not given to the server (`list`).
    ServerDefault,
    /// Pin the server's default (end: now, start: 30 days before), so every
    /// page and a resumed run ask for the same range (`export`).
    Pin,
}

/// The parameters the flags ask for, checked, or a usage message naming the
/// flag at fault. `now` is when the command started.
pub fn resolve(
    f: &FilterArgs,
    now: DateTime<Utc>,
    open: OpenRange,
) -> Result<ListAuditLogsParams, String> {
    let pin = open == OpenRange::Pin;
    let end = match f.end {
        Some(end) => Some(end),
        None if pin || f.since.is_some() => Some(now),
        None => None,
    };
    let start = match (f.start, f.since, end) {
        (Some(start), _, _) => Some(start),
        (None, Some(since), Some(end)) => {
            let span = TimeDelta::from_std(since).ok().ok_or_else(|| {
                format!("--since {} is too long", humantime::format_duration(since))
            })?;
            Some(end.checked_sub_signed(span).ok_or_else(|| {
                format!(
                    "--since {} reaches before the earliest representable time",
                    humantime::format_duration(since)
                )
            })?)
        }
        (None, None, Some(end)) if pin => Some(
            end.checked_sub_signed(DEFAULT_SPAN)
                .ok_or("--end is too early to have 30 days before it")?,
        ),
        _ => None,
    };
    let mut params = ListAuditLogsParams::default();
    params.start_time = start;
    params.end_time = end;
    f.query.apply(&mut params).map_err(|e| match e.as_str() {
        s if s.contains("start_time") && f.since.is_some() => {
            format!("--since: {s}")
        }
        _ => e,
    })?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::query_flags::QueryFlags;
    use proptest::prelude::*;
    use std::time::Duration;

    fn args(
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
        since: Option<Duration>,
    ) -> FilterArgs {
        FilterArgs {
            start,
            end,
            since,
            query: QueryFlags::default(),
        }
    }

    fn time(seconds: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(seconds, 0)
    }

    proptest! {
        /// Any combination of time flags gives parameters or a usage error,
        /// never a panic; and parameters are always a valid range.
        #[test]
        fn any_time_flags_give_params_or_a_usage_error(
            start in proptest::option::of(any::<i64>()),
            end in proptest::option::of(any::<i64>()),
            since in proptest::option::of(any::<u64>()),
            pin in any::<bool>(),
        ) {
            let now = Utc::now();
            let f = args(
                start.and_then(time),
                end.and_then(time),
                since.map(Duration::from_secs),
            );
            let open = if pin { OpenRange::Pin } else { OpenRange::ServerDefault };
            if let Ok(params) = resolve(&f, now, open) {
                prop_assert!(params.validate().is_ok());
                if let (Some(s), Some(e)) = (params.start_time, params.end_time) {
                    prop_assert!(s <= e);
                }
                if pin {
                    prop_assert!(params.start_time.is_some() && params.end_time.is_some());
                }
            }
        }
    }

    #[test]
    fn a_since_reaching_before_time_began_is_a_usage_error() {
        let f = args(
            None,
            None,
            Some(Duration::from_secs(200_000_000 * 365 * 86_400)),
        );
        let e = resolve(&f, Utc::now(), OpenRange::ServerDefault).unwrap_err();
        assert!(e.starts_with("--since"), "{e}");
    }

    #[test]
    fn export_pins_the_servers_default_range() {
        let now = Utc::now();
        let params = resolve(&args(None, None, None), now, OpenRange::Pin).unwrap();
        assert_eq!(params.end_time, Some(now));
        assert_eq!(params.start_time, Some(now - DEFAULT_SPAN));
        let params = resolve(&args(None, None, None), now, OpenRange::ServerDefault).unwrap();
        assert_eq!((params.start_time, params.end_time), (None, None));
    }

    #[test]
    fn a_start_after_the_end_is_a_usage_error() {
        let e = resolve(&args(time(10), time(5), None), Utc::now(), OpenRange::Pin).unwrap_err();
        assert!(e.contains("start_time") && e.contains("after"), "{e}");
    }
}
