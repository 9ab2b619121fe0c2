//! `signbook-office school ...`: the trust's schools, and the school a
//! command acts for (`pair --school`, `user add --school`).

use std::io::Write;

use anyhow::Result;
use chrono::Utc;
use clap::Subcommand;
use signbook_office::OfficeStorage;
use signbook_office::store::sites::find_site;
use signbook_office::store::{Scope, Site};

#[derive(Debug, Subcommand)]
pub enum SchoolAction {
    /// Add a school to the office (a trust's office holds several).
    Add {
        /// Its name, as staff know it ("Ysgol Bro Taf").
        name: String,
    },
    /// List the schools, with how many kiosks each has.
    List,
    /// Give a school a new name; its kiosks, records and staff stay with it.
    Rename {
        /// Its name now (or its number, from `school list`).
        school: String,
        /// Its new name.
        name: String,
    },
}

pub async fn run(store: &dyn OfficeStorage, action: SchoolAction, out: &mut impl Write) -> Result<()> {
    match action {
        SchoolAction::Add { name } => {
            let site = store.add_site(&name, Utc::now()).await?;
            store.audit("cli", "school_added", &format!("school {}: {}", site.id, site.name), Utc::now()).await?;
            writeln!(
                out,
                "Added school {} ({}). Pair its kiosks with `signbook-office pair --school \"{}\"`.",
                site.name, site.id, site.name
            )?;
        }
        SchoolAction::List => {
            let kiosks = store.kiosk_statuses(&Scope::Trust).await?;
            for site in store.sites().await? {
                let count = kiosks.iter().filter(|k| k.site == site.id).count();
                writeln!(out, "{}  {}  kiosks: {count}  added {}", site.id, site.name, site.created_at)?;
            }
        }
        SchoolAction::Rename { school, name } => {
            let site = find_site(&store.sites().await?, &school)?.clone();
            store.rename_site(site.id, &name).await?;
            let detail = format!("school {}: {} is now {}", site.id, site.name, name.trim());
            store.audit_for(Some(site.id), "cli", "school_renamed", &detail, Utc::now()).await?;
            writeln!(out, "School {} is now called {}.", site.id, name.trim())?;
        }
    }
    Ok(())
}

/// The school a command acts for: the one named, or the office's only
/// school; with several and none named, the refusal lists them.
pub async fn chosen(store: &dyn OfficeStorage, typed: Option<&str>) -> Result<Site> {
    let sites = store.sites().await?;
    match typed {
        Some(typed) => Ok(find_site(&sites, typed)?.clone()),
        None if sites.len() == 1 => Ok(sites[0].clone()),
        None => anyhow::bail!(
            "this office holds several schools ({}); say which with --school NAME",
            sites.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}
