//! Every file the tool creates or opens to write goes through here: the
//! output file, its journal (`FILE.checkpoint`, `--state`), the digests
//! (`FILE.digests`), `keygen`'s keys, and any lock file.
//!
//! The rules, kept in this one place:
//! - a link is never followed: a symbolic link planted at a path the tool
//!   writes is refused (exit 2), and its target is never opened for writing;
//! - a new file is created exclusively (`O_CREAT|O_EXCL`, with `O_NOFOLLOW`
//!   on Unix), so nothing that already exists is ever truncated;
//! - a file that is replaced (the journal) is written aside under an
//!   unpredictable name in the same directory (the `tempfile` crate),
//!   synced, and renamed over it; the temporary file is removed on every
//!   failure, a full disk included.
//!
//! On Unix the guarantee comes from `O_NOFOLLOW`; on Windows from opening
//! the reparse point itself and refusing it when it is a link; elsewhere a
//! path that is a link is refused before it is opened.

use std::{
    fs::{File, OpenOptions},
    io,
    path::{Path, PathBuf},
};

use crate::{hooks, Error};

/// How a file is opened (a lock file: created if missing, else opened).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    /// Created if missing, else opened as it is (never truncated).
    NewOrExisting,
    /// Opened as it is; it must exist.
    Existing,
}

/// A file opened by [`open`]: whether this call created it.
pub struct Opened {
    pub file: File,
    pub created: bool,
}

/// Opens `path` for reading and writing as `how` says, never through a
/// link and never truncating it. `mode` is the Unix permission bits of a
/// file it creates (set at creation, so it is never more open even for a
/// moment).
pub fn open(path: &Path, how: Open, mode: Option<u32>) -> Result<Opened, Error> {
    let attempt = |create: bool| -> io::Result<File> {
        let mut options = OpenOptions::new();
        options.read(true).write(true);
        if create {
            options.create_new(true);
        }
        no_follow(&mut options, mode);
        let file = options.open(path)?;
        refuse_link_handle(&file)?;
        Ok(file)
    };
    let opened = match how {
        Open::Existing => attempt(false).map(|file| (file, false)),
        Open::NewOrExisting => match attempt(true) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                attempt(false).map(|file| (file, false))
            }
            other => other.map(|file| (file, true)),
        },
    };
    match opened {
        Ok((file, created)) => Ok(Opened { file, created }),
        Err(e) => Err(failure(path, e)),
    }
}

/// Creates `path` holding `bytes`, synced, or fails leaving nothing: the
/// bytes are written to a temporary file beside it, which then takes the
/// name only if nothing has it yet (a link included). `mode` as in [`open`].
pub fn create_with(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), Error> {
    let tmp = write_aside(path, bytes, mode)?;
    tmp.persist_noclobber(path)
        .map_err(|e| failure(path, e.error))?;
    sync_dir(path)
}

/// Replaces `path` atomically with `bytes`: written aside and synced,
/// renamed over the old file, and the directory synced so the rename
/// survives a crash. A link at `path` is refused, not followed or replaced.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    refuse_link(path)?;
    let tmp = write_aside(path, bytes, None)?;
    tmp.persist(path).map_err(|e| failure(path, e.error))?;
    sync_dir(path)
}

/// [`replace`] for a user's file the tool updates (an `ax` profile whose
/// tokens it refreshes): the new file keeps the old one's permission bits
/// on Unix, whatever the umask.
pub fn replace_keeping_mode(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    refuse_link(path)?;
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .ok()
    };
    #[cfg(not(unix))]
    let mode = None;
    let tmp = write_aside(path, bytes, mode)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(tmp.path(), e))?;
    }
    tmp.persist(path).map_err(|e| failure(path, e.error))?;
    sync_dir(path)
}

/// Reads a file the tool owns; `None` when there is none. A link is
/// refused: its content is not the tool's.
pub fn read(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    refuse_link(path)?;
    let read = || -> io::Result<Vec<u8>> {
        let mut options = OpenOptions::new();
        options.read(true);
        no_follow(&mut options, None);
        let mut file = options.open(path)?;
        refuse_link_handle(&file)?;
        let mut text = Vec::new();
        io::Read::read_to_end(&mut file, &mut text)?;
        Ok(text)
    };
    match read() {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(failure(path, e)),
    }
}

/// Refuses `path` when it is a symbolic link; a missing path is fine.
pub fn refuse_link(path: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(link_refused(path)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Syncs the directory that holds `path`, so a rename or removal in it is
/// durable.
pub fn sync_dir(path: &Path) -> Result<(), Error> {
    let dir = parent(path);
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))
    }
    #[cfg(not(unix))]
    {
        // Only Unix can open a directory to sync it; elsewhere the rename
        // is as durable as the file system makes it.
        let _ = dir;
        Ok(())
    }
}

