//! Search documents: every page of the site as one document per kind (codes and ranges, "in the
//! wild" code pages, handshake failures, protocols, guides), in both languages. The search index
//! ([`crate::search`]) only sees these; adding a page kind means adding a function here.

use crate::guides::Guide;
use crate::search::plain_text;
use closecodes::registry::{Entry, Handshake, Key, Lang, PageRef, Protocol, Registry, Text};
use closecodes::render::join_cjk_lines;

/// What a document is a page of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// A documented code or range.
    Code(Key),
    /// A code only protocols define (`codes/4004.html`).
    Wild(u16),
    /// A handshake failure page.
    Handshake(String),
    /// A protocol page.
    Protocol(String),
    /// A guide.
    Guide(String),
    /// The table of a section (`handshake`, `protocols`).
    Index(&'static str),
}

impl DocKind {
    /// Site path without language prefix and extension: `codes/1006`, `handshake/tls`.
    pub fn path(&self) -> String {
        match self {
            DocKind::Code(k) => format!("codes/{}", k.slug()),
            DocKind::Wild(c) => format!("codes/{c}"),
            DocKind::Handshake(s) => format!("handshake/{s}"),
            DocKind::Protocol(s) => format!("protocols/{s}"),
            DocKind::Guide(s) => format!("guides/{s}"),
            DocKind::Index(s) => format!("{s}/index"),
        }
    }

    /// The kind's name in the API (`code`, `range`, `handshake`, `protocol`, `guide`).
    pub fn name(&self) -> &'static str {
        match self {
            DocKind::Code(Key::Code(_)) | DocKind::Wild(_) => "code",
            DocKind::Code(Key::Range(..)) => "range",
            DocKind::Handshake(_) => "handshake",
            DocKind::Protocol(_) => "protocol",
            DocKind::Guide(_) => "guide",
            DocKind::Index(_) => "index",
        }
    }
}

/// One page as search sees it.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Which page.
    pub kind: DocKind,
    /// Numbers as words (`1006`, `4000 4999`, `403`).
    pub numbers: String,
    /// The title shown in results, per language (English, Chinese).
    pub heading: [String; 2],
    /// Names, per language: registered name and title.
    pub title: [String; 2],
    /// One-line summaries.
    pub summary: [String; 2],
    /// Identifiers: runtime constants, protocol code names, subprotocols.
    pub names: Vec<String>,
    /// Exact error texts printed for this page's failure.
    pub errors: Vec<String>,
    /// The whole prose as plain text, per language (summary first).
    pub body: [String; 2],
}

impl Doc {
    /// The text of `lang`'s slot.
    pub fn slot(lang: Lang) -> usize {
        usize::from(lang == Lang::Zh)
    }
}

fn prose(lang: Lang, md: &str) -> String {
    match lang {
        Lang::Zh => plain_text(&join_cjk_lines(md)),
        Lang::En => plain_text(md),
    }
}

/// A page's summary as search sees it: the one-line summary and the reader's symptoms.
fn text_summary(t: &Text, lang: Lang) -> String {
    let mut out = prose(lang, &t.summary);
    for s in &t.symptoms {
        out.push('\n');
        out.push_str(&prose(lang, s));
    }
    out
}

fn text_body(t: &Text, lang: Lang) -> String {
    let mut out = text_summary(t, lang);
    for s in [
        &t.explanation,
        &t.causes,
        &t.diagnosis,
        &t.client,
        &t.server,
    ]
    .into_iter()
    .flatten()
    {
        out.push('\n');
        out.push_str(&prose(lang, s));
    }
    out
}

/// The pages of documented codes and ranges only (what `explain` looks names up in).
pub fn code_documents(reg: &Registry) -> Vec<Doc> {
    reg.entries().iter().map(|e| code(reg, e)).collect()
}

/// Every page of `reg` and `guides`, codes first, the section tables last.
pub fn documents(reg: &Registry, guides: &[Guide]) -> Vec<Doc> {
    documents_with(reg, guides, &table_strings())
}

