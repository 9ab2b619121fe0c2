//! Security checks: PIN brute force (the lockout holds across restarts),
//! a certificate that is not the pinned one, a revoked kiosk, forged and
//! replayed requests, oversized bodies. Each is refused as specified.

use std::path::Path;

use anyhow::Result;
use chrono::{Duration, Utc};
use ed25519_dalek::SigningKey;
use signbook_core::device::{key_path_for, load_key};
use signbook_core::{Error, Store};
use signbook_kiosk::Kiosk;
use signbook_kiosk::KioskError;
use signbook_sync::SyncError;
use signbook_sync::auth::sign_request;
use signbook_sync::http::OfficeClient;
use signbook_sync::{PUSH_PATH, parse_fingerprint};

use crate::checks::ensure;
use crate::env::{Office, fill, new_kiosk, pair};
use crate::report::Finding;

/// What is sent, its auth headers and body, and the expected status and code.
type Case<'a> = (&'a str, Vec<(&'static str, String)>, &'a [u8], u16, &'a str);

pub fn run(dir: &Path) -> Result<Vec<Finding>> {
    let mut findings = pin(dir)?;
    findings.extend(office(dir)?);
    findings.extend(login(dir)?);
    Ok(findings)
}

fn pin(dir: &Path) -> Result<Vec<Finding>> {
    let db = dir.join("pin/kiosk.db");
    drop(new_kiosk(&db)?);
    let now = Utc::now();
    let mut kiosk = Kiosk::open(&db)?;
    kiosk.admin_set_first_pin("482913", now)?;
    kiosk.admin_lock();
    let mut tries = 0;
    let locked = loop {
        tries += 1;
        match kiosk.admin_unlock(&format!("{:06}", 100_000 + tries), now) {
            Err(KioskError::Core(Error::PinLocked { seconds })) => break seconds,
            Err(KioskError::Core(Error::WrongPin { .. })) if tries < 20 => {}
            other => anyhow::bail!("a wrong PIN gave {other:?} after {tries} tries"),
        }
    };
    drop(kiosk);
    // Restart: the lockout is in the database, so even the right PIN waits.
    let mut kiosk = Kiosk::open(&db)?;
    let after_restart = kiosk.admin_unlock("482913", now + Duration::seconds(1));
    ensure(
        matches!(after_restart, Err(KioskError::Core(Error::PinLocked { .. }))),
        "the PIN lockout holds across a restart",
        || format!("{after_restart:?}"),
    )?;
    let later = kiosk.admin_unlock("482913", now + Duration::seconds(locked + 1));
    ensure(later.is_ok(), "the right PIN works once the lockout ends", || format!("{later:?}"))?;
    Ok(vec![Finding::new(
        "security",
        "PIN brute force",
        format!("locked after {tries} wrong PINs for {locked} s; lockout held across a restart"),
    )])
}

fn office(dir: &Path) -> Result<Vec<Finding>> {
    let office = Office::start(&dir.join("office"))?;
    let db = dir.join("kiosk/kiosk.db");
    let mut store = new_kiosk(&db)?;
    fill(&mut store, 5)?;
    let mut findings = Vec::new();

    // Pairing with a fingerprint that is not the office's certificate.
    let wrong = "ab".repeat(32);
    let refused = signbook_sync::pair(&mut store, &office.url(), &office.pairing_code()?, &wrong);
    ensure(
        matches!(&refused, Err(SyncError::FingerprintMismatch { .. })),
        "a certificate mismatch is refused",
        || format!("{refused:?}"),
    )?;
    ensure(store.sync_config()?.is_none(), "a refused pairing saves nothing", || "a pairing was saved".into())?;
    findings.push(Finding::new(
        "security",
        "certificate mismatch at pairing",
        "refused (fingerprint_mismatch), nothing saved",
    ));
    pair(&mut store, &office, &office.url())?;

    // Another office (another certificate) answering at the paired address.
    let impostor = Office::start(&dir.join("impostor"))?;
    let client = OfficeClient::new(&impostor.url(), parse_fingerprint(&office.fingerprint)?)?;
    let answer = client.post(PUSH_PATH, &[], b"{}");
    ensure(
        matches!(answer, Err(SyncError::FingerprintMismatch { .. })),
        "an impostor office is refused before anything is sent",
        || format!("{answer:?}"),
    )?;
    findings.push(Finding::new(
        "security",
        "impostor office (other certificate)",
        "refused before sending (fingerprint_mismatch)",
    ));

    // Forged, replayed, stale and oversized requests, straight at the office.
    let client = OfficeClient::new(&office.url(), parse_fingerprint(&office.fingerprint)?)?;
    let key = load_key(&key_path_for(&db))?;
    let device = store.device_id();
    let body = br#"{"records":[],"checkpoint":null,"erasures":[]}"#.to_vec();
    let now = Utc::now().timestamp();
    let forger = SigningKey::from_bytes(&[7; 32]);
    let signed = sign_request(&key, &device, "POST", PUSH_PATH, now, &body);
    let cases: Vec<Case> = vec![
        ("unsigned request", vec![], &body, 401, "auth_missing"),
        (
            "signed by another key",
            sign_request(&forger, &device, "POST", PUSH_PATH, now, &body),
            &body,
            401,
            "signature_invalid",
        ),
        (
            "unknown device",
            sign_request(&forger, &uuid::Uuid::new_v4(), "POST", PUSH_PATH, now, &body),
            &body,
            401,
            "device_not_paired",
        ),
        (
            "timestamp an hour old",
            sign_request(&key, &device, "POST", PUSH_PATH, now - 3600, &body),
            &body,
            401,
            "clock_skew",
        ),
        ("genuine request", signed.clone(), &body, 200, ""),
        ("the same request replayed", signed, &body, 401, "replay"),
        (
            "body altered after signing",
            sign_request(&key, &device, "POST", PUSH_PATH, now, &body),
            br#"{"records":[],"checkpoint":null,"erasures":[{}]}"#,
            401,
            "signature_invalid",
        ),
    ];
    for (what, headers, body, status, code) in cases {
        let answer = client.post(PUSH_PATH, &headers, body)?;
        let got: String = serde_json::from_slice::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        ensure(
            answer.status == status && got == code,
            "forged and oversized requests are refused as specified",
            || format!("{what}: expected {status} {code}, got {} {got}", answer.status),
        )?;
        let outcome = if status == 200 { "accepted".to_owned() } else { format!("refused {status} {code}") };
        findings.push(Finding::new("security", what, outcome));
    }

    // 9 MiB declared: refused before the body is read (the kiosk's own
    // client could not even send it; the office tests also stream one).
    let answer = oversized(&office, &sign_request(&key, &device, "POST", PUSH_PATH, now, b""))?;
    ensure(
        answer.starts_with("HTTP/1.1 413") && answer.contains(r#""code":"body_too_large""#),
        "oversized bodies are refused",
        || answer.clone(),
    )?;
    findings.push(Finding::new(
        "security",
        "9 MiB body (Content-Length)",
        "refused 413 body_too_large before reading it",
    ));

    // A revoked kiosk.
    office.cli(&["revoke", &device.to_string()])?;
    fill(&mut store, 2)?;
    let pending = store.sync_status()?.pending;
    let revoked = signbook_sync::push(&mut store);
    let code = match &revoked {
        Err(SyncError::OfficeRefused { code, .. }) => code.clone(),
        other => format!("{other:?}"),
    };
    ensure(code == "device_revoked", "a revoked kiosk is refused", || code.clone())?;
    ensure(store.sync_status()?.pending == pending, "a refused push marks nothing as synced", || {
        "pending changed".into()
    })?;
    findings.push(Finding::new("security", "revoked kiosk pushes", "refused (device_revoked), nothing marked synced"));
    drop(Store::open(&db)?);
    Ok(findings)
}

/// Headers declaring a 9 MiB body, and no body.
fn oversized(office: &Office, auth: &[(&str, String)]) -> Result<String> {
    let auth: String = auth.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
    let length = 9 * 1024 * 1024;
    office.https(&format!("POST {PUSH_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n{auth}Connection: close\r\n\r\n"))
}

/// Office login brute force: refused (429) after the allowed failures, the
/// right password included, and still after the office restarts.
fn login(dir: &Path) -> Result<Vec<Finding>> {
    let data = dir.join("dashboard");
    let mut office = Office::start(&data)?;
    office.add_user("j.evans", "correct horse battery")?;
    let (status, cookie) = office.login("j.evans", "correct horse battery")?;
    ensure(status == 303 && cookie.is_some(), "the right password logs in", || format!("{status} {cookie:?}"))?;
    let mut failures = 0;
    let refused_at = loop {
        failures += 1;
        let (status, _) = office.login("j.evans", &format!("guess{failures:04}xx"))?;
        match status {
            429 => break failures,
            401 if failures < 50 => {}
            other => anyhow::bail!("wrong password {failures} answered {other}"),
        }
    };
    let (status, cookie) = office.login("j.evans", "correct horse battery")?;
    ensure(status == 429 && cookie.is_none(), "office logins are rate limited, the right password included", || {
        format!("{status} {cookie:?}")
    })?;
    office.kill();
    let office = Office::start(&data)?;
    let (status, _) = office.login("j.evans", "correct horse battery")?;
    ensure(status == 429, "the login limit holds across an office restart", || format!("{status}"))?;
    Ok(vec![Finding::new(
        "security",
        "office login brute force",
        format!("attempt {refused_at} refused 429 (right password too); held across a restart"),
    )])
}
