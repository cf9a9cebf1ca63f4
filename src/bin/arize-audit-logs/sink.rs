//! Writing entries as JSON Lines, CSV or a JSON array, counting the bytes so a
//! checkpoint can say exactly how much of the file is complete.

use std::io::{self, Write};

use arize_audit_logs::AuditLog;

use crate::cli::Format;

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 8] = [
    "id",
    "user_id",
    "ip",
    "operation_type",
    "operation_name",
    "operation_text",
    "variables",
    "created_at",
];

/// An output in one format. `bytes` counts everything handed to `out`.
pub struct Sink<W: Write> {
    out: W,
    format: Format,
    entries: u64,
    bytes: u64,
    line: Vec<u8>,
}

impl<W: Write> Sink<W> {
    /// A fresh output: writes the CSV header or the opening bracket.
    pub fn create(out: W, format: Format) -> io::Result<Self> {
        let mut sink = Self::resume(out, format, 0, 0);
        match format {
            Format::Jsonl => {}
            Format::Json => sink.emit(b"[\n")?,
            Format::Csv => {
                let mut header = csv_writer();
                header.write_record(CSV_COLUMNS).map_err(io::Error::other)?;
                let bytes = header
                    .into_inner()
                    .map_err(|e| io::Error::other(e.to_string()))?;
                sink.emit(&bytes)?;
            }
        }
        Ok(sink)
    }

    /// An output that already holds `entries` entries in `bytes` bytes.
    pub fn resume(out: W, format: Format, entries: u64, bytes: u64) -> Self {
        Self {
            out,
            format,
            entries,
            bytes,
            line: Vec::with_capacity(4096),
        }
    }

    pub fn write(&mut self, entry: &AuditLog) -> io::Result<()> {
        self.line.clear();
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.line, entry)?;
                self.line.push(b'\n');
            }
            Format::Json => {
                if self.entries > 0 {
                    self.line.extend_from_slice(b",\n");
                }
                serde_json::to_writer(&mut self.line, entry)?;
            }
            Format::Csv => {
                let mut writer = csv_writer();
                writer
                    .write_record(csv_record(entry))
                    .map_err(io::Error::other)?;
                let record = writer
                    .into_inner()
                    .map_err(|e| io::Error::other(e.to_string()))?;
                self.line.extend_from_slice(&record);
            }
        }
        let line = std::mem::take(&mut self.line);
        let result = self.emit(&line);
        self.line = line;
        result?;
        self.entries += 1;
        Ok(())
    }

    /// Writes what closes the format (the JSON array's bracket) and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.format == Format::Json {
            let closing: &[u8] = if self.entries > 0 { b"\n]\n" } else { b"]\n" };
            self.out.write_all(closing)?;
        }
        self.out.flush()
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(1024))
}

/// One CSV row; cells a spreadsheet would run as a formula are neutralised.
fn csv_record(entry: &AuditLog) -> [String; 8] {
    let opt = |v: &Option<String>| v.as_deref().map(neutralise).unwrap_or_default();
    [
        neutralise(&entry.id),
        neutralise(&entry.user_id),
        neutralise(&entry.ip),
        neutralise(entry.operation_type.as_str()),
        opt(&entry.operation_name),
        opt(&entry.operation_text),
        opt(&entry.variables),
        entry.created_at_text().into_owned(),
    ]
}

/// Prefixes `'` to a cell that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (OWASP's CSV-injection rule), so spreadsheets show it as
/// text instead of evaluating it.
pub fn neutralise(cell: &str) -> String {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arize_audit_logs::OperationType;

    fn entry(name: &str) -> AuditLog {
        AuditLog::new(
            "i",
            "u",
            "1.2.3.4",
            OperationType::Query,
            "2026-05-18T12:00:00Z".parse().expect("ts"),
        )
        .with_operation_name(Some(name.to_owned()))
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("getModels"), "getModels");
        let mut sink = Sink::create(Vec::new(), Format::Csv).expect("sink");
        sink.write(&entry("=cmd|' /C calc'!A0")).expect("write");
        let text = String::from_utf8(sink.out).expect("utf8");
        assert!(text.contains(",'=cmd|' /C calc'!A0,"), "{text}");
    }

    #[test]
    fn json_array_is_valid_when_empty_and_full() {
        for n in [0, 1, 3] {
            let mut sink = Sink::create(Vec::new(), Format::Json).expect("sink");
            for _ in 0..n {
                sink.write(&entry("q")).expect("write");
            }
            sink.finish().expect("finish");
            let parsed: Vec<serde_json::Value> =
                serde_json::from_slice(&sink.out).expect("valid JSON");
            assert_eq!(parsed.len(), n);
        }
    }

    #[test]
    fn byte_count_matches_what_was_written() {
        for format in [Format::Jsonl, Format::Csv, Format::Json] {
            let mut sink = Sink::create(Vec::new(), format).expect("sink");
            sink.write(&entry("a")).expect("write");
            sink.write(&entry("b,\"c\"\n")).expect("write");
            assert_eq!(sink.bytes(), sink.out.len() as u64, "{format:?}");
        }
    }
}
