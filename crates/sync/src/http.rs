//! The kiosk's HTTPS client for the office's few JSON endpoints: [`ureq`]
//! over the pinned rustls configuration of [`crate::tls`].
//!
//! One [`OfficeClient`] keeps its connection to the office alive between
//! requests (the batches of one push share one TLS session), tries every
//! address the office's name resolves to in turn, and remembers how far the
//! kiosk's clock is from the office's for as long as it lives: the
//! background loop keeps one client for its whole life (see
//! [`crate::OfficeLink`]).

use std::fmt;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth;
use crate::error::{Result, SyncError};
use crate::tls::{PinnedVerifier, pinned_client_config};
use crate::wire::ErrorBody;
use signbook_core::hash::Hash32;

/// Longest answer accepted (the office's answers are a few hundred bytes).
const MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// Longest configuration answer: its body's limit, escaped once more as a JSON string.
const MAX_CONFIGURATION_ANSWER_BYTES: u64 = 2 * crate::configuration::MAX_CONFIGURATION_BYTES as u64 + (64 << 10);
/// Time to open a TCP connection, shared among the addresses tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for the office to read a request or start answering.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// A kept-alive connection idle longer than this is not reused: the office
/// closes idle connections after 30 s, and a request sent just as it does
/// would fail. Within a push the batches follow each other at once.
const REUSE_IDLE_MAX: Duration = Duration::from_secs(15);

/// Turns `HOST:PORT` (an IPv6 host in brackets) into the addresses to try,
/// in order. The kiosk uses the system resolver; tests answer what they need.
pub type Resolver = Arc<dyn Fn(&str) -> std::io::Result<Vec<SocketAddr>> + Send + Sync>;

/// An HTTP response: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// e.g. 200, 409.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The office's clock from its `Date` header (Unix seconds), if sent.
    pub date: Option<i64>,
}

/// A client for one office: its address, its pinned certificate, a
/// kept-alive connection, and the office-clock offset learnt so far.
/// Clones share the connection pool and the offset.
#[derive(Clone)]
pub struct OfficeClient {
    url: String,
    expected: Hash32,
    verifier: Arc<PinnedVerifier>,
    /// Makes an agent (a connection pool) with the pinned configuration.
    new_agent: Arc<dyn Fn() -> ureq::Agent + Send + Sync>,
    agent: Arc<Mutex<PooledAgent>>,
    /// Seconds to add to this kiosk's clock to get the office's, learnt
    /// from a `clock_skew` refusal (see [`OfficeClient::signed_call`]).
    clock_offset: Arc<AtomicI64>,
    /// Requests sent, retries included.
    requests: Arc<AtomicU64>,
}

/// The agent in use and when it last finished a request.
struct PooledAgent {
    agent: ureq::Agent,
    idle_since: Instant,
}

impl fmt::Debug for OfficeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OfficeClient")
            .field("url", &self.url)
            .field("fingerprint", &self.expected)
            .field("clock_offset_secs", &self.clock_offset_secs())
            .finish_non_exhaustive()
    }
}

impl OfficeClient {
    /// Checks `https://HOST[:PORT]` and pins `fingerprint`; connects on the
    /// first request.
    pub fn new(office_url: &str, fingerprint: Hash32) -> Result<Self> {
        Self::with_resolver(office_url, fingerprint, None)
    }

