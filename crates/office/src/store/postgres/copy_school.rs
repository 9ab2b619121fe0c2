//! `signbook-office migrate --site`: one school's SQLite office copied into
//! the trust's PostgreSQL as one of its schools, beside the others.
//!
//! Rows keyed by what they are (a kiosk, a record, an agreement version)
//! keep their key and go in with `ON CONFLICT DO NOTHING`. Rows the
//! database numbers (alerts, audit lines, the roster, agreement adoptions)
//! would collide with another school's numbers, so they are copied without
//! them, and skipped only when an identical row is there already: a second
//! run copies nothing twice. Everything the school's office held was that
//! school's business, so its kiosks, pairing codes, records and audit lines
//! become the target school's, and its staff accounts are limited to it.
//! The school's kiosk settings become its own settings in the trust, so its
//! kiosks keep showing what they did. What is one for the whole trust
//! (current agreement versions, an account's name) stays as the trust has it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use chrono::Utc;
use deadpool_postgres::Transaction;
use rusqlite::Connection;
use signbook_core::record::format_utc;

use super::super::{PgContext, PgStore};
use super::{Column, as_text, cast, columns, names, params, text_of, values};
use crate::error::{DbContext, OfficeError, Result};
use crate::store::sites::{FIRST_SITE, FIRST_SITE_PLACEHOLDER, Site, SiteId, check_site_name, site_key};

const DOING: &str = "copying the school's office into the trust's database";

/// Rows keyed by what they are, in the order their foreign keys allow.
const KEYED: &[&str] = &[
    "devices",
    "pairing_codes",
    "pairing_exchanges",
    "records",
    "erasures",
    "erasure_entries",
    "held_entries",
    "checkpoints",
    "agreements",
    "agreement_roles",
    "agreement_senders",
    "record_index",
    "office_erasure_log",
];

/// Rows the database numbers, and the columns that make two the same: an
/// alert may have been acknowledged in the trust since it was copied.
const NUMBERED: &[(&str, Option<&[&str]>)] = &[
    ("alerts", Some(&["device_id", "seq", "kind", "detail", "raised_at"])),
    ("agreement_adoptions", None),
    ("roster", None),
    ("audit_log", None),
];

/// Settings: the trust's, or each school's where they have a `site_id`.
const SETTINGS: &[&str] =
    &["retention", "school_kiosk_settings", "school_resign_rules", "school_privacy_notice", "office_settings"];

/// The school's office's kiosk settings were all its kiosks': in the trust
/// they become the school's own (beside any it set as a school, which are
/// copied first and kept), so its kiosks show what they showed, and the
/// trust's stay every other school's.
const KIOSK_SETTINGS: &[(&str, &str)] = &[
    ("kiosk_settings", "school_kiosk_settings"),
    ("resign_rules", "school_resign_rules"),
    ("kiosk_privacy_notice", "school_privacy_notice"),
];

/// A row as text, per column ([`text_of`]).
type Row = Vec<Option<String>>;

/// How the school was found in the trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// A school of that name was there (a second run, or added beforehand).
    Found,
    /// The trust's first school, still unnamed and without kiosks, took the name.
    Renamed,
    /// Added now.
    Added,
}

impl fmt::Display for Placed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Placed::Found => "already in the trust",
            Placed::Renamed => "the trust's first school, named now",
            Placed::Added => "added to the trust now",
        })
    }
}

/// Rows of one table: copied now, already there, and not copied because
/// the trust's own are kept (settings, current agreement versions, an
/// account whose name the trust already has).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Copied now.
    pub copied: u64,
    /// Already there (an earlier run).
    pub present: u64,
    /// The trust's own kept instead.
    pub kept: u64,
}

