//! A small blocking HTTPS/1.1 client for the office's few JSON endpoints.
//!
//! Why not a general HTTP crate: the kiosk talks to exactly one server we
//! also wrote, with one POST per batch, and must pin a certificate through a
//! custom rustls verifier. A fresh connection per request with
//! `Connection: close` keeps this to one screen of code with no connection
//! pool or async runtime in the kiosk, and a TLS handshake per batch of 500
//! records costs nothing that matters.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth;
use crate::error::{Result, SyncError};
use crate::tls::{PinnedVerifier, pinned_client_config};
use crate::wire::ErrorBody;
use signbook_core::hash::Hash32;

/// Longest response accepted (the office's answers are a few hundred bytes).
const MAX_RESPONSE_BYTES: usize = 1 << 20;

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

/// A connection recipe for one office: its address and pinned certificate.
#[derive(Debug, Clone)]
pub struct OfficeClient {
    url: String,
    host: String,
    port: u16,
    expected: Hash32,
    config: Arc<ClientConfig>,
    verifier: Arc<PinnedVerifier>,
    timeout: Duration,
    /// Seconds to add to this kiosk's clock to get the office's, learnt
    /// from a `clock_skew` refusal (see [`OfficeClient::signed_call`]).
    clock_offset: Arc<AtomicI64>,
}

impl OfficeClient {
    /// Parses `https://HOST[:PORT]` and pins `fingerprint`.
    pub fn new(office_url: &str, fingerprint: Hash32) -> Result<Self> {
        let (host, port) = parse_office_url(office_url)?;
        let (config, verifier) = pinned_client_config(fingerprint);
        Ok(OfficeClient {
            url: office_url.trim_end_matches('/').to_owned(),
            host,
            port,
            expected: fingerprint,
            config,
            verifier,
            timeout: Duration::from_secs(60),
            clock_offset: Arc::new(AtomicI64::new(0)),
        })
    }

