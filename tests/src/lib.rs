//! Helpers shared by the end-to-end tests: where the repository is, the freshly built binaries,
//! the released `mdbook` binary, and a small link checker over a built site.

pub mod chromium;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root (the folder with `book.toml`).
pub fn repo_root() -> PathBuf {
    // Cargo sets CARGO_MANIFEST_DIR when it runs a test; the compile-time value is the fallback.
    // (A build shared between two checkouts must not test the other one's files.)
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&dir)
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// One row of the search suites (`tests/fixtures/relevance.tsv`, `questions.tsv`).
pub struct SuiteRow {
    /// `relevance` or `questions`.
    pub suite: &'static str,
    /// The query as a reader typed or pasted it.
    pub query: String,
    /// Its language tag (`en`, `zh`).
    pub lang: String,
    /// The expected first result: a code or range key, or a page.
    pub expected: String,
}

/// Every row of both search suites, relevance first.
pub fn suite_rows() -> Vec<SuiteRow> {
    let mut rows = Vec::new();
    for (suite, file, q, l) in [
        ("relevance", "relevance.tsv", 0, 1),
        ("questions", "questions.tsv", 1, 0),
    ] {
        let tsv = std::fs::read_to_string(fixture(file)).unwrap();
        for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let c: Vec<&str> = line.split('\t').collect();
            rows.push(SuiteRow {
                suite,
                query: c[q].to_owned(),
                lang: c[l].to_owned(),
                expected: c[2].to_owned(),
            });
        }
    }
    rows
}

/// A fixture folder below `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// Our binaries, built once per process (same profile and target directory as the caller): `(closecodes, mdbook-closecodes)`.
pub fn bins() -> &'static (PathBuf, PathBuf) {
    static BINS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BINS.get_or_init(|| {
        // The test (or bench) executable lives in <target>/<profile>/deps/; build the binaries in
        // the same profile.
        let exe = std::env::current_exe().expect("current exe");
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "closecodes",
            "-p",
            "closecodes-cli",
            "--bins",
        ]);
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd
            .current_dir(repo_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the binaries failed");
        let ext = std::env::consts::EXE_SUFFIX;
        (
            dir.join(format!("closecodes{ext}")),
            dir.join(format!("mdbook-closecodes{ext}")),
        )
    })
}

/// The released `mdbook serve` (with our freshly built preprocessor) on `dir`, on a free loopback
/// port: the child process and the port.
pub fn mdbook_serve(dir: &Path) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = mdbook()
        .args(["serve", "-n", "127.0.0.1", "-p", &port.to_string()])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (child, port)
}

/// The whole HTTP/1.0 response to `GET path` on the loopback `port`, or `None` when nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// The released `mdbook` binary, which must be 0.5.4 (`.ci/run` installs it).
pub fn mdbook() -> Command {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let out = Command::new("mdbook")
            .arg("--version")
            .output()
            .expect("the `mdbook` binary is needed: cargo install mdbook --version 0.5.4 --locked");
        let v = String::from_utf8_lossy(&out.stdout);
        assert!(v.contains("0.5.4"), "mdbook 0.5.4 is needed, found {v}");
    });
    let mut cmd = Command::new("mdbook");
    // Use the freshly built preprocessor instead of `cargo run --release`.
    cmd.env("MDBOOK_PREPROCESSOR__CLOSECODES__COMMAND", &bins().1);
    cmd.env_remove("MDBOOK_BOOK__LANGUAGE");
    cmd
}

/// Every internal link (`a[href]`, `link[href]`, `script[src]`) of every HTML page below `site`
/// that does not resolve to a file (and, for `#fragment` links to pages of the site, to an
/// element with that id). Returns `page -> target` pairs.
pub fn broken_links(site: &Path) -> Vec<(String, String)> {
    let pages = html_files(site);
    let mut broken = Vec::new();
    let sel = scraper::Selector::parse("a[href], link[href], script[src], img[src]").unwrap();
    let mut ids_cache: std::collections::HashMap<PathBuf, BTreeSet<String>> = Default::default();
    for page in &pages {
        let rel = page
            .strip_prefix(site)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // The 404 pages use site-absolute links and a router script; checked by their own test.
        if rel.ends_with("404.html") {
            continue;
        }
        let html = scraper::Html::parse_document(&std::fs::read_to_string(page).unwrap());
        for el in html.select(&sel) {
            let v = el.value();
            let Some(target) = v.attr("href").or_else(|| v.attr("src")) else {
                continue;
            };
            if target.contains("://")
                || target.starts_with("mailto:")
                || target.starts_with("javascript:")
                || target.starts_with("{{")
            {
                continue;
            }
            let (path_part, frag) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target, None),
            };
            let path_part = path_part.split('?').next().unwrap();
            let file = if path_part.is_empty() {
                page.clone()
            } else if let Some(abs) = path_part.strip_prefix('/') {
                site.join(abs)
            } else {
                page.parent().unwrap().join(path_part)
            };
            let file = normalize(&file);
            let file = if file.is_dir() {
                file.join("index.html")
            } else {
                file
            };
            if !file.is_file() {
                broken.push((rel.clone(), target.to_owned()));
                continue;
            }
            if let Some(frag) = frag.filter(|f| !f.is_empty())
                && file.extension().is_some_and(|e| e == "html")
            {
                let ids = ids_cache
                    .entry(file.clone())
                    .or_insert_with(|| ids_of(&file));
                if !ids.contains(&percent_decode(frag)) {
                    broken.push((rel.clone(), target.to_owned()));
                }
            }
        }
    }
    broken
}

/// Copy the folder `from` (recursively) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// `closecodes serve`'s app (search over the shipped data, the lab) serving `site` on a free
/// loopback port. Returns the address and the lab's shutdown switch.
pub async fn start_server(
    site: PathBuf,
) -> (std::net::SocketAddr, tokio::sync::watch::Sender<bool>) {
    use closecodes_cli::{lab::Lab, search::SearchIndex, server};
    let reg = closecodes::registry::load(&repo_root().join("data")).unwrap();
    let (tx, rx) = tokio::sync::watch::channel(false);
    let state = std::sync::Arc::new(server::AppState {
        index: SearchIndex::build(reg).unwrap(),
        site,
        lab: Lab::new(rx),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(
        listener,
        server::app(state),
        std::future::pending(),
    ));
    (addr, tx)
}

/// All files below `dir`, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// All `.html` files below `dir`, sorted.
pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = files_below(dir);
    out.retain(|p| p.extension().is_some_and(|e| e == "html"));
    out
}

fn ids_of(file: &Path) -> BTreeSet<String> {
    let html = scraper::Html::parse_document(&std::fs::read_to_string(file).unwrap());
    let sel = scraper::Selector::parse("[id]").unwrap();
    html.select(&sel)
        .filter_map(|e| e.value().attr("id").map(str::to_owned))
        .collect()
}

/// `a/b/../c` → `a/c`, without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
