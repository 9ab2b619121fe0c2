//! Announcing the office on the local network (DNS-SD over multicast DNS,
//! `signbook_sync::discovery` says what the advert holds), so a kiosk being
//! paired finds it without anyone typing an address. Best effort: a network
//! or host without multicast gets a log line and kiosks type the address.

use std::net::SocketAddr;

use mdns_sd::{ServiceDaemon, ServiceInfo};
use signbook_core::Hash32;
use signbook_sync::discovery::{SERVICE_TYPE, advert};

/// The running advert; withdrawn when dropped.
pub struct Advertiser {
    daemon: ServiceDaemon,
    fullname: String,
}

impl std::fmt::Debug for Advertiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Advertiser").field("fullname", &self.fullname).finish_non_exhaustive()
    }
}

/// Advertises the office listening on `listen` with the certificate
/// `fingerprint`, named `school`: with every address of this host when it
/// listens on all of them, else with the one it listens on. `None` (logged)
/// when it listens on loopback only (no kiosk could reach it) or multicast
/// DNS cannot start here.
pub fn advertise(listen: SocketAddr, fingerprint: Hash32, school: &str) -> Option<Advertiser> {
    if listen.ip().is_loopback() {
        tracing::info!(%listen, "listening on loopback only: not announced on the network");
        return None;
    }
    let advert = advert(fingerprint, school);
    let started = ServiceDaemon::new().and_then(|daemon| {
        let properties: Vec<(&str, &str)> = advert.properties.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let new_info = |ip: &str| {
            ServiceInfo::new(SERVICE_TYPE, &advert.instance, &advert.host, ip, listen.port(), properties.as_slice())
        };
        let info = if listen.ip().is_unspecified() {
            new_info("")?.enable_addr_auto()
        } else {
            new_info(&listen.ip().to_string())?
        };
        let fullname = info.get_fullname().to_owned();
        daemon.register(info)?;
        Ok(Advertiser { daemon, fullname })
    });
    match started {
        Ok(advertiser) => {
            tracing::info!(name = %advertiser.fullname, "announced on the local network");
            Some(advertiser)
        }
        Err(error) => {
            tracing::warn!(%error, "cannot announce the office on the local network (multicast DNS); kiosks must type its address");
            None
        }
    }
}

impl Advertiser {
    /// The advert's DNS-SD full name.
    pub fn fullname(&self) -> &str {
        &self.fullname
    }
}

impl Drop for Advertiser {
    fn drop(&mut self) {
        // A goodbye packet, so kiosks stop listing an office that stopped.
        if let Ok(done) = self.daemon.unregister(&self.fullname) {
            let _ = done.recv_timeout(std::time::Duration::from_secs(1));
        }
        let _ = self.daemon.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_office_listening_on_loopback_only_is_not_announced() {
        let listen: SocketAddr = "127.0.0.1:8443".parse().unwrap();
        assert!(advertise(listen, Hash32::of(b"certificate"), "Ysgol").is_none(), "no kiosk could reach it");
    }
}
