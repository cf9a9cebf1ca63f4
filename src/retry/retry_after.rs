//! The `Retry-After` response header, in both of its forms (RFC 9110 §10.2.3).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How long the server asked the client to wait before the next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfter {
    /// `Retry-After: 42`: a number of seconds.
    Delay(Duration),
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`: a point in time.
    At(SystemTime),
}

impl RetryAfter {
    /// Parses the header value; `None` when it is in neither form.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // An absurd number of seconds saturates rather than failing.
            let secs = value.parse::<u64>().unwrap_or(u64::MAX);
            return Some(Self::Delay(Duration::from_secs(secs)));
        }
        httpdate::parse_http_date(value).ok().map(Self::At)
    }

    /// Reads and parses the `Retry-After` header of a response.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(Self::parse)
    }

    /// The wait from `now`: zero for a date in the past.
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match self {
            Self::Delay(d) => *d,
            Self::At(t) => t.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }

    /// The wait from now.
    pub fn delay(&self) -> Duration {
        self.delay_from(SystemTime::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_delta_seconds() {
        assert_eq!(
            RetryAfter::parse("42"),
            Some(RetryAfter::Delay(Duration::from_secs(42)))
        );
        assert_eq!(
            RetryAfter::parse(" 0 "),
            Some(RetryAfter::Delay(Duration::ZERO))
        );
        assert_eq!(
            RetryAfter::parse("99999999999999999999999"),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
    }

    #[test]
    fn parses_http_date() {
        let at = RetryAfter::parse("Wed, 21 Oct 2015 07:28:00 GMT").expect("http-date");
        let RetryAfter::At(t) = at else {
            panic!("not a date: {at:?}")
        };
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .ok(),
            Some(1_445_412_480)
        );
        assert_eq!(at.delay_from(t + Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(
            at.delay_from(t - Duration::from_secs(5)),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn rejects_other_forms() {
        for bad in ["", "-1", "1.5", "soon", "Wed, 99 Oct 2015 07:28:00 GMT"] {
            assert_eq!(RetryAfter::parse(bad), None, "{bad:?}");
        }
    }
}
