//! One kiosk's records held by a SQLite office (received as a push) and
//! by a PostgreSQL office (put there with plain SQL, the columns SQLite's
//! `insert_record` and `index_record` write, until PostgreSQL's ingest is
//! written), for tests that compare the two backends.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::SyncStore;
use signbook_office::{SqliteStore, db_path};

use super::evidence_fixture::Kiosk;
use signbook_office::store::FIRST_SITE;

/// The office's clock in these tests.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap().to_utc()
}

/// The roles the fixture's agreement is published (and made current) for.
pub const ROLES: [&str; 5] = ["visitor", "governor", "staff", "volunteer", "contractor"];

/// A plain client on the database at `url`, as anyone with its password has.
pub async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The kiosk's records held by a SQLite office, received as a push.
pub async fn sqlite_office(kiosk: &Kiosk, dir: &std::path::Path) -> SqliteStore {
    let store = SqliteStore::open(db_path(dir)).unwrap();
    let (code, now) = (new_code(), now());
    assert!(store.add_pairing_code(FIRST_SITE, &code, now, now + Duration::minutes(15)).await.unwrap());
    let (device, _) = store
        .pair(&code, &code_hash(&code), kiosk.store.device_id(), &kiosk.store.public_key(), None, now)
        .await
        .unwrap();
    store.ingest(&device, None, kiosk.push_request(), now).await.unwrap();
    store
}

/// The same records put into a PostgreSQL office with plain SQL, the
/// agreement current for every role it was published for, as a push makes it.
pub async fn hold_in_postgres(client: &tokio_postgres::Client, kiosk: &Kiosk) {
    let device = kiosk.store.device_id().hyphenated().to_string();
    let stamp = "2026-12-01T08:00:00.000Z";
    client
        .execute(
            "INSERT INTO devices (device_id, public_key, name, paired_at) VALUES ($1, $2, NULL, $3)",
            &[&device, &kiosk.store.public_key().to_bytes().as_slice(), &stamp],
        )
        .await
        .unwrap();
    for a in kiosk.agreements() {
        let hash = a.hash.to_hex();
        client
            .execute(
                "INSERT INTO agreements (hash, title, text, published_at, received_at) VALUES ($1, $2, $3, $4, $5)",
                &[&hash, &a.title, &a.text, &a.published_at, &stamp],
            )
            .await
            .unwrap();
        for role in ROLES {
            client.execute("INSERT INTO agreement_roles (hash, role) VALUES ($1, $2)", &[&hash, &role]).await.unwrap();
            client
                .execute(
                    "INSERT INTO agreement_adoptions (hash, role, adopted_at, adopted_by) VALUES ($1, $2, $3, 'kiosk')",
                    &[&hash, &role, &stamp],
                )
                .await
                .unwrap();
        }
    }
    for stored in kiosk.records() {
        let (h, p) = (&stored.record.header, stored.record.personal.as_ref().unwrap());
        let signed_at = signbook_core::record::format_utc(&h.signed_at);
        let organisation = p.organisation.as_ref();
        client
            .execute(
                "INSERT INTO records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
                    name_digest, organisation_digest, signature_digest, record_hash,
                    name, name_salt, organisation, organisation_salt, signature_png, signature_salt, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                &[
                    &device,
                    &(h.seq as i64),
                    &h.id.hyphenated().to_string(),
                    &h.prev_hash.to_hex(),
                    &h.agreement_hash.to_hex(),
                    &h.role,
                    &signed_at,
                    &h.utc_offset_minutes,
                    &h.name_digest.to_hex(),
                    &h.organisation_digest.map(|d| d.to_hex()),
                    &h.signature_digest.to_hex(),
                    &stored.record.hash.to_hex(),
                    &p.name,
                    &p.name_salt.as_slice(),
                    &organisation.map(|(o, _)| o.as_str()),
                    &organisation.map(|(_, s)| s.as_slice()),
                    &p.signature_png,
                    &p.signature_salt.as_slice(),
                    &stamp,
                ],
            )
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &device,
                    &(h.seq as i64),
                    &signbook_office::store::fold(&p.name),
                    &organisation.map(|(o, _)| signbook_office::store::fold(o)),
                    &h.role,
                    &signed_at,
                    &h.signed_at_local().date_naive().to_string(),
                    &h.agreement_hash.to_hex(),
                ],
            )
            .await
            .unwrap();
    }
}
