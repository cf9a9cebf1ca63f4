//! An entry written as the document lists it, compactly: found, checked and
//! read (`id`, `created_at`) in one pass over its text.
//!
//! That is how servers send entries: every documented member once, in the
//! document's order, each value a string (or `null` where that is
//! allowed), nothing else, no whitespace between tokens. Such an entry
//! keeps to the document and is one line, so neither needs another look.
//! Anything else gets `None` here and is read by the general path (serde
//! and a skim of its members), which decides.
//!
//! The pass checks what serde_json checks of the same text (no control
//! character in a string, every escape one JSON allows), so it can read a
//! body nothing has validated yet ([`crate::model::page_scan`]); whether
//! the text is UTF-8 is the caller's to check.

use std::ops::Range;

use crate::model::audit_log::KNOWN_MEMBERS;

/// What [`entry`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Just past the entry's closing brace (an index of the bytes given).
    pub(crate) end: usize,
    /// The `id` value, quotes included (within the entry's text).
    pub(crate) id: Range<usize>,
    /// The `created_at` value, quotes included (within the entry's text).
    pub(crate) created_at: Range<usize>,
    /// Every documented member's value (a string with its quotes, or
    /// `null`), in the document's order (within the entry's text).
    pub(crate) members: [Range<usize>; KNOWN_MEMBERS.len()],
}

/// What stands before each documented member's value in an entry written
/// in the document's order ([`KNOWN_MEMBERS`], each name quoted).
const KEYS: [&[u8]; KNOWN_MEMBERS.len()] = [
    b"{\"id\":",
    b",\"user_id\":",
    b",\"ip\":",
    b",\"operation_type\":",
    b",\"operation_name\":",
    b",\"operation_text\":",
    b",\"variables\":",
    b",\"created_at\":",
];

/// The entry written in the document's order that starts at `start` of
/// `bytes`, or `None` when what starts there is anything else.
pub(crate) fn entry(bytes: &[u8], start: usize) -> Option<Entry> {
    // One call per member, so that each key is a constant the compiler
    // compares in place. operation_name, operation_text and variables may
    // be null.
    let mut at = start;
    let members = [
        member(bytes, &mut at, KEYS[0], false)?,
        member(bytes, &mut at, KEYS[1], false)?,
        member(bytes, &mut at, KEYS[2], false)?,
        member(bytes, &mut at, KEYS[3], false)?,
        member(bytes, &mut at, KEYS[4], true)?,
        member(bytes, &mut at, KEYS[5], true)?,
        member(bytes, &mut at, KEYS[6], true)?,
        member(bytes, &mut at, KEYS[7], false)?,
    ]
    .map(|value| value.start - start..value.end - start);
    (bytes.get(at) == Some(&b'}')).then(|| Entry {
        end: at + 1,
        id: members[0].clone(),
        created_at: members[KNOWN_MEMBERS.len() - 1].clone(),
        members,
    })
}

/// The member whose `key` (what stands before its value) starts at `at`:
/// the range of its value, a string or (when `nullable`) `null`; `at` moves
/// past it.
#[inline(always)]
fn member(bytes: &[u8], at: &mut usize, key: &[u8], nullable: bool) -> Option<Range<usize>> {
    if bytes.get(*at..*at + key.len())? != key {
        return None;
    }
    let value = *at + key.len();
    *at = match bytes.get(value) {
        Some(b'"') => string_end(bytes, value + 1)?,
        Some(b'n') if nullable && bytes.get(value..value + 4)? == b"null" => value + 4,
        _ => return None,
    };
    Some(value..*at)
}

/// The index just past the closing quote of the string whose text starts
/// at `from`; `None` when the string breaks JSON's rules (a control
/// character, an escape JSON does not have) or does not end.
fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let found = from + special(bytes.get(from..)?)?;
        match bytes[found] {
            b'"' => return Some(found + 1),
            b'\\' => from = found + 1 + escape_len(bytes.get(found + 1..)?)?,
            _ => return None,
        }
    }
}

/// The length of the escape whose text (after the backslash) starts
/// `after`: what serde_json accepts (any four hex digits after `\u`: which
/// code point they make is decided when the string is decoded).
fn escape_len(after: &[u8]) -> Option<usize> {
    match after.first()? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(1),
        b'u' => after
            .get(1..5)?
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(5),
        _ => None,
    }
}

