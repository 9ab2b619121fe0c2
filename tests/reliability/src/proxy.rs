//! A fault proxy between kiosks and the office: per connection it passes,
//! delays, resets, truncates or drops the request or the response. It
//! extends the office tests' lossy proxy (which only loses answers) with
//! the other faults of issue 7.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;

/// How long the office must be silent before a dropped answer counts as
/// complete.
const ANSWER_QUIET: Duration = Duration::from_millis(300);

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Both directions held back this long first.
    Delay(Duration),
    /// The kiosk's connection is reset before the office sees the request.
    ResetRequest,
    /// The request is cut off after this many bytes; both sides closed.
    TruncateRequest(usize),
    /// The office answers (and so commits); the kiosk never hears it.
    DropResponse,
    /// Only this many bytes of the answer reach the kiosk.
    TruncateResponse(usize),
    /// The office answers; the kiosk's connection is then reset.
    ResetResponse,
}

pub const FAULT_KINDS: [&str; 7] =
    ["pass", "delay", "reset request", "truncate request", "drop response", "truncate response", "reset response"];

impl Fault {
    pub fn index(self) -> usize {
        match self {
            Fault::Pass => 0,
            Fault::Delay(_) => 1,
            Fault::ResetRequest => 2,
            Fault::TruncateRequest(_) => 3,
            Fault::DropResponse => 4,
            Fault::TruncateResponse(_) => 5,
            Fault::ResetResponse => 6,
        }
    }

    /// The random mix: `faulty` of connections get one of the six faults.
    pub fn random(rng: &mut impl Rng, faulty: f64) -> Fault {
        if !rng.random_bool(faulty) {
            return Fault::Pass;
        }
        match rng.random_range(0..6) {
            0 => Fault::Delay(Duration::from_millis(rng.random_range(50..800))),
            1 => Fault::ResetRequest,
            2 => Fault::TruncateRequest(rng.random_range(1..40_000)),
            3 => Fault::DropResponse,
            4 => Fault::TruncateResponse(rng.random_range(1..400)),
            _ => Fault::ResetResponse,
        }
    }
}

/// The proxy, listening on 127.0.0.1:0. Faults apply only while `enabled`.
#[derive(Debug)]
pub struct FaultProxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    pub enabled: Arc<AtomicBool>,
    /// Connections per fault kind (indexed like [`FAULT_KINDS`]).
    pub counts: Arc<[AtomicU64; 7]>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    pub fn start(target: SocketAddr, faulty: f64) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let proxy = FaultProxy {
            addr,
            target: Arc::new(Mutex::new(target)),
            enabled: Arc::new(AtomicBool::new(false)),
            counts: Arc::new(Default::default()),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (target, enabled, counts, stop) =
            (proxy.target.clone(), proxy.enabled.clone(), proxy.counts.clone(), proxy.stop.clone());
        std::thread::spawn(move || {
            let mut rng = rand::rng();
            for client in listener.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let fault = if enabled.load(Ordering::Relaxed) { Fault::random(&mut rng, faulty) } else { Fault::Pass };
                counts[fault.index()].fetch_add(1, Ordering::Relaxed);
                let to = *target.lock().expect("proxy target");
                std::thread::spawn(move || relay(client, to, fault));
            }
        });
        Ok(proxy)
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn retarget(&self, to: SocketAddr) {
        *self.target.lock().expect("proxy target") = to;
    }

    pub fn count(&self, kind: usize) -> u64 {
        self.counts[kind].load(Ordering::Relaxed)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Closes with a TCP reset rather than a clean FIN.
fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
    let _ = stream.shutdown(Shutdown::Both);
}

fn relay(client: TcpStream, to: SocketAddr, fault: Fault) {
    if fault == Fault::ResetRequest {
        reset(&client);
        return;
    }
    if let Fault::Delay(d) = fault {
        std::thread::sleep(d);
    }
    let Ok(office) = TcpStream::connect(to) else {
        reset(&client);
        return;
    };
    let _ = office.set_read_timeout(Some(Duration::from_secs(120)));
    // TLS: kiosk hello, office flight, then the kiosk's second turn carries
    // the HTTP request; what the office sends after it is the answer.
    let office_spoke = Arc::new(AtomicBool::new(false));
    let request_sent = Arc::new(AtomicBool::new(false));
    let upstream = {
        let (mut from, mut into) = (client.try_clone().expect("clone"), office.try_clone().expect("clone"));
        let (office_spoke, request_sent) = (office_spoke.clone(), request_sent.clone());
        std::thread::spawn(move || {
            let (mut buf, mut forwarded) = ([0u8; 16384], 0usize);
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if office_spoke.load(Ordering::SeqCst) {
                    request_sent.store(true, Ordering::SeqCst);
                }
                if let Fault::TruncateRequest(cut) = fault
                    && forwarded + n >= cut
                {
                    let _ = into.write_all(&buf[..cut - forwarded]);
                    let _ = into.shutdown(Shutdown::Both);
                    let _ = from.shutdown(Shutdown::Both);
                    return;
                }
                forwarded += n;
                if into.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = into.shutdown(Shutdown::Write);
        })
    };
    let (mut office_in, mut client_out) = (office.try_clone().expect("clone"), client.try_clone().expect("clone"));
    let (mut buf, mut answered) = ([0u8; 16384], 0usize);
    loop {
        let n = match office_in.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let answer = request_sent.load(Ordering::SeqCst);
        office_spoke.store(true, Ordering::SeqCst);
        if answer {
            match fault {
                Fault::DropResponse | Fault::ResetResponse => {
                    // Read it all: the office has committed. The kiosk keeps
                    // its connection alive, so the office does not close
                    // after answering: "all" ends when it falls quiet.
                    let _ = office_in.set_read_timeout(Some(ANSWER_QUIET));
                    continue;
                }
                Fault::TruncateResponse(cut) if answered + n >= cut => {
                    let _ = client_out.write_all(&buf[..cut - answered]);
                    break;
                }
                _ => answered += n,
            }
        }
        if client_out.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    if fault == Fault::ResetResponse {
        reset(&client);
    } else {
        let _ = client.shutdown(Shutdown::Both);
    }
    let _ = office.shutdown(Shutdown::Both);
    let _ = upstream.join();
}
