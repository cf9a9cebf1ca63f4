//! JSON as text: the members of an object without re-encoding their values,
//! and whitespace removed without touching anything else.

use std::{borrow::Cow, fmt};

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
