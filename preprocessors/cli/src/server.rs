//! `closecodes serve`: the built site plus search, with every input, connection and lifetime bounded.
//!
//! [`app`] is the whole HTTP surface, a plain `Router` (tests drive it with `oneshot`):
//! - `/api/search?q=&lang=&limit=`: [`Answer`](crate::search::Answer) as JSON;
//! - `/api/codes/{n}`: one entry as in `codes.json` (a code inside a range gives the range);
//! - `/{n}`, `/codes/{n}` (and under `/zh/`): a redirect to the article, language from `?lang=`,
//!   the path or `Accept-Language`; a code inside a range lands on the range article, anchored;
//! - `/lab/…`: the close-code lab ([`crate::lab`]);
//! - everything else: files of the site only (`ServeDir` refuses `..`), its `404.html` otherwise;
//!   what it served is kept in memory while the file is unchanged ([`crate::files`]).
//!
//! One layer stack bounds every request (timeout, body size, URI length, concurrency) and adds
//! security headers; [`serve`] bounds connections (header-read timeout, lifetime, count).

use crate::search::{MAX_LIMIT, SearchIndex};
use axum::Router;
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use closecodes::registry::{Key, Lang, MAX_CODE};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::set_status::SetStatus;

/// Longest request URI accepted, in bytes.
pub const MAX_URI: usize = 2048;
/// Time allowed for one request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a client to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest life of one connection (keep-alive included).
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(300);
/// Most open connections.
pub const MAX_CONNECTIONS: usize = 512;
/// Open connections one address may hold; more are closed as soon as they are accepted, so one
/// client cannot take every slot (behind a reverse proxy every client shares the proxy's address:
/// run the proxy's own limits there).
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 64;
/// Most requests handled at once.
pub const MAX_CONCURRENT: usize = 256;

/// The site's Content-Security-Policy: mdBook's pages use inline scripts and styles of their own;
/// nothing is loaded from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

/// What the handlers share.
pub struct AppState {
    /// The search index (and the registry it was built from).
    pub index: SearchIndex,
    /// The built site's folder.
    pub site: PathBuf,
    /// The close-code lab under `/lab/`.
    pub lab: crate::lab::Lab,
}

/// The router with all routes and layers.
pub fn app(state: Arc<AppState>) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    ];
    let lab = crate::lab::routes(state.lab.clone());
    let site_and_api = Router::new()
        .route("/api/search", get(search))
        .route("/api/codes/{n}", get(code))
        .fallback({
            // The site's files, set up once: only files inside the site, the 404 page (with
            // status 404) for anything else.
            // The `.br` and `.gz` copies `closecodes build` wrote are sent to clients that
            // accept them.
            let files = ServeDir::new(&state.site)
                .append_index_html_on_directories(true)
                .precompressed_br()
                .precompressed_gzip()
                .not_found_service(ServeFile::new(state.site.join("404.html")));
            // Under /zh/, the Chinese 404 page.
            let files_zh = ServeDir::new(&state.site)
                .append_index_html_on_directories(true)
                .precompressed_br()
                .precompressed_gzip()
                .not_found_service(ServeFile::new(state.site.join("zh").join("404.html")));
            // What those two served, kept in memory (one cache for every clone of the router).
            let cache = Arc::new(crate::files::FileCache::new(&state.site));
            move |s: State<Arc<AppState>>, req: Request| {
                let files = if req.uri().path().starts_with("/zh/") {
                    files_zh.clone()
                } else {
                    files.clone()
                };
                site(s, files, cache.clone(), req)
            }
        })
        .with_state(state);
    let mut router = lab
        .merge(site_and_api)
        .layer(axum::middleware::from_fn(limit_uri))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(16 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower::limit::ConcurrencyLimitLayer::new(MAX_CONCURRENT));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

async fn limit_uri(req: Request, next: axum::middleware::Next) -> Response {
    if req.uri().to_string().len() > MAX_URI {
        return error(StatusCode::URI_TOO_LONG, "the request URI is too long");
    }
    next.run(req).await
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, json(&serde_json::json!({ "error": message }))).into_response()
}

/// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026`: the same value for a
/// JSON parser, and nothing a browser could take for markup if the body were ever sniffed as HTML
/// or pasted into a page. These characters only occur inside JSON strings.
fn json<T: serde::Serialize>(value: &T) -> Response {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    let text = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    lang: Option<String>,
    limit: Option<usize>,
}

