//! The `agreement`, `settings` and `tls` subcommands of `signbook-office`.

pub mod agreements;
pub mod settings;
pub mod tls;
