//! The `agreement` and `tls` subcommands of `signbook-office`.

pub mod agreements;
pub mod tls;
