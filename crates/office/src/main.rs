//! `signbook-office`: run the office sync server and administer it.
//!
//! Exit codes: 0 success (`verify`: every chain intact), 1 `verify` found
//! a broken chain, 2 anything else (the message says what to do).

mod cli;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use signbook_office::tls::OfficeIdentity;
use signbook_office::tls::files::TrustFiles;
use signbook_office::{SharedStore, ensure_data_dir};
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
    /// The trust's PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DATABASE) instead of SQLite in --data; the certificate and key stay in --data
    #[arg(long, global = true, value_name = "URL", env = "SIGNBOOK_OFFICE_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// The trust's certificate (PEM or DER) instead of cert.der in --data, so every office server of the trust presents the same one; with --tls-key
    #[arg(long, global = true, value_name = "FILE", env = "SIGNBOOK_OFFICE_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PKCS#8 ECDSA P-256, PEM or DER, not readable by every user); with --tls-cert
    #[arg(long, global = true, value_name = "FILE", env = "SIGNBOOK_OFFICE_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// `serve --school` when none is given.
pub(crate) const DEFAULT_SCHOOL: &str = "the school";

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve kiosks over HTTPS (creates the database and certificate on first start).
    Serve {
        /// Address to listen on; port 0 picks a free port (printed).
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: SocketAddr,
        /// The school's name, shown on the dashboard and in evidence exports.
        #[arg(long, env = "SIGNBOOK_SCHOOL", default_value = DEFAULT_SCHOOL)]
        school: String,
        /// Do not announce the office on the local network (multicast DNS); kiosks then type its address.
        #[arg(long, env = "SIGNBOOK_NO_MDNS")]
        no_mdns: bool,
    },
    /// Staff accounts for the dashboard and their roles (admins also manage them in the dashboard).
    User {
        #[command(subcommand)]
        action: cli::users::UserAction,
    },
    /// Print a one-time pairing code for one kiosk (valid 15 minutes).
    Pair {
        /// The school the kiosk will belong to (needed when the office holds several; see `school list`).
        #[arg(long, value_name = "NAME")]
        school: Option<String>,
    },
    /// The schools of a trust's office: add, list, rename.
    School {
        #[command(subcommand)]
        action: cli::schools::SchoolAction,
    },
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
    /// Copy a school's office (its SQLite data folder) into the trust's PostgreSQL database as one of its schools, then verify every chain there; safe to run again.
    Migrate {
        /// The school office's data folder (holding office.db).
        #[arg(long, value_name = "DIR")]
        from_data: PathBuf,
        /// The trust's database: postgres://USER:PASSWORD@HOST:PORT/DATABASE.
        #[arg(long, value_name = "URL")]
        to: String,
        /// The school in the trust the office's kiosks, records and staff become: found by name, else added.
        #[arg(long, visible_alias = "school", value_name = "NAME")]
        site: String,
    },
    /// Import a USB bundle from `signbook export-bundle` (the kiosk must be paired).
    ImportBundle {
        /// The bundle file.
        file: PathBuf,
    },
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

/// Where a command finds the office's database.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    data: PathBuf,
    database: Option<String>,
    /// `--tls-cert` and `--tls-key`.
    trust: Option<TrustFiles>,
}

impl Place {
    /// The office store: PostgreSQL when `--database` names one, else SQLite in the data directory.
    async fn open(&self) -> Result<SharedStore> {
        ensure_data_dir(&self.data)?;
        Ok(signbook_office::open_store(&self.data, self.database.as_deref()).await?)
    }

    /// The office's certificate and key: the trust's files, else the data directory's own.
    fn identity(&self) -> Result<OfficeIdentity> {
        if self.trust.is_none() {
            ensure_data_dir(&self.data)?;
        }
        Ok(OfficeIdentity::load(&self.data, self.trust.as_ref())?)
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let data = data_dir(cli.data)?;
    let trust = cli.tls_cert.zip(cli.tls_key).map(|(cert, key)| TrustFiles { cert, key });
    let place = Place { data: data.clone(), database: cli.database, trust };
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Serve { listen, school, no_mdns } => cli::serve::run(&place, listen, school, no_mdns, out).await?,
        Command::Pair { school } => {
            cli::kiosks::pair(&place.identity()?, &*place.open().await?, school.as_deref(), &mut out).await?
        }
        Command::School { action } => cli::schools::run(&*place.open().await?, action, &mut out).await?,
        Command::User { action } => cli::users::run(&*place.open().await?, action, &mut out).await?,
        Command::Tls { action } => {
            let store = place.open().await?;
            cli::tls::run(&place, &*store, action, &mut out).await?;
        }
        Command::Agreement { action: cli::agreements::AgreementAction::Import { file, out: md } } => {
            cli::agreements::import(&file, md.as_deref(), &mut out)?;
        }
        Command::Agreement { action } => {
            let store = place.open().await?;
            cli::agreements::run(&*store, action, &mut out).await?;
        }
        Command::Settings { action } => {
            let store = place.open().await?;
            cli::settings::run(&*store, action, &mut out).await?;
        }
        Command::Fingerprint => writeln!(out, "{}", place.identity()?.fingerprint())?,
        Command::Kiosks => cli::kiosks::list(&*place.open().await?, &mut out).await?,
        Command::RenameKiosk { device_id, name } => {
            let name = signbook_office::pairing::kiosk_name(&name)?;
            cli::kiosks::rename(&*place.open().await?, device_id, &name, &mut out).await?;
        }
        Command::Revoke { device_id } => cli::kiosks::revoke(&*place.open().await?, device_id, &mut out).await?,
        Command::Alerts => cli::integrity::alerts(&*place.open().await?, &mut out).await?,
        Command::Verify => {
            let intact = cli::integrity::verify(&*place.open().await?, &mut out).await?;
            return Ok(if intact { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        Command::Backup { out: file } => {
            if let Some(url) = &place.database {
                anyhow::bail!(
                    "the office's records are in PostgreSQL ({}), not in {}: back them up with pg_dump, and the certificate and key in the data directory with them (docs/deploy.md, \"A trust on PostgreSQL\")",
                    signbook_office::store::redact_url(url),
                    data.display()
                );
            }
            cli::files::backup(&data, &file, place.trust.is_some(), &mut out)?
        }
        Command::Migrate { from_data, to, site } => {
            let same = cli::migrate::run(&from_data, &to, &site, &mut out).await?;
            return Ok(if same { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        Command::ImportBundle { file } => cli::files::import_bundle(&*place.open().await?, &file, &mut out).await?,
    }
    Ok(ExitCode::SUCCESS)
}
