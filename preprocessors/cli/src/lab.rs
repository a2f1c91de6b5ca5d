//! The close-code lab: WebSocket endpoints under `/lab/` that close in every way the articles
//! describe, what httpbin's `/status/{code}` is for HTTP.
//!
//! | endpoint | what it does |
//! |---|---|
//! | `/lab/echo` | echoes text and binary messages |
//! | `/lab/close/{code}?reason=…` | completes the handshake, then closes with that code and reason |
//! | `/lab/no-status` | sends a Close frame with no status code (the browser reports 1005) |
//! | `/lab/drop` | drops the TCP connection without any Close frame (1006) |
//! | `/lab/bad-utf8` | sends a text message that is not UTF-8 (the client fails the connection) |
//! | `/lab/limit` | accepts messages up to 1,024 bytes; a longer one gets 1009 |
//! | `/lab/going-away?after=N` | closes with 1001 when the server shuts down, or after N seconds |
//! | `/lab/idle?seconds=N` | drops the connection after N idle seconds, as a proxy's idle timeout does |
//! | `/lab/received/{id}` | what the server received back on the connection opened with `?id=` |
//! | `/lab/handshake/{status}` | answers the upgrade with that HTTP status (400–599) instead of 101 |
//!
//! Refusals are explained with HTTP 400: 1005, 1006 and 1015 can never be sent in a Close frame
//! (the body names the endpoint that demonstrates each), and so are codes outside 1000–4999 and
//! reasons over 123 bytes of UTF-8. Everything is bounded: connections per address and in all,
//! connection lifetime, message size, idle time, and the received-log size.
//!
//! `/lab/handshake/{status}` never upgrades, so it takes no connection slot. It answers a WebSocket
//! upgrade request with the status and a one-line `text/plain` body, plus the headers that status
//! calls for: `WWW-Authenticate: Bearer realm="lab"` with 401, an empty `Allow` with 405 (the
//! resource allows no method), `Upgrade: websocket` and `Sec-WebSocket-Version: 13` with 426,
//! `Retry-After: 1` with 429 and 503. A status without a registered name goes out as `Unassigned`.
//! It refuses with 400 anything but 400–599 and the three that no server sends to a browser: 407
//! (a proxy's status), and nginx's 444 and 499 (never sent on the wire).

use axum::Router;
use axum::extract::{ConnectInfo, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

/// Longest life of one lab connection.
pub const LIFETIME: Duration = Duration::from_secs(120);
/// Default idle timeout of a lab connection.
pub const IDLE: Duration = Duration::from_secs(60);
/// Largest message the lab reads (the echo endpoint).
pub const MAX_MESSAGE: usize = 64 * 1024;
/// The small limit of `/lab/limit`.
pub const SMALL_LIMIT: usize = 1024;
/// Open lab connections per client address.
pub const PER_ADDRESS: usize = 16;
/// Open lab connections in all.
pub const TOTAL: usize = 256;
/// How many received-close records are kept.
const LOG_SIZE: usize = 4096;

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// What the server received back on a lab connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Received {
    /// The connection is still open.
    Pending,
    /// A Close frame with this code and reason.
    Code {
        /// The status code.
        code: u16,
        /// The reason text.
        reason: String,
    },
    /// A Close frame without a status code.
    NoCode,
    /// No Close frame: the transport ended (or the server dropped it first).
    Nothing,
}

/// Lab state: open connections per address, the received log and the shutdown signal.
#[derive(Clone)]
pub struct Lab {
    inner: Arc<Mutex<Inner>>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

#[derive(Default)]
struct Inner {
    open: HashMap<IpAddr, usize>,
    total: usize,
    log: HashMap<String, Received>,
    order: VecDeque<String>,
}

impl Lab {
    /// A lab whose `going-away` connections close with 1001 when `shutdown` turns true.
    pub fn new(shutdown: tokio::sync::watch::Receiver<bool>) -> Lab {
        Lab {
            inner: Arc::default(),
            shutdown,
        }
    }

    fn record(&self, id: Option<&str>, r: Received) {
        let Some(id) = id else { return };
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !g.log.contains_key(id) {
            g.order.push_back(id.to_owned());
            while g.order.len() > LOG_SIZE {
                if let Some(old) = g.order.pop_front() {
                    g.log.remove(&old);
                }
            }
        }
        g.log.insert(id.to_owned(), r);
    }