/// The index of the first `"`, `\` or control character in `bytes`. Most
/// of an entry's strings are short, so their first bytes are looked at
/// eight at a time, in place; what is left of a long one goes to `memchr`
/// (which pays a call and a setup for its vector loop), and the bytes it
/// passes over are checked for control characters in wide chunks.
#[inline]
fn special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    const QUOTES: u64 = ONES * b'"' as u64;
    const BACKSLASHES: u64 = ONES * b'\\' as u64;
    const SPACES: u64 = ONES * 0x20;
    let mut at = 0;
    for chunk in bytes.chunks_exact(8).take(8) {
        let chunk = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        let (quotes, backslashes) = (chunk ^ QUOTES, chunk ^ BACKSLASHES);
        // Bytes that are zero in either, or below 0x20 in the chunk: exact
        // for the lowest such byte (a borrow only marks bytes above it).
        let found = (quotes.wrapping_sub(ONES) & !quotes
            | backslashes.wrapping_sub(ONES) & !backslashes
            | chunk.wrapping_sub(SPACES) & !chunk)
            & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = &bytes[at..];
    let found = memchr::memchr2(b'"', b'\\', rest);
    let passed = &rest[..found.unwrap_or(rest.len())];
    let mut checked = 0;
    for chunk in passed.chunks(64) {
        // No early exit inside a chunk: the compiler makes this a vector loop.
        if chunk.iter().fold(false, |any, b| any | (*b < 0x20)) {
            let within = chunk.iter().position(|b| *b < 0x20)?;
            return Some(at + checked + within);
        }
        checked += chunk.len();
    }
    found.map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_the_documented_members_in_order() {
        for (index, key) in KEYS.iter().enumerate() {
            let before = if index == 0 { "{" } else { "," };
            assert_eq!(
                *key,
                format!("{before}\"{}\":", KNOWN_MEMBERS[index]).as_bytes()
            );
        }
    }

    #[test]
    fn special_finds_the_first_quote_backslash_or_control_character_anywhere() {
        let first = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|b| matches!(b, b'"' | b'\\' | 0..=0x1F))
        };
        for len in 0..200 {
            for at in (0..len).chain([usize::MAX]) {
                for special_byte in [b'"', b'\\', 0, b'\n', 0x1F] {
                    // Bytes one off a special one, and the high bit set.
                    let mut bytes: Vec<u8> = (0..len)
                        .map(|i| [b'!', b'#', b'[', b']', 0xA2, 0xDC, b' ', 0x7F][i % 8])
                        .collect();
                    if at < len {
                        bytes[at] = special_byte;
                        // A later one must not hide it.
                        if at + 3 < len {
                            bytes[at + 3] = b'"';
                        }
                    }
                    assert_eq!(special(&bytes), first(&bytes), "{len} {at} {special_byte}");
                }
            }
        }
    }

    #[test]
    fn an_entry_in_the_documents_order_is_found_and_read() {
        let text = br#"{"id":"a\"b","user_id":"u","ip":"::1","operation_type":"QUERY","operation_name":null,"operation_text":"q\u00e9","variables":null,"created_at":"2026-05-18T12:00:00Z"},"#;
        let found = entry(text, 0).expect("documented");
        assert_eq!(found.end, text.len() - 1);
        assert_eq!(&text[found.id.clone()], br#""a\"b""#);
        assert_eq!(
            &text[found.created_at.clone()],
            br#""2026-05-18T12:00:00Z""#
        );
        // At an offset, the ranges are the entry's own.
        let mut page = b"[".to_vec();
        page.extend_from_slice(text);
        let inside = entry(&page, 1).expect("documented");
        assert_eq!((inside.id, inside.created_at), (found.id, found.created_at));
        assert_eq!(inside.end, found.end + 1);
    }

    #[test]
    fn what_json_or_the_document_rules_out_is_not_taken() {
        let good = r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","operation_name":"n","operation_text":"t","variables":"v","created_at":"2026-05-18T12:00:00Z"}"#;
        assert!(entry(good.as_bytes(), 0).is_some());
        for (from, to) in [
            (r#""t""#, "\"t\u{1}\""),
            (r#""t""#, "\"t\n\""),
            (r#""t""#, r#""t\x""#),
            (r#""t""#, r#""t\u12G4""#),
            (r#""t""#, r#""t\u12""#),
            (r#""t""#, "null "),
            (r#""t""#, "7"),
            (r#""u""#, "null"),
            (r#""n""#, "nul"),
            (r#","ip""#, r#", "ip""#),
            (
                r#""2026-05-18T12:00:00Z"}"#,
                r#""2026-05-18T12:00:00Z","x":1}"#,
            ),
            (r#""2026-05-18T12:00:00Z"}"#, r#""2026-05-18T12:00:00Z""#),
        ] {
            let bad = good.replacen(from, to, 1);
            assert_ne!(bad, good);
            assert_eq!(entry(bad.as_bytes(), 0), None, "{bad}");
        }
        // A string long enough to reach the wide check.
        let long = good.replacen(r#""t""#, &format!("\"{}\u{1f}\"", "x".repeat(300)), 1);
        assert_eq!(entry(long.as_bytes(), 0), None);
        let long = good.replacen(r#""t""#, &format!("\"{}\"", "x".repeat(300)), 1);
        assert!(entry(long.as_bytes(), 0).is_some());
    }
}
