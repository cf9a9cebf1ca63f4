//! Writing entries as JSON Lines, CSV, a JSON array or OCSF events
//! (`crate::ocsf`), losslessly, counting
//! the bytes and their CRC so the journal can say exactly how much of the file
//! is complete.
//!
//! JSON Lines and JSON write each entry as the server sent it (every member,
//! unknown ones included, in the server's order, values untouched; only
//! whitespace is removed, and only where the server's text had a line break
//! in it). CSV writes the documented columns and an `extra` column with the
//! members the document does not list, as compact JSON.
//!
//! An entry that breaks the document (a member missing or of the wrong
//! type) is written as sent all the same, in every format, and counted (see
//! [`crate::conformance`]).

use std::io::{self, BufWriter, Write};

use arize_audit_logs::{AuditLog, DecodeEntryError, RawAuditLog};

use crate::{
    conformance::Breaks,
    hooks::FileOut,
    journal::{LastEntry, Written},
    Format,
};

/// The CSV columns, in order: the documented members, then `extra`.
fn csv_columns() -> impl Iterator<Item = &'static str> {
    AuditLog::MEMBERS.into_iter().chain(["extra"])
}

/// An output that can be made durable.
pub trait Durable: Write + Send {
    /// Flushes, and for a file waits until the data is on disk.
    fn sync(&mut self) -> io::Result<()>;
    /// Empties a file and writes from its start (`--overwrite`, or undoing a
    /// failed start); nothing for a stream.
    fn discard_existing(&mut self) -> io::Result<()>;
    /// Hands what is written to the kernel and returns a handle to the file,
    /// so its writeback can start in the background; `None` for a stream.
    fn writeback_handle(&mut self) -> Option<std::fs::File> {
        None
    }
    /// Takes what was written since the last call, for an output that
    /// stores it elsewhere in batches (object storage); `None` for others.
    fn take_batch(&mut self) -> Option<Vec<u8>> {
        None
    }
    /// Puts a batch back in front of what was written since (its upload
    /// failed, so a later attempt sends it again).
    fn restore_batch(&mut self, _batch: Vec<u8>) {}
}

/// The lines of the batch being gathered for object storage.
#[derive(Default)]
pub struct Batch(Vec<u8>);

impl Write for Batch {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Durable for Batch {
    /// Nothing here: a batch is durable once uploaded (see the pipeline).
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn discard_existing(&mut self) -> io::Result<()> {
        self.0.clear();
        Ok(())
    }

    fn take_batch(&mut self) -> Option<Vec<u8>> {
        Some(std::mem::take(&mut self.0))
    }

    fn restore_batch(&mut self, mut batch: Vec<u8>) {
        batch.append(&mut self.0);
        self.0 = batch;
    }
}

impl Durable for BufWriter<FileOut> {
    fn sync(&mut self) -> io::Result<()> {
        self.flush()?;
        self.get_ref().file().sync_data()
    }

    fn writeback_handle(&mut self) -> Option<std::fs::File> {
        self.flush().ok()?;
        self.get_ref().file().try_clone().ok()
    }

    fn discard_existing(&mut self) -> io::Result<()> {
        use std::io::{Seek, SeekFrom};
        // Whatever is buffered belongs to the content being discarded.
        let _ = self.flush();
        let mut file = self.get_ref().file();
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.sync_data()
    }
}

impl Durable for BufWriter<io::Stdout> {
    fn sync(&mut self) -> io::Result<()> {
        self.flush()
    }

