//! Where the tool connects and with which credentials: its config file and
//! profiles, `ax` profiles, the SDK's environment, TLS and proxies.

pub mod ax;
pub mod config;
pub mod connect;
pub mod transport;
