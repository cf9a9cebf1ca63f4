//! JSON as text: the members of an object without re-encoding their values,
//! and whitespace removed without touching anything else.

use std::{borrow::Cow, fmt, ops::Range};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The members of a JSON object in their order, each value as written.
pub(crate) fn members(object: &str) -> serde_json::Result<Vec<(String, &RawValue)>> {
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut members = Vec::with_capacity(map.size_hint().unwrap_or(12));
            while let Some(member) = map.next_entry::<String, &'de RawValue>()? {
                members.push(member);
            }
            Ok(members)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(object);
    let members = deserializer.deserialize_map(Members)?;
    deserializer.end()?;
    Ok(members)
}

/// The top-level members of one JSON object that `serde_json` has already
/// validated (a raw value), found without decoding anything: strings are
/// skipped with `memchr`, so this costs a fraction of a parse. Each item is
/// the member's name and the range of its value's text.
pub(crate) struct Skim<'a> {
    text: &'a str,
    pos: usize,
    started: bool,
}

/// One member: its name and the range of its value's text.
pub(crate) type Member<'a> = (Cow<'a, str>, Range<usize>);

/// The text is not the JSON object it should be (never for a validated
/// one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a JSON object")]
pub struct Malformed;

/// The top-level members of `object`, the text of one JSON object that is
/// already known to be valid JSON (as [`RawAuditLog::json`] is, and the
/// line a JSON Lines export writes for it): each member's name, decoded,
/// and its value's text exactly as written, in the object's order.
///
/// Nothing is decoded or validated, so it costs a fraction of a parse:
/// strings are skipped with a vectorised search for the next quote or
/// backslash. Text that is not a valid object gives [`Malformed`] or
/// members that make no sense, never a panic.
///
/// ```
/// let members: Vec<_> = arize_audit_logs::json_members(r#"{"id":"a","n":[1,{"b":"}"}]}"#)
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(members[1].0, "n");
/// assert_eq!(members[1].1, r#"[1,{"b":"}"}]"#);
/// ```
///
/// [`RawAuditLog::json`]: crate::RawAuditLog::json
pub fn members_of(object: &str) -> Members<'_> {
    Members(Skim::new(object))
}

/// The iterator of [`json_members`](crate::json_members).
pub struct Members<'a>(Skim<'a>);

impl<'a> Iterator for Members<'a> {
    type Item = Result<(Cow<'a, str>, &'a str), Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.0.text;
        self.0.next().map(|member| {
            let (name, range) = member?;
            Ok((name, text.get(range).ok_or(Malformed)?))
        })
    }
}

impl<'a> Skim<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            started: false,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_ws(&mut self) {
        while matches!(
            self.bytes().get(self.pos),
            Some(b' ' | b'\n' | b'\r' | b'\t')
        ) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Malformed> {
        self.skip_ws();
        if self.bytes().get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    fn member(&mut self) -> Result<Option<Member<'a>>, Malformed> {
        if self.started {
            self.skip_ws();
            match self.bytes().get(self.pos) {
                Some(b'}') => return Ok(None),
                Some(b',') => self.pos += 1,
                _ => return Err(Malformed),
            }
        } else {
            self.expect(b'{')?;
            self.started = true;
            self.skip_ws();
            if self.bytes().get(self.pos) == Some(&b'}') {
                return Ok(None);
            }
        }
        self.skip_ws();
        let key_start = self.pos;
        let (key_end, escaped) = scan_string(self.bytes(), key_start).ok_or(Malformed)?;
        let name = if escaped {
            let quoted = self.text.get(key_start..key_end).ok_or(Malformed)?;
            Cow::Owned(serde_json::from_str::<String>(quoted).map_err(|_| Malformed)?)
        } else {
            Cow::Borrowed(self.text.get(key_start + 1..key_end - 1).ok_or(Malformed)?)
        };
        self.pos = key_end;
        self.expect(b':')?;
        self.skip_ws();
        let start = self.pos;
        let end = value_end(self.bytes(), start).ok_or(Malformed)?;
        self.pos = end;
        Ok(Some((name, start..end)))
    }
}

impl<'a> Iterator for Skim<'a> {
    type Item = Result<Member<'a>, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        self.member().transpose()
    }
}

/// The index after the string that starts (with its quote) at `start`,
/// scanning for the next quote or backslash.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    scan_string(bytes, start).map(|(end, _)| end)
}

