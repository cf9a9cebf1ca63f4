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

/// About this many characters of server text are quoted in a message.
pub const QUOTE_CHARS: usize = 200;

/// Server text (a cursor, a problem's title or detail, an id) as a message
/// quotes it: control characters escaped, then cut to [`QUOTE_CHARS`]
/// characters with a note of how many were left out. Every message that
/// quotes server text goes through this, so a hostile or broken server
/// cannot flood a terminal or a log line.
pub fn quote(text: &str) -> String {
    let mut out = String::new();
    let (mut out_chars, mut used) = (0usize, 0usize);
    for c in text.chars() {
        let piece = escape_control(c.encode_utf8(&mut [0; 4]));
        let width = piece.chars().count();
        if out_chars + width > QUOTE_CHARS {
            let left = text.chars().count() - used;
            return format!("{out}… ({left} more characters)");
        }
        out.push_str(&piece);
        out_chars += width;
        used += 1;
    }
    out
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
    fn quote_cuts_long_text_and_says_how_much_is_left_out() {
        let long = "c".repeat(5_000);
        let q = quote(&long);
        assert!(q.chars().count() < QUOTE_CHARS + 30, "{q}");
        assert!(q.ends_with("… (4800 more characters)"), "{q}");
        assert_eq!(quote("abc"), "abc");
        let escapes = quote(&"\u{1b}".repeat(500));
        assert!(escapes.chars().count() < QUOTE_CHARS + 30, "{escapes}");
        assert!(!escapes.contains('\u{1b}'));
    }

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
