//! Text helpers for messages built from server data: nothing a server sends can
//! rewrite a terminal or flood a log line.

use std::fmt::Write as _;

/// Escapes control characters (C0, DEL, C1, and the bidi overrides) so the
/// text prints on one line and cannot move the cursor or change colours.
pub fn escape_control(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                _ => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The first `max_chars` characters of `bytes` read as UTF-8 (invalid
/// sequences replaced), control characters escaped, with `…` when cut.
pub fn excerpt(bytes: &[u8], max_chars: usize) -> String {
    // Never decode more than needed: 4 bytes a character at the most.
    let window = &bytes[..bytes.len().min(max_chars.saturating_mul(4) + 4)];
    let text = String::from_utf8_lossy(window);
    let mut cut: String = text.chars().take(max_chars).collect();
    let truncated = cut.chars().count() < text.chars().count() || window.len() < bytes.len();
    cut = escape_control(&cut);
    if truncated {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_control_neutralises_terminal_sequences() {
        assert_eq!(escape_control("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
        assert_eq!(escape_control("plain text"), "plain text");
        assert_eq!(escape_control("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn excerpt_cuts_long_and_invalid_text() {
        assert_eq!(excerpt(b"short", 10), "short");
        assert_eq!(excerpt(b"0123456789abc", 10), "0123456789…");
        assert_eq!(excerpt(&[0xff, b'a'], 10), "\u{fffd}a");
        let long = vec![b'x'; 10_000];
        assert_eq!(excerpt(&long, 3), "xxx…");
    }
}
