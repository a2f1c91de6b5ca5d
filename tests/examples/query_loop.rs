//! Runs every relevance query against the shipped index for a while, for a profiler to watch
//! (`scripts/flamegraph` records it with `perf` and draws the flame graph). Prints queries per
//! second. Usage: `query_loop [SECONDS]` (default 10), or `query_loop slowest` for the 20 queries
//! with the highest median time (of 30 runs each), to see what the p99 is made of,
//! `query_loop percentiles` for the p50 and p99 of every query run 50 times (the search bench's
//! figure, on the embedded index) and which queries the slowest 1% of those runs were,
//! `query_loop SECONDS QUERY` to loop over one English query, or `query_loop shards SITE` for
//! what the in-browser search of a site `closecodes build` wrote fetches before the first result
//! of each query of both suites: the module, the index and the body files it asks for, as their
//! `.br` copies (what a browser is sent).

use closecodes::registry::Lang;
use closecodes_tests::repo_root;
use std::time::{Duration, Instant};

// The allocator of the `closecodes` binary (its `main.rs`), so that in-process figures are the
// binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let arg = std::env::args().nth(1);
    let secs: u64 = arg.as_deref().and_then(|s| s.parse().ok()).unwrap_or(10);
    let tsv = std::fs::read_to_string(repo_root().join("tests/fixtures/relevance.tsv")).unwrap();
    let mut queries: Vec<(String, Lang)> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some((c.first()?.to_string(), Lang::from_tag(c.get(1)?)?))
        })
        .collect();
    if let Some(q) = std::env::args().nth(2) {
        queries = vec![(q, Lang::En)];
    }
    if arg.as_deref() == Some("shards") {
        let site = std::path::PathBuf::from(std::env::args().nth(2).expect("shards SITE"));
        shards(&site);
        return;
    }
    let index = closecodes_cli::embedded::try_search_index().unwrap();
    if arg.as_deref() == Some("slowest") {
        let mut timed: Vec<(Duration, &str)> = queries
            .iter()
            .map(|(q, lang)| {
                let mut runs: Vec<Duration> = (0..30)
                    .map(|_| {
                        let t = Instant::now();
                        std::hint::black_box(index.search(q, *lang, 10));
                        t.elapsed()
                    })
                    .collect();
                runs.sort();
                (runs[runs.len() / 2], q.as_str())
            })
            .collect();
        timed.sort_by(|a, b| b.cmp(a));
        for (t, q) in timed.iter().take(20) {
            println!("{:>6} µs  {q}", t.as_micros());
        }
        return;
    }
    if arg.as_deref() == Some("percentiles") {
        let mut t: Vec<(Duration, usize)> = Vec::with_capacity(queries.len() * 50);
        for _ in 0..50 {
            for (i, (q, lang)) in queries.iter().enumerate() {
                let s = Instant::now();
                std::hint::black_box(index.search(q, *lang, 10));
                t.push((s.elapsed(), i));
            }
        }
        t.sort();
        let at = |p: f64| {
            t[((t.len() as f64 - 1.0) * p).round() as usize]
                .0
                .as_secs_f64()
                * 1e6
        };
        println!("p50 {:.0} µs, p99 {:.0} µs", at(0.5), at(0.99));
        // Which queries the slowest 1% of runs were.
        let mut tail: std::collections::BTreeMap<usize, usize> = Default::default();
        for (_, i) in &t[t.len() * 99 / 100..] {
            *tail.entry(*i).or_default() += 1;
        }
        let mut tail: Vec<_> = tail.into_iter().collect();
        tail.sort_by_key(|b| std::cmp::Reverse(b.1));
        for (i, n) in tail.iter().take(12) {
            println!("{n:>4} of the slowest 1%: {}", queries[*i].0);
        }
        return;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        for (q, lang) in &queries {
            std::hint::black_box(index.search(q, *lang, 10));
            n += 1;
        }
    }
    let s = start.elapsed().as_secs_f64();
    println!("{n} queries in {s:.1} s: {:.0} µs each", s * 1e6 / n as f64);
}

/// Bytes before the first result of every suite query, in the in-browser search of `site`.
fn shards(site: &std::path::Path) {
    use closecodes_cli::search::{SearchIndex, shard_file};
    let br = |name: &str| {
        std::fs::metadata(site.join(format!("{name}.br")))
            .unwrap_or_else(|e| panic!("{name}.br: {e}"))
            .len()
    };
    let fixed = br(closecodes_cli::site::SEARCH_MODULE) + br(closecodes_cli::site::SEARCH_INDEX);
    let index = std::fs::read(site.join(closecodes_cli::site::SEARCH_INDEX)).unwrap();
    let mut queries = Vec::new();
    for (file, query_col, lang_col) in [("relevance.tsv", 0, 1), ("questions.tsv", 1, 0)] {
        let tsv = std::fs::read_to_string(repo_root().join("tests/fixtures").join(file)).unwrap();
        for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let c: Vec<&str> = line.split('\t').collect();
            queries.push((
                c[query_col].to_owned(),
                Lang::from_tag(c[lang_col]).unwrap(),
            ));
        }
    }
    // (body bytes, files, rounds, language, query), each query on a freshly opened index.
    let mut rows: Vec<(u64, usize, usize, Lang, &str)> = Vec::new();
    let mut unneeded = 0;
    for (q, lang) in &queries {
        let mut opened = SearchIndex::from_bytes(&index).unwrap();
        let (mut bytes, mut files, mut rounds) = (0, 0, 0);
        let mut needed: Vec<u32> = Vec::new();
        loop {
            opened.search(q, *lang, 10);
            let need = opened.missing_shards();
            if need.is_empty() {
                break;
            }
            rounds += 1;
            needed.extend(need.iter().copied());
            for k in need {
                let name = shard_file(k);
                opened
                    .attach_shard(&std::fs::read(site.join(&name)).unwrap())
                    .unwrap();
                bytes += br(&name);
                files += 1;
            }
        }
        // What the page fetches before the index is open must be what the query needs.
        let early = closecodes_cli::search::likely_shards(q);
        unneeded += early.iter().filter(|k| !needed.contains(k)).count();
        rows.push((bytes, files, rounds, *lang, q));
    }
    println!("module + index: {fixed} bytes (brotli, as served)");
    for (name, lang) in [
        ("all", None),
        ("en", Some(Lang::En)),
        ("zh", Some(Lang::Zh)),
    ] {
        let mut b: Vec<u64> = rows
            .iter()
            .filter(|r| lang.is_none_or(|l| r.3 == l))
            .map(|r| r.0)
            .collect();
        b.sort();
        let at = |p: f64| b[((b.len() as f64 - 1.0) * p).round() as usize];
        println!(
            "{name}: {} queries; body files p50 {} / p90 {} / p99 {} / max {} bytes; over 600 KB in all: {}",
            b.len(),
            at(0.5),
            at(0.9),
            at(0.99),
            b[b.len() - 1],
            b.iter().filter(|x| *x + fixed > 600_000).count()
        );
    }
    let most = rows.iter().max_by_key(|r| r.0).unwrap();
    println!("most: {} bytes in {} files: {}", most.0, most.1, most.4);
    println!(
        "asked twice: {} queries; fetched early and not needed: {unneeded} files",
        rows.iter().filter(|r| r.2 > 1).count()
    );
}