    /// Take a connection slot for `ip`, or `None` when its share or the total is used up.
    fn acquire(&self, ip: IpAddr) -> Option<Slot> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let n = g.open.get(&ip).copied().unwrap_or(0);
        if n >= PER_ADDRESS || g.total >= TOTAL {
            return None;
        }
        g.open.insert(ip, n + 1);
        g.total += 1;
        Some(Slot {
            lab: self.clone(),
            ip,
        })
    }
}

/// A held connection slot, given back on drop.
struct Slot {
    lab: Lab,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut g = self.lab.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.total = g.total.saturating_sub(1);
        if let Some(n) = g.open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                g.open.remove(&self.ip);
            }
        }
    }
}

/// The lab's routes, to be merged under the server's router.
pub fn routes(lab: Lab) -> Router {
    Router::new()
        .route("/lab/echo", get(echo))
        .route("/lab/close/{code}", get(close))
        .route("/lab/no-status", get(no_status))
        .route("/lab/drop", get(drop_connection))
        .route("/lab/bad-utf8", get(bad_utf8))
        .route("/lab/limit", get(limit))
        .route("/lab/going-away", get(going_away))
        .route("/lab/idle", get(idle))
        .route("/lab/received/{id}", get(received))
        .route("/lab/handshake/{status}", get(handshake))
        .route("/lab/", get(index))
        .with_state(lab)
}

#[derive(Deserialize, Default)]
struct Params {
    id: Option<String>,
    reason: Option<String>,
    after: Option<u64>,
    seconds: Option<u64>,
}

fn bad_request(message: String) -> Response {
    let mut resp = (StatusCode::BAD_REQUEST, message).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// A valid `?id=`: 1–40 letters, digits or `-`.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

const BAD_ID: &str = "`id` must be 1–40 letters, digits or `-`\n";

/// Why `code` with `reason` cannot be sent, or `None` when it can.
pub fn refusal(code: u32, reason: &str) -> Option<String> {
    let never = |why: &str, demo: &str| {
        Some(format!(
            "{code} can never be sent in a Close frame: {why} (RFC 6455, section 7.4.1). \
             To see a browser report {code}, open {demo}.\n"
        ))
    };
    match code {
        1005 => never(
            "it means that a Close frame carried no status code",
            "/lab/no-status",
        ),
        1006 => never(
            "it means that the connection closed without any Close frame",
            "/lab/drop",
        ),
        1015 => never(
            "it means that the TLS handshake failed, before any frame",
            "a wss:// URL whose certificate the browser rejects",
        ),
        1000..=4999 if reason.len() > 123 => Some(format!(
            "the reason is {} bytes of UTF-8; a Close frame allows at most 123 (about 41 Chinese characters)\n",
            reason.len()
        )),
        1000..=4999 => None,
        _ => Some(format!(
            "{code} is not a code a Close frame may carry: endpoints send 1000–4999 (0–999 are never used)\n"
        )),
    }
}

/// Complete the WebSocket handshake on `req` and run `scenario` on the connection.
fn upgrade<F, Fut>(lab: &Lab, mut req: Request, config: WebSocketConfig, scenario: F) -> Response
where
    F: FnOnce(Ws) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Received> + Send + 'static,
{
    let p: Params = Query::<Params>::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default();
    if p.id.as_deref().is_some_and(|id| !valid_id(id)) {
        return bad_request(BAD_ID.into());
    }
    let id = p.id;
    let h = req.headers();
    let Some(key) = h.get("sec-websocket-key").filter(|_| is_upgrade(h)) else {
        return bad_request(NOT_A_PAGE.into());
    };
    if h.get("sec-websocket-version").and_then(|v| v.to_str().ok()) != Some("13") {
        return bad_request("only WebSocket version 13 is supported\n".into());
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    let Some(slot) = lab.acquire(ip) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "too many lab connections from your address\n",
        )
            .into_response();
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let lab = lab.clone();
    lab.record(id.as_deref(), Received::Pending);
    tokio::spawn(async move {
        let _slot = slot;
        let Ok(upgraded) = on_upgrade.await else {
            lab.record(id.as_deref(), Received::Nothing);
            return;
        };
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        let outcome = tokio::time::timeout(LIFETIME, scenario(ws))
            .await
            .unwrap_or(Received::Nothing);
        lab.record(id.as_deref(), outcome);
    });
    let mut resp = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let hs = resp.headers_mut();
    hs.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    hs.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        hs.insert("sec-websocket-accept", v);
    }
    resp
}