async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(p)) = params else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected ?q=TEXT&lang=en|zh&limit=1-50",
        );
    };
    let lang = language(p.lang.as_deref(), &headers, false);
    let limit = p.limit.unwrap_or(10).clamp(1, MAX_LIMIT);
    // Search is CPU work of well under a millisecond; it runs on the request's task.
    let answer = state.index.search(&p.q, lang, limit);
    let mut resp = json(&answer);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn code(State(state): State<Arc<AppState>>, UrlPath(n): UrlPath<String>) -> Response {
    let reg = state.index.registry();
    let entry = n
        .parse::<u16>()
        .ok()
        .filter(|c| *c <= MAX_CODE)
        .and_then(|c| reg.resolve(c).map(|e| (c, e)));
    match entry {
        Some((c, e)) => {
            let mut v = closecodes::json::entry_json(reg, e);
            if e.key != Key::Code(c) {
                v["requested"] = c.into();
            }
            json(&v)
        }
        None => error(
            StatusCode::NOT_FOUND,
            "not a close code: close codes are integers 0–4999",
        ),
    }
}

/// The language for a request: `?lang=`, then the path (`/zh/…`), then `Accept-Language`.
fn language(param: Option<&str>, headers: &HeaderMap, zh_path: bool) -> Lang {
    if let Some(l) = param.and_then(Lang::from_tag) {
        return l;
    }
    if zh_path {
        return Lang::Zh;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best: Option<(f32, Lang)> = None;
    for part in accept.split(',').take(16) {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(l) = Lang::from_tag(tag)
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, l));
        }
    }
    best.map_or(Lang::En, |(_, l)| l)
}

/// `/1006`, `/codes/1006`, `/zh/1006`, `/zh/codes/1006/` → the code number and the zh prefix.
fn short_link(path: &str) -> Option<(u16, bool)> {
    let (zh, rest) = match path.strip_prefix("/zh/") {
        Some(r) => (true, r),
        None => (false, path.strip_prefix('/')?),
    };
    let rest = rest.strip_prefix("codes/").unwrap_or(rest);
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() || rest.len() > 4 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok().map(|n| (n, zh))
}

async fn site(
    State(state): State<Arc<AppState>>,
    files: ServeDir<SetStatus<ServeFile>>,
    cache: Arc<crate::files::FileCache>,
    req: Request,
) -> Response {
    if let Some((n, zh_path)) = short_link(req.uri().path()) {
        let param = req.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .map(str::to_owned)
        });
        let lang = language(param.as_deref(), req.headers(), zh_path);
        let Some(page) = state.index.registry().code_page(n) else {
            return error(
                StatusCode::NOT_FOUND,
                "not a close code: close codes are 0–4999",
            );
        };
        let prefix = if lang == Lang::Zh { "/zh/" } else { "/" };
        let to = format!("{prefix}{page}");
        let mut resp = Redirect::to(&to).into_response();
        resp.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
        return resp;
    }
    // `//codes` would make the static files' folder redirect answer `Location: //codes/`, which a
    // browser reads as another host: repeated slashes collapse first (found by fuzzing:
    // fuzz/regressions/server_router/double-slash-open-redirect).
    let mut req = req;
    if req.uri().path().contains("//") {
        let mut path = String::with_capacity(req.uri().path().len());
        for c in req.uri().path().chars() {
            if !(c == '/' && path.ends_with('/')) {
                path.push(c);
            }
        }
        let query = req
            .uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        match format!("{path}{query}").parse() {
            Ok(uri) => *req.uri_mut() = uri,
            Err(_) => return error(StatusCode::BAD_REQUEST, "not a valid path"),
        }
    }
    let path = req.uri().path().to_owned();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let key = crate::files::Key::of(&req);
    if let Some(kept) = key.as_ref().and_then(|k| cache.get(k)) {
        return caching(&path, if_none_match.as_ref(), kept);
    }
    let resp = match files.oneshot(req).await {
        Ok(r) => r.into_response(),
        Err(e) => match e {},
    };
    let resp = match key {
        Some(key) => cache.keep(key, resp).await,
        None => resp,
    };
    caching(&path, if_none_match.as_ref(), resp)
}

/// A long-lived, immutable cache for files whose name carries a hash of their content.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages (and other unhashed files) are cached but revalidated on every use: cheap with `ETag`.
pub const CACHE_REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// Whether the file name carries a content hash, as mdBook names its assets
/// (`book-609e4cb8.js`, `mark-09e88c2c.min.js`).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    name.split(['-', '.']).any(|part| {
        part.len() == 8
            && part
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && part.bytes().any(|b| b.is_ascii_digit())
    })
}

