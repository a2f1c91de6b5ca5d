//! The search query path on the shipped index: the analyzer, number and code recognition, bounds,
//! durations, error-text matching, typo correction, query building, ranking and snippets. Any query
//! in either language returns at most `limit` hits with escaped snippets; nothing panics.
#![no_main]

use closecodes::registry::Lang;
use closecodes_cli::search::SearchIndex;
use closecodes_cli::{embedded, guides, tokenize};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        SearchIndex::build_with(embedded::registry(), &guides::embedded()).expect("index")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    let lang = if flags & 1 == 0 { Lang::En } else { Lang::Zh };
    let limit = (flags >> 1) as usize % 12;
    let _ = tokenize::query_terms(query);
    let answer = index().search(query, lang, limit);
    assert!(answer.results.len() <= limit.max(1));
    for hit in &answer.results {
        let plain = hit.snippet.replace("<mark>", "").replace("</mark>", "");
        assert!(!plain.contains('<'), "unescaped snippet: {}", hit.snippet);
        assert_eq!(
            hit.snippet.matches("<mark>").count(),
            hit.snippet.matches("</mark>").count()
        );
    }
});
