//! The real `closecodes serve` process under floods and rebuilds: 10,000 lab connection attempts
//! from one address leave its memory within 20 MiB of where it started and other readers served;
//! replacing the site folder while serving (`closecodes build --out` on the folder being served)
//! never yields an error status or a truncated page; it opens the search index the site was built
//! with.

use closecodes_tests::{bins, copy_dir, fixture, repo_root};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `closecodes serve --site SITE` on a free loopback port; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// What it printed before its address (notes about the site and its index).
    notes: Vec<String>,
}

impl Server {
    fn start(site: &Path) -> Server {
        let mut child = Command::new(&bins().0)
            .args(["serve", "--addr", "127.0.0.1:0", "--site"])
            .arg(site)
            .arg("--root")
            .arg(repo_root())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut notes = Vec::new();
        let addr = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
            notes.push(line);
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr, notes }
    }

    /// Resident memory in KiB (`VmRSS`).
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET `path` over a new connection from `from`: status, whether the body is as long as its
/// `Content-Length` says, and the body.
async fn get(addr: SocketAddr, from: &str, path: &str) -> (u16, bool, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    let whole = length.is_none_or(|n| n == body.len());
    (status, whole, body.to_owned())
}

/// `closecodes build` of the fixture book in `dir/book-src` into `dir/site`; it must succeed.
fn build(dir: &Path) {
    let out = Command::new(&bins().0)
        .args(["build", "--root", "book-src", "--out", "site"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The fixture book built into a temporary folder: the folder, and the site in it.
fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("book"), &tmp.path().join("book-src"));
    build(tmp.path());
    let site = tmp.path().join("site");
    (tmp, site)
}

/// 10,000 WebSocket connection attempts to the lab from 127.0.0.1, in waves of 100 held open
/// together (the lab takes 16 per address, the server 64): the server's memory stays within
/// 20 MiB of what it used after the first wave, and a reader from 127.0.0.2 is answered within a
/// second during the flood and after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_lab_connections_leave_memory_flat() {
    let (_tmp, site) = site();
    let server = Server::start(&site);
    let addr = server.addr;
    let url = format!("ws://{addr}/lab/echo");
    let mut baseline = 0;
    let mut accepted = 0usize;
    let mut peak = 0;
    for wave in 0..100 {
        let attempts = (0..100).map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                tokio::time::timeout(
                    Duration::from_secs(5),
                    tokio_tungstenite::connect_async(url),
                )
                .await
                .ok()
                .and_then(Result::ok)
                .map(|(ws, _)| ws)
            })
        });
        let mut open = Vec::new();
        for a in attempts.collect::<Vec<_>>() {
            if let Some(ws) = a.await.unwrap() {
                open.push(ws);
            }
        }
        accepted += open.len();
        assert!(
            open.len() <= closecodes_cli::lab::PER_ADDRESS,
            "wave {wave}: {} lab connections from one address",
            open.len()
        );
        if wave % 25 == 12 {
            let started = Instant::now();
            let (status, _, body) = get(addr, "127.0.0.2", "/api/search?q=1006").await;
            assert_eq!(status, 200, "{body}");
            assert!(started.elapsed() < Duration::from_secs(1), "wave {wave}");
        }
        drop(open);
        if wave == 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            baseline = server.rss_kib();
        }
        peak = peak.max(server.rss_kib());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let end = server.rss_kib();
    eprintln!(
        "10,000 attempts, {accepted} accepted: RSS {baseline} KiB after the first wave, peak {peak} KiB, {end} KiB at the end"
    );
    assert!(
        accepted >= 100 * 10,
        "only {accepted} attempts got a connection"
    );
    assert!(
        peak <= baseline + 20 * 1024,
        "memory grew from {baseline} KiB to {peak} KiB"
    );
    let started = Instant::now();
    let (status, _, body) = get(addr, "127.0.0.2", "/api/search?q=1006").await;
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// Four readers fetch pages without pause while the served folder is rebuilt in place five
/// times (`closecodes build --out` swaps the finished build in): every answer is a 200 with the
/// whole page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_the_site_while_serving_never_breaks_a_page() {
    let (tmp, site) = site();
    let server = Server::start(&site);
    let addr = server.addr;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|r| {
            let stop = stop.clone();
            tokio::spawn(async move {
                let pages = [
                    "/codes/1006.html",
                    "/zh/codes/1006.html",
                    "/index.html",
                    "/codes/4000-4999.html",
                ];
                let mut n = 0usize;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let page = pages[(n + r) % pages.len()];
                    let (status, whole, body) = get(addr, "127.0.0.1", page).await;
                    assert_eq!(status, 200, "{page} during a rebuild: {body}");
                    assert!(whole, "{page}: shorter than its Content-Length");
                    assert!(
                        body.trim_end().ends_with("</html>"),
                        "{page}: truncated page"
                    );
                    n += 1;
                }
                n
            })
        })
        .collect();
    let book = tmp.path().to_owned();
    let rebuilds = tokio::task::spawn_blocking(move || {
        for _ in 0..5 {
            build(&book);
        }
    });
    rebuilds.await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut fetched = 0;
    for r in readers {
        fetched += r.await.unwrap();
    }
    eprintln!("{fetched} pages fetched during 5 rebuilds, all whole");
    assert!(fetched >= 100, "only {fetched} fetches during the rebuilds");
}