    /// The office address as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends `POST path` with a JSON body and extra headers; any status.
    pub fn post(&self, path: &str, headers: &[(&str, String)], body: &[u8]) -> Result<HttpResponse> {
        let unreachable = |detail: String| SyncError::OfficeUnreachable { url: self.url.clone(), detail };
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| unreachable(format!("cannot resolve {}: {e}", self.host)))?
            .next()
            .ok_or_else(|| unreachable(format!("{} has no address", self.host)))?;
        let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| unreachable(e.to_string()))?;
        tcp.set_read_timeout(Some(self.timeout))
            .and_then(|()| tcp.set_write_timeout(Some(self.timeout)))
            .map_err(|e| unreachable(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(self.host.clone())
            .map_err(|_| unreachable(format!("{} is not a valid host name", self.host)))?;
        let conn = ClientConnection::new(self.config.clone(), name).map_err(|e| unreachable(e.to_string()))?;
        let mut tls = StreamOwned::new(conn, tcp);

        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.host,
            self.port,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        let sent = tls.write_all(request.as_bytes()).and_then(|()| tls.write_all(body)).and_then(|()| tls.flush());
        if let Err(e) = sent {
            return Err(self.io_error(e));
        }
        read_response(&mut tls).map_err(|e| self.io_error(e))
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
    /// header, and sent once more. Records keep the time the kiosk claimed;
    /// the office flags implausible ones for staff.
    pub fn signed_call<T: DeserializeOwned>(
        &self,
        key: &SigningKey,
        device_id: &Uuid,
        path: &str,
        body: &[u8],
        kiosk_now: DateTime<Utc>,
    ) -> Result<T> {
        let send = || {
            let timestamp = kiosk_now.timestamp() + self.clock_offset.load(Ordering::Relaxed);
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

    fn io_error(&self, error: std::io::Error) -> SyncError {
        // A handshake the pin refused surfaces as an I/O error; say which
        // certificate was there instead.
        if let Some(got) = self.verifier.seen().filter(|got| *got != self.expected) {
            return SyncError::FingerprintMismatch { url: self.url.clone(), expected: self.expected, got };
        }
        SyncError::OfficeUnreachable { url: self.url.clone(), detail: error.to_string() }
    }
}

/// `https://HOST[:PORT][/]` to `(HOST, PORT)`.
fn parse_office_url(url: &str) -> Result<(String, u16)> {
    let invalid = |reason: &str| SyncError::OfficeUrlInvalid { url: url.to_owned(), reason: reason.to_owned() };
    let rest = url
        .trim()
        .strip_prefix("https://")
        .ok_or_else(|| invalid("it must start with https:// (the office serves HTTPS only)"))?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('/') || rest.contains('@') {
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

/// Reads one HTTP/1.1 response. The body ends at Content-Length, else at
/// the end of the stream (a peer closing without TLS close_notify is fine
/// once we have the whole body).
fn read_response(stream: &mut impl Read) -> std::io::Result<HttpResponse> {
    let bad = |what: &str| {
        std::io::Error::new(ErrorKind::InvalidData, format!("the office sent a malformed HTTP response ({what})"))
    };
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 8192];
    let mut header_end = None;
    let mut content_length: Option<usize> = None;
    let mut date = None;
    let mut status = 0u16;
    loop {
        if let Some(end) = header_end {
            if content_length.is_some_and(|len| buf.len() >= end + len) {
                break;
            }
        }
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_RESPONSE_BYTES {
            return Err(bad("too long"));
        }
        if header_end.is_none()
            && let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n")
        {
            header_end = Some(pos + 4);
            let head = std::str::from_utf8(&buf[..pos]).map_err(|_| bad("headers are not text"))?;
            let mut lines = head.split("\r\n");
            let status_line = lines.next().unwrap_or_default();
            status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("no status"))?;
            for line in lines {
                if let Some((name, value)) = line.split_once(':')
                    && name.trim().eq_ignore_ascii_case("date")
                {
                    date = DateTime::parse_from_rfc2822(value.trim()).ok().map(|d| d.timestamp());
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.trim().eq_ignore_ascii_case("content-length")
                {
                    content_length = Some(value.trim().parse().map_err(|_| bad("Content-Length"))?);
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.trim().eq_ignore_ascii_case("transfer-encoding")
                    && !value.trim().eq_ignore_ascii_case("identity")
                {
                    return Err(bad("chunked answers are not expected from the office"));
                }
            }
        }
    }
    let end = header_end.ok_or_else(|| {
        std::io::Error::new(ErrorKind::UnexpectedEof, "the office closed the connection before answering")
    })?;
    let mut body = buf.split_off(end);
    if let Some(len) = content_length {
        if body.len() < len {
            return Err(std::io::Error::new(
                ErrorKind::UnexpectedEof,
                "the office closed the connection in the middle of its answer",
            ));
        }
        body.truncate(len);
    }
    Ok(HttpResponse { status, body, date })
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
        for (bad, says) in
            [("http://office:80", "https://"), ("https://office:x", "port"), ("https://office/v1", "only the address")]
        {
            let err = parse_office_url(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn responses_end_at_content_length_or_eof() {
        let mut one = &b"HTTP/1.1 409 Conflict\r\ncontent-length: 2\r\n\r\n{}trailing"[..];
        assert_eq!(read_response(&mut one).unwrap(), HttpResponse { status: 409, body: b"{}".to_vec(), date: None });
        let mut eof = &b"HTTP/1.1 200 OK\r\n\r\nabc"[..];
        assert_eq!(read_response(&mut eof).unwrap().body, b"abc");
        let mut short = &b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nabc"[..];
        assert!(read_response(&mut short).is_err(), "a cut answer is not taken as complete");
    }

    #[test]
    fn the_office_clock_is_read_from_its_date_header() {
        let mut dated =
            &b"HTTP/1.1 401 Unauthorized\r\ndate: Mon, 23 Nov 2026 21:50:07 GMT\r\ncontent-length: 0\r\n\r\n"[..];
        assert_eq!(read_response(&mut dated).unwrap().date, Some(1_795_470_607));
        let mut garbled = &b"HTTP/1.1 200 OK\r\ndate: yesterday\r\ncontent-length: 0\r\n\r\n"[..];
        assert_eq!(read_response(&mut garbled).unwrap().date, None, "an unreadable date is ignored, not an error");
    }
}
