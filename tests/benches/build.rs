//! Build benchmarks (issue: foundation). Run with `cargo bench -p closecodes-tests --bench build`;
//! it prints a Markdown table for the README. Every timing is a median over several runs, and the
//! preprocessor is compared with plain `mdbook` on the same pages in the same run.
//!
//! 1. The preprocessor's own time: load and validate the registry, render every page, per language.
//! 2. `closecodes build` of the shipped data (both languages, codes.json, 404 router).
//! 3. The released `mdbook` with our preprocessor against the same final pages written out as plain
//!    Markdown and built by `mdbook` without any preprocessor, alternated (goal: ratio ≤ 1.10).
//! 4. A generated registry of 250, 500 and 1,000 organisation codes (4000–4999, each documented),
//!    both languages: time and output size (goals: under 10 s at 1,000; cost per entry at 1,000
//!    within 1.25× of the cost at 250); then a registry of all 5,000 codes 0–4999, built once.
//! 5. Live editing: `mdbook serve` on a copy of the shipped book; a YAML edit is saved and the
//!    page polled until it shows the edit, 10 times (goal: median ≤ 500 ms).

use closecodes::book::CloseCodes;
use closecodes::registry::{self, Lang};
use closecodes::render::Renderer;
use closecodes_tests::{bins, copy_dir, http_get, mdbook, mdbook_serve, repo_root};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn time(mut f: impl FnMut()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `closecodes build` of the book in `dir` into `out`; it must succeed.
fn build(closecodes: &Path, dir: &Path, out: &Path) {
    run_ok(
        Command::new(closecodes)
            .args(["build", "--root"])
            .arg(dir)
            .arg("--out")
            .arg(out),
    );
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.path().is_dir() {
                dir_size(&e.path())
            } else {
                e.metadata().unwrap().len()
            }
        })
        .sum()
}

/// A copy of the shipped book (book.toml, src, data, theme) in `dir`.
fn copy_book(dir: &Path) {
    let root = repo_root();
    std::fs::copy(root.join("book.toml"), dir.join("book.toml")).unwrap();
    for d in ["src", "data", "theme"] {
        copy_dir(&root.join(d), &dir.join(d));
    }
}

/// The final pages of the shipped English book, written out as a plain mdBook without our
/// preprocessor: same chapters, same content, same theme.
fn plain_book(dir: &Path) {
    copy_book(dir);
    let md = mdbook_driver::MDBook::load(repo_root()).unwrap();
    let ctx = PreprocessorContext::new(md.root.clone(), md.config.clone(), "html".into());
    let book: Book = CloseCodes.run(&ctx, md.book.clone()).unwrap();
    std::fs::remove_dir_all(dir.join("src")).unwrap();
    let mut summary = String::from("# Summary\n\n");
    fn walk(items: &[BookItem], depth: usize, dir: &Path, summary: &mut String) {
        for item in items {
            let BookItem::Chapter(ch) = item else {
                continue;
            };
            let path = ch.path.as_ref().unwrap().with_extension("md");
            let file = dir.join("src").join(&path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &ch.content).unwrap();
            let link = format!("[{}]({})", ch.name.replace(['[', ']'], ""), path.display());
            if ch.number.is_none() {
                summary.push_str(&format!("{link}\n\n"));
            } else {
                summary.push_str(&format!("{}- {link}\n", "  ".repeat(depth)));
            }
            walk(&ch.sub_items, depth + 1, dir, summary);
        }
    }
    walk(&book.items, 0, dir, &mut summary);
    std::fs::write(dir.join("src/SUMMARY.md"), summary).unwrap();
    let toml = std::fs::read_to_string(dir.join("book.toml")).unwrap();
    let start = toml.find("[preprocessor.closecodes]").unwrap();
    let end = toml[start..]
        .find("\n[output")
        .map_or(toml.len(), |i| start + i + 1);
    std::fs::write(
        dir.join("book.toml"),
        format!("{}{}", &toml[..start], &toml[end..]),
    )
    .unwrap();
}

