//! End-to-end in a real browser: headless Debian Chromium driven by chromedriver (WebDriver) against
//! `closecodes serve`. It runs every lab scenario the data records and fails when the browser's
//! `CloseEvent` or what the server received differs from the data; it opens every handshake failure
//! the data records a `lab` field for and fails when the page's events (`error`, then `close`), the
//! `CloseEvent` or Chromium's console line differ from the data; it checks the site as a reader
//! uses it (language switch, search box in both languages, short links, range anchors, the try-it
//! panel, the offline panel on a static host) with no console errors; and it saves screenshots of
//! one article per language under `target/screenshots/`.
//!
//! `.ci/run` installs `chromium` and `chromium-driver` from Debian; nothing is downloaded here.

use closecodes::registry::{self, Lang, ServerSaw};
use closecodes_tests::chromium::{Driver, set_timeouts, start_driver};
use closecodes_tests::repo_root;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

/// A plain static host for the same site: no API, no lab.
async fn start_static(site: std::path::PathBuf) -> SocketAddr {
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(site));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Chromium's console messages since the last call: chromedriver's `/se/log` endpoint with type
/// `browser` (the session asks for them with `goog:loggingPrefs`), each `{level, message, source}`.
/// Spoken as HTTP/1.1 with a `Content-Length` read: chromedriver 156 gives an HTTP/1.0 request an
/// empty reply, and keeps a 1.1 connection open even with `Connection: close`.
async fn browser_log(driver: &Driver, client: &Client) -> Vec<Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let session = client.session_id().await.unwrap().unwrap_or_default();
    let body = r#"{"type":"browser"}"#;
    let req = format!(
        "POST /session/{session}/se/log HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", driver.port))
        .await
        .unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let read = async {
        loop {
            if let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok());
                if let Some(len) = len
                    && out.len() >= end + 4 + len
                {
                    return String::from_utf8_lossy(&out[end + 4..end + 4 + len]).into_owned();
                }
            }
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                return String::new();
            }
            out.extend_from_slice(&buf[..n]);
        }
    };
    let text = tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let entries = v["value"].as_array();
    assert!(
        entries.is_some(),
        "chromedriver's browser log did not answer with a list: {text:?}"
    );
    entries.cloned().unwrap_or_default()
}

/// Console messages of level SEVERE since the last call.
async fn console_errors(driver: &Driver, client: &Client) -> Vec<String> {
    browser_log(driver, client)
        .await
        .iter()
        .filter(|m| m["level"] == "SEVERE")
        .map(|m| m["message"].as_str().unwrap_or("").to_owned())
        // A missing favicon is the browser's business, not the page's.
        .filter(|m| !m.contains("favicon"))
        .collect()
}

/// The WebSocket lines of Chromium's console since the last call, as the console shows them (the
/// log prefixes each with the page URL and line), with `host` written as `HOST`.
async fn websocket_console(driver: &Driver, client: &Client, host: &str) -> Vec<String> {
    browser_log(driver, client)
        .await
        .iter()
        .filter_map(|m| {
            let text = m["message"].as_str()?;
            let at = text.find("WebSocket connection to ")?;
            Some(text[at..].replace(host, "HOST"))
        })
        .collect()
}

/// Open `endpoint` from the page and report the events its script sees, in order, and the
/// `CloseEvent`.
const HANDSHAKE_JS: &str = r#"
const [endpoint, done] = arguments;
const events = [];
const ws = new WebSocket('ws://' + location.host + endpoint);
ws.onopen = () => events.push('open');
ws.onerror = () => events.push('error');
ws.onclose = (ev) => {
  events.push('close');
  done({ events, code: ev.code, reason: ev.reason, wasClean: ev.wasClean });
};
"#;

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

