//! Writing to standard output, where a reader that closed the pipe
//! (`… | head`) ends the program quietly (see [`Failure::ClosedPipe`]).

use std::{
    io::{IsTerminal, Write},
    path::Path,
};

use crate::failure::Failure;

/// Writes `bytes` to stdout and flushes.
pub fn write_all(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::io(Path::new("stdout"), e))
}

/// Whether stdout is a terminal (a person reads it) rather than a pipe or file.
pub fn is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// The terminal's width in columns: `COLUMNS` when set, else the width of
/// the terminal stdout is, else 100.
pub fn width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|c| *c > 0)
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0))
        .unwrap_or(100)
}
