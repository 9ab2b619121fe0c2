//! Fixtures shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use signbook_core::role::Role;
use signbook_core::signature::Strokes;
use signbook_core::{Receipt, SignRequest, Store};

pub const AUP: &str =
    "# IT Acceptable Use Agreement\n\n- I will keep my password secret.\n- I will lock my screen when I leave it.\n";

/// A plausible hand-drawn signature: a cursive zigzag across most of the pad.
pub fn signature() -> Strokes {
    let mut points = String::new();
    for i in 0..60 {
        let x = 40.0 + f64::from(i) * 8.0;
        let y = if i % 2 == 0 { 150.0 - f64::from(i % 7) * 6.0 } else { 70.0 + f64::from(i % 5) * 5.0 };
        if i > 0 {
            points.push(',');
        }
        points.push_str(&format!(
            r#"{{"x":{x},"y":{y},"t":{},"pressure":0.5}}"#,
            1_732_300_000_000_i64 + i64::from(i) * 16
        ));
    }
    let json = format!(
        r#"{{"width":600,"height":240,"strokes":[[{points}],[{{"x":60,"y":190}},{{"x":300,"y":196}},{{"x":520,"y":188}}]]}}"#
    );
    Strokes::from_json(json.as_bytes()).expect("fixture signature parses")
}

pub fn roles(list: &[&str]) -> Vec<Role> {
    list.iter().map(|r| Role::new(r).expect("fixture role")).collect()
}

pub struct Kiosk {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl Kiosk {
    /// A fresh kiosk database with the AUP published for every default role.
    pub fn new() -> Kiosk {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path().join("kiosk.db")).expect("open store");
        store
            .publish_agreement(AUP, "IT Acceptable Use Agreement", &roles(&signbook_core::role::DEFAULT_ROLES))
            .expect("publish");
        Kiosk { dir, store }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("kiosk.db")
    }

    pub fn sign(&mut self, name: &str) -> Receipt {
        self.sign_as("visitor", name, Some("Acme Ltd"))
    }

    pub fn sign_as(&mut self, role: &str, name: &str, organisation: Option<&str>) -> Receipt {
        let strokes = signature();
        self.store.sign(&SignRequest { role, name, organisation, strokes: &strokes, agreement: None }).expect("sign")
    }

    pub fn sign_at(&mut self, name: &str, at: &str) -> Receipt {
        let strokes = signature();
        let at: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(at).expect("fixture time");
        self.store
            .sign_at(&SignRequest { role: "visitor", name, organisation: None, strokes: &strokes, agreement: None }, at)
            .expect("sign")
    }

    /// A raw connection, as someone with `sqlite3` and the file would have,
    /// with our immutability triggers dropped as a tamperer would drop them.
    pub fn tamperer(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.db_path()).expect("raw open");
        conn.execute_batch(
            "DROP TRIGGER records_are_never_deleted; DROP TRIGGER records_change_only_by_erasure; PRAGMA foreign_keys = OFF;",
        )
        .expect("drop triggers");
        conn
    }
}

/// Every byte of the database and its WAL, for "is this gone from disk" checks.
pub fn database_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap_or_default();
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    bytes.extend(std::fs::read(PathBuf::from(wal)).unwrap_or_default());
    bytes
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
