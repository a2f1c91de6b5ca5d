//! Search benchmarks (issue: search). Run with `cargo bench -p closecodes-tests --bench search`;
//! prints a Markdown table for the README.
//!
//! 1. Index build time on the shipped data and on a generated registry of 5,000 entries.
//! 2. In-process query latency, snippets included, p50/p99 over the relevance queries repeated
//!    (goals: p99 < 0.25 ms shipped, < 2 ms at 5,000 entries).
//! 3. `closecodes explain 1006` and `closecodes search` against `rustc --explain E0308`,
//!    alternated (goal for explain ≤ 0.2×, peak RSS ≤ 6 MiB); `closecodes serve` ready to answer
//!    (goal ≤ 150 ms).
//! 4. HTTP with `wrk` (2 threads, 64 connections): `/api/search` and a static page (goal ≥ 5,000
//!    requests/s, p99 < 10 ms), then RSS after 1 minute and after 5 minutes of load
//!    (`CLOSECODES_SOAK_SECS` shortens the soak; 0 skips it).

use closecodes::registry::{self, Lang, Registry};
use closecodes_cli::search::SearchIndex;
use closecodes_tests::{bins, repo_root};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// The allocator of the `closecodes` binary (its `main.rs`), so that in-process figures are the
// binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn queries() -> Vec<(String, Lang)> {
    let tsv = std::fs::read_to_string(repo_root().join("tests/fixtures/relevance.tsv")).unwrap();
    tsv.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some((c.first()?.to_string(), Lang::from_tag(c.get(1)?)?))
        })
        .collect()
}

/// `n` generated codes, one file each as in `data/codes/` (one file of 5,000 entries would exceed
/// the parser's per-file budget, which is there for hostile files).
fn generated(n: u16) -> Registry {
    let mut files: Vec<(String, String)> = Vec::new();
    for c in 0..n {
        files.push((format!("codes/{c}.yaml"), format!(
            "- code: {c}\n  name: Generated {c}\n  status: private-use\n  wire: true\n  script: false\n  errors: [{{runtime: go-gorilla, text: 'websocket: close {c} (generated {c})', source: 'https://example.org/{c}'}}]\n  en:\n    title: Generated condition {c}\n    summary: The server closed the session because generated condition {c} occurred.\n    explanation: |\n      Condition {c} happens when a client sends data that the policy table rejects. Reconnect\n      with exponential backoff, log the reason, and check the server's limits and proxies.\n    causes: |\n      - Condition {c} in the gateway; a proxy idle timeout; a message that was too big.\n  zh:\n    title: 生成的条件 {c}\n    summary: 服务器因生成的条件 {c} 关闭了会话。\n    explanation: |\n      当客户端发送的数据被策略表拒绝时出现条件 {c}。请用指数退避重连，记录关闭原因，并检查服务器的限制和代理。\n"
        )));
    }
    // The runtime the error texts name, with its names for the standard codes.
    let mut rt = String::from(
        "- runtime: go-gorilla\n  label: gorilla\n  kind: both\n  language: Go\n  repository: https://example.org/g\n  en: {summary: Go.}\n  zh: {summary: Go。}\n  constants:\n",
    );
    for c in 1000..=1015 {
        rt.push_str(&format!(
            "    {c}: {{name: websocket.CloseGenerated{c}, source: 'https://example.org/{c}'}}\n"
        ));
    }
    files.push(("runtimes/go-gorilla.yaml".to_owned(), rt));
    registry::load_sources(
        files
            .iter()
            .map(|(p, t)| (Path::new(p.as_str()), t.as_str())),
    )
    .unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn latency(ix: &SearchIndex, qs: &[(String, Lang)], rounds: usize) -> (Duration, Duration) {
    let mut t = Vec::with_capacity(qs.len() * rounds);
    for _ in 0..rounds {
        for (q, lang) in qs {
            let s = Instant::now();
            std::hint::black_box(ix.search(q, *lang, 10));
            t.push(s.elapsed());
        }
    }
    t.sort();
    (percentile(&t, 0.5), percentile(&t, 0.99))
}

fn median_build(reg: &Registry, runs: usize) -> Duration {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let r = reg.clone();
            let s = Instant::now();
            std::hint::black_box(SearchIndex::build(r).unwrap());
            s.elapsed()
        })
        .collect();
    t.sort();
    t[t.len() / 2]
}

/// The HTTP status of `GET path` on `addr`, or `None` when nothing answers yet.
fn status(addr: &str, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    c.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Peak resident memory of one run, in KiB, as GNU time reports it.
fn peak_rss_kib(bin: &Path, args: &[&str]) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(args)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .last()?
        .parse()
        .ok()
}

fn wall(cmd: &mut Command) -> Duration {
    let s = Instant::now();
    let st = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "{cmd:?}");
    s.elapsed()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Requests/s and p99 latency (ms) from `wrk --latency` output.
