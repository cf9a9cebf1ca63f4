//! `GET /v2/audit-logs`: its parameters (from the document), the request
//! builder, and the page and entry streams.

pub(crate) mod builder;
pub(crate) mod check;
pub(crate) mod parameter;
pub(crate) mod params;
pub(crate) mod prefetch;
pub(crate) mod resume;
pub(crate) mod stream;
pub(crate) mod text;