/// What a school's copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolCopyReport {
    /// The school in the trust the office's rows now belong to.
    pub site: Site,
    /// How it was found.
    pub placed: Placed,
    /// Per table.
    pub tables: BTreeMap<&'static str, Copied>,
    /// Accounts not copied: the trust has an account of that name already.
    pub accounts_taken: Vec<String>,
    /// The trust's configuration issued again as this version, above the
    /// school's own numbers, so the school's kiosks take it.
    pub configuration_issued: Option<u64>,
}

impl PgStore {
    /// Copies the SQLite office of one school at `source` into this trust
    /// database as its school `site` (found by name, else the unnamed
    /// first school, else added). Refuses a source of several schools,
    /// and a kiosk the trust holds with another key or under another
    /// school; nothing is changed then. One transaction, all or nothing.
    pub async fn copy_school_in_sqlite(&self, source: &Path, site: &str) -> Result<SchoolCopyReport> {
        let sqlite = Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .doing("opening the school's office database")?;
        let name = check_site_name(site)?;
        let schools: Vec<String> = sqlite
            .prepare("SELECT name FROM sites ORDER BY id")
            .doing(DOING)?
            .query_map([], |r| r.get(0))
            .doing(DOING)?
            .collect::<rusqlite::Result<_>>()
            .doing(DOING)?;
        if schools.len() != 1 {
            return Err(OfficeError::InputInvalid(format!(
                "{} is an office of {} schools ({}), not one school's: `migrate --site` copies one school's office into the trust. Nothing was copied",
                source.display(),
                schools.len(),
                schools.join(", ")
            )));
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        // Two copies at once would both see the other's rows as missing.
        tx.batch_execute("LOCK TABLE devices IN EXCLUSIVE MODE; LOCK TABLE sites IN SHARE ROW EXCLUSIVE MODE")
            .await
            .doing(DOING)?;
        let (target, placed) = place_school(&tx, &name).await?;
        check_kiosks(&tx, &sqlite, &target).await?;
        let mut report = SchoolCopyReport {
            site: target,
            placed,
            tables: BTreeMap::new(),
            accounts_taken: Vec::new(),
            configuration_issued: None,
        };
        let site = report.site.id;
        for table in KEYED {
            report.tables.insert(table, copy_keyed(&tx, &sqlite, table, site).await?);
        }
        // Adoptions copied after the trust's would make the school's
        // versions current for every school: only roles the trust has
        // no current version for take the school's.
        let adopted: HashSet<String> = tx
            .query("SELECT DISTINCT role FROM agreement_adoptions", &[])
            .await
            .doing(DOING)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (table, same) in NUMBERED {
            report.tables.insert(table, copy_numbered(&tx, &sqlite, table, *same, site, &adopted).await?);
        }
        report.tables.insert("school_agreements", keep_school_versions(&tx, &sqlite, site).await?);
        let (users, taken) = copy_accounts(&tx, &sqlite, site).await?;
        report.tables.insert("users", users);
        report.accounts_taken = taken;
        for table in SETTINGS {
            report.tables.insert(table, copy_setting(&tx, &sqlite, table, site).await?);
        }
        for (theirs, ours) in KIOSK_SETTINGS {
            report.tables.insert(theirs, copy_keyed_into(&tx, &sqlite, theirs, ours, site).await?);
        }
        report.configuration_issued = number_above_school(&tx, &sqlite, &report.site).await?;
        tx.commit().await.doing(DOING)?;
        Ok(report)
    }
}

/// The trust's school called `name`; else its first school, if still
/// unnamed and without kiosks (a fresh trust database), renamed; else a
/// new school.
async fn place_school(tx: &Transaction<'_>, name: &str) -> Result<(Site, Placed)> {
    let rows = tx.query("SELECT id, name, created_at FROM sites ORDER BY id", &[]).await.doing(DOING)?;
    let sites: Vec<Site> =
        rows.iter().map(|r| Site { id: SiteId(r.get(0)), name: r.get(1), created_at: r.get(2) }).collect();
    let key = site_key(name);
    if let Some(site) = sites.iter().find(|s| site_key(&s.name) == key) {
        return Ok((site.clone(), Placed::Found));
    }
    let first = sites.iter().find(|s| s.id == FIRST_SITE && site_key(&s.name) == site_key(FIRST_SITE_PLACEHOLDER));
    if let Some(first) = first {
        let kiosks = tx.query_opt("SELECT 1 FROM devices WHERE site_id = $1 LIMIT 1", &[&FIRST_SITE.0]).await;
        if kiosks.doing(DOING)?.is_none() {
            tx.execute("UPDATE sites SET name = $1, name_key = $2 WHERE id = $3", &[&name, &key, &FIRST_SITE.0])
                .await
                .doing(DOING)?;
            return Ok((Site { name: name.to_owned(), ..first.clone() }, Placed::Renamed));
        }
    }
    let created_at = format_utc(&Utc::now());
    let row = tx
        .query_one(
            "INSERT INTO sites (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id",
            &[&name, &key, &created_at],
        )
        .await
        .doing(DOING)?;
    Ok((Site { id: SiteId(row.get(0)), name: name.to_owned(), created_at }, Placed::Added))
}

/// Refuses a source kiosk the trust holds with another key (not the same
/// kiosk) or as another school's (its records would change school).
async fn check_kiosks(tx: &Transaction<'_>, sqlite: &Connection, target: &Site) -> Result<()> {
    let mut select = sqlite.prepare("SELECT device_id, hex(public_key) FROM devices").doing(DOING)?;
    let kiosks: Vec<(String, String)> = select
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .doing(DOING)?
        .collect::<rusqlite::Result<_>>()
        .doing(DOING)?;
    let lookup = tx
        .prepare(
            "SELECT upper(encode(d.public_key, 'hex')), d.site_id, s.name FROM devices d JOIN sites s ON s.id = d.site_id
             WHERE d.device_id = $1",
        )
        .await
        .doing(DOING)?;
    for (device, key) in kiosks {
        let Some(there) = tx.query_opt(&lookup, &[&device]).await.doing(DOING)? else { continue };
        if there.get::<_, String>(0) != key {
            return Err(OfficeError::InputInvalid(format!(
                "kiosk {device} is in the trust with another key than in the school's office: they are not the same kiosk. Nothing was copied; find which is genuine (`signbook-office kiosks`) before copying this school"
            )));
        }
        if there.get::<_, i64>(1) != target.id.0 {
            let school: String = there.get(2);
            return Err(OfficeError::InputInvalid(format!(
                "kiosk {device} is already in the trust as a kiosk of {school}, not of {}. Nothing was copied; if {school} is this school, run again with --site \"{school}\"",
                target.name
            )));
        }
    }
    Ok(())
}

/// The SELECT of `columns` from the source's `table`; with `ordered`, in
/// the order the office added the rows.
fn select(table: &str, columns: &[Column], ordered: bool) -> String {
    let order = if ordered { " ORDER BY rowid" } else { "" };
    format!("SELECT {} FROM {table}{order}", names(columns))
}

/// A source row as text, `site_id` replaced by `site`.
fn row_texts(row: &rusqlite::Row<'_>, columns: &[Column], site: Option<SiteId>) -> Row {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| match site {
            Some(site) if c.name == "site_id" => Some(site.0.to_string()),
            _ => text_of(row.get_ref(i).ok()),
        })
        .collect()
}