/// Does the request ask for a WebSocket upgrade (`Upgrade: websocket` and a `Sec-WebSocket-Key`)?
fn is_upgrade(h: &axum::http::HeaderMap) -> bool {
    h.get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
        && h.contains_key("sec-websocket-key")
}

const NOT_A_PAGE: &str =
    "this is a WebSocket endpoint: open it with `new WebSocket(\"ws://…\")`, not as a page\n";

fn config(max: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

/// Read until the peer's Close frame (recorded) or the end of the transport, within `wait`.
async fn read_reply(ws: &mut Ws, wait: Duration) -> Received {
    let read = async {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Close(Some(f))) => {
                    return Received::Code {
                        code: u16::from(f.code),
                        reason: f.reason.to_string(),
                    };
                }
                Ok(Message::Close(None)) => return Received::NoCode,
                Ok(_) => continue,
                Err(_) => return Received::Nothing,
            }
        }
        Received::Nothing
    };
    tokio::time::timeout(wait, read)
        .await
        .unwrap_or(Received::Nothing)
}

async fn send_close(ws: &mut Ws, code: u16, reason: &str) -> Received {
    let frame = CloseFrame {
        code: code.into(),
        reason: reason.into(),
    };
    if ws.send(Message::Close(Some(frame))).await.is_err() {
        return Received::Nothing;
    }
    read_reply(ws, Duration::from_secs(5)).await
}

/// Echo messages up to `limit` bytes; a longer one gets 1009. Ends on the peer's Close frame, the
/// end of the transport, or 60 idle seconds (1001).
async fn echo_until_closed(mut ws: Ws, limit: usize) -> Received {
    loop {
        let Ok(next) = tokio::time::timeout(IDLE, ws.next()).await else {
            return send_close(&mut ws, 1001, "idle for 60 s").await;
        };
        match next {
            Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) if m.len() > limit => {
                let reason = format!("message of {} bytes; the limit is {limit}", m.len());
                return send_close(&mut ws, 1009, &reason).await;
            }
            Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => {
                if ws.send(m).await.is_err() {
                    return Received::Nothing;
                }
            }
            Some(Ok(Message::Close(Some(f)))) => {
                return Received::Code {
                    code: f.code.into(),
                    reason: f.reason.to_string(),
                };
            }
            Some(Ok(Message::Close(None))) => return Received::NoCode,
            Some(Ok(_)) => {}
            Some(Err(tungstenite::Error::Capacity(_))) => {
                return send_close(&mut ws, 1009, "message over 64 KiB").await;
            }
            Some(Err(_)) | None => return Received::Nothing,
        }
    }
}

async fn echo(State(lab): State<Lab>, req: Request) -> Response {
    upgrade(&lab, req, config(MAX_MESSAGE), |ws| {
        echo_until_closed(ws, MAX_MESSAGE)
    })
}

async fn close(State(lab): State<Lab>, UrlPath(code): UrlPath<String>, req: Request) -> Response {
    let reason = Query::<Params>::try_from_uri(req.uri())
        .ok()
        .and_then(|q| q.0.reason)
        .unwrap_or_default();
    let n: u32 = match code.parse() {
        Ok(n) if code.len() <= 5 => n,
        _ => {
            return bad_request(format!(
                "`{}` is not a close code: expected a number 1000–4999\n",
                code.chars().take(12).collect::<String>()
            ));
        }
    };
    if let Some(why) = refusal(n, &reason) {
        return bad_request(why);
    }
    let code = n as u16;
    upgrade(&lab, req, config(MAX_MESSAGE), move |mut ws| async move {
        send_close(&mut ws, code, &reason).await
    })
}

async fn no_status(State(lab): State<Lab>, req: Request) -> Response {
    upgrade(&lab, req, config(MAX_MESSAGE), |mut ws| async move {
        if ws.send(Message::Close(None)).await.is_err() {
            return Received::Nothing;
        }
        read_reply(&mut ws, Duration::from_secs(5)).await
    })
}

