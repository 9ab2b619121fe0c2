//! `--database postgres://…?sslmode=require`: the office reaches
//! PostgreSQL over TLS and refuses a server whose certificate its CA
//! certificates do not vouch for, on the cluster `scripts/postgres`
//! starts with a throwaway CA (`SIGNBOOK_TEST_POSTGRES_CA`).

use std::path::{Path, PathBuf};
use std::process::Output;

use signbook_office::testing::{REQUIRE_POSTGRES_ENV, fresh_postgres_database, office_command};

const CA_ENV: &str = "SIGNBOOK_TEST_POSTGRES_CA";

/// A fresh database and the test cluster's CA certificate, or `None` when
/// no cluster is given (and none is required).
fn cluster() -> Option<(String, PathBuf)> {
    let url = fresh_postgres_database()?;
    let Some(ca) = std::env::var_os(CA_ENV) else {
        assert!(std::env::var_os(REQUIRE_POSTGRES_ENV).is_none(), "{CA_ENV} is not set: scripts/postgres names it");
        return None;
    };
    Some((url, ca.into()))
}

/// `signbook-office ARGS` on `url`, trusting only the CA certificate `ca`.
fn office(data: &Path, url: &str, ca: &Path, args: &[&str]) -> Output {
    office_command(Path::new(env!("CARGO_BIN_EXE_signbook-office")), data, Some(url))
        .env("SSL_CERT_FILE", ca)
        .env_remove("SSL_CERT_DIR")
        .args(args)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn with_sslmode_require_the_office_uses_tls_and_refuses_a_server_its_ca_does_not_vouch_for() {
    let Some((url, ca)) = cluster() else { return };
    let data = tempfile::tempdir().unwrap();
    let tls = format!("{url}?sslmode=require");

    // The trust's CA vouches for the server: the office creates its tables and writes.
    let added = office(data.path(), &tls, &ca, &["school", "add", "Oakfield Primary"]);
    assert!(added.status.success(), "{}", text(&added));
    let listed = office(data.path(), &tls, &ca, &["school", "list"]);
    assert!(listed.status.success() && text(&listed).contains("Oakfield Primary"), "{}", text(&listed));

    // A server this machine's CAs do not vouch for (as a machine posing as
    // the database would be): refused before anything is sent, with what to do.
    let stranger = data.path().join("another-ca.crt");
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    std::fs::write(&stranger, other.cert.pem()).unwrap();
    let refused = office(data.path(), &tls, &stranger, &["school", "add", "Impostor School"]);
    assert!(!refused.status.success());
    let message = text(&refused);
    assert!(message.contains("certificate") && message.contains("SSL_CERT_FILE"), "{message}");

    let listed = office(data.path(), &tls, &ca, &["school", "list"]);
    assert!(!text(&listed).contains("Impostor"), "{}", text(&listed));
}