/// The source's rows of `table` (small tables: settings, accounts, numbered
/// rows), as [`row_texts`].
fn source_rows(
    sqlite: &Connection,
    table: &str,
    columns: &[Column],
    site: Option<SiteId>,
    ordered: bool,
) -> Result<Vec<Row>> {
    let mut select = sqlite.prepare(&select(table, columns, ordered)).doing(DOING)?;
    let mut rows = select.query([]).doing(DOING)?;
    let mut read = Vec::new();
    while let Some(row) = rows.next().doing(DOING)? {
        read.push(row_texts(row, columns, site));
    }
    Ok(read)
}

/// How many rows of `table` the trust holds with each content (the
/// `picked` columns as text), among those `filter` selects.
async fn held(tx: &Transaction<'_>, table: &str, picked: &[&Column], filter: &str) -> Result<HashMap<Row, u64>> {
    let read = picked.iter().map(|c| as_text(c)).collect::<Vec<_>>().join(", ");
    let mut held = HashMap::new();
    for row in tx.query(&format!("SELECT {read} FROM {table} {filter}"), &[]).await.doing(DOING)? {
        let texts: Row = (0..picked.len()).map(|i| row.get(i)).collect();
        *held.entry(texts).or_insert(0) += 1;
    }
    Ok(held)
}

