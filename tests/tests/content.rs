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
        .filter(|r| {
            !matches!(r.kind, RuntimeKind::Browser | RuntimeKind::Proxy) || r.key == "browser"
        })
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

/// Letters of a text that are Han characters, and all its letters.
fn han_share(s: &str) -> (usize, usize) {
    let han = s
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    (han, s.chars().filter(|c| c.is_alphabetic()).count())
}

/// Markdown without code blocks, inline code and link targets: what the language check reads.
fn prose_only(md: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            // Drop `code` spans and (targets) of links.
            let mut in_code = false;
            for part in line.split('`') {
                if !in_code {
                    out.push_str(part);
                }
                in_code = !in_code;
            }
            out.push('\n');
        }
    }
    out
}

/// Fails on placeholders and on Chinese fields that read as English (or English ones with Han).
fn check_prose(who: &str, lang: Lang, field: &str, s: &str, problems: &mut Vec<String>) {
    const PLACEHOLDERS: [&str; 7] = ["TODO", "TBD", "FIXME", "XXX", "待补充", "待定", "{{"];
    for p in PLACEHOLDERS {
        if s.contains(p) {
            problems.push(format!("{who} {field}: placeholder `{p}`"));
        }
    }
    if s.trim().ends_with("...") {
        problems.push(format!("{who} {field}: ends with `...`"));
    }
    let (han, letters) = han_share(&prose_only(s));
    match lang {
        Lang::Zh if han * 5 < letters => problems.push(format!("{who} {field}: reads as English")),
        Lang::En if han > 0 => problems.push(format!("{who} {field}: has Chinese text")),
        _ => {}
    }
}

#[test]
fn every_handshake_page_is_complete_in_both_languages() {
    let reg = shipped();
    for slug in [
        "400",
        "401",
        "403",
        "404",
        "405",
        "426",
        "429",
        "500",
        "502",
        "503",
        "504",
        "dns",
        "refused",
        "tls",
        "mixed-content",
        "csp",
        "proxy-upgrade",
    ] {
        assert!(
            reg.handshake(slug).is_some(),
            "handshake/{slug} has no page"
        );
    }
    let mut problems = Vec::new();
    for h in reg.handshakes() {
        let who = format!("handshake/{}", h.key.slug());
        for lang in Lang::ALL {
            let t = h.text(lang);
            for (name, s) in sections(t) {
                match s.filter(|s| s.trim().chars().count() >= 40) {
                    Some(s) => check_prose(
                        &who,
                        lang,
                        &format!("{}.{name}", lang.code()),
                        s,
                        &mut problems,
                    ),
                    None => problems.push(format!("{who} {}.{name}: missing or stub", lang.code())),
                }
            }
            check_prose(
                &who,
                lang,
                &format!("{}.summary", lang.code()),
                &t.summary,
                &mut problems,
            );
        }
        if h.sources.is_empty() {
            problems.push(format!("{who}: no sources"));
        }
        if reg
            .errors_on(&registry::PageRef::Handshake(h.key.slug()))
            .is_empty()
        {
            problems.push(format!("{who}: no error text people paste"));
        }
        for u in h
            .sources
            .iter()
            .map(|s| &s.url)
            .chain(h.errors.iter().map(|e| &e.source))
        {
            if !u.starts_with("https://") {
                problems.push(format!("{who}: {u} is not https"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_protocol_is_sourced_and_complete_in_both_languages() {
    let reg = shipped();
    assert!(reg.protocols().len() >= 15, "at least 15 protocols");
    let mut problems = Vec::new();
    for p in reg.protocols() {
        let who = format!("protocols/{}", p.slug);
        if !p.docs.starts_with("https://") || p.sources.is_empty() {
            problems.push(format!("{who}: needs its own docs (https) and sources"));
        }
        for lang in Lang::ALL {
            let t = p.text(lang);
            if t.explanation.chars().count() < 200 {
                problems.push(format!(
                    "{who} {}.explanation: under 200 characters",
                    lang.code()
                ));
            }
            check_prose(
                &who,
                lang,
                &format!("{}.explanation", lang.code()),
                &t.explanation,
                &mut problems,
            );
            for c in &p.codes {
                let ct = c.text(lang);
                for (f, s) in [("meaning", &ct.meaning), ("fix", &ct.fix)] {
                    check_prose(
                        &who,
                        lang,
                        &format!("{} {}.{f}", c.code, lang.code()),
                        s,
                        &mut problems,
                    );
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // Every code a protocol defines has a page: its own entry or its "in the wild" page.
    let docs = closecodes_cli::docs::documents(&reg, &[]);
    for c in reg.wild_codes() {
        assert!(
            docs.iter().any(|d| d.kind.path() == format!("codes/{c}")),
            "{c} is defined by a protocol but has no page"
        );
    }
}

#[test]
fn every_runtime_says_what_it_is_and_where_its_facts_come_from() {
    let reg = shipped();
    let mut problems = Vec::new();
    for r in reg.runtimes() {
        for lang in Lang::ALL {
            let s = match lang {
                Lang::En => &r.en.summary,
                Lang::Zh => &r.zh.summary,
            };
            check_prose(
                &r.key,
                lang,
                &format!("{}.summary", lang.code()),
                s,
                &mut problems,
            );
        }
        let urls = r
            .constants
            .values()
            .map(|c| &c.source)
            .chain(r.errors.iter().map(|e| &e.source))
            .chain(r.limits.iter().map(|l| &l.source));
        for u in urls {
            if !u.starts_with("https://") {
                problems.push(format!("{}: {u} is not https", r.key));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn codes_json_carries_every_kind() {
    let reg = shipped();
    let v: serde_json::Value = serde_json::from_str(&closecodes::json::to_json(&reg)).unwrap();
    assert_eq!(
        v["handshake"].as_array().unwrap().len(),
        reg.handshakes().len()
    );
    assert_eq!(
        v["protocols"].as_array().unwrap().len(),
        reg.protocols().len()
    );
    assert_eq!(
        v["runtimes"].as_array().unwrap().len(),
        reg.runtimes().len()
    );
    assert_eq!(
        v["glossary"].as_array().unwrap().len(),
        reg.glossary().len()
    );
    let h = v["handshake"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["slug"] == "403")
        .unwrap();
    assert_eq!(h["url"]["zh"], "zh/handshake/403.html");
    assert!(!h["errors"].as_array().unwrap().is_empty());
}