    fn discard_existing(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Durable for BufWriter<Box<dyn Write + Send>> {
    fn sync(&mut self) -> io::Result<()> {
        self.flush()
    }

    fn discard_existing(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Durable for Vec<u8> {
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn discard_existing(&mut self) -> io::Result<()> {
        self.clear();
        Ok(())
    }
}

/// An output in one format. `bytes` counts everything handed to `out`.
pub struct Sink<W: Durable> {
    out: W,
    format: Format,
    /// Whether the format's opening (CSV header, `[`) is written.
    started: bool,
    entries: u64,
    bytes: u64,
    crc: crc32fast::Hasher,
    last: Option<LastEntry>,
    line: Vec<u8>,
    /// The entries written that break the document.
    breaks: Breaks,
}

impl<W: Durable> Sink<W> {
    /// A fresh output: nothing is written until the first entry (or
    /// [`finish`](Self::finish)), so a start that fails leaves no trace.
    pub fn create(out: W, format: Format) -> Self {
        Self::resume(out, format, &Written::default(), false)
    }

    /// An output that already holds what `written` describes.
    pub fn resume(out: W, format: Format, written: &Written, started: bool) -> Self {
        Self {
            out,
            format,
            started,
            entries: written.entries,
            bytes: written.bytes,
            crc: crc32fast::Hasher::new_with_initial_len(written.crc32, written.bytes),
            last: written.last.clone(),
            line: Vec::with_capacity(4096),
            breaks: Breaks::default(),
        }
    }

    /// Whether anything was written.
    pub fn started(&self) -> bool {
        self.started
    }

    /// Empties the output and starts the format afresh.
    pub fn discard_existing(&mut self) -> io::Result<()> {
        self.out.discard_existing()?;
        self.started = false;
        self.entries = 0;
        self.bytes = 0;
        self.crc = crc32fast::Hasher::new();
        self.last = None;
        Ok(())
    }

    /// Writes a page's entries, in order.
    pub fn write_page(&mut self, entries: &[RawAuditLog]) -> io::Result<()> {
        let mut offset = self.bytes;
        for entry in entries {
            offset = self.write_one(entry)?;
        }
        if let Some(last) = entries.last() {
            self.last = Some(LastEntry {
                id: last.id().to_owned(),
                created_at: last.created_at_text().into_owned(),
                offset,
            });
        }
        Ok(())
    }

    #[cfg(test)]
    pub fn write(&mut self, entry: &RawAuditLog) -> io::Result<()> {
        self.write_page(std::slice::from_ref(entry))
    }

    /// Writes one entry; returns the offset its record starts at.
    fn write_one(&mut self, entry: &RawAuditLog) -> io::Result<u64> {
        self.start()?;
        self.line.clear();
        // One rule for every format: the library says whether the entry
        // keeps to the document (CSV decodes it anyway).
        let (typed, mut conforms) = match self.format {
            Format::Csv => match entry.decode() {
                Ok(typed) => (Some(typed), Ok(())),
                Err(why) => (None, Err(why)),
            },
            Format::Jsonl | Format::Json => (None, entry.conforms()),
            // The mapping reads every documented member anyway, by the same
            // rule; the library names the member only when it breaks.
            Format::Ocsf => (None, Ok(())),
        };
        let offset = self.bytes;
        match self.format {
            // Straight to the output: the line is the entry's text.
            Format::Jsonl => {
                self.emit(entry.json_line().as_bytes())?;
                self.emit(b"\n")?;
                return self.written_one(entry, conforms, offset);
            }
            Format::Json => {
                if self.entries > 0 {
                    self.line.extend_from_slice(b",\n");
                }
                write_json(&mut self.line, entry)?;
            }
            Format::Ocsf => {
                let read = crate::ocsf::write_event(&mut self.line, entry, &entry.json_line())?;
                if read == crate::ocsf::Read::BreaksTheDocument {
                    conforms = entry.conforms();
                }
                self.line.push(b'\n');
            }
            Format::Csv => {
                let cells = match &typed {
                    Some(typed) => csv_record(typed),
                    None => {
                        crate::conformance::csv_cells_as_sent(entry).map(|cell| neutralise(&cell))
                    }
                };
                let mut writer = csv_writer();
                writer.write_record(cells).map_err(io::Error::other)?;
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
        self.written_one(entry, conforms, offset)
    }

    /// Counts an entry whose record (starting at `offset`) was written.
    fn written_one(
        &mut self,
        entry: &RawAuditLog,
        conforms: Result<(), DecodeEntryError>,
        offset: u64,
    ) -> io::Result<u64> {
        self.entries += 1;
        if let Err(why) = &conforms {
            self.breaks.add(entry, why);
        }
        Ok(offset)
    }

    /// Writes what closes the format (the JSON array's bracket) and syncs.
    pub fn finish(&mut self) -> io::Result<()> {
        self.start()?;
        if self.format == Format::Json {
            let closing: &[u8] = if self.entries > 0 { b"\n]\n" } else { b"]\n" };
            self.out.write_all(closing)?;
        }
        self.out.sync()
    }

    /// Makes everything written so far durable and says what that is.
    pub fn sync(&mut self) -> io::Result<Written> {
        self.out.sync()?;
        Ok(self.written())
    }

    /// See [`Durable::take_batch`].
    pub fn take_batch(&mut self) -> Option<Vec<u8>> {
        self.out.take_batch()
    }

    /// See [`Durable::restore_batch`].
    pub fn restore_batch(&mut self, batch: Vec<u8>) {
        self.out.restore_batch(batch);
    }

    /// A handle for background writeback (see [`Durable::writeback_handle`]).
    pub fn writeback_handle(&mut self) -> Option<std::fs::File> {
        self.out.writeback_handle()
    }

    /// What has been handed to the output so far (durable or not).
    pub fn written(&self) -> Written {
        Written {
            entries: self.entries,
            bytes: self.bytes,
            pages: 0,
            repeats: 0,
            late: 0,
            crc32: self.crc.clone().finalize(),
            last: self.last.clone(),
        }
    }

    /// The entries written (by this run) that break the document.
    pub fn breaks(&self) -> &Breaks {
        &self.breaks
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    fn start(&mut self) -> io::Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        match self.format {
            Format::Jsonl | Format::Ocsf => Ok(()),
            Format::Json => self.emit(b"[\n"),
            Format::Csv => {
                let mut header = csv_writer();
                header
                    .write_record(csv_columns())
                    .map_err(io::Error::other)?;
                let bytes = header
                    .into_inner()
                    .map_err(|e| io::Error::other(e.to_string()))?;
                self.emit(&bytes)
            }
        }
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.bytes += bytes.len() as u64;
        self.crc.update(bytes);
        Ok(())
    }
}

/// The entry as the server sent it, on one line
/// ([`RawAuditLog::json_line`]).
fn write_json(out: &mut Vec<u8>, entry: &RawAuditLog) -> io::Result<()> {
    out.extend_from_slice(entry.json_line().as_bytes());
    Ok(())
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(1024))
}

/// One CSV row; cells a spreadsheet would run as a formula are neutralised.
fn csv_record(entry: &AuditLog) -> [String; 9] {
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
        entry.unknown_members_json().unwrap_or_default(),
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

    fn entry(name: &str) -> RawAuditLog {
        let built = AuditLog::new(
            "i",
            "u",
            "1.2.3.4",
            OperationType::Query,
            "2026-05-18T12:00:00Z".parse().expect("ts"),
        )
        .with_operation_name(Some(name.to_owned()));
        serde_json::from_str(&serde_json::to_string(&built).expect("json")).expect("entry")
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("getModels"), "getModels");
        let mut sink = Sink::create(Vec::new(), Format::Csv);
        sink.write(&entry("=cmd|' /C calc'!A0")).expect("write");
        let text = String::from_utf8(sink.out).expect("utf8");
        assert!(text.contains(",'=cmd|' /C calc'!A0,"), "{text}");
    }

    #[test]
    fn json_array_is_valid_when_empty_and_full() {
        for n in [0, 1, 3] {
            let mut sink = Sink::create(Vec::new(), Format::Json);
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
        for format in [Format::Jsonl, Format::Csv, Format::Json, Format::Ocsf] {
            let mut sink = Sink::create(Vec::new(), format);
            sink.write(&entry("a")).expect("write");
            sink.write(&entry("b,\"c\"\n")).expect("write");
            assert_eq!(sink.bytes(), sink.out.len() as u64, "{format:?}");
            let crc = crc32fast::hash(&sink.out);
            assert_eq!(sink.written().crc32, crc, "{format:?}");
        }
    }

    #[test]
    fn a_resumed_sink_continues_the_crc_of_the_file() {
        let mut whole = Sink::create(Vec::new(), Format::Jsonl);
        whole.write(&entry("a")).expect("write");
        let half = whole.written();
        whole.write(&entry("b")).expect("write");
        let mut resumed = Sink::resume(Vec::new(), Format::Jsonl, &half, true);
        resumed.write(&entry("b")).expect("write");
        assert_eq!(resumed.written().crc32, whole.written().crc32);
    }

    #[test]
    fn entries_from_the_server_are_written_as_sent_with_unknown_members() {
        let sent = r#"{"zone":{"a":[1.50,null]},"id":"i","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00.000Z","n":1e3}"#;
        let parsed: RawAuditLog = serde_json::from_str(sent).expect("entry");
        let mut jsonl = Sink::create(Vec::new(), Format::Jsonl);
        jsonl.write(&parsed).expect("write");
        assert_eq!(jsonl.out, format!("{sent}\n").into_bytes());
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(sent).expect("v"),
        )
        .expect("p");
        let parsed_pretty: RawAuditLog = serde_json::from_str(&pretty).expect("entry");
        let mut one_line = Sink::create(Vec::new(), Format::Jsonl);
        one_line.write(&parsed_pretty).expect("write");
        assert_eq!(
            one_line.out.iter().filter(|b| **b == b'\n').count(),
            1,
            "one line"
        );
        let mut csv = Sink::create(Vec::new(), Format::Csv);
        csv.write(&parsed).expect("write");
        let text = String::from_utf8(csv.out).expect("utf8");
        assert!(
            text.contains(r#","{""zone"":{""a"":[1.50,null]},""n"":1e3}""#),
            "{text}"
        );
    }
}
