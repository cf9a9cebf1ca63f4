//! Writing an event as JSON, fast: the event's constant members as bytes
//! prepared once, the entry's strings as the JSON text it sent them as. The
//! types in [`super::event`] define the event (and its schema); a test
//! checks that this writes exactly what serializing them with serde does.

use super::event::{ApiActivity, Endpoint, JsonStr};

impl ApiActivity<'_> {
    /// Appends the event as one line of JSON (no line break), `raw_data`
    /// last.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        // The members every event has with the same value, written as one
        // run of bytes each; the test against serde checks them.
        debug_assert!(
            (
                self.category_uid,
                self.category_name,
                self.class_uid,
                self.class_name
            ) == (6, "Application Activity", 6003, "API Activity")
        );
        out.extend_from_slice(
            br#"{"category_uid":6,"category_name":"Application Activity","class_uid":6003,"class_name":"API Activity","activity_id":"#,
        );
        number(out, self.activity_id);
        out.extend_from_slice(br#","activity_name":"#);
        string(out, self.activity_name);
        out.extend_from_slice(br#","type_uid":"#);
        number(out, self.type_uid);
        out.extend_from_slice(br#","type_name":"#);
        ours(out, self.type_name);
        out.extend_from_slice(br#","time":"#);
        number(out, self.time);
        let metadata = &self.metadata;
        debug_assert!(
            (
                self.severity_id,
                self.severity,
                self.status_id,
                self.status,
                metadata.version
            ) == (1, "Informational", 0, "Unknown", super::VERSION)
        );
        out.extend_from_slice(
            br#","severity_id":1,"severity":"Informational","status_id":0,"status":"Unknown","metadata":{"version":"1.8.0""#,
        );
        out.extend_from_slice(br#","uid":"#);
        ours(out, metadata.uid);
        debug_assert!(
            (metadata.product.name, metadata.product.vendor_name) == ("Arize AX", "Arize AI")
        );
        out.extend_from_slice(
            br#","product":{"name":"Arize AX","vendor_name":"Arize AI"},"logged_time":"#,
        );
        number(out, metadata.logged_time);
        out.extend_from_slice(br#","original_time":"#);
        ours(out, metadata.original_time);

        out.extend_from_slice(br#"},"actor":{"user":{"uid":"#);
        string(out, self.actor.user.uid);
        out.extend_from_slice(br#"}},"src_endpoint":"#);
        endpoint(out, &self.src_endpoint);

        let api = &self.api;
        out.extend_from_slice(br#","api":{"operation":"#);
        string(out, api.operation);
        out.extend_from_slice(br#","request":{"uid":"#);
        ours(out, api.request.uid);
        let data = &api.request.data;
        out.extend_from_slice(br#","data":{"operation_type":"#);
        string(out, data.operation_type);
        for (name, value) in [
            (&br#","operation_name":"#[..], data.operation_name),
            (br#","operation_text":"#, data.operation_text),
            (br#","variables":"#, data.variables),
        ] {
            if let Some(value) = value {
                out.extend_from_slice(name);
                string(out, value);
            }
        }
        out.extend_from_slice(b"}}}");

        if let Some(unmapped) = &self.unmapped {
            out.extend_from_slice(br#","unmapped":{"#);
            for (i, (name, value)) in unmapped.0.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                ours(out, name);
                out.push(b':');
                raw(out, value);
            }
            out.push(b'}');
        }

        out.extend_from_slice(br#","raw_data":""#);
        escape_line(out, self.raw_data);
        out.extend_from_slice(br#""}"#);
    }
}

fn endpoint(out: &mut Vec<u8>, endpoint: &Endpoint<'_>) {
    out.push(b'{');
    let mut first = true;
    for (name, value) in [
        (&br#""ip":"#[..], endpoint.ip),
        (br#""name":"#, endpoint.name),
    ] {
        if let Some(value) = value {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(name);
            string(out, value);
        }
    }
    out.push(b'}');
}

fn number(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A string of ours (or the entry's, decoded), escaped as serde_json does.
fn ours(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    escape(out, text.as_bytes());
    out.push(b'"');
}

/// A string as the entry sent it, or one of ours.
fn string(out: &mut Vec<u8>, text: JsonStr<'_>) {
    match text {
        JsonStr::Sent(text) => raw(out, text),
        JsonStr::Ours(text) => ours(out, text),
    }
}

fn raw(out: &mut Vec<u8>, value: &str) {
    out.extend_from_slice(value.as_bytes());
}

/// Appends `line` as the contents of a JSON string: `raw_data`. `line` is
/// one entry's JSON Lines text, valid JSON without a line break
/// ([`arize_audit_logs::RawAuditLog::json_line`] compacts an entry that has one), so it needs
/// only `"`, `\` and a tab between tokens escaped; [`escape`] would escape
/// any other control character too.
pub(super) fn escape_line(out: &mut Vec<u8>, line: &str) {
    escape(out, line.as_bytes());
}

/// What a byte becomes in a JSON string: 0 itself, `u` the `\u00XX` form,
/// otherwise the letter after a backslash. serde_json's table: the same
/// bytes, escaped the same way.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `bytes` (UTF-8) as the contents of a JSON string.
///
/// In an entry's text a quote comes every dozen bytes or so: too often for a
/// search for the next one to pay, or for copying the runs between them. So
/// the bytes go eight at a time into room made beforehand, and only a word
/// holding a byte to escape is written byte by byte, from that byte on.
fn escape(out: &mut Vec<u8>, bytes: &[u8]) {
    // Most strings of ours (ids, times, captions) need no escape: copied
    // whole. An entry's text has a quote within its first word.
    let clean = clean_prefix(bytes);
    out.extend_from_slice(&bytes[..clean]);
    if clean < bytes.len() {
        escape_from(out, &bytes[clean..]);
    }
}

/// How many bytes at the start of `bytes` need no escape (whole words, then
/// single bytes at the end).
fn clean_prefix(bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut clean = 0;
    for word in &mut words {
        if needs_escape(u64::from_le_bytes(word.try_into().unwrap_or_default())) != 0 {
            return clean;
        }
        clean += 8;
    }
    clean
        + words
            .remainder()
            .iter()
            .take_while(|&&byte| ESCAPE[usize::from(byte)] == 0)
            .count()
}

/// [`escape`] of bytes from the first word that holds a byte to escape.
fn escape_from(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut at = out.len();
    // Room for every byte escaped in two; a word needs at most 48 more
    // (control characters take six), checked before each.
    out.resize(at + bytes.len() * 2 + 64, 0);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        if at + 48 > out.len() {
            out.resize(out.len() * 2 + 48, 0);
        }
        out[at..at + 8].copy_from_slice(word);
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let special = needs_escape(word);
        if special == 0 {
            at += 8;
            continue;
        }
        // The lowest flag is exact (a false one can only follow a true one).
        let first = special.trailing_zeros() as usize / 8;
        at += first;
        for byte in &word.to_le_bytes()[first..] {
            at = put(out, at, *byte);
        }
    }
    if at + 48 > out.len() {
        out.resize(out.len() + 48, 0);
    }
    for &byte in words.remainder() {
        at = put(out, at, byte);
    }
    out.truncate(at);
}

/// A word whose bytes that may need escaping (`"`, `\`, below 0x20) have
/// their high bit set; 0 when none does. Exact for the lowest flagged byte.
fn needs_escape(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGH)
}

/// Writes `byte`, escaped if JSON needs it, at `at`; returns where the next
/// goes.
fn put(buf: &mut [u8], at: usize, byte: u8) -> usize {
    match ESCAPE[usize::from(byte)] {
        0 => {
            buf[at] = byte;
            at + 1
        }
        b'u' => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf[at..at + 6].copy_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
            at + 6
        }
        escape => {
            buf[at] = b'\\';
            buf[at + 1] = escape;
            at + 2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        let long = format!("{every_ascii}{every_ascii}é😀{every_ascii}ab");
        for text in [
            every_ascii.as_str(),
            long.as_str(),
            "",
            "plain",
            "é\u{2028}😀\"\\",
            "\t\u{1f}",
            "12345678\"",
            "1234567\"",
            "é\"aaaaaaaaaaaaaaaa\\aaaaaaaaaaaaa\u{7f}\u{80}",
        ] {
            let mut out = Vec::new();
            ours(&mut out, text);
            assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serde_json::to_string(text).expect("a string"),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        /// An entry's line (any JSON, on one line, tabs between tokens
        /// included) is escaped as serde_json escapes it.
        #[test]
        fn an_entry_line_is_escaped_exactly_as_serde_json_escapes_it(
            value in proptest::collection::btree_map("(?s).{0,12}", "(?s).{0,40}", 0..5),
            tabs in proptest::prelude::any::<bool>(),
        ) {
            let line = serde_json::to_string(&value).expect("JSON");
            let line = if tabs { line.replace("\":\"", "\":\t\"") } else { line };
            let mut out = Vec::new();
            escape_line(&mut out, &line);
            proptest::prop_assert_eq!(
                format!("\"{}\"", String::from_utf8(out).expect("UTF-8")),
                serde_json::to_string(&line).expect("a string")
            );
        }

        #[test]
        fn any_string_is_escaped_exactly_as_serde_json_escapes_it(text in "(?s).{0,80}") {
            let mut out = Vec::new();
            ours(&mut out, &text);
            proptest::prop_assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serde_json::to_string(&text).expect("a string")
            );
        }
    }
}
