//! The HTTP layer under the generated client: the shared settings, the
//! progenitor hooks, sending with retries, and turning answers into errors.

pub(crate) mod auth;
pub(crate) mod errors;
pub(crate) mod hooks;
pub(crate) mod redact;
pub(crate) mod send;
pub(crate) mod settings;
