//! Staff accounts, sessions and failed logins on the PostgreSQL backend, as
//! an office admin would check them: the same answers as SQLite's, and
//! right when two office servers share one database (each a `PgStore` of
//! its own on a real server, `SIGNBOOK_TEST_POSTGRES`).

use std::future::Future;

use chrono::{DateTime, Utc};
use signbook_office::i18n::Lang;
use signbook_office::store::{LoginThrottle, StaffRole, StaffStore};
use signbook_office::testing::fresh_postgres_database;
use signbook_office::{PgStore, SqliteStore, db_path};

const PASSWORD: &str = "correct horse battery";

/// A runtime with worker threads, so two stores' calls really overlap.
fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap().block_on(future)
}

fn at(time: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(time).unwrap().to_utc()
}

/// Two office servers' stores on the database at `url`.
async fn two_servers(url: &str) -> (PgStore, PgStore) {
    (PgStore::connect(url).await.unwrap(), PgStore::connect(url).await.unwrap())
}

/// The accounts page through a scenario, as text to compare backends by.
async fn accounts_scenario(store: &dyn StaffStore) -> Vec<String> {
    let now = at("2026-12-01T09:00:00Z");
    let t = now.timestamp();
    let mut seen = Vec::new();
    for (name, role) in [
        ("Admin", StaffRole::Admin),
        ("records1", StaffRole::Records),
        ("Zed.P", StaffRole::Privacy),
        ("bob_b", StaffRole::Records),
    ] {
        store.add_user(name, PASSWORD, role, now).await.unwrap();
    }
    // "Admin" and "admin" are one account: the second is refused.
    let taken = store.add_user("admin", PASSWORD, StaffRole::Records, now).await.unwrap_err();
    assert_eq!(taken.code(), "account_invalid");
    seen.push(taken.to_string());
    seen.push(store.add_user("short", "2short", StaffRole::Records, now).await.unwrap_err().to_string());
    let names: Vec<String> = store.users().await.unwrap().into_iter().map(|a| a.username).collect();
    assert_eq!(names, ["Admin", "bob_b", "records1", "Zed.P"], "listed by name, ignoring case");

    // Changed through any case of the name.
    store.set_role("RECORDS1", StaffRole::Privacy).await.unwrap();
    store.set_may_publish("Records1", true).await.unwrap();
    store.set_language("ADMIN", Lang::Cy).await.unwrap();
    for unknown in [
        store.set_role("nobody", StaffRole::Admin).await.unwrap_err(),
        store.set_may_publish("nobody", true).await.unwrap_err(),
        store.set_disabled("nobody", None).await.unwrap_err(),
        store.set_password("nobody", PASSWORD).await.unwrap_err(),
        store.set_language("nobody", Lang::En).await.unwrap_err(),
    ] {
        assert_eq!(unknown.code(), "unknown_account");
        seen.push(unknown.to_string());
    }
    assert_eq!(store.check_password("ADMIN", PASSWORD).await.unwrap().as_deref(), Some("Admin"));
    assert_eq!(store.check_password("admin", "wrong password!").await.unwrap(), None);
    assert_eq!(store.check_password("ghost", PASSWORD).await.unwrap(), None);
    let admin = store.start_session("Admin", t).await.unwrap();
    let session = store.session(&admin, t).await.unwrap().unwrap();
    seen.push(format!("{:?}", (&session.username, session.role, session.may_publish, session.language)));

    // A disabled account cannot log in, and its sessions end.
    let token = store.start_session("records1", t).await.unwrap();
    let session = store.session(&token, t + 60).await.unwrap().unwrap();
    assert_eq!((session.role, session.may_publish), (StaffRole::Privacy, true));
    store.set_disabled("Records1", Some(now)).await.unwrap();
    assert_eq!(store.session(&token, t + 61).await.unwrap(), None);
    assert_eq!(store.check_password("records1", PASSWORD).await.unwrap(), None);
    store.set_disabled("records1", Some(at("2026-12-02T09:00:00Z"))).await.unwrap();
    seen.push(format!("{:?}", store.users().await.unwrap()));
    store.set_disabled("records1", None).await.unwrap();
    assert_eq!(store.check_password("records1", PASSWORD).await.unwrap().as_deref(), Some("records1"));
    assert_eq!(store.session(&token, t + 62).await.unwrap(), None, "enabling does not bring a session back");

    // A new password ends the account's sessions.
    let token = store.start_session("records1", t).await.unwrap();
    store.set_password("RECORDS1", "a new long password").await.unwrap();
    assert_eq!(store.session(&token, t).await.unwrap(), None);
    assert_eq!(store.check_password("records1", PASSWORD).await.unwrap(), None);
    assert!(store.check_password("records1", "a new long password").await.unwrap().is_some());

    assert!(store.remove_user("BOB_B").await.unwrap());
    assert!(!store.remove_user("bob_b").await.unwrap());
    // The last active admin stays one.
    for refused in [
        store.set_role("admin", StaffRole::Records).await.unwrap_err(),
        store.set_disabled("ADMIN", Some(now)).await.unwrap_err(),
        store.remove_user("admin").await.unwrap_err(),
    ] {
        assert_eq!(refused.code(), "last_admin");
        seen.push(refused.to_string());
    }
    assert!(store.session(&admin, t).await.unwrap().is_some(), "the refused disabling ended nothing");

    assert_eq!(store.export_language().await.unwrap(), Lang::En);
    store.set_export_language(Lang::Cy).await.unwrap();
    store.set_export_language(Lang::Cy).await.unwrap();
    assert_eq!(store.export_language().await.unwrap(), Lang::Cy);
    seen.push(format!("{:?}", store.users().await.unwrap()));
    seen
}

