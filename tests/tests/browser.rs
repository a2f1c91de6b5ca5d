//! End-to-end in a real browser: headless Debian Chromium driven by chromedriver (WebDriver) against
//! `closecodes serve`. It runs every lab scenario the data records and fails when the browser's
//! `CloseEvent` or what the server received differs from the data; it checks the site as a reader
//! uses it (language switch, search box in both languages, short links, range anchors, the try-it
//! panel, the offline panel on a static host) with no console errors; and it saves screenshots of
//! one article per language under `target/screenshots/`.
//!
//! `.ci/run` installs `chromium` and `chromium-driver` from Debian; nothing is downloaded here.

use closecodes::registry::{self, ServerSaw};
use closecodes_tests::repo_root;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain static host for the same site: no API, no lab.
async fn start_static(site: std::path::PathBuf) -> SocketAddr {
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(site));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

struct Driver {
    child: std::process::Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> (Driver, Client) {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "Chromium and chromedriver are needed: apt-get install chromium chromium-driver (.ci/run does)"
    );
    let port = free_port();
    let child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver { child, port };
    let profile = tempfile::tempdir().unwrap().keep();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())]
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not start a Chromium session: {last:?}");
}

/// Console messages of level SEVERE since the last call (chromedriver's log endpoint).
async fn console_errors(driver: &Driver, client: &Client) -> Vec<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let session = client.session_id().await.unwrap().unwrap_or_default();
    let body = r#"{"type":"browser"}"#;
    let req = format!(
        "POST /session/{session}/se/log HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", driver.port))
        .await
        .unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let json_part = out.split("\r\n\r\n").nth(1).unwrap_or("{}");
    let v: Value = serde_json::from_str(json_part).unwrap_or(Value::Null);
    v["value"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|m| m["level"] == "SEVERE")
                .map(|m| m["message"].as_str().unwrap_or("").to_owned())
                // A missing favicon is the browser's business, not the page's.
                .filter(|m| !m.contains("favicon"))
                .collect()
        })
        .unwrap_or_default()
}

