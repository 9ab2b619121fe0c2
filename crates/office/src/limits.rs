//! What one client may hold of the office: connections, and time to send
//! a request.
//!
//! A penetration test held connections open by sending headers and then
//! trickling the body; thirty such clients made a staff login time out. So:
//! * every connection takes a slot of [`ServerLimits::max_connections`] and
//!   of [`ServerLimits::max_connections_per_address`] for its peer address,
//!   and is closed at once when either is full, so one host cannot take
//!   the descriptors everyone else needs;
//! * a request's body must arrive within [`ServerLimits::body_deadline`] of
//!   its headers, and never pause longer than [`ServerLimits::body_idle`]
//!   ([`DeadlineBody`]);
//! * headers must arrive within [`ServerLimits::header_timeout`], which
//!   hyper also applies to a kept-alive connection waiting for its next
//!   request: the idle timeout.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// The office's limits on its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections open at once, from everyone.
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub max_connections_per_address: usize,
    /// Time to send a request's headers, and to start the next request on
    /// a kept-alive connection.
    pub header_timeout: Duration,
    /// Time to send a whole request body once its headers are in.
    pub body_deadline: Duration,
    /// Longest pause inside a request body.
    pub body_idle: Duration,
}

impl Default for ServerLimits {
    /// Sized for a school, or a trust of a few hundred kiosks: the packaged
    /// service allows 16,384 descriptors (`LimitNOFILE`), well above
    /// `max_connections`. 60 s for a body is 8 MiB at about 1 Mbit/s.
    fn default() -> Self {
        ServerLimits {
            max_connections: 4096,
            max_connections_per_address: 512,
            header_timeout: Duration::from_secs(30),
            body_deadline: Duration::from_secs(60),
            body_idle: Duration::from_secs(20),
        }
    }
}

/// Counts open connections, in all and per peer address.
#[derive(Debug)]
pub struct ConnectionGate {
    limits: ServerLimits,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection; its slot is freed when this is dropped.
#[derive(Debug)]
pub struct ConnectionSlot {
    gate: Arc<ConnectionGate>,
    address: IpAddr,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The office holds `max_connections` already.
    Full,
    /// This address holds `max_connections_per_address` already.
    AddressFull,
}

impl ConnectionGate {
    /// A gate with nobody in it.
    pub fn new(limits: ServerLimits) -> Arc<ConnectionGate> {
        Arc::new(ConnectionGate { limits, open: Mutex::new(HashMap::new()) })
    }

    /// Admits a connection from `address`, or says why not.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Result<ConnectionSlot, Refused> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let total: usize = open.values().sum();
        if total >= self.limits.max_connections {
            return Err(Refused::Full);
        }
        let from_address = open.entry(address).or_insert(0);
        if *from_address >= self.limits.max_connections_per_address {
            return Err(Refused::AddressFull);
        }
        *from_address += 1;
        Ok(ConnectionSlot { gate: self.clone(), address })
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).values().sum()
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// A request body that fails once its deadline passes or it pauses too
/// long. Hand-written because tower-http's `TimeoutBody` resets its timer
/// on every frame, so a body trickled a byte at a time would never end.
#[derive(Debug)]
pub struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<Sleep>>,
    total: Duration,
    idle: Duration,
    idle_timer: Pin<Box<Sleep>>,
}

/// What a [`DeadlineBody`] reports when time runs out.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time (all of it within {deadline:?}, no pause over {idle:?})")]
pub struct BodyTimedOut {
    /// The whole-body deadline.
    pub deadline: Duration,
    /// The longest pause allowed.
    pub idle: Duration,
}

impl DeadlineBody {
    /// Wraps `inner`, starting both clocks now.
    pub fn new(inner: Body, limits: &ServerLimits) -> DeadlineBody {
        let now = Instant::now();
        DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep_until(now + limits.body_deadline)),
            total: limits.body_deadline,
            idle: limits.body_idle,
            idle_timer: Box::pin(tokio::time::sleep_until(now + limits.body_idle)),
        }
    }

    fn timed_out(&self) -> axum::Error {
        axum::Error::new(BodyTimedOut { deadline: self.total, idle: self.idle })
    }
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            let idle = self.idle;
            self.idle_timer.as_mut().reset(Instant::now() + idle);
            return Poll::Ready(frame);
        }
        if self.deadline.as_mut().poll(cx).is_ready() || self.idle_timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(self.timed_out())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether `error` (from reading a body) is a [`DeadlineBody`] timing out.
pub fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(error) = source {
        if error.is::<BodyTimedOut>() {
            return true;
        }
        source = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_address: usize) -> ServerLimits {
        ServerLimits { max_connections: total, max_connections_per_address: per_address, ..ServerLimits::default() }
    }

    #[test]
    fn one_address_cannot_take_every_connection() {
        let gate = ConnectionGate::new(limits(4, 2));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).unwrap_err(), Refused::AddressFull);
        let _b1 = gate.admit(b).unwrap();
        let _b2 = gate.admit(b).unwrap();
        assert_eq!(gate.admit("192.0.2.3".parse().unwrap()).unwrap_err(), Refused::Full);
        drop(first);
        assert_eq!(gate.open_connections(), 3);
        assert!(gate.admit(a).is_ok(), "a closed connection frees its slot");
    }
}
