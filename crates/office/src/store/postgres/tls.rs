//! `?sslmode=require` in `--database`: the office reaches PostgreSQL over
//! TLS and checks the server's certificate, its chain and its host name,
//! against this machine's CA certificates (`SSL_CERT_FILE=FILE` names a
//! trust's own CA instead). That is libpq's `verify-full`: libpq's own
//! `require` checks nothing, so anyone on the path could pose as the
//! database and read every school's records.

use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{OfficeError, Result};

/// Added to a refused certificate's error.
pub(super) const UNTRUSTED_HINT: &str = ": the database server's certificate is not one this machine's CA certificates \
     vouch for (or is not for the host name in --database); set SSL_CERT_FILE to your trust's CA certificate";

const DOING: &str = "setting up TLS to the office database (sslmode=require)";

/// A TLS connector trusting the machine's CA certificates.
pub(super) fn verified_tls() -> Result<MakeRustlsConnect> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    // A certificate the store cannot parse is skipped, as browsers do; none
    // at all is an error below.
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        let why = found.errors.first().map(|e| format!(" ({e})")).unwrap_or_default();
        return Err(OfficeError::Postgres {
            doing: DOING,
            detail: format!(
                "no CA certificate was found to check the database server's certificate with{why}: install \
                 Debian's ca-certificates, or set SSL_CERT_FILE to your trust's CA certificate (PEM)"
            ),
        });
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| OfficeError::Postgres { doing: DOING, detail: e.to_string() })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Whether any of `config`'s hosts is another machine (a name or address
/// that is not this one's loopback; a Unix socket is local).
pub(super) fn leaves_this_machine(config: &tokio_postgres::Config) -> bool {
    config.get_hosts().iter().any(|host| match host {
        tokio_postgres::config::Host::Tcp(name) => {
            name != "localhost" && !name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        tokio_postgres::config::Host::Unix(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::leaves_this_machine;

    fn leaves(url: &str) -> bool {
        leaves_this_machine(&tokio_postgres::Config::from_str(url).unwrap())
    }

    #[test]
    fn only_a_database_on_another_machine_is_warned_about() {
        assert!(leaves("postgres://signbook@db.trust.internal/signbook"));
        assert!(leaves("postgres://signbook@10.0.4.7:5432/signbook"));
        assert!(!leaves("postgres://signbook@127.0.0.1:5432/signbook"));
        assert!(!leaves("postgres://signbook@[::1]:5432/signbook"));
        assert!(!leaves("postgres://signbook@localhost/signbook"));
        assert!(!leaves("host=/var/run/postgresql user=signbook dbname=signbook"));
    }
}
