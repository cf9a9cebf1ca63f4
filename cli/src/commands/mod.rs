//! One module a command.

pub mod demo;
pub mod export;
pub mod list;
pub mod schema;
pub mod serve_mock;
