//! What the tool writes for people: stderr notices, the progress line,
//! tables, stdout, and logging.

pub mod logging;
pub mod notice;
pub mod observer;
pub mod progress;
pub mod stdout;
pub mod table;
