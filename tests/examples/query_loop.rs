//! Runs every relevance query against the shipped index for a while, for a profiler to watch
//! (`scripts/flamegraph` records it with `perf` and draws the flame graph). Prints queries per
//! second. Usage: `query_loop [SECONDS]` (default 10).

use closecodes::registry::Lang;
use closecodes_tests::repo_root;
use std::time::{Duration, Instant};

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let tsv = std::fs::read_to_string(repo_root().join("tests/fixtures/relevance.tsv")).unwrap();
    let queries: Vec<(String, Lang)> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some((c.first()?.to_string(), Lang::from_tag(c.get(1)?)?))
        })
        .collect();
    let index = closecodes_cli::embedded::try_search_index().unwrap();
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
