//! Entries as a readable table; server text is escaped so that nothing it
//! contains can move the cursor or recolour the terminal.

use arize_audit_logs::{escape_control, AuditLog};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

const MAX_CELL: usize = 48;

pub fn render(entries: &[AuditLog]) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["CREATED_AT", "TYPE", "OPERATION", "USER_ID", "IP", "ID"]);
    for e in entries {
        table.add_row([
            cell(&e.created_at_text()),
            cell(e.operation_type.as_str()),
            e.operation_name
                .as_deref()
                .map(cell)
                .unwrap_or_else(|| "-".into()),
            cell(&e.user_id),
            cell(&e.ip),
            cell(&e.id),
        ]);
    }
    table.to_string()
}

/// Escaped and cut to a readable width.
fn cell(text: &str) -> String {
    let escaped = escape_control(text);
    if escaped.chars().count() > MAX_CELL {
        let cut: String = escaped.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arize_audit_logs::OperationType;

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
        let out = render(&[e]);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\r'),
            "{out:?}"
        );
        assert!(out.contains("evil\\u{1b}]0;title\\u{7}\\r\\nname"));
    }
}