/// Copies `table`'s rows, keyed by what they are, that the trust lacks.
async fn copy_keyed(tx: &Transaction<'_>, sqlite: &Connection, table: &str, site: SiteId) -> Result<Copied> {
    copy_keyed_into(tx, sqlite, table, table, site).await
}

/// Copies the source's `theirs` rows into the trust's `ours` (the same
/// columns, `site_id` perhaps only in `ours`), each the school `site`'s,
/// skipping those the trust holds.
async fn copy_keyed_into(
    tx: &Transaction<'_>,
    sqlite: &Connection,
    theirs: &str,
    ours: &str,
    site: SiteId,
) -> Result<Copied> {
    let columns = columns(tx, ours).await?;
    let insert =
        format!("INSERT INTO {ours} ({}) VALUES ({}) ON CONFLICT DO NOTHING", names(&columns), values(&columns));
    let insert = tx.prepare(&insert).await.doing(DOING)?;
    // Row by row as read: records carry their signatures. `site_id` is
    // read as NULL, which `row_texts` replaces with the target school.
    let read: Vec<String> =
        columns.iter().map(|c| if c.name == "site_id" { "NULL".to_owned() } else { c.name.clone() }).collect();
    let mut select = sqlite.prepare(&format!("SELECT {} FROM {theirs}", read.join(", "))).doing(DOING)?;
    let mut rows = select.query([]).doing(DOING)?;
    let mut done = Copied::default();
    while let Some(row) = rows.next().doing(DOING)? {
        match tx.execute(&insert, &params(&row_texts(row, &columns, Some(site)))).await.doing(DOING)? {
            0 => done.present += 1,
            _ => done.copied += 1,
        }
    }
    Ok(done)
}

/// Copies `table`'s rows without their numbers. The k-th of the source's
/// rows with one content is copied only if the trust holds fewer than k:
/// two identical audit lines both arrive, and a second run adds none.
async fn copy_numbered(
    tx: &Transaction<'_>,
    sqlite: &Connection,
    table: &str,
    same: Option<&[&str]>,
    site: SiteId,
    adopted: &HashSet<String>,
) -> Result<Copied> {
    let columns: Vec<Column> = columns(tx, table).await?.into_iter().filter(|c| c.name != "id").collect();
    let picked: Vec<usize> =
        (0..columns.len()).filter(|&i| same.is_none_or(|s| s.contains(&&*columns[i].name))).collect();
    let compared: Vec<&Column> = picked.iter().map(|&i| &columns[i]).collect();
    // Every row copied with a school is the target school's: only those can match.
    let filter =
        if columns.iter().any(|c| c.name == "site_id") { format!("WHERE site_id = {}", site.0) } else { String::new() };
    let have = held(tx, table, &compared, &filter).await?;
    let role = columns.iter().position(|c| c.name == "role");
    let insert = format!("INSERT INTO {table} ({}) VALUES ({})", names(&columns), values(&columns));
    let insert = tx.prepare(&insert).await.doing(DOING)?;
    let (mut seen, mut done) = (HashMap::<Row, u64>::new(), Copied::default());
    for texts in source_rows(sqlite, table, &columns, Some(site), true)? {
        let content: Row = picked.iter().map(|&i| texts[i].clone()).collect();
        let there = have.get(&content).copied().unwrap_or(0);
        let nth = seen.entry(content).or_insert(0);
        *nth += 1;
        if *nth <= there {
            done.present += 1;
        } else if table == "agreement_adoptions"
            && role.and_then(|i| texts[i].as_ref()).is_some_and(|r| adopted.contains(r))
        {
            done.kept += 1;
        } else {
            tx.execute(&insert, &params(&texts)).await.doing(DOING)?;
            done.copied += 1;
        }
    }
    Ok(done)
}