/// `n` organisation codes 4000.. as one YAML file, both languages, with prose of article length.
fn org_codes(n: u16) -> String {
    let mut y = String::new();
    for i in 0..n {
        let c = 4000 + i;
        y.push_str(&format!(
            "- code: {c}\n  name: ACME {c}\n  status: private-use\n  wire: true\n  script: true\n  senders: [server]\n  related: [\"4000-4999\"]\n  en:\n    title: ACME condition {c}\n    summary: The ACME server closed the session for reason {c}.\n    explanation: |\n      ACME's gateway sends {c} when condition number {c} occurs. The client should log the reason\n      and decide from the table in the ACME runbook whether to reconnect.\n    causes: |\n      - Condition {c} in the ACME gateway.\n      - A client that retried too quickly.\n    client: |\n      Reconnect with exponential backoff, starting at one second.\n  zh:\n    title: ACME 条件 {c}\n    summary: ACME 服务器因原因 {c} 关闭了会话。\n    explanation: |\n      ACME 网关在出现第 {c} 号条件时发送此关闭码。客户端应记录关闭原因，并按 ACME 运维手册决定是否重连。\n    causes: |\n      - ACME 网关出现条件 {c}。\n      - 客户端重试过于频繁。\n    client: |\n      以指数退避重连，从一秒开始。\n"
        ));
    }
    y
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; nothing to do
    }
    let (closecodes, preprocessor) = bins().clone();
    let root = repo_root();
    let reg = registry::load(&root.join("data")).unwrap();
    println!("| benchmark | result |");
    println!("|---|---|");

    // 1. The preprocessor's own work.
    for lang in Lang::ALL {
        let runs = (0..20)
            .map(|_| {
                time(|| {
                    let reg = registry::load(&root.join("data")).unwrap();
                    let r = Renderer::new(None).unwrap();
                    let mut n = r.reference(&reg, lang).unwrap().len();
                    for e in reg.entries() {
                        n += r.article(&reg, e, lang).unwrap().len();
                    }
                    std::hint::black_box(n);
                })
            })
            .collect();
        println!(
            "| preprocessor work ({}): load + validate + render {} pages | {} |",
            lang.code(),
            reg.entries().len() + 1,
            ms(median(runs))
        );
    }

    // 2. closecodes build, both languages.
    let tmp = tempfile::tempdir().unwrap();
    let runs = (0..5)
        .map(|_| {
            time(|| {
                run_ok(
                    Command::new(&closecodes)
                        .args(["build", "--out"])
                        .arg(tmp.path().join("site"))
                        .current_dir(&root),
                )
            })
        })
        .collect();
    println!(
        "| `closecodes build` (en + zh, {} entries, {:.1} MB) | {} |",
        reg.entries().len(),
        dir_size(&tmp.path().join("site")) as f64 / 1e6,
        ms(median(runs))
    );

    // 3. Preprocessor vs plain Markdown, released mdbook, alternated.
    let plain = tmp.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    plain_book(&plain);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        with.push(time(|| {
            run_ok(
                mdbook()
                    .args(["build", "-d"])
                    .arg(tmp.path().join("a"))
                    .current_dir(&root),
            )
        }));
        // Plain mdbook, no preprocessor at all: `mdbook()` configures ours through the
        // environment, which mdBook would apply to a book without the table too.
        without.push(time(|| {
            run_ok(
                Command::new("mdbook")
                    .env_remove("MDBOOK_PREPROCESSOR__CLOSECODES__COMMAND")
                    .args(["build", "-d"])
                    .arg(tmp.path().join("b"))
                    .current_dir(&plain),
            )
        }));
    }
    let pages_a = closecodes_tests::html_files(&tmp.path().join("a")).len();
    let pages_b = closecodes_tests::html_files(&tmp.path().join("b")).len();
    assert_eq!(pages_a, pages_b, "both books have the same pages");
    let (w, wo) = (median(with), median(without));
    println!(
        "| `mdbook build` (en) with `mdbook-closecodes` | {} |",
        ms(w)
    );
    println!(
        "| `mdbook build` (en) of the same {pages_a} pages as plain Markdown | {} |",
        ms(wo)
    );
    println!(
        "| ratio with / without preprocessor (goal ≤ 1.10) | {:.2} |",
        w.as_secs_f64() / wo.as_secs_f64()
    );
    let _ = &preprocessor;

    // 4. Generated organisation registries.
    let mut per_entry = Vec::new();
    for n in [250u16, 500, 1000] {
        let dir = tmp.path().join(format!("org{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        copy_book(&dir);
        std::fs::write(dir.join("data/acme.yaml"), org_codes(n)).unwrap();
        let out = dir.join("site");
        let runs: Vec<Duration> = (0..3)
            .map(|_| time(|| build(&closecodes, &dir, &out)))
            .collect();
        let d = median(runs);
        per_entry.push(d.as_secs_f64() / (reg.entries().len() + usize::from(n)) as f64);
        println!(
            "| `closecodes build` with {n} extra org codes ({} entries, both languages, {:.0} MB) | {:.2} s ({:.1} ms per entry) |",
            reg.entries().len() + usize::from(n),
            dir_size(&out) as f64 / 1e6,
            d.as_secs_f64(),
            d.as_secs_f64() * 1e3 / (reg.entries().len() + usize::from(n)) as f64
        );
    }
    println!(
        "| cost per entry at 1,000 / at 250 (goal ≤ 1.25) | {:.2} |",
        per_entry[2] / per_entry[0]
    );

    // 4b. Every code 0–4999 documented (a registry of its own: one file per code).
    let dir = tmp.path().join("all5000");
    std::fs::create_dir_all(&dir).unwrap();
    copy_book(&dir);
    std::fs::remove_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("data/codes")).unwrap();
    for c in 0..5000u16 {
        std::fs::write(
            dir.join(format!("data/codes/{c}.yaml")),
            format!(
                "- code: {c}\n  name: Generated {c}\n  status: private-use\n  wire: true\n  script: false\n  en:\n    title: Generated condition {c}\n    summary: The server closed the session because generated condition {c} occurred.\n  zh:\n    title: 生成的条件 {c}\n    summary: 服务器因生成的条件 {c} 关闭了会话。\n"
            ),
        )
        .unwrap();
    }
    let out = dir.join("site");
    let d = time(|| build(&closecodes, &dir, &out));
    println!(
        "| `closecodes build` of all 5,000 codes 0–4999 (both languages, {:.0} MB; one run) | {:.1} s ({:.1} ms per entry) |",
        dir_size(&out) as f64 / 1e6,
        d.as_secs_f64(),
        d.as_secs_f64() * 1e3 / 5000.0
    );

    // 5. Live editing under the released `mdbook serve`.
    live_edit(tmp.path());
}