const LAB_JS: &str = r#"
const [endpoint, id, done] = arguments;
const url = new URL(endpoint.replace(/^\//, ''), location.origin + '/');
url.protocol = 'ws:';
url.searchParams.set('id', id);
const ws = new WebSocket(url.href);
ws.onopen = () => { if (endpoint.startsWith('/lab/limit')) ws.send('x'.repeat(2048)); };
ws.onclose = async (ev) => {
  let r = null;
  for (let i = 0; i < 50; i++) {
    r = await (await fetch('/lab/received/' + id, { cache: 'no-store' })).json();
    if (r.state !== 'pending') break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  done({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean, server: r });
};
"#;

fn server_key(r: &Value) -> String {
    match r["state"].as_str() {
        Some("code") => r["code"].to_string(),
        Some(s) => s.to_owned(),
        None => "?".to_owned(),
    }
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn wait_for(client: &Client, js: &str, what: &str) -> Value {
    for _ in 0..60 {
        let v = client.execute(js, vec![]).await.unwrap();
        if !v.is_null() && v != Value::Bool(false) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_and_the_lab_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    closecodes_cli::site::build(&repo_root(), &site).unwrap();
    let (addr, _shutdown) = closecodes_tests::start_server(site.clone()).await;
    let static_addr = start_static(site.clone()).await;
    let (driver, client) = start_driver().await;
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(2)),
        ))
        .await
        .unwrap();
    let base = format!("http://{addr}");
    let reg = registry::load(&repo_root().join("data")).unwrap();
    let mut failures = Vec::new();

    // 1. Every lab scenario the data records, against the data.
    client
        .goto(&format!("{base}/codes/index.html"))
        .await
        .unwrap();
    let mut record = String::new();
    let mut n = 0;
    for e in reg.entries() {
        for l in &e.lab {
            n += 1;
            let id = format!("t{n}x{}", std::process::id());
            let got = client
                .execute_async(LAB_JS, vec![json!(l.endpoint), json!(id)])
                .await
                .unwrap();
            let expected_server = match l.server {
                ServerSaw::Code(c) => c.to_string(),
                ServerSaw::NoCode => "no-code".into(),
                ServerSaw::Nothing => "nothing".into(),
            };
            let (code, clean, server) = (
                got["code"].as_u64().unwrap_or(0),
                got["wasClean"].as_bool().unwrap_or(false),
                server_key(&got["server"]),
            );
            record.push_str(&format!(
                "{} {}: browser {{code: {code}, clean: {clean}}}, server {server}\n",
                e.key, l.endpoint
            ));
            if code != u64::from(l.browser.code)
                || clean != l.browser.clean
                || server != expected_server
            {
                failures.push(format!(
                    "{} {}: data says code {} clean {} server {expected_server}; Chromium saw code {code} clean {clean} reason {:?}, server {server}",
                    e.key, l.endpoint, l.browser.code, l.browser.clean, got["reason"]
                ));
            }
        }
    }
    eprintln!("lab scenarios observed in Chromium:\n{record}");
    assert!(
        n >= 15,
        "the data records at least 15 lab scenarios, found {n}"
    );

    // 2. The site as a reader uses it.
    // Language switch keeps you on the same code.
    client
        .goto(&format!("{base}/codes/1006.html"))
        .await
        .unwrap();
    click(&client, "#cc-lang-switch").await;
    wait_for(
        &client,
        "return location.pathname === '/zh/codes/1006.html'",
        "the language switch",
    )
    .await;
    click(&client, "#cc-lang-switch").await;
    wait_for(
        &client,
        "return location.pathname === '/codes/1006.html'",
        "the switch back",
    )
    .await;
    // The chosen language is remembered: arriving at a Chinese page from outside now lands on its
    // English twin.
    client
        .goto(&format!("{base}/zh/codes/1001.html"))
        .await
        .unwrap();
    wait_for(
        &client,
        "return location.pathname === '/codes/1001.html'",
        "the remembered language",
    )
    .await;
    client
        .execute("localStorage.clear()", vec![])
        .await
        .unwrap();

    // Search box, English then Chinese, first result.
    for (page, query, expected) in [
        ("/codes/1000.html", "abnormal closure", "/codes/1006.html"),
        ("/zh/codes/1000.html", "断网", "/zh/codes/1006.html"),
    ] {
        client.goto(&format!("{base}{page}")).await.unwrap();
        click(&client, "#mdbook-search-toggle").await;
        let bar = client
            .find(Locator::Css("#mdbook-searchbar"))
            .await
            .unwrap();
        bar.send_keys(query).await.unwrap();
        wait_for(
            &client,
            "const a = document.querySelector('#mdbook-searchresults li a'); return a && new URL(a.href).pathname;",
            "search results",
        )
        .await;
        // Let the debounced request for the whole query land.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let first = client.execute("return new URL(document.querySelector('#mdbook-searchresults li a').href).pathname", vec![]).await.unwrap();
        if first != json!(expected) {
            failures.push(format!(
                "search `{query}` on {page}: first result {first}, expected {expected}"
            ));
        }
    }

    // Short links and a range code.
    client.goto(&format!("{base}/1006")).await.unwrap();
    let path = client
        .execute("return location.pathname", vec![])
        .await
        .unwrap();
    assert_eq!(path, json!("/codes/1006.html"));
    client
        .goto(&format!("{base}/codes/4123.html"))
        .await
        .unwrap();
    let at = wait_for(&client, "return location.pathname.endsWith('/codes/4000-4999.html') && location.hash === '#4123' && document.querySelector('.cc-notice') && document.querySelector('.cc-notice').textContent", "the 404 router to the range").await;
    assert!(at.as_str().unwrap_or("").contains("4123"), "{at}");

    // The try-it panel shows the observed event.
    client
        .goto(&format!("{base}/codes/1000.html"))
        .await
        .unwrap();
    wait_for(
        &client,
        "return !document.querySelector('.cc-lab-try').disabled",
        "the lab panel",
    )
    .await;
    click(&client, ".cc-lab-try").await;
    let result = wait_for(&client, "const o = document.querySelector('.cc-lab-out'); return o && o.getAttribute('data-result');", "the panel's result").await;
    let result: Value = serde_json::from_str(result.as_str().unwrap()).unwrap();
    assert_eq!(result["code"], 1000, "{result}");
    assert_eq!(result["ok"], true, "{result}");

    // Screenshots of one article in each language.
    let shots = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo_root().join("target"), std::path::PathBuf::from)
        .join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (page, name) in [
        ("/codes/1006.html", "1006-en.png"),
        ("/zh/codes/1006.html", "1006-zh.png"),
    ] {
        client.goto(&format!("{base}{page}")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::write(shots.join(name), client.screenshot().await.unwrap()).unwrap();
    }
    let errors = console_errors(&driver, &client).await;
    if !errors.is_empty() {
        failures.push(format!(
            "console errors under closecodes serve: {errors:#?}"
        ));
    }

    // 3. On a static host the panel explains how to run the lab, and nothing fails loudly.
    client
        .goto(&format!("http://{static_addr}/codes/1000.html"))
        .await
        .unwrap();
    let note = wait_for(&client, "const p = document.querySelector('.cc-lab-static'); return p && !p.hidden && p.textContent;", "the offline lab note").await;
    assert!(
        note.as_str().unwrap().contains("closecodes serve"),
        "{note}"
    );

    client.close().await.unwrap();
    drop(driver);
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
