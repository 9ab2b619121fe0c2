//! Test support (feature `test-support`, never in the product): the real
//! `signbook-office serve` on a loopback port, as this crate's integration
//! tests and `tests/reliability` both run it, and a way to call the async
//! storage traits from a plain `#[test]`.

use std::future::Future;
use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::SharedStore;

/// The variable `signbook-office` reads its `--database` from.
const DATABASE_ENV: &str = "SIGNBOOK_OFFICE_DATABASE";

/// Where a test office's PostgreSQL database is noted in its data
/// directory, so that a restarted server finds the same one.
const DATABASE_MARKER: &str = ".signbook-test-database";

/// How long a starting server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `signbook-office serve`, killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Office {
    /// Its data directory.
    pub data: PathBuf,
    /// The server process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its certificate's SHA-256 fingerprint, as kiosks pin it.
    pub fingerprint: String,
    /// Its PostgreSQL database, when the tests run against PostgreSQL.
    pub database: Option<String>,
    binary: PathBuf,
}

impl Office {
    /// Starts `binary --data DATA serve --listen LISTEN` with `SIGNBOOK_LOG`
    /// set to `log`, and waits until it prints its address and fingerprint.
    /// Tests do not announce the office on the network (`--no-mdns`).
    pub fn start(binary: &Path, data: &Path, listen: &str, log: &str) -> io::Result<Office> {
        Office::start_with(binary, data, listen, log, &["--no-mdns"])
    }

    /// [`Office::start`] with other arguments after `serve --listen LISTEN`.
    /// With [`POSTGRES_ENV`] set, the office keeps its records in a
    /// PostgreSQL database of its own, the same one each time it starts
    /// on `data`.
    pub fn start_with(binary: &Path, data: &Path, listen: &str, log: &str, args: &[&str]) -> io::Result<Office> {
        Office::launch(binary, data, listen, log, args, test_database(data)?)
    }

    /// [`Office::start`] on SQLite whatever the tests run against: for
    /// tests of the SQLite file itself (tampering with it, copying it).
    pub fn start_sqlite(binary: &Path, data: &Path, listen: &str, log: &str) -> io::Result<Office> {
        Office::launch(binary, data, listen, log, &["--no-mdns"], None)
    }

    fn launch(
        binary: &Path,
        data: &Path,
        listen: &str,
        log: &str,
        args: &[&str],
        database: Option<String>,
    ) -> io::Result<Office> {
        let mut child = office_command(binary, data, database.as_deref())
            .args(["serve", "--listen", listen])
            .args(args)
            .env("SIGNBOOK_LOG", log)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("the server's output was not captured"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads on until the server exits, so its output never fills the pipe.
        std::thread::spawn(move || {
            let (mut addr, mut fingerprint) = (None, None);
            for line in BufReader::new(stdout).lines().map_while(io::Result::ok) {
                if let Some(a) = line.strip_prefix("signbook-office listening on https://") {
                    addr = a.parse::<SocketAddr>().ok();
                }
                if let Some(f) = line.strip_prefix("certificate fingerprint (SHA-256): ") {
                    fingerprint = Some(f.to_owned());
                }
                if let (Some(a), Some(f)) = (addr, fingerprint.clone()) {
                    let _ = tx.send((a, f));
                    addr = None;
                }
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok((addr, fingerprint)) => {
                Ok(Office { data: data.to_owned(), child, addr, fingerprint, database, binary: binary.to_owned() })
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::other(format!("{} did not print its address and fingerprint", binary.display())))
            }
        }
    }

    /// `https://ADDR`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Kills the server with SIGKILL, as a power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Runs `signbook-office --data DATA ARGS...` beside the server.
    pub fn cli(&self, args: &[&str]) -> io::Result<Output> {
        office_command(&self.binary, &self.data, self.database.as_deref()).args(args).output()
    }

    /// [`Office::cli`], which must succeed; its standard output.
    pub fn cli_ok(&self, args: &[&str]) -> io::Result<String> {
        let out = self.cli(args)?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "signbook-office {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs `signbook-office pair` (a second process beside `serve`) and
    /// returns the code; the output must name the server's fingerprint.
    pub fn pairing_code(&self) -> io::Result<String> {
        let text = self.cli_ok(&["pair"])?;
        if !text.contains(&self.fingerprint) {
            return Err(io::Error::other(format!("`pair` did not print the fingerprint: {text}")));
        }
        text.lines()
            .find_map(|l| l.strip_prefix("pairing code: "))
            .map(str::to_owned)
            .ok_or_else(|| io::Error::other(format!("`pair` printed no code: {text}")))
    }

    /// `signbook-office user add NAME`, the password on standard input.
    pub fn add_user(&self, name: &str, password: &str) -> io::Result<()> {
        let mut child = office_command(&self.binary, &self.data, self.database.as_deref())
            .args(["user", "add", name])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        writeln!(child.stdin.take().ok_or_else(|| io::Error::other("no standard input"))?, "{password}")?;
        let status = child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("signbook-office user add {name} failed: {status}")));
        }
        Ok(())
    }