/// The UI strings the section tables' documents read (`hs_index_title`, `proto_index_intro` …),
/// from the page templates: a saved index carries them, so that opening it (in the reader's
/// browser too) needs no template engine.
pub fn table_strings() -> TableStrings {
    let Ok(r) = closecodes::render::Renderer::new(None) else {
        return TableStrings::new();
    };
    TABLES
        .iter()
        .flat_map(|(_, key)| ["title", "intro", "unnamed"].map(|part| format!("{key}_{part}")))
        .filter(|k| r.has_string(k))
        .map(|k| {
            let text = Lang::ALL.map(|l| r.string(l, &k));
            (k, text)
        })
        .collect()
}

/// UI strings by key, English and Chinese.
pub type TableStrings = std::collections::BTreeMap<String, [String; 2]>;

/// The section tables with a search document: their folder and their strings' key.
const TABLES: [(&str, &str); 2] = [("handshake", "hs_index"), ("protocols", "proto_index")];

/// [`documents`] with the section tables' strings given.
pub fn documents_with(reg: &Registry, guides: &[Guide], strings: &TableStrings) -> Vec<Doc> {
    let mut docs = code_documents(reg);
    for c in reg.wild_codes() {
        if reg.get(Key::Code(c)).is_none() {
            docs.push(wild(c, &reg.wild(c)));
        }
    }
    docs.extend(reg.handshakes().iter().map(|h| handshake(reg, h)));
    docs.extend(reg.protocols().iter().map(protocol));
    docs.extend(guides.iter().map(|g| guide(reg, g)));
    if strings.is_empty() {
        return docs;
    }
    let hs: Vec<[String; 2]> = reg
        .handshakes()
        .iter()
        .map(|h| Lang::ALL.map(|l| format!("{}: {}", h.text(l).title, h.text(l).summary)))
        .collect();
    let mut table = index(strings, TABLES[0], &hs);
    table.errors = reg
        .errors_on(&PageRef::Handshake(
            closecodes::registry::HANDSHAKE_INDEX.to_owned(),
        ))
        .into_iter()
        .map(|x| x.text)
        .collect();
    docs.push(table);
    let ps: Vec<[String; 2]> = reg
        .protocols()
        .iter()
        .map(|p| Lang::ALL.map(|l| format!("{}: {}", p.text(l).title, p.text(l).summary)))
        .collect();
    docs.push(index(strings, TABLES[1], &ps));
    docs
}