async fn drop_connection(State(lab): State<Lab>, req: Request) -> Response {
    upgrade(&lab, req, config(MAX_MESSAGE), |ws| async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(ws); // the TCP connection ends without a Close frame
        Received::Nothing
    })
}

async fn bad_utf8(State(lab): State<Lab>, req: Request) -> Response {
    upgrade(&lab, req, config(MAX_MESSAGE), |mut ws| async move {
        // 0xC3 0x28 is an invalid two-byte sequence; 0xFF never occurs in UTF-8.
        let frame = Frame::message(
            vec![b'h', b'i', 0xC3, 0x28, 0xFF],
            OpCode::Data(Data::Text),
            true,
        );
        if ws.send(Message::Frame(frame)).await.is_err() {
            return Received::Nothing;
        }
        read_reply(&mut ws, Duration::from_secs(5)).await
    })
}

async fn limit(State(lab): State<Lab>, req: Request) -> Response {
    upgrade(&lab, req, config(MAX_MESSAGE), |ws| {
        echo_until_closed(ws, SMALL_LIMIT)
    })
}

async fn going_away(State(lab): State<Lab>, req: Request) -> Response {
    let after = Query::<Params>::try_from_uri(req.uri())
        .ok()
        .and_then(|q| q.0.after)
        .unwrap_or(30)
        .min(60);
    let mut shutdown = lab.shutdown.clone();
    upgrade(&lab, req, config(MAX_MESSAGE), move |mut ws| async move {
        tokio::select! {
            _ = shutdown.wait_for(|down| *down) => {}
            _ = tokio::time::sleep(Duration::from_secs(after)) => {}
        }
        send_close(&mut ws, 1001, "server shutting down").await
    })
}

async fn idle(State(lab): State<Lab>, req: Request) -> Response {
    let seconds = Query::<Params>::try_from_uri(req.uri())
        .ok()
        .and_then(|q| q.0.seconds)
        .unwrap_or(5)
        .clamp(1, 60);
    upgrade(&lab, req, config(MAX_MESSAGE), move |mut ws| async move {
        loop {
            match tokio::time::timeout(Duration::from_secs(seconds), ws.next()).await {
                // Idle: cut the connection without a Close frame, as nginx or a load balancer does.
                Err(_) => return Received::Nothing,
                Ok(Some(Ok(Message::Close(Some(f))))) => {
                    return Received::Code {
                        code: f.code.into(),
                        reason: f.reason.to_string(),
                    };
                }
                Ok(Some(Ok(Message::Close(None)))) => return Received::NoCode,
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => return Received::Nothing,
            }
        }
    })
}

/// The status `/lab/handshake/{status}` answers with, or why it will not.
pub fn handshake_status(status: &str) -> Result<StatusCode, String> {
    let n: u16 = match status.parse() {
        Ok(n) if status.len() <= 3 && status.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => {
            return Err(format!(
                "`{}` is not an HTTP status: expected a number 400–599\n",
                status.chars().take(12).collect::<String>()
            ));
        }
    };
    match n {
        101 => Err(
            "101 Switching Protocols is the answer that accepts the upgrade; every other \
             lab endpoint gives it (try /lab/echo). This endpoint refuses the upgrade with \
             400–599.\n"
                .into(),
        ),
        407 => Err(
            "407 Proxy Authentication Required comes from a proxy the client is set up to \
             use, never from the server it connects to, and the lab is not a proxy. For the \
             server's authentication failure, open /lab/handshake/401.\n"
                .into(),
        ),
        444 | 499 => Err(format!(
            "{n} is nginx's own code and never goes on the wire: `return 444` makes nginx close the \
             connection without any answer, and 499 is what its log records when the client closed \
             the connection before the answer.\n"
        )),
        400..=599 => StatusCode::from_u16(n).map_err(|_| format!("{n} is not an HTTP status\n")),
        600.. => Err(format!(
            "{n} is not an HTTP status: statuses are 100–599, and this endpoint answers the \
             upgrade with a client or server error, 400–599\n"
        )),
        _ => Err(format!(
            "{n} is not an error status: this endpoint answers the upgrade with a client or server \
             error, 400–599\n"
        )),
    }
}

