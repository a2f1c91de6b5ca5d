//! Invariants of the query path, for any input (proptest): the analyzer's token offsets never go
//! backwards and fall on character boundaries; search never panics, returns at most the limit and
//! well-formed snippets; every integer is a page or a clear message.

use closecodes::registry::{Key, Lang};
use closecodes_cli::explain::{Lookup, lookup};
use closecodes_cli::search::SearchIndex;
use proptest::prelude::*;
use std::sync::OnceLock;

fn index() -> &'static SearchIndex {
    static IX: OnceLock<SearchIndex> = OnceLock::new();
    IX.get_or_init(|| SearchIndex::build(closecodes_cli::embedded::registry()).unwrap())
}

/// Text mixing what queries are made of: ASCII, digits, punctuation, CJK, emoji, combining marks.
fn query() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 :._/-]{1,12}",
            "[\u{4e00}-\u{9fa5}，。：]{1,6}",
            Just("1006".to_owned()),
            Just("handshake 403".to_owned()),
            Just("\u{1F600}\u{0301}".to_owned()),
            Just("<mark>&\"'".to_owned()),
        ],
        0..12,
    )
    .prop_map(|parts| parts.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn token_offsets_never_go_backwards(text in query()) {
        for index_side in [true, false] {
            let mut analyzer = closecodes_cli::tokenize::analyzer(index_side);
            let mut stream = analyzer.token_stream(&text);
            let mut last = 0;
            while stream.advance() {
                let t = stream.token();
                prop_assert!(t.offset_from <= t.offset_to && t.offset_to <= text.len());
                prop_assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
                prop_assert!(t.offset_from >= last, "offset {} after {}", t.offset_from, last);
                last = t.offset_from;
            }
        }
    }

    #[test]
    fn search_never_panics_and_snippets_are_well_formed(text in query(), zh in any::<bool>(), limit in 1usize..20) {
        let lang = if zh { Lang::Zh } else { Lang::En };
        let answer = index().search(&text, lang, limit);
        prop_assert!(answer.results.len() <= limit);
        for h in &answer.results {
            prop_assert_eq!(h.snippet.matches("<mark>").count(), h.snippet.matches("</mark>").count());
            // Everything else is escaped: no raw markup from the page or the query.
            let bare = h.snippet.replace("<mark>", "").replace("</mark>", "");
            prop_assert!(!bare.contains('<') && !bare.contains('>'));
            prop_assert!(h.url.starts_with('/') && !h.url.contains(".."));
        }
    }

    #[test]
    fn every_integer_is_a_page_or_a_clear_message(n in 0u32..100_000) {
        let reg = index().registry();
        match lookup(reg, &n.to_string(), Lang::En) {
            Lookup::Found(e, asked) => {
                prop_assert!(n <= 4999);
                prop_assert!(e.key.lo() as u32 <= n && n <= e.key.hi() as u32);
                prop_assert_eq!(asked.is_some(), e.key != Key::Code(n as u16));
            }
            Lookup::NotFound(msg) => prop_assert!(msg.contains("0–4999") || msg.contains("not a documented")),
        }
    }
}
