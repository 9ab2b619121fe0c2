//! The subcommands of `signbook-office`, one module each (or per group); `main.rs` parses and dispatches.

pub mod agreements;
pub mod files;
pub mod integrity;
pub mod kiosks;
pub mod migrate;
pub mod schools;
pub mod serve;
pub mod settings;
pub mod tls;
pub mod users;
