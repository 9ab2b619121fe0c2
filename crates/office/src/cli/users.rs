//! `signbook-office user ...`: staff accounts for the dashboard, from the command line.

use std::io::Write;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Subcommand;
use signbook_office::OfficeStorage;
use signbook_office::i18n::Lang;
use signbook_office::store::sites::find_site;
use signbook_office::store::{SiteId, StaffRole};

#[derive(Debug, Subcommand)]
pub enum UserAction {
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
        /// A school the account is limited to (give it once per school); without it the account is the
        /// trust's and sees every school.
        #[arg(long = "school", value_name = "NAME")]
        schools: Vec<String>,
    },
    /// Limit an account to these schools, or with none make it the trust's (every school).
    Schools {
        /// The user name.
        name: String,
        /// The schools' names (or numbers, from `school list`).
        schools: Vec<String>,
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

pub async fn run(store: &dyn OfficeStorage, action: UserAction, out: &mut impl Write) -> Result<()> {
    match action {
        UserAction::Add { name, role, language, schools } => {
            signbook_office::store::check_username(&name)?;
            let sites = site_ids(store, &schools).await?;
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
            store.set_account_sites(&name, &sites).await?;
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
        UserAction::Schools { name, schools } => {
            let sites = site_ids(store, &schools).await?;
            store.set_account_sites(&name, &sites).await?;
            let detail = format!("{name}: {}", describe_sites(store, &sites).await?);
            store.audit("cli", "account_schools_set", &detail, Utc::now()).await?;
            writeln!(out, "{detail}.")?;
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
                let schools = describe_sites(store, &account.sites).await?;
                writeln!(
                    out,
                    "{}  {}  {schools}  added {}{publishes}{disabled}",
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
    Ok(())
}

/// The schools typed, by number.
async fn site_ids(store: &dyn OfficeStorage, typed: &[String]) -> Result<Vec<SiteId>> {
    let sites = store.sites().await?;
    typed.iter().map(|t| Ok(find_site(&sites, t)?.id)).collect()
}

/// "every school (trust)" or "schools: A, B".
async fn describe_sites(store: &dyn OfficeStorage, ids: &[SiteId]) -> Result<String> {
    if ids.is_empty() {
        return Ok("every school (trust account)".to_owned());
    }
    let sites = store.sites().await?;
    let names: Vec<_> =
        ids.iter().filter_map(|id| sites.iter().find(|s| s.id == *id)).map(|s| s.name.as_str()).collect();
    Ok(format!("schools: {}", names.join(", ")))
}
