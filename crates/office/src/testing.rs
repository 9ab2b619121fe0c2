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

use crate::{SqliteStore, db_path};

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
    pub fn start_with(binary: &Path, data: &Path, listen: &str, log: &str, args: &[&str]) -> io::Result<Office> {
        let mut child = Command::new(binary)
            .arg("--data")
            .arg(data)
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
                Ok(Office { data: data.to_owned(), child, addr, fingerprint, binary: binary.to_owned() })
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
        Command::new(&self.binary).arg("--data").arg(&self.data).args(args).output()
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
        let mut child = Command::new(&self.binary)
            .arg("--data")
            .arg(&self.data)
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

    /// A second handle on the office database (WAL: fine while serving).
    pub fn db(&self) -> crate::Result<SqliteStore> {
        SqliteStore::open(db_path(&self.data))
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

/// Runs one storage call (or any future) to completion from synchronous
/// test code, on a runtime of its own (the SQLite backend needs tokio's
/// blocking pool).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a test runtime starts").block_on(future)
}

/// Names the PostgreSQL server (`postgres://USER@HOST:PORT/postgres`) the
/// office tests also run against; `scripts/test` starts one
/// (`scripts/postgres`). Unset: SQLite only.
pub const POSTGRES_ENV: &str = "SIGNBOOK_TEST_POSTGRES";

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
    block_on(async {
        let (client, connection) =
            tokio_postgres::connect(&server, tokio_postgres::NoTls).await.expect("the test PostgreSQL server answers");
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("a test database is created");
    });
    let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}