/// Cache headers on a static file's answer: `Cache-Control` by file kind, `Vary:
/// Accept-Encoding` (the body depends on it), an `ETag` from the representation's length and
/// modification time, and `304 Not Modified` when the client's `If-None-Match` names it.
fn caching(path: &str, if_none_match: Option<&HeaderValue>, mut resp: Response) -> Response {
    let status = resp.status();
    if status != StatusCode::OK && status != StatusCode::NOT_MODIFIED {
        if status == StatusCode::NOT_FOUND {
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        return resp;
    }
    let h = resp.headers_mut();
    let policy = if is_hashed(path) {
        CACHE_IMMUTABLE
    } else {
        CACHE_REVALIDATE
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let etag = match (
        h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()),
        h.get(header::LAST_MODIFIED).and_then(|v| v.to_str().ok()),
    ) {
        (Some(len), Some(date)) => {
            // `Tue, 01 Dec 2026 02:57:44 GMT` → `01Dec2026025744`.
            let when: String = date
                .split_whitespace()
                .skip(1)
                .flat_map(|p| p.chars().filter(char::is_ascii_alphanumeric))
                .collect();
            let enc = h
                .get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("identity");
            format!("\"{when}-{len}-{enc}\"")
        }
        _ => return resp,
    };
    let matches = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let Ok(value) = HeaderValue::from_str(&etag) else {
        return resp;
    };
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        let out = not_modified.headers_mut();
        for name in [
            header::CACHE_CONTROL,
            header::VARY,
            header::LAST_MODIFIED,
            header::CONTENT_ENCODING,
        ] {
            if let Some(v) = resp.headers().get(&name) {
                out.insert(name, v.clone());
            }
        }
        out.insert(header::ETAG, value);
        return not_modified;
    }
    resp.headers_mut().insert(header::ETAG, value);
    resp
}

/// Accept connections on `listener` until `shutdown` resolves, serving `app` on each with a
/// header-read timeout, a lifetime bound and a cap on open connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    serve_behind(listener, app, shutdown, None).await
}

/// [`serve`] behind a reverse proxy at `proxy`: its connections are not capped per address (every
/// client arrives through it; cap them in the proxy), and a request it forwards counts as coming
/// from the last address of its `X-Forwarded-For` (what the proxy appended), so the lab's
/// per-address cap applies to each client. From any other peer the header is ignored.
pub async fn serve_behind(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
    proxy: Option<std::net::IpAddr>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let per_address: Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>> =
        Arc::default();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            p = slots.clone().acquire_owned() => p.map_err(std::io::Error::other)?,
        };
        let (stream, remote) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // One address holds at most its share of the slots: the connection over it is closed
        // at once, and the slot it took is free again.
        let ip = remote.ip();
        let from_proxy = proxy == Some(ip);
        if !from_proxy {
            let mut held = per_address.lock().unwrap_or_else(|e| e.into_inner());
            let n = held.entry(ip).or_insert(0);
            if *n >= MAX_CONNECTIONS_PER_ADDRESS {
                drop(stream);
                continue;
            }
            *n += 1;
        }
        let release = (!from_proxy).then(|| AddressSlot {
            ip,
            table: per_address.clone(),
        });
        // Responses go out as they are written: with Nagle's algorithm a file's body would wait
        // for the ACK of its headers, which the client delays (about 40 ms per request).
        let _ = stream.set_nodelay(true);
        // Handlers see the client's address (the lab caps connections per address).
        let with_addr = tower::ServiceBuilder::new()
            .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                let client = if from_proxy {
                    forwarded_for(req.headers())
                        .map_or(remote, |ip| std::net::SocketAddr::new(ip, remote.port()))
                } else {
                    remote
                };
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(client));
                req
            })
            .service(app.clone());
        let service = hyper_util::service::TowerToHyperService::new(with_addr);
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, conn).await;
            drop(permit);
            drop(release);
        });
    }
}

/// One connection counted against its address, given back when the connection ends.
struct AddressSlot {
    ip: std::net::IpAddr,
    table: Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut held = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.ip);
            }
        }
    }
}

/// The client address a proxy appended to `X-Forwarded-For` (the last entry).
fn forwarded_for(headers: &HeaderMap) -> Option<std::net::IpAddr> {
    let all: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    all.last()?.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_links() {
        assert_eq!(short_link("/1006"), Some((1006, false)));
        assert_eq!(short_link("/codes/4123/"), Some((4123, false)));
        assert_eq!(short_link("/zh/codes/1006"), Some((1006, true)));
        assert_eq!(short_link("/codes/1006.html"), None);
        assert_eq!(short_link("/12345"), None);
        assert_eq!(short_link("/codes/"), None);
    }

    #[test]
    fn accept_language_picks_the_preferred_known_language() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr;q=1, zh-CN;q=0.9, en;q=0.5"),
        );
        assert_eq!(language(None, &h, false), Lang::Zh);
        assert_eq!(language(Some("en"), &h, true), Lang::En);
        assert_eq!(language(None, &HeaderMap::new(), false), Lang::En);
    }
}
