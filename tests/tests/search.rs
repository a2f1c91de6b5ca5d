//! Search relevance, measured: every query of `tests/fixtures/relevance.tsv` (numbers, ranges,
//! constants of every runtime, pasted error texts, English, Chinese, typos, mixed) against the
//! expected first result. Fails under 95% first-hit; prints first-hit rate and mean reciprocal rank.

use closecodes::registry::{self, Lang};
use closecodes_cli::search::SearchIndex;
use closecodes_tests::repo_root;
use std::collections::BTreeMap;

#[test]
fn relevance_suite() {
    let reg = registry::load(&repo_root().join("data")).unwrap();
    let ix = SearchIndex::build(reg).unwrap();
    let tsv = std::fs::read_to_string(repo_root().join("tests/fixtures/relevance.tsv")).unwrap();
    let mut total = 0usize;
    let mut first_hits = 0usize;
    let mut rr_sum = 0.0f64;
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "bad line: {line}");
        let (q, lang, expected, kind) = (cols[0], cols[1], cols[2], cols[3]);
        let lang = Lang::from_tag(lang).unwrap();
        let answer = ix.search(q, lang, 10);
        let keys: Vec<String> = answer
            .results
            .iter()
            .map(|h| {
                if h.code.is_some() || h.range.is_some() {
                    h.key().slug()
                } else {
                    h.page.clone()
                }
            })
            .collect();
        let rank = keys.iter().position(|k| k == expected);
        total += 1;
        let e = by_kind.entry(kind.to_owned()).or_default();
        e.1 += 1;
        if rank == Some(0) {
            first_hits += 1;
            e.0 += 1;
        } else {
            misses.push(format!(
                "{kind:10} {q:?} ({lang:?}) expected {expected}, got {:?}",
                &keys[..keys.len().min(3)]
            ));
        }
        rr_sum += rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0));
    }
    let rate = first_hits as f64 / total as f64;
    let mrr = rr_sum / total as f64;
    eprintln!(
        "relevance: {total} queries, first-hit {:.1}%, MRR {mrr:.3}",
        rate * 100.0
    );
    for (kind, (hit, n)) in &by_kind {
        eprintln!("  {kind:12} {hit}/{n}");
    }
    for m in &misses {
        eprintln!("  miss: {m}");
    }
    assert!(total >= 40, "at least 40 queries");
    assert!(
        rate >= 0.95,
        "first-hit rate {:.1}% is under the goal of 95%",
        rate * 100.0
    );
}