    /// A second handle on the office's store, SQLite or PostgreSQL (both
    /// fine while serving).
    pub fn db(&self) -> crate::Result<SharedStore> {
        on_test_runtime(crate::open_store(&self.data, self.database.as_deref()))
    }

    /// Runs one SQL statement on the office's database as a person at
    /// `sqlite3` or `psql` would (tests checking or tampering with what is
    /// stored): every value as text, NULL as `None`, blobs in hex.
    pub fn sql(&self, sql: &str) -> crate::Result<Vec<Vec<Option<String>>>> {
        match &self.database {
            Some(url) => on_test_runtime(postgres_sql(url, sql)),
            None => sqlite_sql(&crate::db_path(&self.data), sql),
        }
    }

    /// Resident memory of the server process, in KiB (Linux).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        self.kill();
    }
}

fn sqlite_sql(path: &Path, sql: &str) -> crate::Result<Vec<Vec<Option<String>>>> {
    use rusqlite::types::ValueRef;
    let failed = |source| crate::OfficeError::Db { doing: "running a test's SQL", source };
    let conn = rusqlite::Connection::open(path).map_err(failed)?;
    let mut statement = conn.prepare(sql).map_err(failed)?;
    let columns = statement.column_count();
    let mut rows = statement.query([]).map_err(failed)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(failed)? {
        out.push(
            (0..columns)
                .map(|i| match row.get_ref(i) {
                    Ok(ValueRef::Null) | Err(_) => None,
                    Ok(ValueRef::Integer(n)) => Some(n.to_string()),
                    Ok(ValueRef::Real(x)) => Some(x.to_string()),
                    Ok(ValueRef::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
                    Ok(ValueRef::Blob(b)) => Some(hex::encode(b)),
                })
                .collect(),
        );
    }
    Ok(out)
}

async fn postgres_sql(url: &str, sql: &str) -> crate::Result<Vec<Vec<Option<String>>>> {
    let failed = |e: tokio_postgres::Error| crate::OfficeError::Postgres {
        doing: "running a test's SQL",
        detail: e.to_string(),
    };
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.map_err(failed)?;
    tokio::spawn(connection);
    let mut out = Vec::new();
    for message in client.simple_query(sql).await.map_err(failed)? {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            out.push(
                (0..row.len()).map(|i| row.get(i).map(|v| v.strip_prefix("\\x").unwrap_or(v).to_owned())).collect(),
            );
        }
    }
    Ok(out)
}

/// `binary --data DATA`, with `--database` (by its variable) when given
/// and never inherited from the test's own environment.
pub fn office_command(binary: &Path, data: &Path, database: Option<&str>) -> Command {
    let mut command = Command::new(binary);
    command.arg("--data").arg(data).env_remove(DATABASE_ENV);
    if let Some(url) = database {
        command.env(DATABASE_ENV, url);
    }
    command
}

