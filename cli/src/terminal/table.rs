//! Entries for people and for pipes: a table fitted to the terminal's width
//! (long cells shortened with `…`, one line an entry), or tab-separated
//! lines. Server text is escaped either way, so that nothing it contains
//! can move the cursor, recolour the terminal, or break a line or a field.

use arize_audit_logs::{escape_control, AuditLog};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

const HEADER: [&str; 6] = ["CREATED_AT", "TYPE", "OPERATION", "USER_ID", "IP", "ID"];

/// The columns of one entry, escaped.
fn columns(e: &AuditLog) -> [String; 6] {
    [
        escape_control(&e.created_at_text()),
        escape_control(e.operation_type.as_str()),
        e.operation_name
            .as_deref()
            .map(escape_control)
            .unwrap_or_default(),
        escape_control(&e.user_id),
        escape_control(&e.ip),
        escape_control(&e.id),
    ]
}

/// Columns a table spends on borders and padding: a space either side of
/// every cell and a line between and around them.
const CHROME: usize = HEADER.len() * 3 + 1;
/// The columns that may be shortened (operation, user id, ip, id), and how
/// narrow they may get; the time and type are always shown whole.
const SHRINKABLE: [bool; 6] = [false, false, true, true, true, true];
const MIN_WIDTH: usize = 5;

/// A table at most `width` columns wide (when the columns can fit at all),
/// one line an entry: the widest shortenable cells are cut with `…`.
pub fn render(entries: &[AuditLog], width: u16) -> String {
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|e| {
            let mut cells = columns(e);
            if cells[2].is_empty() {
                cells[2] = "-".into();
            }
            cells
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let widths = fit(widths, usize::from(width).saturating_sub(CHROME));
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(HEADER.iter().zip(widths).map(|(h, w)| shorten(h, w)));
    for row in rows {
        table.add_row(
            row.iter()
                .zip(widths)
                .map(|(cell, w)| shorten(cell, w))
                .collect::<Vec<_>>(),
        );
    }
    table.to_string()
}

/// Narrows the widest shortenable column, one character at a time, until
/// the columns fit `budget` or none can give more.
fn fit(mut widths: [usize; 6], budget: usize) -> [usize; 6] {
    while widths.iter().sum::<usize>() > budget {
        let widest = (0..widths.len())
            .filter(|&i| SHRINKABLE[i] && widths[i] > MIN_WIDTH)
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    widths
}

/// `cell` cut to `width` characters, the last one `…` when cut.
fn shorten(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_owned();
    }
    let mut cut: String = cell.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// One tab-separated line an entry, no header, in the table's column order
/// (a null operation name is an empty field). Tabs and line breaks inside a
/// value are escaped (`\t`, `\n`), so every line has six fields.
pub fn tsv(entries: &[AuditLog]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&columns(e).join("\t"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arize_audit_logs::OperationType;

    fn entry(name: &str) -> AuditLog {
        AuditLog::new(
            "QXVkaXRMb2c6MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
            "VXNlcjoxMjM0NTY3ODkwMTIzNDU2Nzg5MA==",
            "2001:db8:85a3:8d3:1319:8a2e:370:7348",
            OperationType::Mutation,
            "2026-05-18T12:00:00.123Z".parse().expect("ts"),
        )
        .with_operation_name(Some(name.into()))
    }

    #[test]
    fn terminal_escapes_in_server_text_are_neutralised() {
        let e = AuditLog::new(
            "id\u{1b}[2J",
            "u",
            "1.2.3.4",
            OperationType::Query,
            chrono::Utc::now(),
        )
        .with_operation_name(Some("evil\u{1b}]0;title\u{7}\r\nname".into()));
        for out in [render(std::slice::from_ref(&e), 200), tsv(&[e])] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\r'),
                "{out:?}"
            );
            assert!(out.contains("evil\\u{1b}]0;title\\u{7}\\r\\nname"), "{out}");
        }
    }

    #[test]
    fn the_table_fits_the_width_with_one_line_an_entry() {
        let entries = [
            entry(&"updateMonitorThresholds".repeat(4)),
            entry("deleteApiKey"),
        ];
        for width in [80u16, 100, 120] {
            let out = render(&entries, width);
            let lines: Vec<&str> = out.lines().collect();
            // Top border, header, separator, two rows, bottom border.
            assert_eq!(lines.len(), 6, "{width}:\n{out}");
            for line in &lines {
                assert!(
                    line.chars().count() <= usize::from(width),
                    "{width}: {line}"
                );
            }
            assert!(
                out.contains('…'),
                "{width}: a long cell is shortened:\n{out}"
            );
        }
        let wide = render(&entries, 400);
        assert!(
            wide.contains(&"updateMonitorThresholds".repeat(4)),
            "{wide}"
        );
    }

    #[test]
    fn tsv_has_six_fields_a_line_and_no_header() {
        let mut tabbed = entry("a\tb\nc");
        tabbed.operation_name = None;
        let out = tsv(&[entry("a\tb\nc"), tabbed]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        for line in &lines {
            assert_eq!(line.split('\t').count(), 6, "{line}");
        }
        assert!(lines[0].contains("a\\tb\\nc"), "{}", lines[0]);
        assert_eq!(lines[1].split('\t').nth(2), Some(""));
        assert!(lines[0].starts_with("2026-05-18T12:00:00.123Z\tMUTATION\t"));
    }
}
