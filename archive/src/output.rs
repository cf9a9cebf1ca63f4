//! The export's output file: opened without ever truncating it, locked for
//! the life of the export (resume included), and checked against its journal
//! before anything is appended.

use std::{
    fs::File,
    io::{BufReader, Read, Seek, SeekFrom},
    path::{Path, PathBuf},
};

use crate::{
    journal::Journal,
    safe_file::{self, Open, Opened},
    Error, Format,
};

pub struct OutputFile {
    pub path: PathBuf,
    pub file: File,
    /// This run created the file.
    pub created: bool,
}

impl OutputFile {
    /// Opens `path` for writing, creating it when `create` and it is missing,
    /// never truncating it, and locks it.
    pub fn open(path: &Path, create: bool) -> Result<Self, Error> {
        // Never through a link, never truncated (see `safe_file`).
        let how = if create {
            Open::NewOrExisting
        } else {
            Open::Existing
        };
        let Opened { file, created } = safe_file::open(path, how, None)?;
        let output = Self {
            path: path.to_owned(),
            file,
            created,
        };
        match output.file.try_lock() {
            Ok(()) => Ok(output),
            Err(std::fs::TryLockError::WouldBlock) => {
                // Not ours to remove: the other export may be about to write it.
                Err(Error::busy(format!(
                    "{} is being written by another export right now",
                    path.display()
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                output.remove_if_created();
                Err(Error::io(path, e))
            }
        }
    }

    pub fn len(&self) -> Result<u64, Error> {
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Removes the file if this run created it and it is still empty.
    pub fn remove_if_created(&self) {
        if self.created && self.len().is_ok_and(|n| n == 0) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// Checks that the file holds what the journal says: at least as many
    /// bytes, a record boundary at the recorded end, the recorded last entry
    /// there, and the same CRC. Nothing is written; a mismatch says what
    /// differs.
    pub fn verify(&mut self, journal: &Journal) -> Result<(), Error> {
        let written = &journal.written;
        let len = self.len()?;
        let path = self.path.clone();
        let refuse = |what: String| {
            Error::refused(format!(
                "{} does not match its journal: {what}. It was changed after the export wrote it, so \
                 it cannot be resumed safely; nothing was written. Keep it as it is, or export again \
                 to another file",
                path.display()
            ))
        };
        if len < written.bytes {
            return Err(refuse(format!(
                "it is {len} bytes long, the journal records {} bytes",
                written.bytes
            )));
        }
        if written.bytes == 0 {
            return Ok(());
        }
        let end = self.read_at(written.bytes - 1, 1)?;
        let boundary = match (journal.format, written.entries) {
            (Format::Json, 0) => b'\n',
            (Format::Json, _) => b'}',
            _ => b'\n',
        };
        if end != [boundary] {
            return Err(refuse(format!(
                "the byte at the recorded end ({}) is {:?}, not the end of a record",
                written.bytes,
                String::from_utf8_lossy(&end)
            )));
        }
        if let Some(last) = &written.last {
            let length = usize::try_from(written.bytes.saturating_sub(last.offset))
                .map_err(|_| refuse("the last record is too long".into()))?;
            let record = self.read_at(last.offset, length.min(64 << 20))?;
            // CSV cells are written neutralised (a leading `'` before `+`, `-`, ...).
            let expected = match journal.format {
                Format::Csv => crate::sink::neutralise(&last.id),
                _ => last.id.clone(),
            };
            match record_id(journal.format, &record) {
                Some(id) if id == expected => {}
                Some(id) => {
                    return Err(refuse(format!(
                        "the last record holds entry {id:?}, the journal records {:?}",
                        last.id
                    )))
                }
                None => {
                    return Err(refuse(format!(
                        "the last record (at byte {}) is not an entry",
                        last.offset
                    )))
                }
            }
        }
        let crc = self.crc_of_first(written.bytes)?;
        if crc != written.crc32 {
            return Err(refuse(format!(
                "the CRC-32 of its first {} bytes is {crc:08x}, the journal records {:08x}",
                written.bytes, written.crc32
            )));
        }
        Ok(())
    }

    /// Cuts off what was written after the journal's last save (a page that
    /// is fetched again); returns how many bytes that was.
    pub fn cut_to(&mut self, bytes: u64) -> Result<u64, Error> {
        let len = self.len()?;
        if len > bytes {
            self.file
                .set_len(bytes)
                .and_then(|()| self.file.sync_data())
                .map_err(|e| Error::io(&self.path, e))?;
        }
        self.file
            .seek(SeekFrom::Start(bytes))
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(len.saturating_sub(bytes))
    }

    fn read_at(&mut self, offset: u64, length: usize) -> Result<Vec<u8>, Error> {
        let mut buf = vec![0; length];
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(&mut buf))
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(buf)
    }

    fn crc_of_first(&mut self, bytes: u64) -> Result<u32, Error> {
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&self.path, e))?;
        let mut reader = BufReader::with_capacity(1 << 20, (&self.file).take(bytes));
        let mut hasher = crc32fast::Hasher::new();
        let mut buf = vec![0; 1 << 20];
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| Error::io(&self.path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hasher.finalize())
    }
}

/// The id of one record as the sink writes it.
fn record_id(format: Format, record: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    match format {
        Format::Jsonl | Format::Ocsf => crate::digest::edge_of(record).ok().map(|e| e.id),
        Format::Json => {
            let record = record.strip_prefix(b",\n").unwrap_or(record);
            serde_json::from_slice::<Id>(record).ok().map(|r| r.id)
        }
        Format::Csv => csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(record)
            .records()
            .next()?
            .ok()
            .and_then(|r| r.get(0).map(str::to_owned)),
    }
}
