//! Finding the office on the local network: the office advertises a
//! DNS-SD service over multicast DNS, the kiosk browses for it a few
//! seconds and lists what answered. What an advert says is shared here;
//! with the `client` feature, [`discover_offices`] browses (with
//! `mdns-sd`). An advert is a convenience, never trusted: anyone on the
//! network can send one, so the kiosk still authenticates the office by the
//! pairing code ([`crate::pake`]). A network that blocks multicast just
//! finds nothing, and the address is typed instead.

use std::net::IpAddr;

use serde::Serialize;
use signbook_core::hash::Hash32;

/// The DNS-SD service type the office advertises.
pub const SERVICE_TYPE: &str = "_signbook._tcp.local.";
/// TXT key: the start of the office certificate's fingerprint.
pub const TXT_FINGERPRINT: &str = "fp";
/// TXT key: the school's name, as the office's dashboard shows it.
pub const TXT_NAME: &str = "name";
/// TXT key: the sync protocol the office speaks.
pub const TXT_PROTOCOL: &str = "proto";
/// Hex digits of the fingerprint in an advert: enough to tell two offices
/// apart on one list, short enough to read.
pub const SHORT_FINGERPRINT_CHARS: usize = 16;
/// DNS labels hold 63 bytes; the instance name is the school's name cut to fit.
const MAX_INSTANCE_BYTES: usize = 40;

/// What the office puts in its advert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    /// The DNS-SD instance name: the school's name (cut to fit) and the
    /// fingerprint's first digits, so two offices never clash.
    pub instance: String,
    /// The `.local.` host name the advert uses.
    pub host: String,
    /// TXT properties.
    pub properties: Vec<(&'static str, String)>,
}

/// The advert for an office serving the certificate `fingerprint`, named `school`.
pub fn advert(fingerprint: Hash32, school: &str) -> Advert {
    let short = fingerprint.to_hex()[..SHORT_FINGERPRINT_CHARS].to_owned();
    let mut name: String = school.chars().filter(|c| !c.is_control() && *c != '.').collect();
    while name.len() > MAX_INSTANCE_BYTES {
        name.pop();
    }
    let name = name.trim();
    let instance =
        if name.is_empty() { format!("Signbook {}", &short[..8]) } else { format!("{name} {}", &short[..8]) };
    Advert {
        instance,
        host: format!("signbook-office-{}.local.", &short[..8]),
        properties: vec![
            (TXT_FINGERPRINT, short),
            (TXT_NAME, school.chars().take(100).collect()),
            (TXT_PROTOCOL, crate::wire::PROTOCOL.to_string()),
        ],
    }
}

/// An office found on the network, as the kiosk lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundOffice {
    /// The school's name from the advert.
    pub name: String,
    /// `https://ADDRESS:PORT`, ready for pairing.
    pub url: String,
    /// The certificate fingerprint's first [`SHORT_FINGERPRINT_CHARS`] hex digits.
    pub fingerprint_start: String,
}

/// The office an advert describes, reached at the first of `addresses`
/// (IPv4 first: every school network has it), or `None` if the advert
/// lacks what pairing needs.
pub fn found_office(addresses: &[IpAddr], port: u16, property: impl Fn(&str) -> Option<String>) -> Option<FoundOffice> {
    let fingerprint_start = property(TXT_FINGERPRINT)
        .filter(|f| f.len() == SHORT_FINGERPRINT_CHARS && f.bytes().all(|b| b.is_ascii_hexdigit()))?
        .to_ascii_lowercase();
    let address = addresses
        .iter()
        .find(|a| a.is_ipv4() && !a.is_loopback())
        .or_else(|| addresses.iter().find(|a| !a.is_loopback()))
        .or_else(|| addresses.first())?;
    if port == 0 {
        return None;
    }
    let url = match address {
        IpAddr::V4(v4) => format!("https://{v4}:{port}"),
        IpAddr::V6(v6) => format!("https://[{v6}]:{port}"),
    };
    let name: String = property(TXT_NAME).unwrap_or_default().chars().filter(|c| !c.is_control()).take(100).collect();
    let name = if name.trim().is_empty() { "Signbook office".to_owned() } else { name.trim().to_owned() };
    Some(FoundOffice { name, url, fingerprint_start })
}

