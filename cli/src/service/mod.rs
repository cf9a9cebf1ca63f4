//! What a long-running export needs from its host: signals that stop it,
//! and the metrics endpoint.

pub mod metrics;
pub mod signals;
