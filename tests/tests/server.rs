//! `closecodes serve` as browsers and tools use it: the API, short links, static files, limits and
//! security headers (through `oneshot`), and one real round trip over TCP on port 0.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use closecodes_cli::search::SearchIndex;
use closecodes_cli::server::{self, AppState};
use closecodes_tests::{fixture, repo_root};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// A site built from the fixture book and the shipped registry's index, once per test process.
fn state() -> Arc<AppState> {
    static STATE: OnceLock<(Arc<AppState>, tokio::sync::watch::Sender<bool>)> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap().keep();
            let site = dir.join("site");
            closecodes_cli::site::build(&fixture("book"), &site).unwrap();
            let reg = closecodes::registry::load(&repo_root().join("data")).unwrap();
            let (tx, rx) = tokio::sync::watch::channel(false);
            let state = Arc::new(AppState {
                index: SearchIndex::build(reg).unwrap(),
                site,
                lab: closecodes_cli::lab::Lab::new(rx),
            });
            (state, tx)
        })
        .0
        .clone()
}

async fn get(uri: &str, headers: &[(&str, &str)]) -> (StatusCode, axum::http::HeaderMap, String) {
    let (status, headers, body) = get_bytes(uri, headers).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn search_api_answers_in_both_languages() {
    let (s, h, body) = get("/api/search?q=1006", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/json");
    let v = json(&body);
    assert_eq!(v["results"][0]["code"], 1006);
    assert_eq!(v["results"][0]["url"], "/codes/1006.html");
    let (_, _, body) = get("/api/search?q=%E6%96%AD%E7%BD%91&lang=zh", &[]).await; // 断网
    let v = json(&body);
    assert_eq!(v["results"][0]["code"], 1006);
    assert_eq!(v["results"][0]["url"], "/zh/codes/1006.html");
    let (_, _, body) = get("/api/search?q=4123", &[]).await;
    let v = json(&body);
    assert_eq!(v["results"][0]["range"], serde_json::json!([4000, 4999]));
    assert_eq!(v["results"][0]["url"], "/codes/4000-4999.html#4123");
    let (_, _, body) = get("/api/search?q=70000", &[]).await;
    let v = json(&body);
    assert!(v["results"].as_array().unwrap().is_empty());
    assert!(v["notice"].as_str().unwrap().contains("0–4999"));
}

#[tokio::test]
async fn search_api_never_reflects_markup_and_bounds_input() {
    for q in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "field:*",
        "-1006",
        "%22",
        "close%3Cb%3E",
    ] {
        let (s, _, body) = get(&format!("/api/search?q={q}"), &[]).await;
        assert_eq!(s, StatusCode::OK, "{q}");
        assert!(
            !body.contains("<script") && !body.contains("<b>"),
            "{q}: {body}"
        );
    }
    let long = "a".repeat(3000);
    let (s, _, _) = get(&format!("/api/search?q={long}"), &[]).await;
    assert_eq!(s, StatusCode::URI_TOO_LONG);
    let (s, _, _) = get("/api/search?q=x&limit=many", &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, _, body) = get("/api/search?q=close&limit=1000", &[]).await;
    assert!(json(&body)["results"].as_array().unwrap().len() <= 50);
    // Two codes are placed before the text search; the limit still holds (found by fuzzing:
    // fuzz/regressions/search_query/two-codes-limit-1).
    let (_, _, body) = get("/api/search?q=1006%201001&limit=1", &[]).await;
    assert_eq!(
        json(&body)["results"].as_array().unwrap().len(),
        1,
        "{body}"
    );
}

#[tokio::test]
async fn code_api_resolves_ranges() {
    let (s, _, body) = get("/api/codes/1006", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)["code"], 1006);
    let (_, _, body) = get("/api/codes/4123", &[]).await;
    let v = json(&body);
    assert_eq!(v["range"], serde_json::json!([4000, 4999]));
    assert_eq!(v["requested"], 4123);
    for bad in ["9999", "abc", "-1"] {
        let (s, _, _) = get(&format!("/api/codes/{bad}"), &[]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn short_links_redirect_by_language() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        ("/1006", &[], "/codes/1006.html"),
        ("/codes/1006", &[], "/codes/1006.html"),
        ("/4123", &[], "/codes/4000-4999.html#4123"),
        ("/1006?lang=zh", &[], "/zh/codes/1006.html"),
        ("/zh/1006", &[], "/zh/codes/1006.html"),
        (
            "/1006",
            &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")],
            "/zh/codes/1006.html",
        ),
        (
            "/1006",
            &[("accept-language", "de, en;q=0.5")],
            "/codes/1006.html",
        ),
        ("/codes/3999", &[], "/codes/3000-3999.html#3999"),
        // A code that public protocols define has a page of its own.
        ("/4004", &[], "/codes/4004.html"),
        ("/zh/3500", &[], "/zh/codes/3500.html"),
    ];
    for (uri, headers, to) in cases {
        let (s, h, _) = get(uri, headers).await;
        assert!(s.is_redirection(), "{uri}: {s}");
        assert_eq!(h[header::LOCATION], *to, "{uri}");
    }
}

/// A request's answer with its body as bytes.
async fn get_bytes(
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    // One router for every request, as `serve` has: what it keeps in memory serves the next
    // request (crate::files).
    static APP: OnceLock<axum::Router> = OnceLock::new();
    let resp = APP
        .get_or_init(|| server::app(state()))
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

/// The server behaves like a CDN: the build's `.br`/`.gz` copies by `Accept-Encoding` (with
/// `Vary`), an immutable year for content-hashed assets and revalidation for pages, `ETag` and
/// `304`.
#[tokio::test]
async fn static_files_are_compressed_cached_and_revalidated() {
    let site = state().site.clone();
    let page = "/codes/1006.html";
    let on_disk = |ext: &str| std::fs::read(site.join(format!("codes/1006.html{ext}"))).unwrap();
    for (accept, encoding, ext) in [
        ("gzip, deflate, br", Some("br"), ".br"),
        ("gzip", Some("gzip"), ".gz"),
        ("identity", None, ""),
    ] {
        let (s, h, body) = get_bytes(page, &[("accept-encoding", accept)]).await;
        assert_eq!(s, StatusCode::OK, "{accept}");
        assert_eq!(
            h.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(body, on_disk(ext), "{accept}: the body is the build's file");
        assert_eq!(h[header::VARY], "Accept-Encoding");
        assert_eq!(h[header::CACHE_CONTROL], server::CACHE_REVALIDATE);
        assert!(h.contains_key(header::LAST_MODIFIED));
        // Revalidation: the same ETag answers 304 without a body; another one gets the page.
        let etag = h[header::ETAG].to_str().unwrap().to_owned();
        let (s, h2, body) = get_bytes(
            page,
            &[("accept-encoding", accept), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{accept}");
        assert!(body.is_empty());
        assert_eq!(h2[header::ETAG], etag.as_str());
        assert_eq!(h2[header::CACHE_CONTROL], server::CACHE_REVALIDATE);
        let (s, _, _) = get_bytes(
            page,
            &[("accept-encoding", accept), ("if-none-match", "\"other\"")],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    // The compressed copies are smaller, and every representation has its own ETag.
    assert!(on_disk(".br").len() * 3 < on_disk("").len());
    let (_, br, _) = get_bytes(page, &[("accept-encoding", "br")]).await;
    let (_, plain, _) = get_bytes(page, &[]).await;
    assert_ne!(br[header::ETAG], plain[header::ETAG]);
    // A content-hashed asset (mdBook fingerprints its scripts and styles) is immutable.
    let hashed = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("book-") && n.ends_with(".js"))
        .expect("a fingerprinted book-*.js");
    let (s, h, _) = get_bytes(&format!("/{hashed}"), &[("accept-encoding", "br")]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CACHE_CONTROL], server::CACHE_IMMUTABLE);
    assert_eq!(h[header::CONTENT_ENCODING], "br");
    // Not found: never cached.
    let (s, h, _) = get_bytes("/nope.html", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn static_files_and_nothing_outside_the_site() {
    let (s, h, body) = get("/codes/1006.html", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Abnormal Closure"));
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let (s, _, _) = get("/zh/codes/1006.html", &[]).await;
    assert_eq!(s, StatusCode::OK);
    for bad in [
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/codes/..%2f..%2fbook.toml",
        "/nope.html",
    ] {
        let (s, _, body) = get(bad, &[]).await;
        assert!(
            s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST,
            "{bad}: {s}"
        );
        assert!(
            !body.contains("[package]") && !body.contains("root:"),
            "{bad}"
        );
    }
    // A folder's redirect never names another host (`//codes` would be read as host `codes`;
    // found by fuzzing: fuzz/regressions/server_router/double-slash-open-redirect).
    for uri in ["//codes", "//codes?q", "///zh", "/zh//codes"] {
        let (_, h, _) = get(uri, &[]).await;
        if let Some(to) = h.get(header::LOCATION) {
            let to = to.to_str().unwrap();
            assert!(to.starts_with('/') && !to.starts_with("//"), "{uri} → {to}");
        }
    }
    let (s, _, body) = get("/codes/4123.html", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(body.contains("cc-data"), "the 404 router page");
    assert!(body.contains(r#"<html lang="en">"#), "the English 404 page");
    // Under /zh/, the Chinese one.
    let (s, _, body) = get("/zh/codes/4123.html", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        body.contains(r#"<html lang="zh">"#) && body.contains("页面不存在"),
        "the Chinese 404 page"
    );
}

/// The real server (accept loop and all) on a free loopback port: its address, the sender that
/// stops it, and its task.
async fn serve_on_port_0() -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, server::app(state()), async {
        let _ = stopped.await;
    }));
    (addr, stop, task)
}

#[tokio::test]
async fn a_real_round_trip_on_port_0() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (addr, stop, task) = serve_on_port_0().await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /api/search?q=1001 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
    assert!(buf.contains("\"code\":1001"), "{buf}");
    // A client that never finishes its headers is cut off, not kept forever.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(server::HEADER_TIMEOUT * 2, slow.read_to_end(&mut rest)).await;
    assert!(
        read.is_ok(),
        "the server closes a connection whose headers never end"
    );
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

/// One address opening 1,000 idle connections holds at most its share of the server; a reader
/// from another address is still answered within a second.
#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (addr, stop, task) = serve_on_port_0().await;
    // 1,000 idle connections from 127.0.0.1 (the server closes those over its per-address cap).
    let mut idle = Vec::new();
    for _ in 0..1_000 {
        if let Ok(s) = tokio::net::TcpStream::connect(addr).await {
            idle.push(s);
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // Another reader, from 127.0.0.2.
    let started = std::time::Instant::now();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    s.write_all(b"GET /api/search?q=1006 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(1),
        s.read_to_string(&mut buf),
    )
    .await
    .expect("answered within a second")
    .unwrap();
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // Most of the idle connections were closed by the server: reading them ends at once.
    let mut closed = 0;
    for s in idle.iter_mut().take(200) {
        let mut b = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(std::time::Duration::from_millis(5), s.read(&mut b)).await
        {
            closed += 1;
        }
    }
    assert!(
        closed >= 100,
        "only {closed} of 200 idle connections were refused"
    );
    drop(idle);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}
