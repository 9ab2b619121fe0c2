//! `signbook-office`: run the office sync server and administer it.
//!
//! Exit codes: 0 success (`verify`: every chain intact), 1 `verify` found
//! a broken chain, 2 anything else (the message says what to do).

mod cli;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::{Parser, Subcommand};
use signbook_office::i18n::Lang;
use signbook_office::pairing::{PAIRING_CODE_TTL_MINUTES, make_pairing_code};
use signbook_office::server;
use signbook_office::store::{ConfigurationStore, IntegrityStore, PrivacyStore, StaffRole, StaffStore, SyncStore};
use signbook_office::tls::OfficeIdentity;
use signbook_office::tls::rotation::{Announcer, staged_next};
use signbook_office::web::Dashboard;
use signbook_office::{SharedStore, SqliteStore, bundle, db_path, ensure_data_dir, mdns};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "signbook-office",
    version,
    about = "The Signbook office server: pairs kiosks and receives their signatures over HTTPS."
)]
struct Cli {
    /// Data directory (database, TLS certificate and key) [default: $SIGNBOOK_OFFICE_DATA, else the platform data directory]
    #[arg(long, global = true, value_name = "DIR", env = "SIGNBOOK_OFFICE_DATA")]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve kiosks over HTTPS (creates the database and certificate on first start).
    Serve {
        /// Address to listen on; port 0 picks a free port (printed).
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: SocketAddr,
        /// The school's name, shown on the dashboard and in evidence exports.
        #[arg(long, env = "SIGNBOOK_SCHOOL", default_value = "the school")]
        school: String,
        /// Do not announce the office on the local network (multicast DNS); kiosks then type its address.
        #[arg(long, env = "SIGNBOOK_NO_MDNS")]
        no_mdns: bool,
    },
    /// Staff accounts for the dashboard and their roles (admins also manage them in the dashboard).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Print a one-time pairing code for one kiosk (valid 15 minutes).
    Pair,
    /// Print the certificate fingerprint kiosks pin.
    Fingerprint,
    /// Replace the office certificate without pairing kiosks again (docs/deploy.md).
    Tls {
        #[command(subcommand)]
        action: cli::tls::TlsAction,
    },
    /// Agreement versions: which one each role must sign.
    Agreement {
        #[command(subcommand)]
        action: cli::agreements::AgreementAction,
    },
    /// The settings, agreements and re-sign rules every kiosk takes on its next sync.
    Settings {
        #[command(subcommand)]
        action: cli::settings::SettingsAction,
    },
    /// List paired kiosks.
    Kiosks,
    /// Name a kiosk after where it stands ("Main reception"); records, evidence pages and alerts show it.
    #[command(name = "rename-kiosk")]
    RenameKiosk {
        /// Its device id (see `signbook-office kiosks`).
        device_id: Uuid,
        /// Its location name, up to 60 characters.
        name: String,
    },
    /// Refuse a kiosk's pushes from now on (a lost or stolen kiosk).
    Revoke {
        /// Its device id (see `signbook-office kiosks`).
        device_id: Uuid,
    },
    /// List alerts: forks, tampering, forged requests, implausible clocks.
    Alerts,
    /// Walk every stored chain with the kiosk's verification rules.
    Verify,
    /// Copy the database, certificate and key while the server runs (SQLite's online backup).
    Backup {
        /// File to write; the certificate and key go beside it as FILE.cert.der and FILE.key.der.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import a USB bundle from `signbook export-bundle` (the kiosk must be paired).
    ImportBundle {
        /// The bundle file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Add an account; the password is asked for (or read from standard input when it is not a terminal).
    Add {
        /// The user name they log in with (for example j.evans).
        name: String,
        /// records (search, view, export), privacy (also erasure, subject access, retention, purge) or admin
        /// (everything, also accounts, kiosks, pairing) [default: admin for the first account, else records]
        #[arg(long, value_parser = parse_role)]
        role: Option<StaffRole>,
        /// The dashboard's language for them: en (English) or cy (Cymraeg); they can change it themselves.
        #[arg(long, value_parser = ["en", "cy"], default_value = "en")]
        language: String,
    },
    /// Choose the dashboard's language for an account: en (English) or cy (Cymraeg).
    Language {
        /// The user name.
        name: String,
        /// en or cy.
        #[arg(value_parser = ["en", "cy"])]
        language: String,
    },
    /// List accounts, their roles, and which are disabled.
    List,
    /// Give an account another role (records, privacy or admin).
    Role {
        /// The user name.
        name: String,
        /// The new role.
        #[arg(value_parser = parse_role)]
        role: StaffRole,
    },
    /// Let an account publish agreements (`yes`) or stop it (`no`); admins always may.
    Publishing {
        /// The user name.
        name: String,
        /// yes or no.
        #[arg(value_parser = ["yes", "no"])]
        allow: String,
    },
    /// Set a new password (asked for, as for `add`) and log the account out everywhere.
    Password {
        /// The user name.
        name: String,
    },
    /// Remove an account (and log it out everywhere).
    Remove {
        /// The user name.
        name: String,
    },
}

fn parse_role(text: &str) -> Result<StaffRole, String> {
    text.parse().map_err(|e: signbook_office::OfficeError| e.to_string())
}

/// A new password: asked twice at a terminal, else one line of standard input.
fn read_new_password() -> Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password (10 characters or more): ")?;
        let again = rpassword::prompt_password("Same password again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ; nothing was changed");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    signbook_core::logging::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn data_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir),
        None => directories::ProjectDirs::from("", "", "signbook-office")
            .map(|d| d.data_dir().to_owned())
            .context("could not find a data directory; pass --data DIR or set SIGNBOOK_OFFICE_DATA"),
    }
}