/// Answer a WebSocket upgrade with the status in the path instead of 101 (never upgrades).
async fn handshake(UrlPath(status): UrlPath<String>, req: Request) -> Response {
    let status = match handshake_status(&status) {
        Ok(s) => s,
        Err(why) => return bad_request(why),
    };
    if !is_upgrade(req.headers()) {
        return bad_request(NOT_A_PAGE.into());
    }
    let name = status.canonical_reason().unwrap_or("Unassigned");
    let n = status.as_u16();
    let body = format!(
        "The lab answered this WebSocket upgrade with {n} {name} instead of 101 Switching Protocols, \
         because /lab/handshake/{n} asks it to: it shows how a client reports a handshake refused with {n}.\n"
    );
    let mut resp = (status, body).into_response();
    if status.canonical_reason().is_none() {
        resp.extensions_mut()
            .insert(hyper::ext::ReasonPhrase::from_static(b"Unassigned"));
    }
    let hs = resp.headers_mut();
    hs.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    hs.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match n {
        401 => {
            hs.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"lab\""),
            );
        }
        // RFC 9110 §10.2.1: an empty Allow means the resource allows no method at all.
        405 => {
            hs.insert(header::ALLOW, HeaderValue::from_static(""));
        }
        // RFC 9110 §15.5.22 (name the protocol to upgrade to) and RFC 6455 §4.2.2 (the versions
        // the server speaks).
        426 => {
            hs.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            hs.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
            hs.insert("sec-websocket-version", HeaderValue::from_static("13"));
        }
        429 | 503 => {
            hs.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    resp
}

async fn received(State(lab): State<Lab>, UrlPath(id): UrlPath<String>) -> Response {
    if !valid_id(&id) {
        return bad_request(BAD_ID.into());
    }
    let g = lab.inner.lock().unwrap_or_else(|e| e.into_inner());
    match g.log.get(&id) {
        Some(r) => axum::Json(r.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "no lab connection with that id\n").into_response(),
    }
}

async fn index() -> Response {
    let mut resp = (StatusCode::OK, LAB_INDEX).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

const LAB_INDEX: &str = "Close Codes lab: WebSocket endpoints that close in every way.\n\
/lab/echo                  echo\n\
/lab/close/{code}?reason=  close with that code (1000-4999; not 1005, 1006, 1015)\n\
/lab/no-status             Close frame without a code (browser: 1005)\n\
/lab/drop                  drop TCP without a Close frame (browser: 1006)\n\
/lab/bad-utf8              text message that is not UTF-8\n\
/lab/limit                 1,024-byte message limit (1009)\n\
/lab/going-away?after=N    1001 on shutdown or after N s\n\
/lab/idle?seconds=N        dropped after N idle seconds\n\
/lab/received/{id}         what the server received on ?id=\n\
/lab/handshake/{status}    answer the upgrade with that HTTP status (400-599) instead of 101\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_explain_themselves() {
        assert!(refusal(1005, "").unwrap().contains("/lab/no-status"));
        assert!(refusal(1006, "").unwrap().contains("/lab/drop"));
        assert!(refusal(1015, "").unwrap().contains("TLS"));
        assert!(refusal(999, "").is_some());
        assert!(refusal(5000, "").is_some());
        assert!(refusal(4000, &"字".repeat(42)).unwrap().contains("123"));
        assert!(refusal(4000, &"字".repeat(41)).is_none());
        assert!(refusal(1000, "").is_none());
    }

    #[test]
    fn handshake_statuses() {
        for ok in ["400", "401", "403", "426", "429", "503", "520", "599"] {
            assert_eq!(
                handshake_status(ok).map(|s| s.as_u16()),
                Ok(ok.parse().unwrap())
            );
        }
        assert!(handshake_status("101").unwrap_err().contains("/lab/echo"));
        assert!(handshake_status("407").unwrap_err().contains("proxy"));
        assert!(handshake_status("499").unwrap_err().contains("nginx"));
        for bad in [
            "200", "399", "600", "999", "0403", "+403", "abc", "", "40 3",
        ] {
            assert!(handshake_status(bad).is_err(), "{bad}");
        }
    }
}