/// The PostgreSQL database of the test office on `data`: the one noted
/// there, or a new one ([`fresh_postgres_database`]); `None` when the
/// suite runs on SQLite ([`on_postgres`]).
pub fn test_database(data: &Path) -> io::Result<Option<String>> {
    let marker = data.join(DATABASE_MARKER);
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return Ok(Some(url));
    }
    if !on_postgres() {
        return Ok(None);
    }
    let url = fresh_postgres_database()
        .ok_or_else(|| io::Error::other(format!("{BACKEND_ENV}=postgres needs {POSTGRES_ENV} (scripts/postgres)")))?;
    std::fs::create_dir_all(data)?;
    std::fs::write(&marker, &url)?;
    Ok(Some(url))
}

/// Runs one storage call (or any future) to completion from synchronous
/// test code, on one runtime all tests share: a PostgreSQL store's pooled
/// connections run on the runtime that opened them, so it must outlive
/// each call (the SQLite backend needs its blocking pool).
pub fn block_on<F: Future>(future: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a test runtime starts")
        })
        .block_on(future)
}

/// Names the PostgreSQL server (`postgres://USER@HOST:PORT/postgres`) the
/// office tests also run against; `scripts/test` starts one
/// (`scripts/postgres`). Unset: SQLite only.
pub const POSTGRES_ENV: &str = "SIGNBOOK_TEST_POSTGRES";

/// `postgres`: the office suite's servers and stores keep their records
/// in PostgreSQL (a database each, on the [`POSTGRES_ENV`] server) instead
/// of SQLite. `scripts/test` runs the suite once each way.
pub const BACKEND_ENV: &str = "SIGNBOOK_TEST_BACKEND";

/// Whether this run of the suite is on PostgreSQL ([`BACKEND_ENV`]).
pub fn on_postgres() -> bool {
    std::env::var(BACKEND_ENV).is_ok_and(|b| b == "postgres")
}

/// Set by `scripts/test`: a test that needs PostgreSQL fails instead of
/// passing without it, so CI never counts an untested backend as tested.
pub const REQUIRE_POSTGRES_ENV: &str = "SIGNBOOK_REQUIRE_POSTGRES";

/// A new, empty database on the [`POSTGRES_ENV`] server, for one test: its
/// URL. `None` when no server is given (and none is required).
pub fn fresh_postgres_database() -> Option<String> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let Ok(server) = std::env::var(POSTGRES_ENV) else {
        assert!(
            std::env::var_os(REQUIRE_POSTGRES_ENV).is_none(),
            "{REQUIRE_POSTGRES_ENV} is set but {POSTGRES_ENV} is not: start a server with scripts/postgres"
        );
        return None;
    };
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("random bytes");
    let name = format!(
        "signbook_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        hex::encode(random)
    );
    on_test_runtime(async {
        let (client, connection) =
            tokio_postgres::connect(&server, tokio_postgres::NoTls).await.expect("the test PostgreSQL server answers");
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("a test database is created");
    });
    let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// The office store of a test's data directory: SQLite there, or its
/// PostgreSQL database when the tests run against PostgreSQL
/// ([`test_database`]). Fails the test if it cannot be opened.
pub fn open_test_store(data: &Path) -> SharedStore {
    let database = test_database(data).expect("the test database is noted in the data directory");
    on_test_runtime(crate::open_store(data, database.as_deref())).expect("the office store opens")
}

/// [`block_on`], also from inside an async test: there on a thread of its
/// own, since a runtime cannot block the thread of another.
fn on_test_runtime<F: Future + Send>(future: F) -> F::Output
where
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return block_on(future);
    }
    std::thread::scope(|scope| scope.spawn(|| block_on(future)).join().expect("a test runtime call panicked"))
}
