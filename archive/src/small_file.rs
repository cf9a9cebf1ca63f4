//! Reading the small files a user names (the config file, a key file) with
//! a bound: a file larger than [`LIMIT`] is refused after reading at most
//! one byte more, so `--api-key-file /dev/zero` (or a log file named by
//! mistake) cannot grow memory without end. Errors never quote the content.

use std::{fmt, io::Read, path::Path};

/// The largest config or key file read: 64 KiB, far more than either needs.
pub const LIMIT: u64 = 64 * 1024;

/// Why a small file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading it failed.
    Io(std::io::Error),
    /// It holds more than [`LIMIT`] bytes.
    TooLarge,
    /// It is not UTF-8 text; the offset of the first byte that is not.
    NotText(usize),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::TooLarge => write!(
                f,
                "it is larger than {} KiB, which no config or key file needs; is it the right \
                 file?",
                LIMIT / 1024
            ),
            Self::NotText(at) => write!(f, "it is not UTF-8 text (from byte {at})"),
        }
    }
}

/// The bytes of `path`, at most [`LIMIT`] of them.
pub fn read(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > LIMIT {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    String::from_utf8(read(path)?).map_err(|e| ReadError::NotText(e.utf8_error().valid_up_to()))
}

/// The warning for a file holding a secret (a key file, an `ax` profile)
/// that is readable or writable by group or others; `None` when it is not.
#[cfg(unix)]
pub fn shared_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "warning: {} is accessible to other users (mode {mode:03o}); restrict it with `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
    }
    None
}

/// The warning for a file holding a secret that others can read; Windows
/// files carry ACLs, not modes, so there is none.
#[cfg(not(unix))]
pub fn shared_warning(_: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn an_endless_file_is_refused_after_the_limit() {
        assert!(matches!(
            read(Path::new("/dev/zero")),
            Err(ReadError::TooLarge)
        ));
    }
}
