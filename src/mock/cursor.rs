//! The fake server's opaque cursors: a keyset position plus the resolved time
//! window, bound to the filters they were issued for and checksummed.

use std::hash::{DefaultHasher, Hash, Hasher};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

/// Where the next page starts and the window the query resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cursor {
    /// Sort key of the last entry returned: (created_at in ns, sequence).
    pub after: (i64, u64),
    /// The resolved window, in ns, inclusive.
    pub window: (i64, i64),
    /// Fingerprint of the filters as given.
    pub filters: u64,
}

fn checksum(secret: u64, body: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (secret, body).hash(&mut h);
    h.finish()
}

impl Cursor {
    /// The cursor's text; with a `nonce`, a text for the same position that
    /// differs from every other one (a misbehaving server's fresh cursor).
    pub fn encode_with_nonce(&self, secret: u64, nonce: Option<u64>) -> String {
        let mut body = format!(
            "{}.{}.{}.{}.{:x}",
            self.after.0, self.after.1, self.window.0, self.window.1, self.filters
        );
        if let Some(nonce) = nonce {
            body.push_str(&format!(".{nonce}"));
        }
        let sum = checksum(secret, &body);
        URL_SAFE_NO_PAD.encode(format!("v1.{body}.{sum:x}"))
    }

    /// `None` for anything this server did not issue unchanged.
    pub fn decode(text: &str, secret: u64) -> Option<Self> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let rest = raw.strip_prefix("v1.")?;
        let (body, sum) = rest.rsplit_once('.')?;
        if u64::from_str_radix(sum, 16).ok()? != checksum(secret, body) {
            return None;
        }
        let mut parts = body.split('.');
        let mut next = || parts.next();
        let cursor = Self {
            after: (next()?.parse().ok()?, next()?.parse().ok()?),
            window: (next()?.parse().ok()?, next()?.parse().ok()?),
            filters: u64::from_str_radix(next()?, 16).ok()?,
        };
        Some(cursor)
    }
}

/// Fingerprint of the filters as the caller gave them (not as resolved).
pub(super) fn fingerprint(
    start: Option<&str>,
    end: Option<&str>,
    user_id: Option<&str>,
    operation_type: Option<&str>,
    operation_names: &[String],
) -> u64 {
    let mut h = DefaultHasher::new();
    (start, end, user_id, operation_type, operation_names).hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_tampering() {
        let c = Cursor {
            after: (1_700_000_000_000_000_000, 42),
            window: (-5, 9),
            filters: 0xabc,
        };
        let text = c.encode_with_nonce(7, None);
        assert_eq!(Cursor::decode(&text, 7), Some(c));
        assert_eq!(Cursor::decode(&text, 8), None, "other server");
        let mut bytes = text.into_bytes();
        bytes[3] ^= 1;
        assert_eq!(Cursor::decode(&String::from_utf8_lossy(&bytes), 7), None);
        assert_eq!(Cursor::decode("not base64!", 7), None);
    }
}
