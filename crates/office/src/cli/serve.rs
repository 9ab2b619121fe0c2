//! `signbook-office serve`: the HTTPS server for kiosks and the staff dashboard.

use std::io::{StdoutLock, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use signbook_office::server;
use signbook_office::tls::rotation::{Announcer, staged_next};
use signbook_office::web::Dashboard;
use signbook_office::{SharedStore, mdns};

/// Serves until the server stops or Ctrl-C; `out` is released before serving so logs are not held up.
pub async fn run(
    place: &crate::Place,
    listen: SocketAddr,
    school: String,
    no_mdns: bool,
    mut out: StdoutLock<'static>,
) -> Result<()> {
    let data = place.data.as_path();
    let store: SharedStore = place.open().await?;
    // A trust's database names its schools by `migrate --site` and `school
    // add`; there `--school` is the trust's name, not its first school's.
    if place.database.is_none() {
        name_first_school(&*store, &school).await?;
    }
    let identity = place.identity()?;
    let tls = identity.server_config()?;
    // The dashboard's own connection: exports never hold up a kiosk's push.
    let dashboard = Dashboard::new(place.open().await?, school.clone(), identity.signer()?);
    // Answers to kiosks announce a staged next certificate; the trust's own
    // files (--tls-cert) are the trust's to replace, so nothing is staged.
    let announcer = match &place.trust {
        None => Announcer::new(data, identity.fingerprint()),
        Some(_) => Announcer::fixed(identity.fingerprint()),
    };
    let rotation = axum::Extension(Arc::new(announcer));
    // Kiosks' configurations are signed by the certificate they pinned.
    let signer = axum::Extension(identity.signer()?);
    {
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        writeln!(out, "signbook-office listening on https://{addr}")?;
        writeln!(out, "certificate fingerprint (SHA-256): {}", identity.fingerprint())?;
        match &place.trust {
            Some(files) => writeln!(out, "certificate: {} (the trust's, with --tls-cert)", files.cert.display())?,
            None => {
                if let Some(next) = staged_next(data)? {
                    writeln!(out, "next certificate (announced to kiosks): {}", next.fingerprint())?;
                }
            }
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
    Ok(())
}

/// Names a single school's office's first school after `--school` while it
/// still has the schema's placeholder name: a school's office shows its own name in the
/// school list from its first start. A name staff gave it is kept.
async fn name_first_school(store: &dyn signbook_office::OfficeStorage, school: &str) -> Result<()> {
    use signbook_office::store::sites::{FIRST_SITE_PLACEHOLDER, check_site_name};
    let sites = store.sites().await?;
    let placeholder =
        sites.iter().find(|s| s.id == signbook_office::store::FIRST_SITE && s.name == FIRST_SITE_PLACEHOLDER);
    if let (Some(first), Ok(name)) = (placeholder, check_site_name(school))
        && school != crate::DEFAULT_SCHOOL
    {
        store.rename_site(first.id, &name).await?;
    }
    Ok(())
}
