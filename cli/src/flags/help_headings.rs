//! The headings `--help` and the manual pages group flags under, so a
//! command with many flags (export has over forty) reads by task. Every
//! flag of `export` has one (a test keeps it so); the shared argument
//! structs carry theirs to every command that uses them (`list`, `verify`,
//! `config show`).

/// What to read: the range, the document's query filters, where to start.
pub const RANGE: &str = "Range and filters";
/// Where the entries go and how they are written.
pub const OUTPUT: &str = "Output";
/// Where the API is and how to authenticate (the profile and the request
/// settings).
pub const CONNECTION: &str = "Connection";
/// Continuing after a stop, following the log, and being watched while at it.
pub const SERVICE: &str = "Resume, follow and monitor (as a service)";
/// Proving the archive unchanged later.
pub const INTEGRITY: &str = "Integrity";
/// How the work is cut up: request size, parallelism, checkpoints, uploads.
pub const TUNING: &str = "Tuning";
/// What the tool says while it works.
pub const LOGGING: &str = "Logging and progress";