/// A section's table page: its title and introduction, and the titles of its pages.
fn index(strings: &TableStrings, (dir, key): (&'static str, &str), titles: &[[String; 2]]) -> Doc {
    let string = |l: Lang, part: &str| {
        strings
            .get(&format!("{key}_{part}"))
            .map(|t| t[Doc::slot(l)].clone())
    };
    let heading = Lang::ALL.map(|l| string(l, "title").unwrap_or_default());
    // The intro, and for the handshake table the paragraph on messages that name no status.
    let intro = Lang::ALL.map(|l| {
        let mut s = prose(l, &string(l, "intro").unwrap_or_default());
        if let Some(more) = string(l, "unnamed") {
            s.push('\n');
            s.push_str(&prose(l, &more));
        }
        s
    });
    Doc {
        kind: DocKind::Index(dir),
        numbers: String::new(),
        title: heading.clone(),
        summary: intro.clone(),
        names: Vec::new(),
        errors: Vec::new(),
        body: Lang::ALL.map(|l| {
            let s = Doc::slot(l);
            let list: Vec<&str> = titles.iter().map(|t| t[s].as_str()).collect();
            format!("{}\n{}", intro[s], list.join("\n"))
        }),
        heading,
    }
}

fn code(reg: &Registry, e: &Entry) -> Doc {
    let numbers = match e.key {
        Key::Code(c) => c.to_string(),
        Key::Range(lo, hi) => format!("{lo} {hi} {lo}-{hi}"),
    };
    let mut body = Lang::ALL.map(|l| text_body(e.text(l), l));
    // What protocols say about this code is on its page too.
    if let Key::Code(c) = e.key {
        for l in Lang::ALL {
            for (p, pc) in reg.wild(c) {
                let t = pc.text(l);
                body[Doc::slot(l)].push_str(&format!(
                    "\n{} {}: {} {}",
                    p.name,
                    pc.name,
                    prose(l, &t.meaning),
                    prose(l, &t.fix)
                ));
            }
        }
    }
    Doc {
        kind: DocKind::Code(e.key),
        numbers,
        heading: Lang::ALL.map(|l| e.text(l).title.clone()),
        title: Lang::ALL.map(|l| format!("{} {}", e.name, e.text(l).title)),
        summary: Lang::ALL.map(|l| text_summary(e.text(l), l)),
        names: e.constants.iter().filter_map(|c| c.name.clone()).collect(),
        errors: reg
            .errors_on(&PageRef::Code(e.key))
            .into_iter()
            .map(|x| x.text)
            .collect(),
        body,
    }
}

fn wild(code: u16, defs: &[(&Protocol, &closecodes::registry::ProtocolCode)]) -> Doc {
    let names: Vec<String> = defs.iter().map(|(_, c)| c.name.clone()).collect();
    let title = format!("{code} {}", names.join(" / "));
    Doc {
        kind: DocKind::Wild(code),
        numbers: code.to_string(),
        heading: [title.clone(), title.clone()],
        title: [title.clone(), title],
        summary: Lang::ALL.map(|l| {
            defs.iter()
                .map(|(p, c)| format!("{}: {}", p.name, prose(l, &c.text(l).meaning)))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        names,
        errors: Vec::new(),
        body: Lang::ALL.map(|l| {
            defs.iter()
                .map(|(p, c)| {
                    format!(
                        "{} {}: {}\n{}",
                        p.name,
                        c.name,
                        prose(l, &c.text(l).meaning),
                        prose(l, &c.text(l).fix)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
    }
}

fn handshake(reg: &Registry, h: &Handshake) -> Doc {
    let slug = h.key.slug();
    Doc {
        numbers: h.key.status().map_or(String::new(), |s| s.to_string()),
        heading: Lang::ALL.map(|l| h.text(l).title.clone()),
        title: Lang::ALL.map(|l| format!("{} {}", h.name, h.text(l).title)),
        summary: Lang::ALL.map(|l| text_summary(h.text(l), l)),
        names: Vec::new(),
        errors: reg
            .errors_on(&PageRef::Handshake(slug.clone()))
            .into_iter()
            .map(|x| x.text)
            .collect(),
        body: Lang::ALL.map(|l| text_body(h.text(l), l)),
        kind: DocKind::Handshake(slug),
    }
}

fn protocol(p: &Protocol) -> Doc {
    let mut names: Vec<String> = p.codes.iter().map(|c| c.name.clone()).collect();
    names.extend(p.subprotocol.clone());
    let spoken_by: Vec<&str> = p.implementations.iter().map(|m| m.name.as_str()).collect();
    Doc {
        kind: DocKind::Protocol(p.slug.clone()),
        numbers: p
            .codes
            .iter()
            .map(|c| c.code.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        heading: Lang::ALL.map(|l| p.text(l).title.clone()),
        title: Lang::ALL.map(|l| format!("{} {}", p.name, p.text(l).title)),
        summary: Lang::ALL.map(|l| prose(l, &p.text(l).summary)),
        names,
        errors: quoted_messages(p),
        body: Lang::ALL.map(|l| {
            let t = p.text(l);
            let mut b = format!(
                "{}\n{}\n{}",
                prose(l, &t.summary),
                prose(l, &t.explanation),
                spoken_by.join(", ")
            );
            for c in &p.codes {
                b.push_str(&format!(
                    "\n{} {}: {} {}",
                    c.code,
                    c.name,
                    prose(l, &c.text(l).meaning),
                    prose(l, &c.text(l).fix)
                ));
            }
            b
        }),
    }
}

/// The messages of a protocol's code rows, three words or more: a name that is a sentence (Pusher's
/// `Pong reply not received`, which is also the close reason it sends) and inline code in the
/// English meaning (graphql-ws's reason `Invalid message received`, an error a client raises).
/// What people paste.
fn quoted_messages(p: &Protocol) -> Vec<String> {
    use pulldown_cmark::{Event, Parser};
    let mut out: Vec<String> = Vec::new();
    for c in &p.codes {
        if c.name.split_whitespace().count() >= 3 {
            out.push(c.name.clone());
        }
        for ev in Parser::new(&c.text(Lang::En).meaning) {
            if let Event::Code(t) = ev
                && t.split_whitespace().count() >= 3
                && !out.iter().any(|o| *o == *t)
            {
                out.push(t.to_string());
            }
        }
    }
    out
}

fn guide(reg: &Registry, g: &Guide) -> Doc {
    Doc {
        kind: DocKind::Guide(g.slug.clone()),
        numbers: String::new(),
        heading: g.text.clone().map(|(t, _)| t),
        title: g.text.clone().map(|(t, _)| t),
        summary: g.text.clone().map(|(_, md)| guide_summary(&md)),
        names: Vec::new(),
        errors: reg
            .errors_on(&PageRef::Guide(g.slug.clone()))
            .into_iter()
            .map(|x| x.text)
            .collect(),
        body: g.text.clone().map(|(_, md)| plain_text(&md)),
    }
}

/// A guide cut to what its search document needs before its prose (see
/// [`crate::search::SearchIndex::to_site_files`]): its title, and the lines its summary is made
/// of ([`guide_summary`] gives the same summary for both).
pub fn guide_without_prose(g: &Guide) -> Guide {
    let cut = |md: &str| -> String {
        let lines = SummaryLines::of(md);
        let mut out: Vec<&str> = lines.heading.into_iter().collect();
        out.extend(lines.first);
        if let Some(heading) = lines.symptoms_heading {
            out.extend(["", heading]);
            out.extend(lines.symptoms);
        }
        out.join("\n")
    };
    Guide {
        slug: g.slug.clone(),
        text: g.text.clone().map(|(title, md)| (title, cut(&md))),
    }
}

/// Headings of the section that lists a guide's symptoms in the reader's words.
const SYMPTOMS: [&str; 2] = ["## Symptoms", "## 问题现象"];

/// The lines of a guide's Markdown its summary is made of.
struct SummaryLines<'a> {
    /// The first `# ` heading.
    heading: Option<&'a str>,
    /// The first paragraph of prose after it (a `{{#closecode …}}` card is not one).
    first: Vec<&'a str>,
    /// The heading of the list of symptoms, when the guide has one.
    symptoms_heading: Option<&'a str>,
    /// The items of that list: prose after it (pointers to other pages) is not a symptom.
    symptoms: Vec<&'a str>,
}

impl<'a> SummaryLines<'a> {
    fn of(md: &'a str) -> SummaryLines<'a> {
        let mut lines = md.lines().skip_while(|l| !l.starts_with("# "));
        let heading = lines.next();
        let first = lines
            .skip_while(|l| l.trim().is_empty() || l.trim_start().starts_with("{{#"))
            .take_while(|l| !l.trim().is_empty())
            .collect();
        let mut rest = md.lines().skip_while(|l| !SYMPTOMS.contains(&l.trim()));
        let symptoms_heading = rest.next();
        let symptoms = rest
            .take_while(|l| !l.starts_with('#'))
            .filter(|l| l.starts_with("- "))
            .collect();
        SummaryLines {
            heading,
            first,
            symptoms_heading,
            symptoms,
        }
    }
}

/// A guide's summary: its first paragraph after the heading, and the items of its list of
/// symptoms (how a reader describes the problem the guide answers), when it has one.
fn guide_summary(md: &str) -> String {
    let lines = SummaryLines::of(md);
    plain_text(&format!(
        "{}\n\n{}",
        lines.first.join("\n"),
        lines.symptoms.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guide_without_prose_keeps_its_title_and_summary() {
        let guides = crate::guides::embedded();
        assert!(guides.len() >= 3);
        for g in &guides {
            let cut = guide_without_prose(g);
            for (full, cut) in g.text.iter().zip(&cut.text) {
                assert_eq!(full.0, cut.0);
                assert_eq!(guide_summary(&full.1), guide_summary(&cut.1), "{}", g.slug);
                assert!(cut.1.len() * 2 < full.1.len(), "{}", g.slug);
            }
        }
        // Odd guides: no heading, a card before the first paragraph, symptoms inside it, nothing.
        for md in [
            "no heading\n\ntext",
            "# T\n\n{{#closecode 1006}}\n\nFirst.\nline\n\nnext",
            "# T\n## Symptoms\n- a\nnot\n- b\n# next\n- c",
            "# T\n\nIntro.\n\n## 问题现象\n\n- 断网\n\n## More\n- no",
            "",
        ] {
            let g = Guide {
                slug: "x".into(),
                text: [("T".into(), md.into()), ("T".into(), md.into())],
            };
            let cut = guide_without_prose(&g);
            assert_eq!(guide_summary(md), guide_summary(&cut.text[0].1), "{md:?}");
        }
    }
}