fn open(data: &Path) -> Result<SqliteStore> {
    ensure_data_dir(data)?;
    Ok(SqliteStore::open(db_path(data))?)
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let data = data_dir(cli.data)?;
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Serve { listen, school, no_mdns } => {
            let store: SharedStore = Arc::new(open(&data)?);
            let identity = OfficeIdentity::load_or_create(&data)?;
            let tls = identity.server_config()?;
            // The dashboard's own connection: exports never hold up a kiosk's push.
            let dashboard = Dashboard::new(Arc::new(open(&data)?), school.clone(), identity.signer()?);
            // Answers to kiosks announce a staged next certificate.
            let rotation = axum::Extension(Arc::new(Announcer::new(&data, identity.fingerprint())));
            // Kiosks' configurations are signed by the certificate they pinned.
            let signer = axum::Extension(identity.signer()?);
            {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                let addr = listener.local_addr()?;
                writeln!(out, "signbook-office listening on https://{addr}")?;
                writeln!(out, "certificate fingerprint (SHA-256): {}", identity.fingerprint())?;
                if let Some(next) = staged_next(&data)? {
                    writeln!(out, "next certificate (announced to kiosks): {}", next.fingerprint())?;
                }
                writeln!(
                    out,
                    "staff dashboard: https://{addr}/ (log in with an account from `signbook-office user add NAME`)"
                )?;
                writeln!(out, "data directory: {}", data.display())?;
                // Kept until the server stops: dropping it withdraws the advert.
                let _advert = (!no_mdns).then(|| mdns::advertise(addr, identity.fingerprint(), &school)).flatten();
                if let Some(advert) = &_advert {
                    writeln!(out, "announced on the local network as {} (turn off with --no-mdns)", advert.fullname())?;
                }
                out.flush()?;
                drop(out);
                tokio::select! {
                    () = server::serve(listener, tls, server::app(store, dashboard).layer(rotation).layer(signer)) => {}
                    _ = tokio::signal::ctrl_c() => eprintln!("stopping"),
                }
            }
        }
        Command::Pair => {
            let store = open(&data)?;
            let identity = OfficeIdentity::load_or_create(&data)?;
            let code = make_pairing_code(&store, Utc::now()).await?;
            writeln!(out, "pairing code: {code}")?;
            writeln!(out, "certificate fingerprint (SHA-256): {}", identity.fingerprint())?;
            writeln!(
                out,
                "valid for {PAIRING_CODE_TTL_MINUTES} minutes, for one kiosk. On the kiosk's admin screen (Find offices, then the code), or:"
            )?;
            writeln!(out, "  signbook pair --office https://THIS-COMPUTER:PORT --code {code}")?;
            writeln!(out, "(a kiosk of an older version also asks for the fingerprint above)")?;
        }
        Command::User { action } => {
            let store = open(&data)?;
            match action {
                UserAction::Add { name, role, language } => {
                    signbook_office::store::check_username(&name)?;
                    // The first account must be able to make the others in the dashboard.
                    let first = store.users().await?.is_empty();
                    let role = match role {
                        None if first => StaffRole::Admin,
                        None => StaffRole::Records,
                        Some(role) => role,
                    };
                    anyhow::ensure!(
                        !first || role == StaffRole::Admin,
                        "the first account must be an admin, so that it can manage the others in the dashboard; leave out --role"
                    );
                    let password = read_new_password()?;
                    store.add_user(&name, &password, role, Utc::now()).await?;
                    let language = Lang::from_code(&language).unwrap_or_default();
                    if language != Lang::En {
                        store.set_language(&name, language).await?;
                    }
                    store.audit("cli", "account_added", &format!("{name}, role {role}"), Utc::now()).await?;
                    writeln!(
                        out,
                        "Added {name} with the {role} role ({}). They can log in to the dashboard now.",
                        role.describe()
                    )?;
                }
                UserAction::Language { name, language } => {
                    let language = Lang::from_code(&language).unwrap_or_default();
                    store.set_language(&name, language).await?;
                    writeln!(out, "{name} now reads the dashboard in {}.", language.name())?;
                }
                UserAction::List => {
                    let users = store.users().await?;
                    if users.is_empty() {
                        writeln!(out, "No staff accounts yet. Add one with `signbook-office user add NAME`.")?;
                    }
                    for account in users {
                        let disabled = account.disabled_at.map(|at| format!("  DISABLED {at}")).unwrap_or_default();
                        let publishes = if account.may_publish { "  may publish" } else { "" };
                        writeln!(
                            out,
                            "{}  {}  added {}{publishes}{disabled}",
                            account.username, account.role, account.created_at
                        )?;
                    }
                }
                UserAction::Role { name, role } => {
                    store.set_role(&name, role).await?;
                    store.audit("cli", "account_role_set", &format!("{name}: role {role}"), Utc::now()).await?;
                    writeln!(out, "{name} now has the {role} role ({}).", role.describe())?;
                }
                UserAction::Publishing { name, allow } => {
                    let allow = allow == "yes";
                    store.set_may_publish(&name, allow).await?;
                    let detail = format!("{name}: {} publish agreements", if allow { "may" } else { "may no longer" });
                    store.audit("cli", "account_publishing_set", &detail, Utc::now()).await?;
                    writeln!(out, "{detail} (admins always may).")?;
                }
                UserAction::Password { name } => {
                    anyhow::ensure!(
                        store.users().await?.iter().any(|a| a.username.eq_ignore_ascii_case(&name)),
                        "there is no account called {name} (see `signbook-office user list`)"
                    );
                    let password = read_new_password()?;
                    store.set_password(&name, &password).await?;
                    let detail = format!("{name}: a new password; their sessions ended");
                    store.audit("cli", "account_password_reset", &detail, Utc::now()).await?;
                    writeln!(out, "{name} has a new password and was logged out everywhere.")?;
                }
                UserAction::Remove { name } => {
                    anyhow::ensure!(
                        store.remove_user(&name).await?,
                        "there is no account called {name} (see `signbook-office user list`)"
                    );
                    store.audit("cli", "account_removed", &name, Utc::now()).await?;
                    writeln!(out, "Removed {name}; they are logged out everywhere.")?;
                }
            }
        }
        Command::Tls { action } => {
            let store = open(&data)?;
            cli::tls::run(&data, &store, action, &mut out).await?;
        }
        Command::Agreement { action: cli::agreements::AgreementAction::Import { file, out: md } } => {
            cli::agreements::import(&file, md.as_deref(), &mut out)?;
        }
        Command::Agreement { action } => {
            let store = open(&data)?;
            cli::agreements::run(&store, action, &mut out).await?;
        }
        Command::Settings { action } => {
            let store = open(&data)?;
            cli::settings::run(&store, action, &mut out).await?;
        }
        Command::Fingerprint => {
            ensure_data_dir(&data)?;
            writeln!(out, "{}", OfficeIdentity::load_or_create(&data)?.fingerprint())?;
        }
        Command::Kiosks => {
            let store = open(&data)?;
            let kiosks = store.devices().await?;
            let (office, running) =
                (store.current_configuration(Utc::now()).await?, store.kiosk_configurations().await?);
            if kiosks.is_empty() {
                writeln!(out, "No kiosk is paired yet. Run `signbook-office pair` and enter the code on the kiosk.")?;
            }
            for k in kiosks {
                let state = k.revoked_at.as_deref().map_or_else(|| "active".to_owned(), |at| format!("REVOKED {at}"));
                writeln!(
                    out,
                    "{}  {}  records: {}  last: {}  {state}",
                    k.device_id,
                    k.name.as_deref().unwrap_or("-"),
                    k.records,
                    k.last_received_at.as_deref().unwrap_or("never")
                )?;
                writeln!(out, "  {}", cli::settings::kiosk_line(running.get(&k.device_id), office.as_ref()))?;
            }
        }
        Command::RenameKiosk { device_id, name } => {
            let name = signbook_office::pairing::kiosk_name(&name)?;
            let store = open(&data)?;
            let old = store.rename_kiosk(device_id, &name).await?;
            let detail = format!("kiosk {device_id}: \"{}\" to \"{name}\"", old.as_deref().unwrap_or(""));
            store.audit("cli", "kiosk_renamed", &detail, Utc::now()).await?;
            writeln!(out, "Kiosk {device_id} is now called \"{name}\".")?;
        }
        Command::Revoke { device_id } => {
            let store = open(&data)?;
            if store.revoke(device_id, Utc::now()).await? {
                writeln!(
                    out,
                    "Revoked {device_id}: its pushes are refused from now on. Records already received are kept."
                )?;
            } else {
                writeln!(out, "{device_id} was already revoked.")?;
            }
        }
        Command::Alerts => {
            let store = open(&data)?;
            let alerts = store.alerts().await?;
            if alerts.is_empty() {
                writeln!(out, "No alerts.")?;
            }
            for a in alerts {
                let device = a.device_id.map_or_else(|| "-".to_owned(), |d| d.to_string());
                let seq = a.seq.map_or_else(|| "-".to_owned(), |s| s.to_string());
                writeln!(out, "{}  {}  kiosk {device}  record {seq}: {}", a.raised_at, a.kind, a.detail)?;
            }
        }
        Command::Verify => {
            let store = open(&data)?;
            let mut intact = true;
            for report in store.verify().await? {
                match &report.problem {
                    None => writeln!(
                        out,
                        "{}: intact, {} records ({} erased)",
                        report.device_id, report.records, report.erased
                    )?,
                    Some(problem) => {
                        intact = false;
                        writeln!(out, "{}: BROKEN at {problem}", report.device_id)?;
                    }
                }
            }
            return Ok(if intact { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        Command::Backup { out: file } => {
            let report = signbook_office::backup::backup(&data, &file)?;
            let files: Vec<_> = report.files.iter().map(|f| f.display().to_string()).collect();
            writeln!(
                out,
                "Backed up the office: {} records ({} bytes) to {}. Keep these files together and private.",
                report.records,
                report.bytes,
                files.join(", ")
            )?;
        }
        Command::ImportBundle { file } => {
            let store = open(&data)?;
            let report = bundle::import_bundle(&store, &file, Utc::now()).await?;
            writeln!(
                out,
                "Imported {}: {} new records, {} already held, {} erasures applied; the office now holds records 1 to {} of kiosk {}.",
                file.display(),
                report.stored,
                report.duplicates,
                report.erasures_applied,
                report.acknowledged_seq,
                report.device_id
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
