//! What the API sends: entries (typed and as sent), pages, Problem Details,
//! and the JSON and text handling they share.

pub(crate) mod audit_log;
pub(crate) mod documented;
pub(crate) mod json_text;
pub(crate) mod page;
pub(crate) mod page_scan;
pub(crate) mod problem;
pub(crate) mod raw_audit_log;
pub(crate) mod text;
