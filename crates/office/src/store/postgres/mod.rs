//! The PostgreSQL backend, for a trust running one office for many schools
//! on more than one server (`signbook-office --database postgres://…`).
//!
//! tokio-postgres is async, so every call awaits its queries on the server's
//! own runtime, through a deadpool pool of connections. Everything the
//! office knows lives in the database, not in a process's memory: nonces,
//! sessions, pairing codes and exchanges, throttles. So two servers against
//! one database serve the same kiosks and staff, and a request replayed to
//! the other one is refused there too.
//!
//! Each concern's trait is implemented in its own file, beside the SQLite
//! file it mirrors. Every method is one transaction; a write that must not
//! interleave with another server's (a kiosk's chain) locks its row first.

// Each file mirrors `store/sqlite/` file of the same name.
mod accounts;
mod agreements;
mod chain_file;
mod configuration;
mod copy_in;
mod erasure_log;
mod held;
mod ingest;
mod ingest_erasures;
mod insert_records;
mod integrity;
mod kiosk_settings;
mod migrations;
mod pairing;
mod privacy;
mod records;
mod roster;
mod rows;
mod school_agreements;
mod search;
mod shared;
mod sites;
mod staff;
mod tls;

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;

use crate::error::{OfficeError, Result};

/// Connections one office process keeps open to the database.
const POOL_SIZE: usize = 16;

/// The office database on a PostgreSQL server, behind the storage traits.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// The URL without its password, for messages.
    database: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("database", &self.database).finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`),
    /// creating and migrating the schema if needed. Refuses a database of
    /// a newer signbook-office, or one holding other tables, untouched.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| OfficeError::Postgres {
            doing: "reading --database",
            detail: format!("{e} (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)"),
        })?;
        let database = redacted(&config);
        // JIT compiling a search's plan costs 100-400 ms on a large index
        // (a count over millions of rows looks expensive to the planner),
        // far more than the queries it would speed up: off for the office's
        // connections, whatever the server's default.
        let mut config = config;
        let options = config.get_options().map(|o| format!("{o} -c jit=off")).unwrap_or_else(|| "-c jit=off".into());
        config.options(&options);
        if config.get_ssl_mode() != SslMode::Require && tls::leaves_this_machine(&config) {
            tracing::warn!(
                %database,
                "the office database is reached without TLS: add ?sslmode=require to --database (docs/deploy.md)"
            );
        }
        let pooling = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        let manager = match config.get_ssl_mode() {
            SslMode::Require => Manager::from_config(config, tls::verified_tls()?, pooling),
            // `prefer` (the default) and `disable`: no TLS, as libpq without
            // a certificate to check would give; deploy.md says when that is safe.
            _ => Manager::from_config(config, NoTls, pooling),
        };
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| OfficeError::Postgres { doing: "setting up the connection pool", detail: e.to_string() })?;
        let store = PgStore { pool, database };
        let mut client = store.client().await?;
        migrations::migrate(&mut client, &store.database).await?;
        Ok(store)
    }

    /// Where the database is, without its password.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| {
            // The pool's error, then what caused it ("error performing TLS handshake: invalid peer certificate…").
            let mut error = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !error.contains(&cause_text) {
                    error = format!("{error}: {cause_text}");
                }
                source = cause.source();
            }
            // rustls names the failure ("invalid peer certificate: UnknownIssuer"); say what to do.
            let hint = if error.contains("certificate") { tls::UNTRUSTED_HINT } else { "" };
            OfficeError::Postgres {
                doing: "connecting to the office database",
                detail: format!("{} ({error}){hint}", self.database),
            }
        })
    }
}

/// `url` as messages may show it: `postgres://user@host:port/database`,
/// never the password (or just "--database" if it is not a database URL, which may hold one).
pub fn redact_url(url: &str) -> String {
    tokio_postgres::Config::from_str(url).map(|config| redacted(&config)).unwrap_or_else(|_| "--database".into())
}

/// `postgres://user@host:port/database`, never the password.
fn redacted(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgres://{}@{host}:{port}/{}", config.get_user().unwrap_or(""), config.get_dbname().unwrap_or(""))
}

/// Attaches "while doing X" to PostgreSQL errors.
pub(crate) trait PgContext<T> {
    fn doing(self, doing: &'static str) -> Result<T>;
}

impl<T> PgContext<T> for std::result::Result<T, tokio_postgres::Error> {
    fn doing(self, doing: &'static str) -> Result<T> {
        self.map_err(|e| postgres_error(e, doing))
    }
}

/// What failed while `doing`: the server's own message ("duplicate key…",
/// a trigger's refusal) says most.
fn postgres_error(e: tokio_postgres::Error, doing: &'static str) -> OfficeError {
    let detail = match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    };
    OfficeError::Postgres { doing, detail }
}
