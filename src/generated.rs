//! The progenitor-generated bindings, built from `openapi/arize-audit-logs.yaml`
//! by `build.rs`. Never edited by hand; the wrapper around them is the front
//! door. A snapshot of this code (`tests/snapshots/`) makes every change to it
//! reviewable.
//!
//! Use it as an escape hatch through [`Client::generated`](crate::Client::generated).
#![allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    rustdoc::all,
    unused_qualifications
)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// The source of this module, as generated (and formatted with prettyplease).
pub const SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/codegen.rs"));
