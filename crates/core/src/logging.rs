//! The log set-up of Signbook's command-line binaries (`signbook`,
//! `signbook-office`), so they read the same variable the same way.

/// The environment variable that sets what is logged, in `tracing`'s
/// filter syntax (for example `info`, or `signbook_office=debug`).
pub const LOG_ENV: &str = "SIGNBOOK_LOG";

/// Logs to standard error (standard output is the commands' answer),
/// filtered by [`LOG_ENV`]; warnings and errors only when it is unset or
/// unreadable.
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
}
