//! The fast path of a page's decode: the `logs` of a body a server wrote
//! compactly, each entry in the document's order, read in one pass.
//!
//! A page's entries are most of its bytes. serde_json, asked for each entry
//! as it was sent, reads every byte once to validate it, and the entry is
//! then read again for what the document requires of it. Here both happen
//! in one pass ([`documented::entry`], which checks what serde_json checks),
//! and what is left of the body (the `logs` emptied, `pagination` and
//! anything else) is decoded by the generated code as before.
//!
//! A body of any other shape, or with anything the pass does not take, is
//! decoded whole by the generated code, as if this did not exist: the fast
//! path never decides an error.

use bytes::Bytes;
use bytestring::ByteString;

use crate::model::{documented, raw_audit_log::RawAuditLog};

/// How a page body the server wrote compactly starts.
const OPEN: &[u8] = b"{\"logs\":[";

/// A body's entries, read, and the body without them.
#[derive(Debug)]
pub(crate) struct Split {
    pub(crate) logs: Vec<RawAuditLog>,
    /// The body with its `logs` array emptied: what the generated code
    /// decodes (and validates) for the rest.
    pub(crate) rest: Vec<u8>,
}

/// The entries of `body` and the body without them; `None` when `body` is
/// not a compactly written page of entries in the document's order (the
/// generated code decodes it whole). The entries share `body`'s buffer.
pub(crate) fn split(body: &Bytes) -> Option<Split> {
    if !body.starts_with(OPEN) {
        return None;
    }
    // Where each entry is, found and checked in one pass…
    let mut found = Vec::new();
    let mut at = OPEN.len();
    if body.get(at) != Some(&b']') {
        loop {
            let entry = documented::entry(body, at)?;
            let start = at;
            at = entry.end;
            found.push((start, entry));
            match body.get(at)? {
                b',' => at += 1,
                b']' => break,
                _ => return None,
            }
        }
    }
    // …then the whole array checked as UTF-8 at once, and each entry a
    // slice of it.
    let array = ByteString::try_from(body.slice(OPEN.len()..at)).ok()?;
    let mut logs = Vec::with_capacity(found.len());
    for (start, entry) in &found {
        let from = start - OPEN.len();
        let text = array.slice_ref(array.get(from..entry.end - OPEN.len())?);
        logs.push(RawAuditLog::documented(&text, entry).ok()?);
    }
    let mut rest = Vec::with_capacity(OPEN.len() + body.len() - at);
    rest.extend_from_slice(OPEN);
    rest.extend_from_slice(&body[at..]);
    Some(Split { logs, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = r#"{"id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","operation_name":"n","operation_text":"t","variables":null,"created_at":"2026-05-18T12:00:00Z"}"#;

    fn page(entries: &[&str], tail: &str) -> String {
        format!(r#"{{"logs":[{}]{tail}"#, entries.join(","))
    }

    #[test]
    fn a_compact_page_is_split_into_its_entries_and_the_rest() {
        let other = ENTRY.replace(r#""a""#, r#""b\"c""#);
        let tail = r#","pagination":{"has_more":false,"next_cursor":null}}"#;
        let body = page(&[ENTRY, &other], tail);
        let scanned = split(&Bytes::from(body)).expect("split");
        let ids: Vec<&str> = scanned.logs.iter().map(RawAuditLog::id).collect();
        assert_eq!(ids, ["a", "b\"c"]);
        assert_eq!(scanned.logs[1].json(), other);
        assert_eq!(
            String::from_utf8(scanned.rest).expect("utf-8"),
            page(&[], tail)
        );
        assert!(split(&Bytes::from(page(&[], tail)))
            .expect("empty")
            .logs
            .is_empty());
    }

    #[test]
    fn anything_else_is_left_to_the_generated_decode() {
        let tail = r#","pagination":{"has_more":false}}"#;
        for body in [
            page(&[ENTRY], tail).replacen("{\"logs\"", "{ \"logs\"", 1),
            page(&[ENTRY], tail).replacen("[{", "[ {", 1),
            page(&[ENTRY, ENTRY], tail).replacen("},{", "}, {", 1),
            page(&[&ENTRY.replace("\"t\"", "7")], tail),
            page(&[&ENTRY.replace("2026-05-18T12:00:00Z", "yesterday")], tail),
            page(&[&ENTRY.replace("\"t\"", "\"\u{1}\"")], tail),
            format!(r#"{{"pagination":{{"has_more":false}},"logs":[{ENTRY}]}}"#),
            page(&[ENTRY], "").replacen("}]", "}", 1),
        ] {
            assert!(split(&Bytes::from(body.clone())).is_none(), "{body}");
        }
        // Not UTF-8 inside a string.
        let mut body = page(&[ENTRY], tail).into_bytes();
        let t = body.windows(3).position(|w| w == b"\"t\"").expect("t") + 1;
        body[t] = 0xFF;
        assert!(split(&Bytes::from(body)).is_none());
    }

    /// One entry's members in the document's order, as a generator makes
    /// them: strings with any character (escaped as serde_json escapes
    /// them, or as `\uXXXX`), `null`s, and now and then another value.
    fn members() -> impl proptest::strategy::Strategy<Value = Vec<String>> {
        use proptest::prelude::*;
        let string = prop_oneof![
            4 => "\\PC{0,12}".prop_map(|s| serde_json::Value::from(s).to_string()),
            1 => "[a-z]{0,3}".prop_map(|s| format!("\"\\u00e9{s}\\ud800\\n\"")),
            1 => "\\PC{100,300}".prop_map(|s| serde_json::Value::from(s).to_string()),
        ];
        let value =
            prop_oneof![8 => string, 1 => Just("null".to_owned()), 1 => Just("7".to_owned())];
        proptest::collection::vec(value, 6)
    }

    proptest::proptest! {
        /// Whatever the fast path reads is what serde_json reads of the
        /// same body: the same entries, each as sent, with the same `id`,
        /// `created_at` and verdict; and where serde_json refuses the body,
        /// the rest the fast path leaves is refused too (so the error is
        /// always serde_json's). Bytes of the body are then overwritten at
        /// random, to reach control characters, broken escapes and
        /// UTF-8, and broken structure.
        #[test]
        fn the_fast_path_reads_what_serde_reads(
            entries in proptest::collection::vec(members(), 0..4),
            id in "\\PC{0,8}",
            at in proptest::option::of(proptest::prelude::any::<proptest::sample::Index>()),
            byte in proptest::prelude::any::<u8>(),
        ) {
            let names = ["user_id", "ip", "operation_type", "operation_name", "operation_text", "variables"];
            let entries: Vec<String> = entries
                .iter()
                .map(|values| {
                    let mut text = format!("{{\"id\":{}", serde_json::Value::from(id.as_str()));
                    for (name, value) in names.iter().zip(values) {
                        text += &format!(",\"{name}\":{value}");
                    }
                    text + ",\"created_at\":\"2026-05-18T12:00:00.5Z\"}"
                })
                .collect();
            let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
            let mut body = page(&entries, r#","pagination":{"has_more":false}}"#).into_bytes();
            if let Some(at) = at {
                let at = at.index(body.len());
                body[at] = byte;
            }
            let by_serde =
                serde_json::from_slice::<crate::generated::types::ListAuditLogsResponse>(&body);
            let Some(split) = split(&Bytes::from(body.clone())) else {
                return Ok(());
            };
            let rest =
                serde_json::from_slice::<crate::generated::types::ListAuditLogsResponse>(&split.rest);
            match by_serde {
                Ok(page) => {
                    proptest::prop_assert!(rest.is_ok());
                    proptest::prop_assert_eq!(&split.logs, &page.logs);
                    for (fast, serde) in split.logs.iter().zip(&page.logs) {
                        proptest::prop_assert_eq!(fast.id(), serde.id());
                        proptest::prop_assert_eq!(fast.created_at(), serde.created_at());
                        proptest::prop_assert_eq!(fast.created_at_text(), serde.created_at_text());
                        proptest::prop_assert_eq!(fast.conforms().is_ok(), serde.conforms().is_ok());
                        proptest::prop_assert_eq!(fast.json_line(), serde.json_line());
                    }
                }
                Err(_) => proptest::prop_assert!(rest.is_err(), "{}", String::from_utf8_lossy(&body)),
            }
        }
    }
}