/// `closecodes build` writes the site's search index and `serve --site` opens it instead of
/// indexing at start: search finds the fixture book's three entries, not the shipped data (which
/// `--root` would supply). A damaged index, or a damaged prose or body shard file beside it, is
/// named on stderr and the server indexes instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_opens_the_search_index_the_site_was_built_with() {
    let (_tmp, site) = site();
    let saved = site.join("search-index.bin");
    assert!(std::fs::metadata(&saved).unwrap().len() > 10_000);
    let codes = |body: &str| -> Vec<u64> {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|h| h["code"].as_u64())
            .collect()
    };
    {
        let server = Server::start(&site);
        assert!(server.notes.is_empty(), "{:?}", server.notes);
        let (status, _, body) = get(server.addr, "127.0.0.1", "/api/search?q=abnormal").await;
        assert_eq!(status, 200);
        assert_eq!(codes(&body).first(), Some(&1006), "{body}");
        // 1001 is in the shipped data, not in the fixture's.
        let (_, _, body) = get(server.addr, "127.0.0.1", "/api/search?q=going%20away").await;
        assert!(!codes(&body).contains(&1001), "{body}");
    }
    // A damaged file named on stderr: the server indexes instead.
    let says_indexing = |server: &Server, file: &str| {
        assert!(
            server.notes.iter().any(|l| l.contains("indexing now")
                && l.contains(file)
                && l.contains("rebuild the site")),
            "{file}: {:?}",
            server.notes
        );
    };
    let prose = site.join("search-prose.bin");
    let prose_bytes = std::fs::read(&prose).unwrap();
    std::fs::write(&prose, &prose_bytes[..prose_bytes.len() / 2]).unwrap();
    says_indexing(&Server::start(&site), "search-prose.bin");
    std::fs::write(&prose, &prose_bytes).unwrap();
    let shard = site.join("search-body/000.bin");
    let shard_bytes = std::fs::read(&shard).unwrap();
    std::fs::write(&shard, &shard_bytes[..shard_bytes.len() / 2]).unwrap();
    says_indexing(&Server::start(&site), "search-body/000.bin");
    std::fs::write(&shard, &shard_bytes).unwrap();
    let bytes = std::fs::read(&saved).unwrap();
    std::fs::write(&saved, &bytes[..bytes.len() / 3]).unwrap();
    let server = Server::start(&site);
    says_indexing(&server, "search-index.bin");
    let (status, _, body) = get(server.addr, "127.0.0.1", "/api/search?q=going%20away").await;
    assert_eq!(status, 200);
    assert!(
        codes(&body).contains(&1001),
        "indexed from --root's data: {body}"
    );
}