/// Open the search bar (as a reader does, with its button) and type `text` into it.
async fn search_for(client: &Client, text: &str) {
    click(client, "#mdbook-search-toggle").await;
    client
        .find(Locator::Css("#mdbook-searchbar"))
        .await
        .unwrap()
        .send_keys(text)
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
    set_timeouts(&client, Duration::from_secs(30)).await;
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

    // 1b. Every handshake failure the lab can produce: the page's events and Chromium's console
    // line against the data's `lab` field. A status page without one is measured too and its
    // block printed, ready to paste.
    let host = addr.to_string();
    // Start from an empty log. The lab scenarios above may log their own failures (the text message
    // that is not UTF-8 does); any other error is the site's.
    let lab_line = format!("WebSocket connection to 'ws://{host}/lab/");
    for m in browser_log(&driver, &client).await {
        let text = m["message"].as_str().unwrap_or("");
        if m["level"] == "SEVERE" && !text.contains(&lab_line) && !text.contains("favicon") {
            failures.push(format!("console error during the lab scenarios: {text}"));
        }
    }
    let mut record = String::new();
    let mut recorded = 0;
    for h in reg.handshakes() {
        let own = h
            .key
            .status()
            .map(|s| format!("/lab/handshake/{s}"))
            .filter(|_| closecodes_cli::lab::handshake_status(&h.key.slug()).is_ok());
        let endpoint = match (&h.lab, &own) {
            (Some(l), _) => l.endpoint.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => continue,
        };
        let got = client
            .execute_async(HANDSHAKE_JS, vec![json!(endpoint)])
            .await
            .unwrap();
        let events: Vec<&str> = got["events"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let (code, clean) = (
            got["code"].as_u64().unwrap_or(0),
            got["wasClean"].as_bool().unwrap_or(true),
        );
        // The console line can trail the close event; wait for it a little.
        let mut console = Vec::new();
        for _ in 0..20 {
            console.extend(websocket_console(&driver, &client, &host).await);
            if !console.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let line = console.first().cloned().unwrap_or_default();
        record.push_str(&format!(
            "handshake/{}: events {events:?}\n  lab:\n    endpoint: {endpoint}\n    browser: {{code: {code}, clean: {clean}}}\n    console: {line:?}\n",
            h.key.slug()
        ));
        // WHATWG: a failed handshake fails the WebSocket connection: `error`, then `close`.
        if events != ["error", "close"] {
            failures.push(format!(
                "handshake/{} {endpoint}: the page saw {events:?}, expected [\"error\", \"close\"]",
                h.key.slug()
            ));
        }
        if console.len() != 1 {
            failures.push(format!(
                "handshake/{} {endpoint}: expected one WebSocket console line, got {console:#?}",
                h.key.slug()
            ));
        }
        let Some(l) = &h.lab else { continue };
        recorded += 1;
        if own.as_deref() != Some(l.endpoint.as_str()) {
            failures.push(format!(
                "handshake/{}: the lab endpoint is {}, expected {own:?}",
                h.key.slug(),
                l.endpoint
            ));
        }
        if code != u64::from(l.browser.code) || clean != l.browser.clean || line != l.console {
            failures.push(format!(
                "handshake/{} {endpoint}: data says code {} clean {} console {:?}; Chromium saw code {code} clean {clean} reason {:?} console {line:?}",
                h.key.slug(),
                l.browser.code,
                l.browser.clean,
                l.console,
                got["reason"]
            ));
        }
    }
    eprintln!("handshake failures observed in Chromium:\n{record}");
    assert!(
        recorded >= 11,
        "the data records at least 11 handshake lab scenarios, found {recorded}"
    );

    // 2. The site as a reader uses it.
    client
        .goto(&format!("{base}/codes/1006.html"))
        .await
        .unwrap();
    // The sidebar toggle is a button (a label may not carry aria-expanded) that still opens and
    // closes the sidebar, and says which it is; the fold toggles are buttons with a name.
    let sidebar = "return [document.getElementById('mdbook-sidebar-toggle').tagName, document.documentElement.classList.contains('sidebar-visible'), document.getElementById('mdbook-sidebar-toggle').getAttribute('aria-expanded')]";
    let before = client.execute(sidebar, vec![]).await.unwrap();
    assert_eq!(before[0], "BUTTON", "{before}");
    for _ in 0..2 {
        let was = client.execute(sidebar, vec![]).await.unwrap()[1].clone();
        click(&client, "#mdbook-sidebar-toggle").await;
        let now = wait_for(
            &client,
            &format!("var s = (function () {{ {sidebar} }})(); return s[1] !== {was} && s;"),
            "the sidebar toggle",
        )
        .await;
        assert_eq!(
            now[2],
            json!((!was.as_bool().unwrap()).to_string()),
            "{now}"
        );
        // The menu bar slides with the sidebar (a 0.3 s transition); a click during it can land
        // on the title that moves over the button.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let folds = client
        .execute(
            "return Array.from(document.querySelectorAll('a.chapter-fold-toggle')).every(a => a.getAttribute('role') === 'button' && a.getAttribute('aria-label'))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(folds, json!(true));
    // Language switch keeps you on the same code.
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
        search_for(&client, query).await;
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
    // `/codes/4123.html` does not exist: the site answers with its 404 page (status 404), whose
    // router script moves on to the range. Chromium logs that status; it is the design.
    let routed = format!(
        "http://{addr}/codes/4123.html - Failed to load resource: the server responded with a status of 404"
    );
    let errors: Vec<String> = console_errors(&driver, &client)
        .await
        .into_iter()
        .filter(|m| !m.starts_with(&routed))
        .collect();
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
    // The number fast path on a static host knows the codes protocols define.
    search_for(&client, "4004").await;
    // codes.json loads on first use; the list is redrawn when it arrives.
    let first = wait_for(
        &client,
        "const a = document.querySelector('#mdbook-searchresults li a'); return a && new URL(a.href).pathname === '/codes/4004.html' && a.href;",
        "the static number fast path to /codes/4004.html",
    )
    .await;
    assert!(
        first.as_str().unwrap_or("").ends_with("/codes/4004.html"),
        "{first}"
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

/// Runs in the page: the text of `main` as Chromium lays it out (code replaced by a mark that is
/// neither Han nor Latin), and every place that breaks the site's Chinese spacing rule: a space
/// between two Han characters, between Han and full-width punctuation, or no space between Han and
/// a Latin letter or digit.
const ZH_SPACING_JS: &str = r#"
const main = document.querySelector('main');
main.querySelectorAll('pre, code, kbd, .cc-card-status').forEach(e => e.replaceWith('\u25A1'));
const text = main.innerText;
const han = '\\p{Script=Han}';
const punct = '，。：；（）“”、？！';
const rules = [
  ['space between Han characters', new RegExp(`${han}[ \u00a0]+${han}`, 'gu')],
  ['space before full-width punctuation', new RegExp(`${han}[ \u00a0]+[${punct}]`, 'gu')],
  ['space after full-width punctuation', new RegExp(`[${punct}][ \u00a0]+${han}`, 'gu')],
  ['no space between Han and Latin', new RegExp(`${han}[A-Za-z0-9]|[A-Za-z0-9]${han}`, 'gu')],
];
const found = [];
for (const [name, re] of rules) {
  for (const m of text.matchAll(re)) {
    found.push(`${name}: …${text.slice(Math.max(0, m.index - 10), m.index + m[0].length + 10).replace(/\n/g, '⏎')}…`);
  }
}
return found;
"#;

/// Every Chinese page as Chromium renders it follows the spacing rule (data/README.md): no stray
/// space next to Han text or full-width punctuation, and a space between Han and Latin or digits.
#[tokio::test]
async fn chinese_pages_follow_the_spacing_rule_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    closecodes_cli::site::build(&repo_root(), &site).unwrap();
    let addr = start_static(site.clone()).await;
    let (driver, client) = start_driver().await;
    let pages: Vec<String> = closecodes_tests::html_files(&site.join("zh"))
        .into_iter()
        .map(|p| {
            p.strip_prefix(&site)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|rel| {
            !["print.html", "404.html", "toc.html"]
                .iter()
                .any(|x| rel.ends_with(x))
        })
        .collect();
    assert!(pages.len() > 100, "{} zh pages", pages.len());
    let mut problems = Vec::new();
    let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    // Pages that describe themselves (codes, handshake failures, protocols, guides).
    let own = |rel: &str| {
        ["codes/", "handshake/", "protocols/", "guides/"]
            .iter()
            .any(|d| rel.starts_with(&format!("zh/{d}")))
            && !rel.ends_with("index.html")
    };
    let mut site_descriptions = std::collections::BTreeSet::new();
    let mut own_descriptions: Vec<(String, String)> = Vec::new();
    for rel in &pages {
        client.goto(&format!("http://{addr}/{rel}")).await.unwrap();
        let found = client.execute(ZH_SPACING_JS, vec![]).await.unwrap();
        for f in found.as_array().into_iter().flatten() {
            problems.push(format!("{rel}: {}", f.as_str().unwrap_or("")));
        }
        // What a search engine and a link preview read, as Chromium parsed it.
        let head = client
            .execute(
                "const d = n => (document.querySelector(n) || {}).content || ''; return [document.title, d('meta[name=description]'), d('meta[property=\"og:description\"]'), document.documentElement.lang];",
                vec![],
            )
            .await
            .unwrap();
        let head: Vec<String> = head
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_owned())
            .collect();
        let (title, description, og, lang) = (&head[0], &head[1], &head[2], &head[3]);
        if !title.ends_with("WebSocket 关闭码") || !han(title) {
            problems.push(format!("{rel}: title {title:?}"));
        }
        if !han(description) || description != og {
            problems.push(format!("{rel}: description {description:?} / og {og:?}"));
        }
        if lang != "zh" {
            problems.push(format!("{rel}: lang {lang:?}"));
        }
        if own(rel) {
            own_descriptions.push((rel.clone(), description.clone()));
        } else {
            site_descriptions.insert(description.clone());
        }
        // The English twin: an English description; a page that describes itself does so in both.
        let twin =
            std::fs::read_to_string(site.join(rel.trim_start_matches("zh/"))).unwrap_or_default();
        let en = twin
            .split(r#"<meta name="description" content=""#)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("");
        if en.is_empty() || han(en) {
            problems.push(format!("{rel}: English twin description {en:?}"));
        }
    }
    // Pages that describe themselves do not carry the site's description.
    for (rel, d) in &own_descriptions {
        if site_descriptions.contains(d) {
            problems.push(format!("{rel}: the site's description, not its own"));
        }
    }
    client.close().await.unwrap();
    drop(driver);
    assert!(
        problems.is_empty(),
        "{} spacing problems on {} pages:\n{}",
        problems.len(),
        pages.len(),
        problems.join("\n")
    );
}

/// Runs in the page: every query of `arguments[0]` (`[query, lang]`) through the in-browser engine
/// of a page in that language, opened in an iframe each, as the answers `/api/search` sends.
const ENGINE_JS: &str = r#"
const [queries, done] = arguments;
const out = [];
for (const [q, lang] of queries) {
  out.push(await window.__engines[lang](q, 10));
}
done(out);
"#;

/// The site `closecodes build` writes, on a plain static host (no API): the search engine runs in
/// the page, compiled to WebAssembly, and answers every query of both suites exactly as
/// `/api/search` does; nothing of it is fetched before the reader focuses the search bar, and
/// mdBook's own index is never fetched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_engine_runs_in_the_page_on_a_static_host() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    closecodes_cli::site::build(&repo_root(), &site).unwrap();
    assert!(
        site.join(closecodes_cli::site::SEARCH_MODULE).exists(),
        "the build wrote no search module: is the wasm32 target installed (rustup target add wasm32-unknown-unknown)?"
    );
    let (api, _shutdown) = closecodes_tests::start_server(site.clone()).await;
    let host = start_static(site.clone()).await;
    let (driver, client) = start_driver().await;
    set_timeouts(&client, Duration::from_secs(120)).await;
    let fetched =
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);";
    let engine_files = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| p.ends_with(".wasm") || p.ends_with(".bin") || p.contains("searchindex"))
            .map(str::to_owned)
            .collect()
    };

    // Lazy: a page loads nothing of the engine, focusing the bar loads the module and the index.
    client
        .goto(&format!("http://{host}/codes/1006.html"))
        .await
        .unwrap();
    wait_for(
        &client,
        "return document.readyState === 'complete';",
        "the page",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = client.execute(fetched, vec![]).await.unwrap();
    assert!(
        engine_files(&before).is_empty(),
        "fetched on page load: {:?}",
        engine_files(&before)
    );
    search_for(
        &client,
        "websocket closed before the connection is established",
    )
    .await;
    let first = wait_for(
        &client,
        "const a = document.querySelector('#mdbook-searchresults li a'); return a && document.querySelector('#mdbook-searchresults li .teaser mark') && new URL(a.href).pathname;",
        "the first result from the engine in the page",
    )
    .await;
    // The pages' prose follows the first answer: it is asked for only once the module and the
    // index (all the first answer needs) are in.
    let times = wait_for(
        &client,
        "const r = performance.getEntriesByType('resource');
const t = (n) => { const e = r.find((e) => e.name.endsWith(n)); return e ? [e.startTime, e.responseEnd] : null; };
const p = t('/search-prose.bin');
return p && p[1] > 0 && [t('/closecodes-search.wasm'), t('/search-index.bin'), p];",
        "the pages' prose, after the first answer",
    )
    .await;
    let at = |i: usize, j: usize| times[i][j].as_f64().unwrap();
    assert!(
        at(2, 0) >= at(0, 1) && at(2, 0) >= at(1, 1),
        "the prose was asked for before the module and the index were in: {times}"
    );
    let after = client.execute(fetched, vec![]).await.unwrap();
    let mut loaded = engine_files(&after);
    loaded.sort();
    // The body shards the query's words fall in (and only those), then the three files.
    let shards: Vec<String> = loaded
        .iter()
        .filter(|p| p.starts_with("/search-body/"))
        .cloned()
        .collect();
    let mut opened = closecodes_cli::search::SearchIndex::from_bytes(
        &std::fs::read(site.join(closecodes_cli::site::SEARCH_INDEX)).unwrap(),
    )
    .unwrap();
    let mut needed = Vec::new();
    loop {
        opened.search(
            "websocket closed before the connection is established",
            Lang::En,
            10,
        );
        let need = opened.missing_shards();
        if need.is_empty() {
            break;
        }
        for k in need {
            let file = closecodes_cli::search::shard_file(k);
            opened
                .attach_shard(&std::fs::read(site.join(&file)).unwrap())
                .unwrap();
            needed.push(format!("/{file}"));
        }
    }
    needed.sort();
    assert_eq!(shards, needed, "the body shards fetched");
    loaded.retain(|p| !p.starts_with("/search-body/"));
    assert_eq!(
        loaded,
        [
            "/closecodes-search.wasm",
            "/search-index.bin",
            "/search-prose.bin"
        ],
        "after focus, of the engine and mdBook's index"
    );
    let api_first = api_answer(
        api,
        "websocket closed before the connection is established",
        "en",
    );
    assert_eq!(
        first.as_str(),
        api_first["results"][0]["url"].as_str(),
        "first result in the page and from the API"
    );

    // The same answers as /api/search for both suites, both languages, from pages of each.
    let queries: Vec<(String, String)> = closecodes_tests::suite_rows()
        .into_iter()
        .map(|r| (r.query, r.lang))
        .collect();
    assert!(queries.len() > 400, "{} queries", queries.len());
    // Each language's engine from a page of that language (its answers carry its URLs).
    client
        .execute_async(
            r#"const done = arguments[0];
const open = (src) => new Promise((ok) => { const f = document.createElement('iframe'); f.src = src; f.onload = () => ok(f.contentWindow); document.body.append(f); });
const wait = async (w) => { for (let i = 0; i < 100 && !w.closecodesSearch; i++) await new Promise((r) => setTimeout(r, 50)); return w.closecodesSearch; };
Promise.all([open('/index.html'), open('/zh/index.html')]).then(async ([en, zh]) => {
  window.__engines = { en: await wait(en), zh: await wait(zh) };
  done(!!(window.__engines.en && window.__engines.zh));
});"#,
            vec![],
        )
        .await
        .unwrap();
    let mut differ = Vec::new();
    for chunk in queries.chunks(100) {
        let got = client
            .execute_async(ENGINE_JS, vec![json!(chunk)])
            .await
            .unwrap();
        for ((q, lang), page) in chunk.iter().zip(got.as_array().unwrap()) {
            let want = api_answer(api, q, lang);
            if page["results"] != want["results"] || page["notice"] != want["notice"] {
                differ.push(format!(
                    "{lang} {q:?}\n  page: {}\n  api:  {}",
                    urls(page),
                    urls(&want)
                ));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} queries answered differently in the page:\n{}",
        differ.len(),
        queries.len(),
        differ.join("\n")
    );

    // A number jumps to its article, in Chinese too.
    client
        .goto(&format!("http://{host}/zh/index.html"))
        .await
        .unwrap();
    search_for(&client, "1006\n").await;
    wait_for(
        &client,
        "return location.pathname === '/zh/codes/1006.html';",
        "Enter on 1006 opening the Chinese article",
    )
    .await;
    // The pages ask once whether `closecodes serve` is behind them (the search API and the lab);
    // a static host answers 404, which Chromium logs. Nothing else may fail.
    let errors: Vec<String> = console_errors(&driver, &client)
        .await
        .into_iter()
        .filter(|e| {
            !(e.contains("/api/search?q=1000&") || e.contains("/lab/ ")) || !e.contains(" 404 ")
        })
        .collect();
    client.close().await.unwrap();
    drop(driver);
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

/// `/api/search`'s answer to `q` in `lang`, as JSON.
fn api_answer(api: SocketAddr, q: &str, lang: &str) -> Value {
    let mut enc = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    let raw = closecodes_tests::http_get(
        api.port(),
        &format!("/api/search?q={enc}&lang={lang}&limit=10"),
    )
    .expect("the API answers");
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{q:?}: {e}: {raw}"))
}

/// The result URLs of an answer, for a message.
fn urls(a: &Value) -> String {
    a["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|h| h["url"].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}
