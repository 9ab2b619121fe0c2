//! `--tls-cert FILE --tls-key FILE`: a trust's servers present the trust's
//! own certificate, so a kiosk pinned at pairing is served by any of them,
//! and files the office cannot use are refused with a message naming the
//! file and what to do.

mod common;

use std::path::{Path, PathBuf};

use common::{OFFICE, Proxy, block_on, kiosk, kiosk_hashes, push_until_synced};
use signbook_office::store::IntegrityStore;
use signbook_office::testing::{self, fresh_postgres_database};

/// A certificate and ECDSA P-256 key as a trust's IT would hand them over:
/// PEM files, the key readable by its owner only.
fn trust_files(dir: &Path) -> (PathBuf, PathBuf, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["office.trust.example".into(), "localhost".into()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.join("office.pem"), dir.join("office.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    owner_only(&key_path);
    (cert_path, key_path, signbook_sync::fingerprint(cert.der()).to_string())
}

fn owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// `signbook-office ARGS` on `data`, its exit status and what it said.
fn office(data: &Path, args: &[&str]) -> (bool, String) {
    let output = testing::office_command(Path::new(OFFICE), data, None).args(args).output().unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), said)
}

#[test]
fn two_servers_with_the_trusts_files_and_their_own_data_serve_a_kiosk_paired_with_either() {
    // Two data folders, one database: only PostgreSQL lets two machines share it.
    let Some(url) = fresh_postgres_database() else { return };
    let files = tempfile::tempdir().unwrap();
    let (cert, key, expected) = trust_files(files.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let trust = ["--tls-cert", cert, "--tls-key", key, "--database", &url];
    let (data_a, data_b, kiosks) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let serve = |data: &Path| {
        let args: Vec<&str> = ["--no-mdns"].iter().chain(&trust).copied().collect();
        testing::Office::start_with(Path::new(OFFICE), data, "127.0.0.1:0", "error", &args).expect("serve")
    };
    let (first, second) = (serve(data_a.path()), serve(data_b.path()));
    assert_eq!(first.fingerprint, expected, "the trust's certificate is served, not one made in --data");
    assert_eq!(second.fingerprint, expected, "both servers present the certificate kiosks pin");
    assert!(!data_a.path().join("cert.der").exists(), "no certificate of its own is made beside the trust's");

    let fingerprint = office(data_b.path(), &["fingerprint", "--tls-cert", cert, "--tls-key", key]);
    assert_eq!(fingerprint, (true, format!("{expected}\n")), "`fingerprint` prints what the servers present");
    let (paired, said) = office(data_a.path(), &[&trust[..], &["pair"]].concat());
    assert!(paired && said.contains(&expected), "`pair` shows the trust's fingerprint: {said}");
    let code = said.lines().find_map(|l| l.strip_prefix("pairing code: ")).expect("a code").to_owned();

    // The kiosk pairs through an address that leads to the first server,
    // then that address leads to the second: the pinned certificate holds.
    let proxy = Proxy::start(first.addr, |_| false);
    let mut store = kiosk(kiosks.path(), 30);
    signbook_sync::pair(&mut store, &proxy.url(), &code, &expected).unwrap();
    proxy.retarget(second.addr);
    push_until_synced(&mut store, 10, 5);

    let db = block_on(signbook_office::PgStore::connect(&url)).unwrap();
    assert_eq!(block_on(db.record_hashes(store.device_id())).unwrap(), kiosk_hashes(&store));
    let reports = block_on(db.verify()).unwrap();
    assert!(reports.iter().all(|r| r.is_intact()), "every chain intact: {reports:?}");
}

#[test]
fn a_key_of_another_certificate_a_garbage_file_or_a_key_everyone_reads_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (ours, our_key, _) = trust_files(dir.path());
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let (_, other_key, _) = trust_files(&other);
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate at all\n").unwrap();
    owner_only(&garbage);
    let fingerprint = |cert: &Path, key: &Path| {
        office(dir.path(), &["fingerprint", "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()])
    };

    let (ok, said) = fingerprint(&ours, &other_key);
    assert!(!ok, "a mismatched pair is refused");
    assert!(said.contains(other_key.to_str().unwrap()) && said.contains("is not the key of the certificate"), "{said}");

    let (ok, said) = fingerprint(&garbage, &our_key);
    assert!(!ok && said.contains("garbage.pem") && said.contains("is not a certificate"), "{said}");
    let (ok, said) = fingerprint(&ours, &garbage);
    assert!(!ok && said.contains("garbage.pem") && said.contains("is not a private key"), "{said}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&our_key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (ok, said) = fingerprint(&ours, &our_key);
        assert!(!ok && said.contains("can be read by every user") && said.contains("chmod 600"), "{said}");
        owner_only(&our_key);
    }

    let (ok, said) = office(dir.path(), &["fingerprint", "--tls-cert", ours.to_str().unwrap()]);
    assert!(!ok && said.contains("--tls-key"), "one without the other is refused: {said}");

    let trust = ["--tls-cert", ours.to_str().unwrap(), "--tls-key", our_key.to_str().unwrap()];
    let (ok, said) = office(dir.path(), &[&trust[..], &["tls", "rotate"]].concat());
    assert!(!ok && said.contains("the trust's certificate") && said.contains("pairing each kiosk again"), "{said}");
    let (ok, said) = office(dir.path(), &[&trust[..], &["tls", "status"]].concat());
    assert!(ok && said.contains("office.pem"), "status shows the trust's certificate: {said}");

    // A school on SQLite serving the trust's files backs up its records;
    // the files are the trust's to keep.
    assert!(office(dir.path(), &["kiosks"]).0);
    let out = dir.path().join("backup.db");
    let (ok, said) = office(dir.path(), &[&trust[..], &["backup", "--out", out.to_str().unwrap()]].concat());
    assert!(ok && out.exists() && said.contains("the trust's own files"), "{said}");
    assert!(
        !dir.path().join("backup.db.cert.der").exists(),
        "no certificate of the data folder's is passed off as the served one"
    );
}
