//! In-browser search on a static host, measured in Chromium against Pagefind on the same site.
//!
//! `cargo bench -p closecodes-tests --bench browser_search` builds the shipped site with
//! `closecodes build`, indexes a copy of it with Pagefind 1.5.2 (extended, from npm; installed into
//! `$CLOSECODES_TOOLS` when missing, as `scripts/test-all` installs Lighthouse), serves it from a
//! plain static file server that sends the build's `.br` copies, and drives headless Chromium:
//!
//! - cold first result, `CLOSECODES_RUNS` times (default 5) per engine, each in a new browser
//!   profile: on `/codes/1006.html`, what the page fetched on load, then the time from the search
//!   bar's focus to the first result on screen and the bytes the server sent before it (bodies as
//!   served, compressed);
//! - first-hit rate over every query of both suites (`tests/fixtures/relevance.tsv` and
//!   `questions.tsv`), each from a page in the query's language: the first result's page against
//!   the expected page (a code's page is where its number leads: its article, or its range).
//!   Pagefind takes most of its time (about 20 minutes); `CLOSECODES_COLD_ONLY=1` skips it.
//!
//! Nothing is asserted: the figures go in the README.

use closecodes::registry::{self, Registry};
use closecodes_tests::chromium::{set_timeouts, start_driver};
use closecodes_tests::repo_root;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The query typed for the cold first result: prose, so that no number takes the fast path.
const COLD_QUERY: &str = "websocket closed before the connection is established";

/// In the page: open the search bar, type, and wait for the first result of our engine.
const OURS_COLD_JS: &str = r#"
const [q, done] = arguments;
const engine = (n) => /\.wasm$|search-index\.bin$|search-body\/|searchindex|pagefind/.test(n);
const onLoad = performance.getEntriesByType('resource').map((e) => e.name).filter(engine);
const t0 = performance.now();
document.getElementById('mdbook-search-toggle').click(); // mdBook focuses the bar
const bar = document.getElementById('mdbook-searchbar');
bar.value = q;
bar.dispatchEvent(new Event('input'));
// Observed, not polled: the moment the result is in the page (a mutation observer runs before
// any task the page queues after rendering, such as the fetch of the pages' prose).
const seen = () => {
  const a = document.querySelector('#mdbook-searchresults li a');
  if (!a) return;
  const now = performance.now();
  obs.disconnect();
  const first = new URL(a.href).pathname;
  setTimeout(() => done({ ms: now - t0, at: performance.timeOrigin + now, first, onLoad }), 300);
};
const obs = new MutationObserver(seen);
obs.observe(document.getElementById('mdbook-searchresults-outer'), { childList: true, subtree: true });
"#;

/// In the page: Pagefind's own API, as its UI calls it, to the first result's data.
const PAGEFIND_COLD_JS: &str = r#"
const [q, done] = arguments;
const t0 = performance.now();
const pf = await import('/pagefind/pagefind.js');
await pf.init();
const s = await pf.search(q);
const first = s.results.length ? (await s.results[0].data()).url : null;
const now = performance.now();
setTimeout(() => done({ ms: now - t0, at: performance.timeOrigin + now, first }), 300);
"#;

/// In the page: the first result's URL for each query, from our engine or Pagefind's.
const FIRST_URLS_JS: &str = r#"
const [engine, queries, done] = arguments;
const out = [];
if (engine === 'ours') {
  for (let i = 0; i < 200 && !window.closecodesSearch; i++) await new Promise((r) => setTimeout(r, 50));
  for (const q of queries) {
    const a = await window.closecodesSearch(q, 1);
    out.push(a.results.length ? a.results[0].url : null);
  }
} else {
  const pf = await import('/pagefind/pagefind.js');
  await pf.init();
  for (const q of queries) {
    const s = await pf.search(q);
    out.push(s.results.length ? (await s.results[0].data()).url : null);
  }
}
done(out);
"#;

fn tools() -> PathBuf {
    std::env::var_os("CLOSECODES_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/closecodes-tools"))
}

