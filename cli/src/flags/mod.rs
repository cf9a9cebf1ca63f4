//! The command line: its flags, how they are grouped and completed, and
//! how the filter flags become query parameters.

pub mod cli;
pub mod completion_values;
pub mod filters;
pub mod help_headings;
pub mod listen_addr;
pub mod names;
pub mod query_flags;