/// The index `closecodes build` writes into the site answers every query of both suites exactly as
/// the index it was saved from, and so does the one `closecodes` compiles in (a stale one fails
/// here); bytes it cannot read are refused with an error, not a panic. The site's index file
/// without its prose, with the body shards each query asks for (and no others), ranks the same
/// pages in the same order; with its prose file attached, it answers exactly, snippets included.
#[test]
fn a_saved_index_answers_like_the_one_it_was_saved_from() {
    let reg = registry::load(&repo_root().join("data")).unwrap();
    let built = SearchIndex::build(reg).unwrap();
    let bytes = built.to_bytes().unwrap();
    let opened = SearchIndex::from_bytes(&bytes).unwrap();
    let mut compiled = closecodes_cli::embedded::try_search_index().unwrap();
    let files = built.to_site_files().unwrap();
    let (site_index, prose) = (&files.index, &files.prose);
    assert!(
        site_index.len() * 10 < bytes.len() * 8,
        "the site's index file is {} bytes, the whole index {}",
        site_index.len(),
        bytes.len()
    );
    let mut first = SearchIndex::from_bytes(site_index).unwrap();
    assert_eq!(first.unattached_shards().len(), files.shards.len());
    assert!(first.awaiting_prose() && !opened.awaiting_prose());
    let pages = |ix: &SearchIndex, q: &str, lang: Lang| -> Vec<String> {
        ix.search(q, lang, 10)
            .results
            .into_iter()
            .map(|h| h.url)
            .collect()
    };
    let mut queries = Vec::new();
    for (file, query_col, lang_col) in [("relevance.tsv", 0, 1), ("questions.tsv", 1, 0)] {
        let tsv = std::fs::read_to_string(repo_root().join("tests/fixtures").join(file)).unwrap();
        for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            let lang = Lang::from_tag(cols[lang_col]).unwrap();
            queries.push((cols[query_col].to_owned(), lang));
        }
    }
    assert!(queries.len() > 400, "{} queries", queries.len());
    for (q, lang) in &queries {
        let a = serde_json::to_string(&built.search(q, *lang, 10)).unwrap();
        let b = serde_json::to_string(&opened.search(q, *lang, 10)).unwrap();
        assert_eq!(a, b, "{q:?}");
        let c = serde_json::to_string(&compiled.search(q, *lang, 10)).unwrap();
        assert_eq!(a, c, "compiled in: {q:?}");
        // The site's index asks for the shards its words are in, and ranks exactly once it has
        // them; a shard it did not ask for is never needed.
        let mut asked = pages(&first, q, *lang);
        for _ in 0..8 {
            let need = first.missing_shards();
            if need.is_empty() {
                break;
            }
            for k in need {
                assert_eq!(first.attach_shard(&files.shards[k as usize]).unwrap(), k);
            }
            asked = pages(&first, q, *lang);
        }
        assert!(first.missing_shards().is_empty(), "{q:?}");
        assert_eq!(pages(&built, q, *lang), asked, "{q:?}");
    }
    // What a page fetches before the index is open (`likely_shards`, the shards of the query's own
    // words) is what the query then asks for, every 10th query on an index of its own.
    let mut early = 0;
    for (q, lang) in queries.iter().step_by(10) {
        let mut fresh = SearchIndex::from_bytes(site_index).unwrap();
        let mut needed = Vec::new();
        loop {
            fresh.search(q, *lang, 10);
            let need = fresh.missing_shards();
            if need.is_empty() {
                break;
            }
            for k in need {
                fresh.attach_shard(&files.shards[k as usize]).unwrap();
                needed.push(k);
            }
        }
        let likely = closecodes_cli::search::likely_shards(q);
        early += likely.len();
        let unneeded: Vec<_> = likely.iter().filter(|k| !needed.contains(k)).collect();
        assert!(unneeded.is_empty(), "{q:?}: {unneeded:?} of {likely:?}");
    }
    assert!(early > 100, "{early} shards fetched early");
    // One query asks for a few shards; shards are refused where they are not the index's, or cut.
    let mut fresh = SearchIndex::from_bytes(site_index).unwrap();
    fresh.search(
        "websocket closed before the connection is established",
        Lang::En,
        10,
    );
    let need = fresh.missing_shards();
    assert!(
        !need.is_empty() && need.len() * 10 < files.shards.len(),
        "{need:?}"
    );
    let shard = &files.shards[need[0] as usize];
    assert!(compiled.attach_shard(shard).is_err());
    assert!(fresh.attach_shard(prose).is_err());
    assert!(fresh.attach_shard(&shard[..shard.len() - 1]).is_err());
    assert_eq!(fresh.attach_shard(shard).unwrap(), need[0]);
    // Prose is refused by an index that has its own, and where it is not the index's.
    assert!(compiled.attach_prose(prose).is_err());
    assert!(first.attach_prose(&prose[..prose.len() - 1]).is_err());
    assert!(first.awaiting_prose());
    first.attach_prose(prose).unwrap();
    for shard in &files.shards {
        first.attach_shard(shard).unwrap();
    }
    assert!(!first.awaiting_prose());
    for (q, lang) in &queries {
        let a = serde_json::to_string(&built.search(q, *lang, 10)).unwrap();
        let b = serde_json::to_string(&first.search(q, *lang, 10)).unwrap();
        assert_eq!(a, b, "with prose attached: {q:?}");
    }
    for bad in [
        &bytes[..bytes.len() / 2],
        &bytes[..0],
        b"not an index".as_slice(),
    ] {
        let err = SearchIndex::from_bytes(bad).err().expect("refused");
        assert!(err.to_string().contains("rebuild the site"), "{err}");
    }
}