fn wrk(url: &str, secs: u64) -> Option<(f64, f64)> {
    let out = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{secs}s"), "--latency", url])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))?
        .trim()
        .to_owned();
    let ms = if let Some(v) = p99.strip_suffix("us") {
        v.parse::<f64>().ok()? / 1000.0
    } else if let Some(v) = p99.strip_suffix("ms") {
        v.parse::<f64>().ok()?
    } else {
        p99.strip_suffix('s')?.parse::<f64>().ok()? * 1000.0
    };
    Some((rps, ms))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let root = repo_root();
    let shipped = registry::load(&root.join("data")).unwrap();
    let big = generated(5000);
    let qs = queries();
    println!("| benchmark | result |");
    println!("|---|---|");

    // 1–2. In-process.
    for (name, reg) in [
        ("shipped data", &shipped),
        ("5,000 generated entries", &big),
    ] {
        let build = median_build(reg, if reg.entries().len() > 1000 { 3 } else { 20 });
        let ix = SearchIndex::build(reg.clone()).unwrap();
        let rounds = if reg.entries().len() > 1000 { 5 } else { 50 };
        let (p50, p99) = latency(&ix, &qs, rounds);
        let pages = closecodes_cli::docs::documents(reg, &closecodes_cli::guides::embedded()).len();
        println!(
            "| index build, {name} ({} registry entries, {pages} pages indexed) | {:.1} ms |",
            reg.entries().len(),
            build.as_secs_f64() * 1e3
        );
        println!(
            "| query latency with snippets, {name}: p50 / p99 ({} queries) | {} / {} |",
            qs.len() * rounds,
            us(p50),
            us(p99)
        );
    }

    // 3. explain (and search) against rustc --explain, alternated.
    let (closecodes, _) = bins().clone();
    let (mut ours, mut search, mut rustc) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..15 {
        ours.push(wall(Command::new(&closecodes).args(["explain", "1006"])));
        rustc.push(wall(Command::new("rustc").args(["--explain", "E0308"])));
        search.push(wall(
            Command::new(&closecodes).args(["search", "abnormal closure"]),
        ));
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    let (o, s, r) = (median(&mut ours), median(&mut search), median(&mut rustc));
    println!(
        "| `closecodes explain 1006` / `rustc --explain E0308` (median wall time) | {:.1} ms / {:.1} ms = {:.2}× |",
        o * 1e3,
        r * 1e3,
        o / r
    );
    println!(
        "| `closecodes search 'abnormal closure'` / `rustc --explain E0308` (median wall time) | {:.1} ms / {:.1} ms = {:.2}× |",
        s * 1e3,
        r * 1e3,
        s / r
    );
    for (name, args) in [
        ("explain 1006", &["explain", "1006"][..]),
        (
            "search 'abnormal closure'",
            &["search", "abnormal closure"][..],
        ),
    ] {
        match peak_rss_kib(&closecodes, args) {
            Some(kib) => println!(
                "| `closecodes {name}` peak RSS | {:.1} MiB |",
                kib as f64 / 1024.0
            ),
            None => println!("| `closecodes {name}` peak RSS | GNU time not found |"),
        }
    }

    // 4. HTTP.
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("| HTTP | skipped: `wrk` is not installed (`apt-get install wrk`) |");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let st = Command::new(&closecodes)
        .args(["build", "--out"])
        .arg(&site)
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(st.success());
    let addr = "127.0.0.1:39417";
    let serve = || {
        Command::new(&closecodes)
            .args(["serve", "--addr", addr, "--site"])
            .arg(&site)
            .current_dir(&root)
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Ready: from spawning `serve --site` to the first `/api/search` answered 200, 5 starts.
    let mut ready = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut server = serve();
        while status(addr, "/api/search?q=abnormal") != Some(200) {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "serve never answered"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        ready.push(t.elapsed());
        let _ = server.kill();
        let _ = server.wait();
    }
    println!(
        "| `closecodes serve --site` ready (spawn to first `/api/search` 200, median of 5) | {:.1} ms |",
        median(&mut ready) * 1e3
    );
    let mut server = serve();
    std::thread::sleep(Duration::from_millis(800));
    for (name, path) in [
        (
            "/api/search?q=abnormal+closure",
            "/api/search?q=abnormal%20closure",
        ),
        ("static page /codes/1006.html", "/codes/1006.html"),
    ] {
        match wrk(&format!("http://{addr}{path}"), 10) {
            Some((rps, p99)) => println!(
                "| HTTP {name}, 64 connections, 10 s | {rps:.0} requests/s, p99 {p99:.2} ms |"
            ),
            None => println!("| HTTP {name} | wrk failed |"),
        }
    }
    let soak: u64 = std::env::var("CLOSECODES_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    if soak > 0 {
        let first = soak.min(60);
        let _ = wrk(&format!("http://{addr}/api/search?q=1006"), first);
        let rss1 = rss_kib(server.id());
        if soak > first {
            let _ = wrk(
                &format!("http://{addr}/api/search?q=%E6%96%AD%E7%BD%91&lang=zh"),
                soak - first,
            );
        }
        let rss2 = rss_kib(server.id());
        println!(
            "| server RSS after {first} s / after {soak} s of load | {:.1} MiB / {:.1} MiB |",
            rss1 as f64 / 1024.0,
            rss2 as f64 / 1024.0
        );
    }
    let _ = server.kill();
    let _ = server.wait();
}
