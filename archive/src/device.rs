//! An `--output` that is not a regular file: a device such as `/dev/null`,
//! or a FIFO. It is written like standard output: no journal beside it
//! (`/dev` is no place for one, and a stream cannot be cut back to where a
//! journal vouches), unless `--state` names one; nothing is synced to a
//! disk, and nothing already there is replaced.

use std::{
    fs::{File, OpenOptions},
    io::{self, Write},
    path::Path,
};

use crate::{safe_file, sink::Durable, Error};

/// A device or FIFO, open for writing.
pub struct Stream(File);

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Durable for io::BufWriter<Stream> {
    fn sync(&mut self) -> io::Result<()> {
        self.flush()
    }

    fn discard_existing(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Opens `path` for writing if it is a device or FIFO; `None` when it is a
/// regular file, a directory or missing (the file output handles those). A
/// link is refused, whatever it points to.
pub fn open_if_stream(path: &Path) -> Result<Option<Stream>, Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    if meta.file_type().is_symlink() {
        return safe_file::refuse_link(path).map(|()| None);
    }
    if meta.is_file() || meta.is_dir() {
        return Ok(None);
    }
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(|e| Error::io(path, e))?;
    Ok(Some(Stream(file)))
}