/// Copies the school's accounts, each limited to `site`. An account whose
/// name the trust already has is neither copied nor changed (it may be
/// another person's); its name is returned. The office's own number of an
/// account is kept where free.
async fn copy_accounts(tx: &Transaction<'_>, sqlite: &Connection, site: SiteId) -> Result<(Copied, Vec<String>)> {
    // The number last, so the same parameters serve both inserts.
    let mut columns: Vec<Column> = columns(tx, "users").await?.into_iter().filter(|c| c.name != "id").collect();
    let (list, vals, n) = (names(&columns), values(&columns), columns.len());
    // An account's number is SQLite's rowid.
    columns.push(Column { name: "rowid".into(), kind: "bigint".into() });
    let numbered = tx.prepare(&format!("INSERT INTO users ({list}) VALUES ({vals})")).await.doing(DOING)?;
    let kept_number =
        format!("INSERT INTO users ({list}, id) OVERRIDING SYSTEM VALUE VALUES ({vals}, {})", cast(&columns[n], n + 1));
    let kept_number = tx.prepare(&kept_number).await.doing(DOING)?;
    // The same account from an earlier run: same name and creation, limited to this school.
    let existing = tx
        .prepare(
            "SELECT u.created_at, EXISTS (SELECT 1 FROM user_sites s WHERE s.username = u.username AND s.site_id = $2)
             FROM users u WHERE lower(u.username) = lower($1)",
        )
        .await
        .doing(DOING)?;
    let number_taken = tx.prepare("SELECT 1 FROM users WHERE id = $1").await.doing(DOING)?;
    let limit = tx.prepare("INSERT INTO user_sites (username, site_id) VALUES ($1, $2)").await.doing(DOING)?;
    let (name, created) = (position(&columns, "username")?, position(&columns, "created_at")?);
    let (mut done, mut taken) = (Copied::default(), Vec::new());
    for texts in source_rows(sqlite, "users", &columns, None, true)? {
        let username = texts[name].clone().unwrap_or_default();
        if let Some(there) = tx.query_opt(&existing, &[&username, &site.0]).await.doing(DOING)? {
            if there.get::<_, Option<String>>(0) == texts[created] && there.get::<_, bool>(1) {
                done.present += 1;
            } else {
                done.kept += 1;
                taken.push(username);
            }
            continue;
        }
        let number: Option<i64> = texts[n].as_deref().and_then(|t| t.parse().ok());
        let free = match number {
            Some(number) => tx.query_opt(&number_taken, &[&number]).await.doing(DOING)?.is_none(),
            None => false,
        };
        if free {
            tx.execute(&kept_number, &params(&texts)).await.doing(DOING)?;
        } else {
            tx.execute(&numbered, &params(&texts[..n])).await.doing(DOING)?;
        }
        tx.execute(&limit, &[&username, &site.0]).await.doing(DOING)?;
        done.copied += 1;
    }
    // Accounts added later are numbered after the kept numbers.
    tx.execute(
        "SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users
         HAVING max(id) > coalesce(pg_sequence_last_value(pg_get_serial_sequence('users', 'id')::regclass), 0)",
        &[],
    )
    .await
    .doing(DOING)?;
    Ok((done, taken))
}

