//! `signbook-office user ...` with roles (issue 15, item 5): the first
//! account is an admin, later ones are `records` unless `--role` says
//! otherwise, and the last active admin is kept; `--language` and
//! `user language` choose the dashboard's language (issue 17).

/// Runs `signbook-office --data DIR ARGS`, with `input` on standard input.
fn cli(data: &std::path::Path, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_signbook-office"));
    let database = signbook_office::testing::test_database(data).unwrap();
    let mut child = signbook_office::testing::office_command(binary, data, database.as_deref())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_cli_makes_the_first_account_an_admin_and_later_ones_records_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let first = cli(data, &["user", "add", "j.evans", "--role", "records"], "correct horse battery\n");
    assert!(!first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("the first account must be an admin"));
    assert!(cli(data, &["user", "add", "j.evans"], "correct horse battery\n").status.success());
    assert!(cli(data, &["user", "add", "s.lee"], "correct horse battery\n").status.success());
    assert!(cli(data, &["user", "add", "k.ng", "--role", "privacy"], "correct horse battery\n").status.success());
    let wrong = cli(data, &["user", "role", "s.lee", "boss"], "");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("choose records, privacy or admin"));
    let demote = cli(data, &["user", "role", "j.evans", "records"], "");
    assert!(String::from_utf8_lossy(&demote.stderr).contains("j.evans is the last active admin"));
    assert!(cli(data, &["user", "role", "s.lee", "admin"], "").status.success());
    let list = String::from_utf8_lossy(&cli(data, &["user", "list"], "").stdout).into_owned();
    let roles: Vec<(&str, &str)> =
        list.lines().map(|l| l.split_whitespace().collect::<Vec<_>>()).map(|w| (w[0], w[1])).collect();
    assert_eq!(roles, vec![("j.evans", "admin"), ("k.ng", "privacy"), ("s.lee", "admin")], "{list}");
}

#[test]
fn the_cli_lets_an_account_publish_agreements_and_takes_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(cli(data, &["user", "add", "j.evans"], "correct horse battery\n").status.success());
    assert!(cli(data, &["user", "add", "p.a"], "correct horse battery\n").status.success());
    let list = || String::from_utf8_lossy(&cli(data, &["user", "list"], "").stdout).into_owned();
    assert!(!list().contains("may publish"), "nobody is given it by default: {}", list());
    assert!(cli(data, &["user", "publishing", "p.a", "yes"], "").status.success());
    assert!(list().lines().any(|l| l.starts_with("p.a ") && l.contains("may publish")), "{}", list());
    assert!(cli(data, &["user", "publishing", "p.a", "no"], "").status.success());
    assert!(!list().contains("may publish"));
    let unknown = cli(data, &["user", "publishing", "nobody", "yes"], "");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no staff account called nobody"));
}

#[tokio::test]
async fn the_cli_chooses_an_account_language_for_a_welsh_medium_office() {
    use signbook_office::i18n::Lang;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(cli(data, &["user", "add", "j.evans", "--language", "cy"], "correct horse battery\n").status.success());
    assert!(cli(data, &["user", "add", "s.lee"], "correct horse battery\n").status.success());
    let language = |name: &'static str| async move {
        let store = signbook_office::testing::open_test_store(data);
        let token = store.start_session(name, 1_000).await.unwrap();
        store.session(&token, 1_000).await.unwrap().unwrap().language
    };
    assert_eq!(language("j.evans").await, Lang::Cy);
    assert_eq!(language("s.lee").await, Lang::En, "English unless chosen");
    let switched = cli(data, &["user", "language", "s.lee", "cy"], "");
    assert!(String::from_utf8_lossy(&switched.stdout).contains("s.lee now reads the dashboard in Cymraeg"));
    assert_eq!(language("s.lee").await, Lang::Cy);
    assert!(!cli(data, &["user", "language", "s.lee", "fr"], "").status.success(), "only en or cy");
}
