//! Writing a file archive's digests, `FILE.digests`: one line a digest,
//! appended and synced, its length counted in the journal so a continued
//! export cuts off a digest written after the journal's last save (the data
//! it covered is cut off and fetched again too).

use std::{
    fs::File,
    io::{BufReader, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use super::{ChainState, Content, ContentBuilder, Lines, Sealed, Unit};
use crate::Error;

/// `FILE.digests`, open for appending.
pub struct FileDigests {
    path: PathBuf,
    file: File,
    /// Its length: where the next digest goes.
    len: u64,
    /// This run created it.
    pub created: bool,
}

impl FileDigests {
    /// Opens the digests of an archive: a new one must not exist yet (or
    /// be empty); a continued one must hold at least what `state` counts,
    /// ending with the digest `state` names, and is cut back to that.
    pub fn open(path: &Path, state: &ChainState, fresh: bool) -> Result<Self, Error> {
        let io = |e| Error::io(path, e);
        // Never through a link, never truncated (see `safe_file`).
        let crate::safe_file::Opened { mut file, created } =
            crate::safe_file::open(path, crate::safe_file::Open::NewOrExisting, None)?;
        let len = file.metadata().map_err(io)?.len();
        if fresh && len > 0 {
            return Err(Error::refused(format!(
                "{} already holds the digests of another export ({len} bytes) and is left as \
                 it is: move it away (it is someone's evidence), or choose another output",
                path.display()
            )));
        }
        if len < state.file_bytes {
            if created {
                let _ = std::fs::remove_file(path);
            }
            return Err(Error::refused(format!(
                "{} holds {len} bytes, less than the {} its export's journal counts: digests \
                 were removed; run `arize-audit-logs verify` on the archive before going on",
                path.display(),
                state.file_bytes
            )));
        }
        if state.file_bytes > 0 {
            let last = last_line(&mut file, state.file_bytes).map_err(io)?;
            let sha = Sealed::parse(&last).map(|s| s.sha256()).ok();
            if sha.is_none() || sha != state.previous {
                return Err(Error::refused(format!(
                    "{}: the digest before byte {} is not the one its export's journal names; \
                     run `arize-audit-logs verify` on the archive before going on",
                    path.display(),
                    state.file_bytes
                )));
            }
        }
        if len > state.file_bytes {
            file.set_len(state.file_bytes)
                .and_then(|()| file.sync_data())
                .map_err(io)?;
        }
        file.seek(SeekFrom::Start(state.file_bytes)).map_err(io)?;
        Ok(Self {
            path: path.to_owned(),
            file,
            len: state.file_bytes,
            created,
        })
    }

    /// Appends a digest and syncs it; returns the file's new length. A
    /// digest that could not be written whole is cut off again.
    pub fn append(&mut self, sealed: &Sealed) -> Result<u64, Error> {
        let mut line = sealed.bytes.clone();
        line.push(b'\n');
        let written = self
            .file
            .seek(SeekFrom::Start(self.len))
            .and_then(|_| self.file.write_all(&line))
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            let _ = self.file.set_len(self.len);
            return Err(Error::io(&self.path, e));
        }
        self.len += line.len() as u64;
        Ok(self.len)
    }

    /// Removes the file if this run created it and it is still empty.
    pub fn remove_if_created(&self) {
        if self.created && self.file.metadata().is_ok_and(|m| m.len() == 0) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The last line of the first `end` bytes of `file`, without its `\n`.
fn last_line(file: &mut File, end: u64) -> std::io::Result<Vec<u8>> {
    // A digest is a few hundred bytes plus 19 for each line of its unit;
    // read back until a line break before the last one is found.
    let mut window = 64 * 1024u64;
    loop {
        let start = end.saturating_sub(window);
        let mut buf = vec![0; usize::try_from(end - start).unwrap_or(usize::MAX)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf)?;
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        match memchr::memrchr(b'\n', body) {
            Some(i) => return Ok(body[i + 1..].to_vec()),
            None if start == 0 => return Ok(body.to_vec()),
            None => window *= 4,
        }
    }
}

/// The most entries one digest covers: a checkpoint's new lines beyond it
/// are sealed as several units, so memory stays flat however fast lines
/// come (a digest holds 19 bytes a line).
pub const MAX_UNIT_ENTRIES: u64 = 10_000;

/// The first unit of bytes `from..to` of the JSON Lines file `output`: up
/// to [`MAX_UNIT_ENTRIES`] lines, read back from the file (so the digest is
/// of what is on disk). `None` when there are no lines.
pub fn next_unit(output: &Path, from: u64, to: u64) -> Result<Option<(Unit, Content)>, Error> {
    let mut file = File::open(output).map_err(|e| Error::io(output, e))?;
    file.seek(SeekFrom::Start(from))
        .map_err(|e| Error::io(output, e))?;
    let reader = BufReader::with_capacity(1 << 20, file.take(to - from));
    let unreadable = |why: String| Error::storage(format!("{}: {why}", output.display()));
    let mut builder = ContentBuilder::default();
    for line in Lines(reader) {
        builder
            .line(&line.map_err(|e| Error::io(output, e))?)
            .map_err(unreadable)?;
        if builder.entries() == MAX_UNIT_ENTRIES {
            break;
        }
    }
    let file = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(builder.finish().map(|content| {
        (
            Unit::Range {
                file,
                offset: from,
                bytes: content.bytes,
            },
            content,
        )
    }))
}
