//! Lighthouse 12.2.3 (mobile, default settings) against the built site as published: built with a
//! `site-url` naming the address it is served on, served by `closecodes serve`. On the home page,
//! the reference table, an article and a handshake page, in both languages, it asserts
//! accessibility, best practices and SEO ≥ 95 (these three are deterministic) and no failing
//! accessibility audit (Lighthouse runs axe-core), and prints performance, which depends on the
//! machine.
//!
//! `scripts/test-all` installs Lighthouse from npm into `CLOSECODES_TOOLS` (default
//! `/var/tmp/closecodes-tools`) and Chromium from Debian.

use closecodes_tests::{bins, repo_root};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PAGES: [&str; 8] = [
    "/",
    "/codes/index.html",
    "/codes/1006.html",
    "/handshake/403.html",
    "/zh/",
    "/zh/codes/index.html",
    "/zh/codes/1006.html",
    "/zh/handshake/403.html",
];

fn lighthouse() -> PathBuf {
    let tools =
        std::env::var("CLOSECODES_TOOLS").unwrap_or_else(|_| "/var/tmp/closecodes-tools".into());
    let bin = PathBuf::from(tools).join("node_modules/.bin/lighthouse");
    assert!(
        bin.is_file(),
        "{} is missing: run scripts/test-all (it installs lighthouse@12.2.3 from npm)",
        bin.display()
    );
    bin
}

/// Lighthouse's report on `url`, as JSON.
fn report(url: &str, out: &std::path::Path) -> Value {
    let status = Command::new(lighthouse())
        .arg(url)
        .args([
            "--only-categories=performance,accessibility,best-practices,seo",
            "--output=json",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox",
        ])
        .arg(format!("--output-path={}", out.display()))
        .env("CHROME_PATH", "/usr/bin/chromium")
        .status()
        .expect("lighthouse runs");
    assert!(status.success(), "lighthouse failed on {url}");
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

#[test]
fn lighthouse_scores_every_kind_of_page_95_or_more() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let origin = format!("http://127.0.0.1:{port}");
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    closecodes_cli::site::build_with(&repo_root(), &site, Some(&origin)).unwrap();
    let mut server = Command::new(&bins().0)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--site"])
        .arg(&site)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "serve came up");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Two pages at a time (the machine has two cores); the asserted scores do not depend on speed.
    let reports: Vec<(String, Value)> = PAGES
        .chunks(2)
        .flat_map(|pair| {
            std::thread::scope(|s| {
                let runs: Vec<_> = pair
                    .iter()
                    .enumerate()
                    .map(|(i, page)| {
                        let (url, out) = (
                            format!("{origin}{page}"),
                            tmp.path().join(format!("{}-{i}.json", page.len())),
                        );
                        s.spawn(move || (page.to_string(), report(&url, &out)))
                    })
                    .collect();
                runs.into_iter()
                    .map(|r| r.join().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let _ = server.kill();
    let _ = server.wait();
    let mut failures = Vec::new();
    for (page, r) in &reports {
        let score = |c: &str| r["categories"][c]["score"].as_f64().unwrap_or(0.0) * 100.0;
        eprintln!(
            "{page:24} performance {:3.0}  accessibility {:3.0}  best practices {:3.0}  SEO {:3.0}",
            score("performance"),
            score("accessibility"),
            score("best-practices"),
            score("seo")
        );
        for c in ["accessibility", "best-practices", "seo"] {
            if score(c) < 95.0 {
                failures.push(format!("{page}: {c} {:.0}", score(c)));
            }
        }
        // Every accessibility audit that ran passed (axe-core's rules, as Lighthouse runs them).
        for a in r["categories"]["accessibility"]["auditRefs"]
            .as_array()
            .unwrap()
        {
            let audit = &r["audits"][a["id"].as_str().unwrap()];
            if audit["scoreDisplayMode"] == "binary" && audit["score"].as_f64() != Some(1.0) {
                failures.push(format!("{page}: accessibility audit {} failed", a["id"]));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