/// The directory that holds `path`.
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `bytes` in a new temporary file beside `path`, synced. Dropped on any
/// failure, which removes it.
fn write_aside(
    path: &Path,
    bytes: &[u8],
    mode: Option<u32>,
) -> Result<tempfile::NamedTempFile, Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode.unwrap_or(0o644)));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let dir = parent(path);
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io(&aside_name(path), e))?;
    let written =
        hooks::owned_write(tmp.as_file_mut(), bytes).and_then(|()| tmp.as_file().sync_all());
    if let Err(e) = written {
        // Dropping `tmp` removes it.
        return Err(Error::io(tmp.path(), e));
    }
    Ok(tmp)
}

/// How a temporary file beside `path` is named, for a message.
fn aside_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".<temporary>");
    PathBuf::from(name)
}

fn link_refused(path: &Path) -> Error {
    Error::refused(format!(
        "{} is a symbolic link: the files this tool writes (output, journal, state, digests, \
         keys, locks) are never written through a link, so it is left as it is. Give the path \
         of a regular file instead",
        path.display()
    ))
}

/// An open error, with a link named as such.
fn failure(path: &Path, e: io::Error) -> Error {
    if is_link_error(&e) || std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink()) {
        return link_refused(path);
    }
    if e.kind() == io::ErrorKind::AlreadyExists {
        return Error::refused(format!(
            "{} already exists and is left as it is: choose another name",
            path.display()
        ));
    }
    Error::io(path, e)
}

/// The error a link gives when it is not followed.
fn is_link_error(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        e.kind() == io::ErrorKind::Other && e.to_string().contains(LINK_REFUSED)
    }
}

/// The text of the error raised for a link where the OS cannot refuse it.
#[cfg(not(unix))]
const LINK_REFUSED: &str = "is a symbolic link";

#[cfg(unix)]
fn no_follow(options: &mut OpenOptions, mode: Option<u32>) {
    use std::os::unix::fs::OpenOptionsExt;
    // A link at the path fails with ELOOP instead of being followed.
    options.custom_flags(libc::O_NOFOLLOW);
    if let Some(mode) = mode {
        options.mode(mode);
    }
}

#[cfg(windows)]
fn no_follow(options: &mut OpenOptions, _mode: Option<u32>) {
    use std::os::windows::fs::OpenOptionsExt;
    /// `FILE_FLAG_OPEN_REPARSE_POINT`: a link is opened itself, not its
    /// target; [`refuse_link_handle`] then refuses it.
    const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    options.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
}

#[cfg(not(any(unix, windows)))]
fn no_follow(_options: &mut OpenOptions, _mode: Option<u32>) {}

/// Refuses a handle that is a link itself (Windows opens the reparse point;
/// elsewhere the path is checked, as no flag can refuse it).
fn refuse_link_handle(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        let _ = file;
        Ok(())
    }
    #[cfg(not(unix))]
    {
        if file.metadata()?.file_type().is_symlink() {
            return Err(io::Error::other(LINK_REFUSED));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("aal-safe-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn a_replaced_file_leaves_no_temporary_file_beside_it() {
        let dir = dir("replace");
        let path = dir.join("state.json");
        replace(&path, b"one").expect("writes");
        replace(&path, b"two").expect("replaces");
        assert_eq!(std::fs::read(&path).expect("reads"), b"two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("lists")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_created_with_content_never_replaces_one_that_exists() {
        let dir = dir("create");
        let path = dir.join("key");
        create_with(&path, b"first", Some(0o600)).expect("creates");
        let again = create_with(&path, b"second", Some(0o600));
        assert!(
            again.is_err_and(|e| e.kind() == crate::ErrorKind::Refused),
            "refused"
        );
        assert_eq!(std::fs::read(&path).expect("reads"), b"first");
        assert_eq!(std::fs::read_dir(&dir).expect("lists").count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn no_way_of_opening_writes_through_a_link() {
        let dir = dir("link");
        let target = dir.join("target");
        std::fs::write(&target, b"precious").expect("writes");
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).expect("links");
        for how in [Open::NewOrExisting, Open::Existing] {
            assert!(
                open(&link, how, None).is_err_and(|e| e.kind() == crate::ErrorKind::Refused),
                "{how:?}"
            );
        }
        assert!(replace(&link, b"x").is_err_and(|e| e.kind() == crate::ErrorKind::Refused));
        assert!(
            create_with(&link, b"x", None).is_err_and(|e| e.kind() == crate::ErrorKind::Refused)
        );
        assert!(read(&link).is_err_and(|e| e.kind() == crate::ErrorKind::Refused));
        assert_eq!(std::fs::read(&target).expect("reads"), b"precious");
        assert!(std::fs::symlink_metadata(&link).expect("kept").is_symlink());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
