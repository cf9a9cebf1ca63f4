//! The API key taken out of server text before an error carries it: a
//! server or proxy that echoes the `Authorization` header in an error body
//! (whole, percent-encoded, JSON- or HTML-escaped, base64-encoded, in any
//! letter case) must not get the key printed or logged.

use std::borrow::Cow;

use base64::{
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
    Engine as _,
};
use memchr::memmem;

use crate::model::problem::Problem;

/// What stands where the key was.
pub(crate) const REDACTED: &str = "[redacted]";

/// Finds and replaces the forms of one API key.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    /// Every form of the key, ASCII-lower-cased, longest first (so a
    /// longer form is replaced whole before a shorter one inside it).
    needles: Vec<Vec<u8>>,
}

impl Redactor {
    /// The forms of `key` a server might echo.
    pub(crate) fn new(key: &str) -> Self {
        let key = key.trim();
        if key.is_empty() {
            return Self::default();
        }
        let bearer = format!("Bearer {key}");
        let mut forms: Vec<String> = vec![key.to_owned()];
        forms.push(url::form_urlencoded::byte_serialize(key.as_bytes()).collect());
        forms.push(percent_encode_all(key));
        forms.push(json_escaped(key));
        forms.push(json_escaped(key).replace('/', "\\/"));
        forms.push(html_escaped(key));
        // Encoded whole, `Bearer <key>` does not contain the encoded key.
        for plain in [key, bearer.as_str()] {
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                forms.push(engine.encode(plain));
            }
        }
        let mut needles: Vec<Vec<u8>> = forms
            .into_iter()
            .map(|f| f.to_ascii_lowercase().into_bytes())
            .filter(|f| !f.is_empty())
            .collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Self { needles }
    }

    /// `bytes` with every form of the key replaced by [`REDACTED`].
    pub(crate) fn bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let mut out: Cow<'a, [u8]> = Cow::Borrowed(bytes);
        for needle in &self.needles {
            let lower = out.to_ascii_lowercase();
            let mut found = memmem::find_iter(&lower, needle).peekable();
            if found.peek().is_none() {
                continue;
            }
            let mut replaced = Vec::with_capacity(out.len());
            let mut at = 0;
            for start in found {
                if start < at {
                    continue;
                }
                replaced.extend_from_slice(&out[at..start]);
                replaced.extend_from_slice(REDACTED.as_bytes());
                at = start + needle.len();
            }
            replaced.extend_from_slice(&out[at..]);
            out = Cow::Owned(replaced);
        }
        out
    }

    /// `text` with every form of the key replaced.
    pub(crate) fn text(&self, text: String) -> String {
        match self.bytes(text.as_bytes()) {
            Cow::Borrowed(_) => text,
            // Replacing ASCII forms inside UTF-8 keeps it UTF-8.
            Cow::Owned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Every string of a Problem, as decoded (so a key the JSON spelled
    /// with `\u` escapes is caught too), members the schema does not
    /// declare included.
    pub(crate) fn problem(&self, problem: &mut Problem) {
        let redact = |s: &mut String| *s = self.text(std::mem::take(s));
        redact(&mut problem.title);
        for field in [
            &mut problem.detail,
            &mut problem.instance,
            &mut problem.problem_type,
        ]
        .into_iter()
        .flatten()
        {
            redact(field);
        }
        let members = std::mem::take(&mut problem.extensions);
        problem.extensions = members
            .into_iter()
            .map(|(name, mut value)| {
                self.json(&mut value);
                (self.text(name), value)
            })
            .collect();
    }

    fn json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = self.text(std::mem::take(s)),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            serde_json::Value::Object(members) => {
                let taken = std::mem::take(members);
                *members = taken
                    .into_iter()
                    .map(|(name, mut value)| {
                        self.json(&mut value);
                        (self.text(name), value)
                    })
                    .collect();
            }
            _ => {}
        }
    }
}

/// Every byte but ASCII letters and digits as `%XX`.
fn percent_encode_all(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_owned()
}

fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ak-9f/Zx+Q2=w\"k<1>";

    #[test]
    fn every_echoed_form_of_the_key_is_replaced() {
        let r = Redactor::new(KEY);
        let bearer = format!("Bearer {KEY}");
        let forms = [
            KEY.to_owned(),
            KEY.to_ascii_uppercase(),
            bearer.clone(),
            url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect(),
            percent_encode_all(KEY),
            json_escaped(KEY),
            json_escaped(KEY).replace('/', "\\/"),
            html_escaped(KEY),
            STANDARD.encode(KEY),
            URL_SAFE_NO_PAD.encode(&bearer),
        ];
        for form in forms {
            let text = format!("echo: [{form}] end");
            let out = r.text(text.clone());
            assert!(
                !out.to_ascii_lowercase().contains(&KEY.to_ascii_lowercase())
                    && !out.contains(&form),
                "{form:?} survived: {out}"
            );
            assert!(
                out.starts_with("echo: [") && out.ends_with("] end"),
                "{out}"
            );
            assert!(out.contains(REDACTED), "{out}");
        }
    }

    #[test]
    fn a_key_spelled_with_unicode_escapes_is_caught_after_decoding() {
        let r = Redactor::new("abc123secret");
        let escaped: String = "abc123secret"
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let body =
            format!(r#"{{"title":"bad","status":401,"detail":"{escaped}","x":["{escaped}"]}}"#);
        let mut problem: Problem = serde_json::from_slice(&r.bytes(body.as_bytes())).expect("json");
        r.problem(&mut problem);
        let shown = serde_json::to_string(&problem).expect("json");
        assert!(!shown.contains("abc123secret"), "{shown}");
        assert_eq!(problem.detail.as_deref(), Some(REDACTED));
    }

    #[test]
    fn text_without_the_key_is_untouched() {
        let r = Redactor::new("abc123secret");
        let text = "nothing here, not even abc123secre".to_owned();
        assert!(matches!(r.bytes(text.as_bytes()), Cow::Borrowed(_)));
        assert_eq!(r.text(text.clone()), text);
        assert_eq!(Redactor::new("  ").text(text.clone()), text);
    }
}
