//! Runs every relevance query against the shipped index for a while, for a profiler to watch
//! (`scripts/flamegraph` records it with `perf` and draws the flame graph). Prints queries per
//! second. Usage: `query_loop [SECONDS]` (default 10), or `query_loop slowest` for the 20 queries
//! with the highest median time (of 30 runs each), to see what the p99 is made of,
//! `query_loop percentiles` for the p50 and p99 of every query run 50 times (the search bench's
//! figure, on the embedded index) and which queries the slowest 1% of those runs were, or
//! `query_loop SECONDS QUERY` to loop over one English query.

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
