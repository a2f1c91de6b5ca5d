//! Invariants of the query path, for any input (proptest): the analyzer's token offsets never go
//! backwards and fall on character boundaries; search never panics, returns at most the limit and
//! well-formed snippets; every integer is a page or a clear message; `related` links between
//! codes, ranges or handshake pages are mutual, for the shipped data and for any set of links.

use closecodes::registry::{Key, Lang, PageRef};
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

    #[test]
    fn related_links_are_mutual_for_any_links(links in proptest::collection::vec((0usize..6, 0usize..6), 0..20)) {
        // Six codes; each listed link (a, b) with a ≠ b goes into a's `related`.
        let codes = [1000u16, 3000, 3001, 3002, 3003, 3008];
        let mut yaml = String::new();
        for (i, c) in codes.iter().enumerate() {
            let mut rel: Vec<u16> = links.iter().filter(|(a, b)| *a == i && a != b).map(|(_, b)| codes[*b]).collect();
            rel.sort_unstable();
            rel.dedup();
            yaml.push_str(&format!(
                "- code: {c}\n  name: N\n  status: rfc6455\n  wire: true\n  script: true\n  related: {rel:?}\n  en: {{title: T, summary: S.}}\n  zh: {{title: 标题, summary: 摘要。}}\n"
            ));
        }
        let reg = closecodes::registry::load_sources([(std::path::Path::new("data/codes/t.yaml"), yaml.as_str())]);
        let reg = reg.unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        assert_mutual(&reg);
        for (a, b) in &links {
            if a != b {
                let listed = &reg.get(Key::Code(codes[*b])).unwrap().related;
                prop_assert!(listed.contains(&PageRef::Code(Key::Code(codes[*a]))));
            }
        }
    }
}

/// Every link between two entries, or two handshake pages, appears on both.
fn assert_mutual(reg: &closecodes::registry::Registry) {
    for e in reg.entries() {
        for r in &e.related {
            if let PageRef::Code(k) = r {
                let other = reg.get(*k).unwrap();
                assert!(
                    other.related.contains(&PageRef::Code(e.key)),
                    "{:?} lists {k:?}, which does not list it",
                    e.key
                );
            }
        }
    }
    for h in reg.handshakes() {
        for r in &h.related {
            if let PageRef::Handshake(slug) = r {
                let other = reg.handshake(slug).unwrap();
                assert!(
                    other.related.contains(&PageRef::Handshake(h.key.slug())),
                    "handshake/{} lists handshake/{slug}, which does not list it",
                    h.key.slug()
                );
            }
        }
    }
}

#[test]
fn related_links_in_the_shipped_data_are_mutual() {
    assert_mutual(index().registry());
}
