//! One module a command.

pub mod completions;
pub mod config;
pub mod config_init;
pub mod config_profiles;
pub mod continue_command;
pub mod demo;
pub mod export;
pub mod keygen;
pub mod list;
pub mod man;
pub mod schema;
pub mod serve_mock;
pub mod verify;