    /// [`OfficeClient::new`] with a resolver in place of the system's.
    pub fn with_resolver(office_url: &str, fingerprint: Hash32, resolver: Option<Resolver>) -> Result<Self> {
        parse_office_url(office_url)?;
        let (config, verifier) = pinned_client_config(fingerprint);
        let new_agent = move || {
            let builder = ureq::AgentBuilder::new()
                .tls_config(config.clone())
                .https_only(true)
                // The office never redirects; a redirect is not to be followed.
                .redirects(0)
                .timeout_connect(CONNECT_TIMEOUT)
                .timeout_read(IO_TIMEOUT)
                .timeout_write(IO_TIMEOUT)
                .max_idle_connections_per_host(1)
                .user_agent(concat!("signbook-kiosk/", env!("CARGO_PKG_VERSION")));
            match resolver.clone() {
                Some(resolver) => builder.resolver(move |netloc: &str| resolver(netloc)),
                None => builder,
            }
            .build()
        };
        let agent = PooledAgent { agent: new_agent(), idle_since: Instant::now() };
        Ok(OfficeClient {
            url: office_url.trim().trim_end_matches('/').to_owned(),
            expected: fingerprint,
            verifier,
            new_agent: Arc::new(new_agent),
            agent: Arc::new(Mutex::new(agent)),
            clock_offset: Arc::new(AtomicI64::new(0)),
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The office address as given (without a trailing `/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The pinned certificate fingerprint.
    pub fn fingerprint(&self) -> Hash32 {
        self.expected
    }

    /// Also accepts the certificate the office announced it will use next
    /// (`None`: only the pinned one).
    pub fn accept_next(&self, next: Option<Hash32>) {
        self.verifier.accept_next(next);
    }

    /// The certificate the office presented on the last connection, if
    /// one was made: the pinned one, or the announced next one.
    pub fn presented(&self) -> Option<Hash32> {
        self.verifier.seen()
    }

    /// Seconds this client adds to the kiosk's clock to sign requests at
    /// the office's time (0 until the office refused a timestamp).
    pub fn clock_offset_secs(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    /// Requests this client (and its clones) has sent, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The agent for the next request: the one in use, unless its
    /// connection has been idle too long to trust.
    fn agent(&self) -> ureq::Agent {
        let mut pooled = self.agent.lock().unwrap_or_else(|p| p.into_inner());
        if pooled.idle_since.elapsed() > REUSE_IDLE_MAX {
            pooled.agent = (self.new_agent)();
        }
        pooled.agent.clone()
    }

    fn finished_request(&self) {
        self.agent.lock().unwrap_or_else(|p| p.into_inner()).idle_since = Instant::now();
    }

    /// Sends `POST path` with a JSON body and extra headers; any status.
    pub fn post(&self, path: &str, headers: &[(&str, String)], body: &[u8]) -> Result<HttpResponse> {
        let result = self.send(path, headers, body);
        self.finished_request();
        result
    }

    fn send(&self, path: &str, headers: &[(&str, String)], body: &[u8]) -> Result<HttpResponse> {
        let mut request = self.agent().post(&format!("{}{path}", self.url)).set("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.set(name, value);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = match request.send_bytes(body) {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(transport)) => return Err(self.transport_error(&transport)),
        };
        let status = response.status();
        let date = office_clock(response.header("date"));
        let mut body = Vec::new();
        // The configuration carries whole agreement texts; every other answer is small.
        let limit = if path == crate::CONFIGURATION_PATH { MAX_CONFIGURATION_ANSWER_BYTES } else { MAX_RESPONSE_BYTES };
        // Read to the end of the answer, so the connection can carry the next request.
        response
            .into_reader()
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| self.unreachable(format!("the answer was cut off: {e}")))?;
        if body.len() as u64 > limit {
            return Err(SyncError::OfficeProtocol {
                url: self.url.clone(),
                detail: format!("its answer to {path} is longer than {limit} bytes"),
            });
        }
        Ok(HttpResponse { status, body, date })
    }

    /// Posts and decodes a 2xx JSON answer; anything else becomes
    /// [`SyncError::OfficeRefused`] with the office's code and message.
    pub fn call<T: DeserializeOwned>(&self, path: &str, headers: &[(&str, String)], body: &[u8]) -> Result<T> {
        self.decode(path, self.post(path, headers, body)?)
    }

    /// Signs the request with the kiosk key ([`auth`]) and posts it at the
    /// office's idea of the time. A kiosk clock that has drifted (common on
    /// a PC that is often offline) must not stop records reaching the
    /// office: when the office refuses the timestamp as `clock_skew`, the
    /// request is signed again with the office's clock, read from its `Date`
    /// header, and sent once more. The offset is kept, so later requests
    /// from this client are right the first time. Records keep the time the
    /// kiosk claimed; the office flags implausible ones for staff.
    pub fn signed_call<T: DeserializeOwned>(
        &self,
        key: &SigningKey,
        device_id: &Uuid,
        path: &str,
        body: &[u8],
        kiosk_now: DateTime<Utc>,
    ) -> Result<T> {
        let send = || {
            let timestamp = kiosk_now.timestamp() + self.clock_offset_secs();
            self.post(path, &auth::sign_request(key, device_id, "POST", path, timestamp, body), body)
        };
        let response = send()?;
        let skewed = response.status == 401
            && serde_json::from_slice::<ErrorBody>(&response.body).is_ok_and(|e| e.code == "clock_skew");
        match response.date {
            Some(office_now) if skewed => {
                let offset = office_now - kiosk_now.timestamp();
                tracing::warn!(
                    offset_secs = offset,
                    "the kiosk clock differs from the office's; signing with the office's time. Set the kiosk's date and time."
                );
                self.clock_offset.store(offset, Ordering::Relaxed);
                self.decode(path, send()?)
            }
            _ => self.decode(path, response),
        }
    }

    fn decode<T: DeserializeOwned>(&self, path: &str, response: HttpResponse) -> Result<T> {
        if (200..300).contains(&response.status) {
            return serde_json::from_slice(&response.body).map_err(|e| SyncError::OfficeProtocol {
                url: self.url.clone(),
                detail: format!("its answer to {path} is not what this kiosk expects ({e}); update Signbook on the kiosk or the office"),
            });
        }
        match serde_json::from_slice::<ErrorBody>(&response.body) {
            Ok(body) => Err(SyncError::OfficeRefused {
                status: response.status,
                code: body.code,
                message: body.message,
                acknowledged_seq: body.acknowledged_seq,
            }),
            Err(_) => Err(SyncError::OfficeRefused {
                status: response.status,
                code: format!("http_{}", response.status),
                message: String::from_utf8_lossy(&response.body).chars().take(300).collect(),
                acknowledged_seq: None,
            }),
        }
    }

    fn transport_error(&self, transport: &ureq::Transport) -> SyncError {
        // A handshake the pin refused surfaces as a connection failure; say
        // which certificate was there instead.
        if let Some(got) =
            self.verifier.seen().filter(|got| *got != self.expected && Some(*got) != self.verifier.next())
        {
            return SyncError::FingerprintMismatch { url: self.url.clone(), expected: self.expected, got };
        }
        let mut detail = transport.kind().to_string();
        if let Some(message) = transport.message() {
            detail.push_str(&format!(": {message}"));
        }
        if let Some(source) = std::error::Error::source(transport) {
            detail.push_str(&format!(": {source}"));
        }
        match transport.kind() {
            ureq::ErrorKind::BadStatus | ureq::ErrorKind::BadHeader => SyncError::OfficeProtocol {
                url: self.url.clone(),
                detail: format!("not a valid HTTP answer ({detail})"),
            },
            _ => self.unreachable(detail),
        }
    }

    fn unreachable(&self, detail: String) -> SyncError {
        SyncError::OfficeUnreachable { url: self.url.clone(), detail }
    }
}

/// The office's clock from its `Date` header, in Unix seconds; an
/// unreadable date is ignored (the request is then not retried).
fn office_clock(date: Option<&str>) -> Option<i64> {
    DateTime::parse_from_rfc2822(date?.trim()).ok().map(|d| d.timestamp())
}

/// `https://HOST[:PORT][/]` to `(HOST, PORT)`: checks what the admin typed
/// and says what is wrong in words a person can act on.
fn parse_office_url(url: &str) -> Result<(String, u16)> {
    let invalid = |reason: &str| SyncError::OfficeUrlInvalid { url: url.to_owned(), reason: reason.to_owned() };
    let rest = url
        .trim()
        .strip_prefix("https://")
        .ok_or_else(|| invalid("it must start with https:// (the office serves HTTPS only)"))?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('/') || rest.contains('@') || rest.contains('?') || rest.contains('#') {
        return Err(invalid("give only the address and port, e.g. https://office.local:8443"));
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| invalid("an IPv6 address needs its closing ]"))?;
        (host.to_owned(), after.strip_prefix(':'))
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (rest.to_owned(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().map_err(|_| invalid("the port is not a number from 1 to 65535"))?,
        None => 443,
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_urls_parse_or_say_what_is_wrong() {
        assert_eq!(parse_office_url("https://office.local:8443").unwrap(), ("office.local".into(), 8443));
        assert_eq!(parse_office_url("https://127.0.0.1:9/").unwrap(), ("127.0.0.1".into(), 9));
        assert_eq!(parse_office_url("https://[::1]:8443").unwrap(), ("::1".into(), 8443));
        assert_eq!(parse_office_url("https://office").unwrap(), ("office".into(), 443));
        for (bad, says) in [
            ("http://office:80", "https://"),
            ("https://office:x", "port"),
            ("https://office/v1", "only the address"),
            ("https://office:8443?x=1", "only the address"),
        ] {
            let err = parse_office_url(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn the_office_clock_is_read_from_its_date_header() {
        assert_eq!(office_clock(Some("Mon, 23 Nov 2026 21:50:07 GMT")), Some(1_795_470_607));
        assert_eq!(office_clock(Some("yesterday")), None, "an unreadable date is ignored, not an error");
        assert_eq!(office_clock(None), None);
    }

    #[test]
    fn a_client_keeps_the_address_without_its_trailing_slash() {
        let client = OfficeClient::new(" https://office.local:8443/ ", Hash32::of(b"cert")).unwrap();
        assert_eq!(client.url(), "https://office.local:8443");
        assert_eq!((client.clock_offset_secs(), client.requests_sent()), (0, 0));
    }
}