#[test]
fn accounts_are_added_listed_changed_and_disabled_as_on_sqlite() {
    let Some(url) = fresh_postgres_database() else { return };
    run(async {
        let (pg, _) = two_servers(&url).await;
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteStore::open(db_path(dir.path())).unwrap();
        let on_sqlite = accounts_scenario(&sqlite).await;
        let on_postgres = accounts_scenario(&pg).await;
        assert_eq!(on_postgres, on_sqlite);
    });
}

#[test]
fn a_session_started_on_one_server_is_valid_on_the_other_until_ended_on_either() {
    let Some(url) = fresh_postgres_database() else { return };
    run(async {
        let (a, b) = two_servers(&url).await;
        let now = at("2026-12-01T09:00:00Z");
        let t = now.timestamp();
        a.add_user("head", PASSWORD, StaffRole::Admin, now).await.unwrap();
        b.add_user("Clerk", PASSWORD, StaffRole::Records, now).await.unwrap();
        assert_eq!(a.check_password("clerk", PASSWORD).await.unwrap().as_deref(), Some("Clerk"));

        let token = a.start_session("Clerk", t).await.unwrap();
        let on_b = b.session(&token, t + 60).await.unwrap().expect("valid on the other server");
        assert_eq!((on_b.username.as_str(), on_b.role), ("Clerk", StaffRole::Records));
        assert_eq!(on_b.csrf_token, a.session(&token, t + 60).await.unwrap().unwrap().csrf_token);
        // A role changed on one server applies at the next request on the other.
        a.set_role("clerk", StaffRole::Privacy).await.unwrap();
        assert_eq!(b.session(&token, t + 120).await.unwrap().unwrap().role, StaffRole::Privacy);
        // Use on either keeps it alive on both; idle past the limit ends it.
        let idle = signbook_office::store::staff::SESSION_IDLE_SECS;
        assert!(a.session(&token, t + 120 + idle).await.unwrap().is_some());
        assert_eq!(b.session(&token, t + 121 + 2 * idle).await.unwrap(), None);

        // Logout on one ends it on the other.
        let token = a.start_session("Clerk", t).await.unwrap();
        assert!(b.session(&token, t).await.unwrap().is_some());
        b.end_session(&token).await.unwrap();
        assert_eq!(a.session(&token, t).await.unwrap(), None);
        // So do a new password and disabling, set on the other server.
        let token = a.start_session("Clerk", t).await.unwrap();
        b.set_password("CLERK", "another long one").await.unwrap();
        assert_eq!(a.session(&token, t).await.unwrap(), None);
        let token = b.start_session("Clerk", t).await.unwrap();
        a.set_disabled("clerk", Some(now)).await.unwrap();
        assert_eq!(b.session(&token, t).await.unwrap(), None);
        // Removing an account ends its sessions too.
        a.set_disabled("clerk", None).await.unwrap();
        let token = b.start_session("Clerk", t).await.unwrap();
        assert!(a.remove_user("clerk").await.unwrap());
        assert_eq!(b.session(&token, t).await.unwrap(), None);
        assert_eq!(b.start_session("nobody", t).await.unwrap_err().code(), "database", "as SQLite's foreign key");
    });
}

