//! Checks that fail when the shipped knowledge base is incomplete: every documented code and range
//! has every section in both languages, every runtime is named (or said to have no constant) with
//! a source, no placeholder text remains, and the protocol facts the site is built on hold.

use closecodes::registry::{self, Entry, Key, Lang, Registry, RuntimeKind, Text};
use closecodes_tests::repo_root;

fn shipped() -> Registry {
    registry::load(&repo_root().join("data")).expect("the shipped data is valid")
}

fn sections(t: &Text) -> [(&'static str, Option<&String>); 5] {
    [
        ("explanation", t.explanation.as_ref()),
        ("causes", t.causes.as_ref()),
        ("diagnosis", t.diagnosis.as_ref()),
        ("client", t.client.as_ref()),
        ("server", t.server.as_ref()),
    ]
}

fn all_text(e: &Entry) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for lang in Lang::ALL {
        let t = e.text(lang);
        out.push((format!("{}.title", lang.code()), t.title.as_str()));
        out.push((format!("{}.summary", lang.code()), t.summary.as_str()));
        for (name, s) in sections(t) {
            if let Some(s) = s {
                out.push((format!("{}.{name}", lang.code()), s.as_str()));
            }
        }
    }
    out
}

#[test]
fn every_standard_and_registered_code_is_documented() {
    let reg = shipped();
    for code in (1000..=1015).chain([3000, 3003, 3008]) {
        assert!(reg.get(Key::Code(code)).is_some(), "{code} has no entry");
    }
    for (lo, hi) in [
        (0, 999),
        (1016, 1999),
        (2000, 2999),
        (3000, 3999),
        (4000, 4999),
    ] {
        assert!(
            reg.get(Key::Range(lo, hi)).is_some(),
            "range {lo}–{hi} has no entry"
        );
    }
    // Every number 0–4999 resolves to an article.
    for n in 0..=4999 {
        assert!(reg.resolve(n).is_some(), "{n} resolves to nothing");
    }
}

#[test]
fn every_entry_has_every_section_in_both_languages() {
    let mut missing = Vec::new();
    for e in shipped().entries() {
        for lang in Lang::ALL {
            for (name, s) in sections(e.text(lang)) {
                let ok = s.is_some_and(|s| s.trim().chars().count() >= 40);
                if !ok {
                    missing.push(format!("{} {}.{name}", e.key, lang.code()));
                }
            }
        }
        if e.sources.is_empty() {
            missing.push(format!("{} sources", e.key));
        }
    }
    assert!(missing.is_empty(), "missing or stub sections: {missing:#?}");
}

#[test]
fn every_code_names_every_runtime_with_a_source() {
    let reg = shipped();
    let with_constants: Vec<&str> = reg
        .runtimes()
        .iter()
        .filter(|r| r.kind != RuntimeKind::Browser || r.key == "browser")
        .map(|r| r.key.as_str())
        .collect();
    assert!(
        with_constants.len() >= 18,
        "at least 18 runtimes with constants, got {}",
        with_constants.len()
    );
    for e in reg.entries() {
        let Key::Code(c) = e.key else { continue };
        if !(1000..=1015).contains(&c) {
            continue;
        }
        for rt in &with_constants {
            let k = e
                .constants
                .iter()
                .find(|k| k.runtime == *rt)
                .unwrap_or_else(|| {
                    panic!(
                        "{}: no constant of `{rt}` (write `name: ~` for none)",
                        e.key
                    )
                });
            assert!(
                k.source.starts_with("https://"),
                "{} {rt}: source {}",
                e.key,
                k.source
            );
        }
        // Browsers expose no named constants for close codes (the CLOSE_* names were never API).
        let browser = e.constants.iter().find(|k| k.runtime == "browser").unwrap();
        assert_eq!(browser.name, None, "{}", e.key);
    }
}

#[test]
fn urls_are_well_formed_and_https() {
    for e in shipped().entries() {
        let urls = e
            .sources
            .iter()
            .map(|s| &s.url)
            .chain(e.constants.iter().map(|c| &c.source))
            .chain(e.errors.iter().map(|x| &x.source));
        for u in urls {
            assert!(u.starts_with("https://"), "{}: {u}", e.key);
            let host = u["https://".len()..].split('/').next().unwrap();
            assert!(host.contains('.') && !host.contains(' '), "{}: {u}", e.key);
        }
    }
}

#[test]
fn no_placeholder_text_remains() {
    const PLACEHOLDERS: [&str; 8] = [
        "TODO",
        "TBD",
        "FIXME",
        "XXX",
        "lorem ipsum",
        "待补充",
        "待定",
        "{{",
    ];
    for e in shipped().entries() {
        for (field, text) in all_text(e) {
            for p in PLACEHOLDERS {
                assert!(
                    !text.contains(p),
                    "{} {field} contains placeholder `{p}`",
                    e.key
                );
            }
            assert!(
                !text.trim().ends_with("..."),
                "{} {field} ends with `...`",
                e.key
            );
        }
    }
}

#[test]
fn chinese_text_is_chinese_and_english_text_is_english() {
    let han = |s: &str| {
        s.chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
            .count()
    };
    for e in shipped().entries() {
        for (name, s) in sections(&e.zh) {
            let s = s.unwrap();
            assert!(
                han(s) * 4 >= s.chars().filter(|c| c.is_alphabetic()).count(),
                "{} zh.{name} reads as English",
                e.key
            );
        }
        for (name, s) in sections(&e.en) {
            assert_eq!(han(s.unwrap()), 0, "{} en.{name} has Chinese text", e.key);
        }
    }
}

#[test]
fn protocol_facts_hold() {
    let reg = shipped();
    // RFC 6455 §7.4.1: 1005, 1006 and 1015 are never put in a Close frame.
    for code in [1005, 1006, 1015] {
        assert!(
            !reg.get(Key::Code(code)).unwrap().wire,
            "{code} is never on the wire"
        );
    }
    // WHATWG close(): only 1000 and 3000–4999 from script.
    for e in reg.entries() {
        let scriptable = e.key == Key::Code(1000) || e.key.lo() >= 3000;
        assert_eq!(e.script, scriptable, "{}: script", e.key);
    }
    // 1014 is registered (Bad Gateway), not reserved as old tables say.
    let c1014 = reg.get(Key::Code(1014)).unwrap();
    assert_ne!(c1014.status, registry::Status::Reserved);
    assert!(c1014.name.contains("Gateway"), "{}", c1014.name);
    // The zh page of a code whose reason matters says how long a reason may be.
    let zh_all: String = reg
        .entries()
        .iter()
        .flat_map(|e| sections(&e.zh))
        .filter_map(|(_, s)| s.cloned())
        .collect();
    assert!(
        zh_all.contains("123 字节"),
        "the 123-byte reason limit is explained in Chinese"
    );
}