/// [`string_end`], and whether the string has escapes.
fn scan_string(bytes: &[u8], start: usize) -> Option<(usize, bool)> {
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let mut i = start + 1;
    let mut escaped = false;
    loop {
        i += next_quote_or_backslash(bytes.get(i..)?)?;
        if bytes[i] == b'"' {
            return Some((i + 1, escaped));
        }
        escaped = true;
        i += 2; // a backslash and the byte it escapes
    }
}

/// The offset of the first `"` or `\` in `bytes` (memchr's vectorised
/// search).
fn next_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'"', b'\\', bytes)
}

/// The index after the value that starts at `start`.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                match bytes.get(i)? {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let rest = bytes.get(start..)?;
            let n = rest
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(rest.len());
            Some(start + n)
        }
    }
}

/// A JSON string value's text, decoded: copied as it is when it has no
/// escapes, else decoded by `serde_json`.
pub(crate) fn string(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
        Some(inner.to_owned())
    } else {
        serde_json::from_str(value).ok()
    }
}

/// `json` without insignificant whitespace. Strings, numbers and member
/// order are left exactly as they are; text that has no whitespace outside
/// strings is returned as it is.
pub fn compact(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    {
        return Cow::Borrowed(json);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            in_string = b == b'"';
            out.push(b);
        }
    }
    // Only ASCII whitespace outside strings was removed, so the bytes are
    // still UTF-8; the fallback is never taken.
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(_) => Cow::Borrowed(json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_removes_whitespace_outside_strings_only() {
        let pretty = "{\n  \"a b\": [1, 2.50 ,\t1e3],\r\n  \"c\": \"x \\\" y\\n\"\n}";
        assert_eq!(
            compact(pretty),
            "{\"a b\":[1,2.50,1e3],\"c\":\"x \\\" y\\n\"}"
        );
        assert!(matches!(compact("{\"a\":1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn skim_finds_the_top_level_members_of_any_object() {
        let text =
            r#" { "a" : "x\"}" , "b\u0041":[1,{"c":"]"}], "n": -1.5e3 ,"t":true,"z":null } "#;
        let got: Vec<(String, &str)> = Skim::new(text.trim())
            .map(|m| m.map(|(k, r)| (k.into_owned(), &text.trim()[r])))
            .collect::<Result<_, _>>()
            .expect("valid");
        assert_eq!(
            got,
            [
                ("a".to_owned(), r#""x\"}""#),
                ("bA".to_owned(), r#"[1,{"c":"]"}]"#),
                ("n".to_owned(), "-1.5e3"),
                ("t".to_owned(), "true"),
                ("z".to_owned(), "null"),
            ]
        );
        assert_eq!(Skim::new("{}").count(), 0);
        for bad in [
            "",
            "[1]",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":\"x",
            "{\"a\":1,",
            "{\"a\" 1}",
        ] {
            assert!(Skim::new(bad).any(|m| m.is_err()), "{bad:?}");
        }
    }

    #[test]
    fn the_word_scanner_finds_the_first_quote_or_backslash_at_any_offset() {
        for len in 0..40 {
            for at in 0..len {
                for needle in [b'"', b'\\'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = needle;
                    if at + 1 < len {
                        bytes[at + 1] = b'"';
                    }
                    assert_eq!(next_quote_or_backslash(&bytes), Some(at), "{len} {at}");
                }
            }
            assert_eq!(next_quote_or_backslash(&vec![0x80 | b'"'; len]), None);
        }
    }

    #[test]
    fn strings_are_copied_or_decoded() {
        assert_eq!(string(r#""plain""#).as_deref(), Some("plain"));
        assert_eq!(string(r#""a\"b\u00e9""#).as_deref(), Some("a\"bé"));
        assert_eq!(string("1"), None);
    }

    #[test]
    fn members_keep_order_and_values_as_written() {
        let m = members(r#"{"z":1.50,"a":{"n":[true, null]},"e":"\u00e9"}"#).expect("object");
        let got: Vec<(&str, &str)> = m.iter().map(|(k, v)| (k.as_str(), v.get())).collect();
        assert_eq!(
            got,
            [
                ("z", "1.50"),
                ("a", r#"{"n":[true, null]}"#),
                ("e", r#""\u00e9""#)
            ]
        );
        assert!(members("[1]").is_err());
    }
}
