//! Announcing the office on the local network (DNS-SD over multicast DNS,
//! `signbook_sync::discovery` says what the advert holds), so a kiosk being
//! paired finds it without anyone typing an address. Best effort: a network
//! or host without multicast gets a log line and kiosks type the address.

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

/// Advertises the office listening on `port` with the certificate
/// `fingerprint`, named `school`, on every interface; `None` (logged) when
/// multicast DNS cannot start here.
pub fn advertise(port: u16, fingerprint: Hash32, school: &str) -> Option<Advertiser> {
    let advert = advert(fingerprint, school);
    let started = ServiceDaemon::new().and_then(|daemon| {
        let properties: Vec<(&str, &str)> = advert.properties.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let info = ServiceInfo::new(SERVICE_TYPE, &advert.instance, &advert.host, "", port, properties.as_slice())?
            .enable_addr_auto();
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
