//! Fixtures: the project's binaries, a running office, kiosk databases.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration as ChronoDuration, FixedOffset};
use signbook_core::role::Role;
use signbook_core::signature::{Strokes, render_png};
use signbook_core::{SignRequest, Store};
use signbook_office::SharedStore;
use signbook_office::testing;
use signbook_sync::parse_fingerprint;
use signbook_sync::tls::pinned_client_config;

/// A project binary (`signbook`, `signbook-office`), looked up beside this
/// executable (`target/<profile>/`, or its parent for test executables in
/// `deps/`). `tests/reliability/run` builds them first.
pub fn binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe().context("finding this executable")?;
    for dir in exe.ancestors().skip(1).take(2) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "{name} is not built beside {}; run `cargo build -p signbook-office -p signbook-cli` first (tests/reliability/run does)",
        exe.display()
    )
}

/// A running `signbook-office serve` on loopback (the shared launcher,
/// `signbook_office::testing::Office`), killed (SIGKILL) on drop.
#[derive(Debug)]
pub struct Office(testing::Office);

impl Office {
    pub fn start(data: &Path) -> Result<Office> {
        let office = testing::Office::start(&binary("signbook-office")?, data, "127.0.0.1:0", "off")
            .context("starting signbook-office")?;
        Ok(Office(office))
    }

    /// `signbook-office --data DIR ARGS...`, which must succeed; its stdout.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        Ok(self.0.cli_ok(args)?)
    }

    pub fn pairing_code(&self) -> Result<String> {
        Ok(self.0.pairing_code()?)
    }

    /// A second handle on the office database (WAL: fine while serving).
    pub fn db(&self) -> Result<SharedStore> {
        Ok(self.0.db()?)
    }

    /// `signbook-office user add NAME`, the password on standard input.
    pub fn add_user(&self, name: &str, password: &str) -> Result<()> {
        Ok(self.0.add_user(name, password)?)
    }

    /// What other threads need to reach this office.
    pub fn handle(&self) -> OfficeHandle {
        OfficeHandle { addr: self.addr, fingerprint: self.fingerprint.clone() }
    }

    pub fn https(&self, request: &str) -> Result<String> {
        self.handle().https(request)
    }

    pub fn login(&self, user: &str, password: &str) -> Result<(u16, Option<String>)> {
        self.handle().login(user, password)
    }
}

impl std::ops::Deref for Office {
    type Target = testing::Office;
    fn deref(&self) -> &testing::Office {
        &self.0
    }
}

impl std::ops::DerefMut for Office {
    fn deref_mut(&mut self) -> &mut testing::Office {
        &mut self.0
    }
}

/// An office's address and certificate fingerprint, for other threads.
#[derive(Debug, Clone)]
pub struct OfficeHandle {
    pub addr: SocketAddr,
    pub fingerprint: String,
}

impl OfficeHandle {
    /// One hand-written HTTP/1.1 request over TLS pinned to this office;
    /// the whole answer (status line, headers, body).
    pub fn https(&self, request: &str) -> Result<String> {
        let (config, _) = pinned_client_config(parse_fingerprint(&self.fingerprint)?);
        let conn = rustls::ClientConnection::new(Arc::clone(&config), "localhost".try_into()?)?;
        let mut stream = rustls::StreamOwned::new(conn, TcpStream::connect(self.addr)?);
        stream.write_all(request.as_bytes())?;
        stream.flush()?;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer); // the office closes without close_notify on refusals
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }

    /// Logs in to the staff dashboard: the HTTP status and the session cookie, if any.
    pub fn login(&self, user: &str, password: &str) -> Result<(u16, Option<String>)> {
        let form = format!("username={user}&password={password}&next=%2Frecords");
        let answer = self.https(&format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ))?;
        let cookie = answer
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned);
        Ok((status_of(&answer), cookie))
    }
}

/// The status code of an HTTP answer (0 if there was none).
pub fn status_of(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

pub const AUP: &str = "# IT Acceptable Use Agreement\n\n- I will keep my password secret.\n- I will lock my screen.\n";

/// A plausible hand-drawn signature (a zigzag across the pad).
pub fn strokes() -> Strokes {
    let points: Vec<String> = (0..40)
        .map(|i| {
            format!(r#"{{"x":{},"y":{}}}"#, 40 + i * 12, if i % 2 == 0 { 150 - (i % 7) * 6 } else { 70 + (i % 5) * 5 })
        })
        .collect();
    let json = format!(r#"{{"width":600,"height":240,"strokes":[[{}]]}}"#, points.join(","));
    Strokes::from_json(json.as_bytes()).expect("fixture strokes parse")
}

/// A kiosk database at `path` with the agreement published for visitors.
pub fn new_kiosk(path: &Path) -> Result<Store> {
    let mut store = Store::open(path)?;
    store.publish_agreement(AUP, "AUP", &[Role::new("visitor")?])?;
    Ok(store)
}

/// Signs one record the way the kiosk does (validation, PNG render, durable commit).
pub fn sign_one(store: &mut Store, strokes: &Strokes, name: &str) -> signbook_core::Result<u64> {
    store.sign(&SignRequest { role: "visitor", name, organisation: None, strokes, agreement: None }).map(|r| r.seq)
}

/// Appends `n` records quickly (pre-rendered PNG, fsync off): fixtures only.
pub fn fill(store: &mut Store, n: u64) -> Result<()> {
    store.unsafe_disable_fsync_for_fixtures()?;
    let png = render_png(&strokes())?;
    let role = Role::new("visitor")?;
    let start: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2026-11-02T08:00:00+00:00")?;
    let from = store.head()?.map_or(0, |(s, _)| s);
    for i in from..from + n {
        let org = (i % 3 == 0).then_some("Acme Ltd");
        store.sign_prerendered_at(
            &role,
            &format!("Visitor Number{i}"),
            org,
            png.clone(),
            start + ChronoDuration::seconds(i as i64),
        )?;
    }
    Ok(())
}

/// Pairs `store` with `office`, pushing through `url` (the office or a proxy in front of it).
pub fn pair(store: &mut Store, office: &Office, url: &str) -> Result<()> {
    signbook_sync::pair(store, url, &office.pairing_code()?, &office.fingerprint)?;
    Ok(())
}