/// Pagefind 1.5.2 from npm (its extended build, with Chinese segmentation), installed when missing.
fn pagefind() -> PathBuf {
    let bin = tools().join("node_modules/.bin/pagefind");
    if !bin.exists() {
        eprintln!(
            "== installing pagefind 1.5.2 from npm into {}",
            tools().display()
        );
        std::fs::create_dir_all(tools()).unwrap();
        let ok = std::process::Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(tools())
            .arg("pagefind@1.5.2")
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "npm install pagefind@1.5.2 failed");
    }
    bin
}

/// What the server sent since the last take: (path, body bytes as sent, when: milliseconds since
/// the Unix epoch, the clock of the page's `performance.timeOrigin`).
type Sent = Arc<Mutex<Vec<(String, u64, f64)>>>;

/// A plain static file server: files as they are, or their `.br`/`.gz` copy when the browser
/// accepts it (what a CDN or nginx with `brotli_static` does). No API. It notes each response's
/// size: a Web Worker's downloads (Pagefind's) are not in the page's resource timing.
async fn serve(site: PathBuf, sent: Sent) -> SocketAddr {
    let files = tower_http::services::ServeDir::new(site)
        .precompressed_br()
        .precompressed_gzip();
    let app = axum::Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let sent = sent.clone();
                async move {
                    let path = req.uri().path().to_owned();
                    let res = next.run(req).await;
                    let len = res
                        .headers()
                        .get(axum::http::header::CONTENT_LENGTH)
                        .and_then(|v| v.to_str().ok()?.parse().ok())
                        .unwrap_or(0);
                    let when = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
                    sent.lock().unwrap().push((path, len, when));
                    res
                }
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// The page a suite row expects, as a site path without language prefix or `.html`.
fn expected_page(reg: &Registry, expected: &str) -> String {
    let page = expected.trim_end_matches(".html");
    if let Ok(code) = page.parse::<u16>() {
        let p = reg.code_page(code).unwrap_or_default();
        return p
            .split('#')
            .next()
            .unwrap_or("")
            .trim_end_matches(".html")
            .to_owned();
    }
    if page.split('-').count() == 2 && page.split('-').all(|n| n.parse::<u16>().is_ok()) {
        return format!("codes/{page}");
    }
    page.to_owned()
}

/// A result URL as a page: no origin, no language prefix, no anchor, no `.html`.
fn page_of(url: &str) -> String {
    let path = url.split('#').next().unwrap_or("");
    let path = path.trim_start_matches('/');
    let path = path.strip_prefix("zh/").unwrap_or(path);
    path.trim_end_matches(".html").to_owned()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::var("CLOSECODES_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    closecodes_cli::site::build(&repo_root(), &site).unwrap();
    let module = site.join(closecodes_cli::site::SEARCH_MODULE);
    assert!(
        module.exists(),
        "no search module in the site: rustup target add wasm32-unknown-unknown, then rebuild"
    );
    let index = site.join(closecodes_cli::site::SEARCH_INDEX);
    let prose = site.join(closecodes_cli::site::SEARCH_PROSE);
    println!("ours: files as written by closecodes build (raw / .gz / .br):");
    for f in [&module, &index, &prose] {
        let with = |ext: &str| {
            let mut p = f.as_os_str().to_owned();
            p.push(ext);
            size(Path::new(&p))
        };
        println!(
            "  {:<24} {:>9} / {:>9} / {:>9} bytes",
            f.file_name().unwrap().to_string_lossy(),
            size(f),
            with(".gz"),
            with(".br")
        );
    }
    let started = std::time::Instant::now();
    let out = std::process::Command::new(pagefind())
        .args(["--site"])
        .arg(&site)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pagefind failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "pagefind: indexed the same site in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let sent: Sent = Arc::default();
    let addr = serve(site.clone(), sent.clone()).await;
    let page = format!("http://{addr}/codes/1006.html");

    // Cold first result, each run in a fresh profile.
    for (name, js) in [("ours", OURS_COLD_JS), ("pagefind", PAGEFIND_COLD_JS)] {
        let (mut ms, mut bytes, mut first, mut on_load) = (Vec::new(), Vec::new(), None, None);
        let (mut files, mut later) = (Value::Null, Value::Null);
        for _ in 0..runs {
            let (driver, client) = start_driver().await;
            client.goto(&page).await.unwrap();
            // Let the page settle (mode detection) as a reader would before reaching for search.
            tokio::time::sleep(Duration::from_millis(800)).await;
            sent.lock().unwrap().clear();
            let r = client
                .execute_async(js, vec![json!(COLD_QUERY)])
                .await
                .unwrap();
            let got = std::mem::take(&mut *sent.lock().unwrap());
            ms.push(r["ms"].as_f64().unwrap_or(f64::NAN));
            // Only what was sent before the result was on the page: our engine fetches the pages'
            // prose after it.
            let at = r["at"].as_f64().unwrap_or(f64::INFINITY);
            let (before, after): (Vec<_>, Vec<_>) = got.iter().partition(|(_, _, t)| *t <= at);
            bytes.push(before.iter().map(|(_, n, _)| *n as f64).sum());
            let names = |v: &[&(String, u64, f64)]| -> Value {
                v.iter().map(|(p, n, _)| json!([p, n])).collect()
            };
            later = names(&after);
            first = r["first"].as_str().map(str::to_owned);
            on_load = Some(r["onLoad"].clone());
            files = names(&before);
            client.close().await.unwrap();
            drop(driver);
        }
        println!(
            "{name}: cold focus → first result, median of {runs}: {:.0} ms (runs {:?}), {:.0} KB transferred until it; first result {}",
            median(ms.clone()),
            ms.iter().map(|m| m.round()).collect::<Vec<_>>(),
            median(bytes) / 1000.0,
            first.as_deref().unwrap_or("none"),
        );
        if name == "ours" {
            println!(
                "  engine files fetched on page load: {}",
                on_load.unwrap_or_default()
            );
        }
        println!("  fetched for the first result: {files}");
        println!("  fetched after it (within 300 ms): {later}");
    }

    if std::env::var_os("CLOSECODES_COLD_ONLY").is_some_and(|v| v == "1") {
        return;
    }
    // First-hit over both suites, from a page in each query's language.
    let reg = registry::load(&repo_root().join("data")).unwrap();
    let rows: Vec<(String, String, String, &str)> = closecodes_tests::suite_rows()
        .into_iter()
        .map(|r| (r.query, r.lang, expected_page(&reg, &r.expected), r.suite))
        .collect();
    let (driver, client) = start_driver().await;
    set_timeouts(&client, Duration::from_secs(900)).await;
    let mut table: Vec<(String, usize, usize, usize)> = Vec::new();
    for engine in ["ours", "pagefind"] {
        let mut hits = std::collections::BTreeMap::<String, (usize, usize)>::new();
        for lang in ["en", "zh"] {
            let mine: Vec<&(String, String, String, &str)> =
                rows.iter().filter(|r| r.1 == lang).collect();
            let prefix = if lang == "zh" { "zh/" } else { "" };
            client
                .goto(&format!("http://{addr}/{prefix}index.html"))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
            let queries: Vec<&str> = mine.iter().map(|r| r.0.as_str()).collect();
            let got = client
                .execute_async(FIRST_URLS_JS, vec![json!(engine), json!(queries)])
                .await
                .unwrap();
            for (row, url) in mine.iter().zip(got.as_array().unwrap()) {
                let hit = url.as_str().is_some_and(|u| page_of(u) == row.2);
                for key in [format!("{} ({lang})", row.3), format!("{} (both)", row.3)] {
                    let e = hits.entry(key).or_default();
                    e.0 += usize::from(hit);
                    e.1 += 1;
                }
            }
        }
        for (k, (h, n)) in hits {
            table.push((format!("{engine} {k}"), h, n, 0));
        }
    }
    client.close().await.unwrap();
    drop(driver);
    println!("first-hit by suite (first result on the expected page):");
    for (k, h, n, _) in table {
        println!(
            "  {k:<28} {h:>4}/{n:<4} {:.1}%",
            100.0 * h as f64 / n as f64
        );
    }
}