/// `mdbook serve` on a copy of the shipped book: save an edit of 1006's title and poll the page
/// (every 10 ms) until it shows it; 10 edits, median and spread.
fn live_edit(tmp: &Path) {
    let dir = tmp.join("live");
    std::fs::create_dir_all(&dir).unwrap();
    copy_book(&dir);
    let (mut child, port) = mdbook_serve(&dir);
    let page =
        |needle: &str| http_get(port, "/codes/1006.html").is_some_and(|p| p.contains(needle));
    let wait = |needle: &str| -> Option<Duration> {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(60) {
            if page(needle) {
                return Some(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    };
    let file = dir.join("data/codes/1006.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let title = "title: Abnormal Closure";
    assert!(original.contains(title), "1006's English title");
    assert!(wait("Abnormal Closure").is_some(), "mdbook serve came up");
    let mut took = Vec::new();
    for i in 0..10 {
        // Saves land at every phase of the watcher's cycle.
        std::thread::sleep(Duration::from_millis(137 * (i % 7)));
        let marker = format!("Edited live {i}");
        std::fs::write(
            &file,
            original.replacen(title, &format!("title: {marker}"), 1),
        )
        .unwrap();
        match wait(&marker) {
            Some(d) => took.push(d),
            None => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    if took.len() < 10 {
        println!("| `mdbook serve`: a YAML edit shown | not every edit was shown within 60 s |");
        return;
    }
    took.sort();
    println!(
        "| `mdbook serve`: save of a YAML edit → page shows it (10 edits: median, fastest–slowest; goal ≤ 500 ms) | {} ({}–{}) |",
        ms(median(took.clone())),
        ms(took[0]),
        ms(took[9])
    );
}