/// Browses for offices for `wait`, and lists those that answered (each
/// once, by name order). Multicast being unavailable is not an error the
/// person can do anything about but type the address: it is logged and
/// the list is empty.
#[cfg(feature = "client")]
pub fn discover_offices(wait: std::time::Duration) -> Vec<FoundOffice> {
    use mdns_sd::{ServiceDaemon, ServiceEvent};
    let daemon = match ServiceDaemon::new() {
        Ok(daemon) => daemon,
        Err(error) => {
            tracing::warn!(%error, "cannot search the network for offices (multicast DNS); type the office's address");
            return Vec::new();
        }
    };
    let events = match daemon.browse(SERVICE_TYPE) {
        Ok(events) => events,
        Err(error) => {
            tracing::warn!(%error, "cannot search the network for offices (multicast DNS); type the office's address");
            let _ = daemon.shutdown();
            return Vec::new();
        }
    };
    let deadline = std::time::Instant::now() + wait;
    let mut found: Vec<FoundOffice> = Vec::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match events.recv_timeout(left) {
            Ok(ServiceEvent::ServiceResolved(service)) => {
                let mut addresses: Vec<IpAddr> = service.addresses.iter().map(|a| a.to_ip_addr()).collect();
                addresses.sort();
                let office =
                    found_office(&addresses, service.port, |key| service.get_property_val_str(key).map(str::to_owned));
                if let Some(office) = office
                    && !found.iter().any(|f| f.fingerprint_start == office.fingerprint_start && f.url == office.url)
                {
                    found.push(office);
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = daemon.shutdown();
    found.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.url.cmp(&b.url)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advert_names_the_office_and_the_start_of_its_fingerprint_and_reads_back() {
        let fingerprint = Hash32::of(b"office certificate");
        let advert = advert(fingerprint, "Ysgol Gymraeg Aberystwyth and a very long name after it");
        assert!(advert.instance.len() <= 63, "{}", advert.instance);
        assert!(advert.instance.ends_with(&fingerprint.to_hex()[..8]), "{}", advert.instance);
        assert!(advert.host.ends_with(".local."));
        let property = |key: &str| advert.properties.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        assert_eq!(property(TXT_FINGERPRINT).unwrap(), fingerprint.to_hex()[..16]);

        let addresses: Vec<IpAddr> = vec!["fe80::1".parse().unwrap(), "192.168.1.20".parse().unwrap()];
        let found = found_office(&addresses, 8443, property).unwrap();
        assert_eq!(found.url, "https://192.168.1.20:8443", "IPv4 first");
        assert_eq!(found.name, "Ysgol Gymraeg Aberystwyth and a very long name after it");
        assert_eq!(found.fingerprint_start, fingerprint.to_hex()[..16]);
    }

    #[test]
    fn an_advert_without_a_fingerprint_or_an_address_is_not_listed() {
        let v6: Vec<IpAddr> = vec!["fd00::2".parse().unwrap()];
        let fp = |key: &str| (key == TXT_FINGERPRINT).then(|| "0123456789abcdef".to_owned());
        assert_eq!(found_office(&v6, 8443, fp).unwrap().url, "https://[fd00::2]:8443");
        assert_eq!(found_office(&v6, 8443, fp).unwrap().name, "Signbook office", "no name: a generic one");
        assert!(found_office(&[], 8443, fp).is_none());
        assert!(found_office(&v6, 0, fp).is_none());
        assert!(found_office(&v6, 8443, |_| None).is_none());
        assert!(found_office(&v6, 8443, |k| (k == TXT_FINGERPRINT).then(|| "xyz".to_owned())).is_none());
    }
}