/// The index of the column called `name`.
fn position(columns: &[Column], name: &str) -> Result<usize> {
    columns.iter().position(|c| c.name == name).ok_or_else(|| OfficeError::Postgres {
        doing: DOING,
        detail: format!("the users table has no {name} column; is the database Signbook's?"),
    })
}

/// A setting table. The trust's (one for every school): the school's rows
/// are copied only into a trust that has none of that table yet (its first
/// school); otherwise the trust's are kept whole, not mixed with the
/// school's. A school's own (with `site_id`): copied as keyed rows.
async fn copy_setting(tx: &Transaction<'_>, sqlite: &Connection, table: &str, site: SiteId) -> Result<Copied> {
    let columns = columns(tx, table).await?;
    if columns.iter().any(|c| c.name == "site_id") {
        // Each school's own (retention periods): the school's are its.
        return copy_keyed(tx, sqlite, table, site).await;
    }
    let have = held(tx, table, &columns.iter().collect::<Vec<_>>(), "").await?;
    let insert =
        format!("INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT DO NOTHING", names(&columns), values(&columns));
    let insert = tx.prepare(&insert).await.doing(DOING)?;
    let mut done = Copied::default();
    for texts in source_rows(sqlite, table, &columns, None, false)? {
        if have.contains_key(&texts) {
            done.present += 1;
        } else if !have.is_empty() {
            done.kept += 1;
        } else if tx.execute(&insert, &params(&texts)).await.doing(DOING)? == 0 {
            done.present += 1;
        } else {
            done.copied += 1;
        }
    }
    Ok(done)
}

/// The version each role signed at the school's kiosks, where the trust's
/// current one is another: kept as the school's own choice, so its kiosks
/// go on showing what they showed (a school's own choice in the trust is
/// kept on a second run).
async fn keep_school_versions(tx: &Transaction<'_>, sqlite: &Connection, site: SiteId) -> Result<Copied> {
    // The school's office's own current versions: its (one) school's choices, else its adoptions.
    let theirs = crate::store::sqlite::agreements::current_at(sqlite, Some(FIRST_SITE))?;
    let trusts = super::super::agreements::current_agreements(tx).await?;
    let now = format_utc(&Utc::now());
    let mut done = Copied::default();
    for (role, hash) in theirs {
        if trusts.get(&role) == Some(&hash) {
            continue;
        }
        let added = tx
            .execute(
                "INSERT INTO school_agreements (site_id, role, hash, adopted_at, adopted_by)
                 VALUES ($1, $2, $3, $4, 'migrate') ON CONFLICT DO NOTHING",
                &[&site.0, &role, &hash, &now],
            )
            .await
            .doing(DOING)?;
        if added == 1 { done.copied += 1 } else { done.present += 1 }
    }
    Ok(done)
}

/// A kiosk takes only a configuration numbered above the one it applied:
/// the school's next configuration, now the trust's settings with the
/// school's own, is issued numbered above both the trust's and the school's
/// office's numbers (its history stays in the school's office file);
/// returns that version, or `None` when the school's kiosks take nothing new.
async fn number_above_school(tx: &Transaction<'_>, sqlite: &Connection, school: &Site) -> Result<Option<u64>> {
    let theirs: Option<i64> =
        sqlite.query_row("SELECT max(version) FROM configurations", [], |r| r.get(0)).doing(DOING)?;
    let above = theirs.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
    let before: Option<i64> = tx
        .query_one("SELECT max(version) FROM configurations WHERE site_id = $1", &[&school.id.0])
        .await
        .doing(DOING)?
        .get(0);
    let actor = format!("migrate {}", school.name);
    let now = Utc::now();
    let issued = super::super::configuration::issue_configuration(tx, school.id, &actor, now, above).await?;
    Ok(issued.filter(|v| Some(*v) != before.and_then(|b| u64::try_from(b).ok())))
}