#[test]
fn failed_logins_on_two_servers_lock_the_account_once_and_report_it_once() {
    let Some(url) = fresh_postgres_database() else { return };
    run(async {
        let (a, b) = two_servers(&url).await;
        let throttle = LoginThrottle::default();
        let t = at("2026-12-01T09:00:00Z").timestamp();
        // SQLite, one failure after another, for what each backend must answer.
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteStore::open(db_path(dir.path())).unwrap();
        let mut sqlite_reports = Vec::new();
        for i in 0..12 {
            sqlite_reports
                .push(sqlite.note_login_failure(&throttle, "Clerk", &format!("10.0.0.{i}"), t).await.unwrap());
        }
        assert_eq!(sqlite_reports.iter().filter(|r| r.account).count(), 1);

        // Twelve failures at once, half on each server, the name in either
        // case; and for other accounts exactly as many as the limit at once,
        // where a failure that missed another server's would report none.
        for (n, account) in ["Clerk", "clerk1", "clerk2", "clerk3", "clerk4", "clerk5"].into_iter().enumerate() {
            let failures = if account == "Clerk" { 12 } else { throttle.per_account };
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..failures {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                let name = if i % 3 == 0 { account.to_uppercase() } else { account.to_lowercase() };
                let address = format!("10.{n}.0.{i}");
                tasks.spawn(async move { store.note_login_failure(&throttle, &name, &address, t).await });
            }
            let reports: Vec<_> = tasks.join_all().await.into_iter().map(Result::unwrap).collect();
            assert_eq!(reports.iter().filter(|r| r.account).count(), 1, "{account}: reported once: {reports:?}");
            assert!(reports.iter().all(|r| !r.address), "no address failed more than once");
        }
        const ADDRESS: &str = "10.0.0.3"; // one of Clerk's, on both backends
        for store in [&a, &b] {
            let wait = store.login_locked_for(&throttle, "Clerk", ADDRESS, t + 1).await.unwrap();
            assert_eq!(wait, sqlite.login_locked_for(&throttle, "Clerk", ADDRESS, t + 1).await.unwrap());
            assert_eq!(wait, Some(throttle.window_secs - 1));
            // An address that has not failed gets its one try at a locked account.
            assert_eq!(store.login_locked_for(&throttle, "clerk", "192.0.2.7", t + 1).await.unwrap(), None);
        }
        // Failing on after the lockout is not reported again in the window.
        let again = b.note_login_failure(&throttle, "clerk", ADDRESS, t + 2).await.unwrap();
        assert!(!again.account);
        // A successful login on one server clears the account's failures for both.
        a.add_user("clerk", PASSWORD, StaffRole::Records, at("2026-12-01T09:00:00Z")).await.unwrap();
        a.start_session("clerk", t + 3).await.unwrap();
        assert_eq!(b.login_locked_for(&throttle, "CLERK", ADDRESS, t + 3).await.unwrap(), None);
    });
}

#[test]
fn the_last_admin_stays_one_even_when_two_servers_demote_two_admins_at_once() {
    let Some(url) = fresh_postgres_database() else { return };
    run(async {
        let (a, b) = two_servers(&url).await;
        let now = at("2026-12-01T09:00:00Z");
        for name in ["Ann", "Bob", "cara"] {
            a.add_user(name, PASSWORD, StaffRole::Admin, now).await.unwrap();
        }
        a.set_role("cara", StaffRole::Records).await.unwrap();
        let active_admins = |store: PgStore| async move {
            store
                .users()
                .await
                .unwrap()
                .iter()
                .filter(|u| u.is_active_admin())
                .map(|u| u.username.clone())
                .collect::<Vec<_>>()
        };
        for round in 0..16 {
            let (first, second) = match round % 4 {
                0 => tokio::join!(a.set_role("ann", StaffRole::Records), b.set_role("BOB", StaffRole::Privacy)),
                1 => tokio::join!(a.set_disabled("Ann", Some(now)), b.set_disabled("bob", Some(now))),
                2 => tokio::join!(a.set_role("ann", StaffRole::Records), b.set_disabled("bob", Some(now))),
                _ => tokio::join!(async { a.remove_user("ann").await.map(drop) }, async {
                    b.remove_user("bob").await.map(drop)
                }),
            };
            let refused: Vec<_> = [&first, &second].into_iter().filter_map(|r| r.as_ref().err()).collect();
            assert_eq!(refused.len(), 1, "round {round}: exactly one refused: {first:?} {second:?}");
            assert_eq!(refused[0].code(), "last_admin");
            let left = active_admins(a.clone()).await;
            assert_eq!(left.len(), 1, "round {round}: {left:?}");
            // Both admins again for the next round.
            for name in ["Ann", "Bob"] {
                if a.set_disabled(name, None).await.is_err() {
                    a.add_user(name, PASSWORD, StaffRole::Admin, now).await.unwrap();
                }
                a.set_role(name, StaffRole::Admin).await.unwrap();
            }
            assert_eq!(active_admins(b.clone()).await, ["Ann", "Bob"]);
        }
    });
}

#[test]
fn a_name_outside_ascii_is_one_account_in_any_case_and_its_last_admin_stays() {
    let Some(url) = fresh_postgres_database() else { return };
    run(async {
        let (a, _) = two_servers(&url).await;
        let now = at("2026-12-01T09:00:00Z");
        a.add_user("Émile", PASSWORD, StaffRole::Admin, now).await.unwrap();
        // lower() folds É as well (SQLite's NOCASE folds only ASCII letters).
        assert_eq!(a.add_user("émile", PASSWORD, StaffRole::Records, now).await.unwrap_err().code(), "account_invalid");
        assert_eq!(a.check_password("ÉMILE", PASSWORD).await.unwrap().as_deref(), Some("Émile"));
        for refused in [
            a.set_role("émile", StaffRole::Records).await.unwrap_err(),
            a.set_disabled("émile", Some(now)).await.unwrap_err(),
            a.remove_user("émile").await.unwrap_err(),
        ] {
            assert_eq!(refused.code(), "last_admin");
            assert!(refused.to_string().contains("émile"), "named as typed: {refused}");
        }
        assert!(a.users().await.unwrap()[0].is_active_admin());
    });
}
