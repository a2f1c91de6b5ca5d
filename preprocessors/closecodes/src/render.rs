//! Rendering: the registry becomes Markdown pages through tera templates, in one language.
//!
//! The templates (`templates/*.md.tera`) and UI strings (`templates/strings.yaml`) are compiled
//! in; a site owner may override any template by putting a file of the same name in the book's
//! `theme/closecodes/` folder. This module builds a language-specific view of each entry (labels
//! translated, table cells escaped, links relative to the page) and hands it to the template; it
//! reads no YAML of the data and writes no files.

pub mod explain;
mod pages;

use crate::registry::{Entry, Key, Lang, LimitKind, PageRef, Registry, ServerSaw};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Built-in templates: (name, text).
const BUILTIN: [(&str, &str); 9] = [
    (
        "handshake.md.tera",
        include_str!("../templates/handshake.md.tera"),
    ),
    (
        "handshake-index.md.tera",
        include_str!("../templates/handshake-index.md.tera"),
    ),
    (
        "protocol.md.tera",
        include_str!("../templates/protocol.md.tera"),
    ),
    (
        "protocol-index.md.tera",
        include_str!("../templates/protocol-index.md.tera"),
    ),
    ("wild.md.tera", include_str!("../templates/wild.md.tera")),
    (
        "glossary.md.tera",
        include_str!("../templates/glossary.md.tera"),
    ),
    (
        "article.md.tera",
        include_str!("../templates/article.md.tera"),
    ),
    (
        "reference.md.tera",
        include_str!("../templates/reference.md.tera"),
    ),
    ("card.md.tera", include_str!("../templates/card.md.tera")),
];

const STRINGS: &str = include_str!("../templates/strings.yaml");

/// A rendering failure.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template did not parse or failed to render.
    #[error("template `{name}`: {message}")]
    Template {
        /// The template's name.
        name: String,
        /// Tera's message.
        message: String,
    },
    /// An override template could not be read.
    #[error("cannot read template override {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A UI string lacks a translation.
    #[error("UI string `{key}` has no `{lang}` text")]
    MissingString {
        /// The string's key.
        key: String,
        /// The language.
        lang: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pair {
    en: String,
    zh: String,
}

/// Renders pages of one registry in either language.
pub struct Renderer {
    tera: tera::Tera,
    strings: BTreeMap<String, Pair>,
    guide_titles: BTreeMap<(Lang, String), String>,
}

impl Renderer {
    /// The built-in templates, with any same-named file in `overrides` (e.g. `theme/closecodes`)
    /// taking their place.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer, RenderError> {
        let mut tera = tera::Tera::new();
        // Output is Markdown: escaping is done per field where HTML is emitted.
        tera.autoescape_on(Vec::<&str>::new());
        for (name, builtin) in BUILTIN {
            let text = match overrides.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(path) => std::fs::read_to_string(&path).map_err(|source| RenderError::Io {
                    path: path.display().to_string(),
                    source,
                })?,
                None => builtin.to_owned(),
            };
            tera.add_raw_template(name, &text)
                .map_err(|e| template_error(name, &e))?;
        }
        let strings: BTreeMap<String, Pair> =
            serde_saphyr::from_str(STRINGS).map_err(|e| RenderError::Template {
                name: "strings.yaml".into(),
                message: e.to_string(),
            })?;
        for (key, pair) in &strings {
            for (lang, text) in [("en", &pair.en), ("zh", &pair.zh)] {
                if text.trim().is_empty() {
                    return Err(RenderError::MissingString {
                        key: key.clone(),
                        lang,
                    });
                }
            }
        }
        Ok(Renderer {
            tera,
            strings,
            guide_titles: BTreeMap::new(),
        })
    }

    /// Tell the renderer a guide's title in one language, so that links to it are labelled.
    pub fn set_guide_title(&mut self, lang: Lang, slug: &str, title: &str) {
        self.guide_titles
            .insert((lang, slug.to_owned()), title.to_owned());
    }

    /// A link to another page, as seen from a page `to_root` below the site root (`../`).
    fn link(&self, reg: &Registry, r: &PageRef, lang: Lang, to_root: &str) -> LinkView {
        let (label, title, summary) = match r {
            PageRef::Code(k) => {
                let t = reg.get(*k).map(|x| x.text(lang));
                (
                    k.label(),
                    t.map_or(String::new(), |t| t.title.clone()),
                    t.map_or(String::new(), |t| t.summary.clone()),
                )
            }
            PageRef::Handshake(s) => {
                let t = reg.handshake(s).map(|h| h.text(lang));
                (
                    String::new(),
                    t.map_or(s.clone(), |t| t.title.clone()),
                    t.map_or(String::new(), |t| t.summary.clone()),
                )
            }
            PageRef::Protocol(s) => {
                let t = reg.protocol(s).map(|p| p.text(lang));
                (
                    String::new(),
                    t.map_or(s.clone(), |t| t.title.clone()),
                    t.map_or(String::new(), |t| t.summary.clone()),
                )
            }
            PageRef::Guide(s) => (
                String::new(),
                self.guide_titles
                    .get(&(lang, s.clone()))
                    .cloned()
                    .unwrap_or_else(|| s.replace('-', " ")),
                String::new(),
            ),
        };
        LinkView {
            label,
            title: cell(&title),
            summary,
            href: format!("{to_root}{}.html", r.path()),
        }
    }

    /// The name of a runtime in `lang` (its key when unknown).
    fn runtime_label(reg: &Registry, key: &str, lang: Lang) -> String {
        reg.runtime(key)
            .map_or_else(|| key.to_owned(), |r| r.label(lang).to_owned())
    }

    /// Whether the UI strings have `key`.
    pub fn has_string(&self, key: &str) -> bool {
        self.strings.contains_key(key)
    }

    /// A UI string in `lang`. Unknown keys render as the key itself (a unit test checks that
    /// every key the templates use exists).
    pub fn string(&self, lang: Lang, key: &str) -> String {
        match self.strings.get(key) {
            Some(p) => match lang {
                Lang::En => p.en.clone(),
                Lang::Zh => p.zh.clone(),
            },
            None => key.to_owned(),
        }
    }

    fn strings_for(&self, lang: Lang) -> BTreeMap<&str, &str> {
        self.strings
            .iter()
            .map(|(k, p)| {
                (
                    k.as_str(),
                    match lang {
                        Lang::En => p.en.as_str(),
                        Lang::Zh => p.zh.as_str(),
                    },
                )
            })
            .collect()
    }

    fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, RenderError> {
        self.tera
            .render(name, ctx)
            .map_err(|e| template_error(name, &e))
    }

    /// The reference table page (`codes/index.md`): one row per entry, each with an anchor.
    pub fn reference(&self, reg: &Registry, lang: Lang) -> Result<String, RenderError> {
        #[derive(Serialize)]
        struct Row {
            slug: String,
            label: String,
            kind: &'static str,
            status_key: &'static str,
            href: String,
            name: String,
            title: String,
            summary_html: String,
            wire: String,
            script: String,
        }
        let yes_no = |b: bool| self.string(lang, if b { "yes" } else { "no" });
        let rows: Vec<Row> = reg
            .entries()
            .iter()
            .map(|e| Row {
                slug: e.key.slug(),
                label: e.key.label(),
                kind: if matches!(e.key, Key::Code(_)) {
                    "code"
                } else {
                    "range"
                },
                status_key: e.status.key(),
                href: format!("{}.html", e.key.slug()),
                name: e.name.clone(),
                title: e.text(lang).title.clone(),
                summary_html: inline_html(&e.text(lang).summary),
                wire: yes_no(e.wire),
                script: yes_no(e.script),
            })
            .collect();
        self.render_view("reference.md.tera", lang, "rows", &rows)
    }

    /// The article page for one entry (`codes/1006.md`, `codes/4000-4999.md`).
    pub fn article(&self, reg: &Registry, e: &Entry, lang: Lang) -> Result<String, RenderError> {
        self.render_view(
            "article.md.tera",
            lang,
            "e",
            &self.view(reg, e, lang, "../"),
        )
    }

    /// A code card to embed in a hand-written chapter; `to_root` is the relative path from
    /// that chapter to the site root (e.g. `../`).
    pub fn card(
        &self,
        reg: &Registry,
        e: &Entry,
        lang: Lang,
        to_root: &str,
    ) -> Result<String, RenderError> {
        self.render_view("card.md.tera", lang, "e", &self.view(reg, e, lang, to_root))
    }

    fn view(&self, reg: &Registry, e: &Entry, lang: Lang, to_root: &str) -> EntryView {
        let s = |k: &str| self.string(lang, k);
        let text = e.text(lang);
        let prose = |s: &Option<String>| match lang {
            Lang::Zh => s.as_deref().map(join_cjk_lines),
            Lang::En => s.clone(),
        };
        let is_range = matches!(e.key, Key::Range(..));
        let wire = s(match (e.wire, is_range) {
            (true, false) => "wire_yes",
            (false, false) => "wire_no",
            (true, true) => "wire_yes_range",
            (false, true) => "wire_no_range",
        });
        let script = s(if e.script { "script_yes" } else { "script_no" });
        let link = |k: Key| self.link(reg, &PageRef::Code(k), lang, to_root);
        let inside = if is_range {
            reg.entries()
                .iter()
                .filter(|x| matches!(x.key, Key::Code(c) if e.key.contains(c)))
                .map(|x| link(x.key))
                .collect()
        } else {
            Vec::new()
        };
        let senders = e
            .senders
            .iter()
            .map(|x| s(&format!("sender_{}", x.key())))
            .collect::<Vec<_>>()
            .join(if lang == Lang::Zh { "、" } else { ", " });
        EntryView {
            slug: e.key.slug(),
            label: e.key.label(),
            href: format!("{to_root}codes/{}.html", e.key.slug()),
            name: cell(&e.name),
            name_html: escape_html(&e.name),
            status: s(&format!("status_{}", e.status.key())),
            registration: e
                .registration
                .map(|r| s(&format!("registration_{}", r.key()))),
            wire_html: inline_html(&wire),
            script_html: inline_html(&script),
            wire,
            script,
            senders,
            title: text.title.clone(),
            summary: text.summary.clone(),
            summary_html: inline_html(&text.summary),
            symptoms: text.symptoms.iter().map(|s| inline_html(s)).collect(),
            explanation: prose(&text.explanation),
            causes: prose(&text.causes),
            diagnosis: prose(&text.diagnosis),
            client: prose(&text.client),
            server: prose(&text.server),
            constants: e
                .constants
                .iter()
                .map(|c| ConstantView {
                    runtime: Self::runtime_label(reg, &c.runtime, lang),
                    name: c.name.as_deref().map(cell),
                    source: c.source.clone(),
                })
                .collect(),
            errors: self.errors(reg, &PageRef::Code(e.key), lang),
            limits: self.limits(reg, e.key, lang),
            wild: match e.key {
                Key::Code(c) => self.wild_rows(reg, c, lang, to_root),
                Key::Range(..) => Vec::new(),
            },
            related: e
                .related
                .iter()
                .map(|r| self.link(reg, r, lang, to_root))
                .collect(),
            lab: e
                .lab
                .iter()
                .map(|l| {
                    let (server_key, server_html) = match l.server {
                        ServerSaw::Code(c) => (c.to_string(), c.to_string()),
                        ServerSaw::NoCode => ("no-code".to_owned(), s("server_no_code")),
                        ServerSaw::Nothing => ("nothing".to_owned(), s("server_nothing")),
                    };
                    LabView {
                        endpoint_html: escape_html(&l.endpoint),
                        code: l.browser.code,
                        clean: l.browser.clean,
                        server_key,
                        server_html,
                    }
                })
                .collect(),
            inside,
            sources: sources(&e.sources),
        }
    }

    /// Error texts shown on a page, with runtime names in `lang`.
    fn errors(&self, reg: &Registry, page: &PageRef, lang: Lang) -> Vec<ErrorView> {
        reg.errors_on(page)
            .iter()
            .map(|x| ErrorView {
                runtime: Self::runtime_label(reg, &x.runtime, lang),
                text: escape_html(&x.text.replace(['\n', '\r'], " ")).replace('|', "&#124;"),
                source: x.source.clone(),
            })
            .collect()
    }

    /// Runtimes' default limits for the article they belong to: sizes on 1009, timeouts on 1006.
    fn limits(&self, reg: &Registry, key: Key, lang: Lang) -> Vec<LimitView> {
        let wanted: fn(LimitKind) -> bool = match key {
            Key::Code(1009) => LimitKind::is_size,
            Key::Code(1006) => |k| !k.is_size(),
            _ => return Vec::new(),
        };
        reg.runtimes()
            .iter()
            .flat_map(|rt| rt.limits.iter().map(move |l| (rt, l)))
            .filter(|(_, l)| wanted(l.kind))
            .map(|(rt, l)| LimitView {
                runtime: rt.label(lang).to_owned(),
                kind: self.string(lang, &format!("limit_{}", l.kind.key())),
                setting: cell(&l.setting),
                default: escape_html(&cell(&l.default)),
                exceeded: escape_html(&cell(l.exceeded.get(lang))),
                source: l.source.clone(),
            })
            .collect()
    }
}

/// Citations with brackets removed from titles (they would break the Markdown link).
fn sources(s: &[crate::registry::Source]) -> Vec<SourceView> {
    s.iter()
        .map(|x| SourceView {
            title: x.title.replace(['[', ']'], ""),
            url: x.url.clone(),
        })
        .collect()
}

#[derive(Serialize)]
struct EntryView {
    slug: String,
    label: String,
    href: String,
    name: String,
    name_html: String,
    status: String,
    registration: Option<String>,
    wire: String,
    script: String,
    wire_html: String,
    script_html: String,
    senders: String,
    title: String,
    summary: String,
    summary_html: String,
    symptoms: Vec<String>,
    explanation: Option<String>,
    causes: Option<String>,
    diagnosis: Option<String>,
    client: Option<String>,
    server: Option<String>,
    constants: Vec<ConstantView>,
    errors: Vec<ErrorView>,
    limits: Vec<LimitView>,
    wild: Vec<pages::WildRow>,
    related: Vec<LinkView>,
    inside: Vec<LinkView>,
    sources: Vec<SourceView>,
    lab: Vec<LabView>,
}

#[derive(Serialize)]
struct LabView {
    endpoint_html: String,
    code: u16,
    clean: bool,
    server_key: String,
    server_html: String,
}

#[derive(Serialize)]
struct LimitView {
    runtime: String,
    kind: String,
    setting: String,
    default: String,
    exceeded: String,
    source: String,
}

#[derive(Serialize)]
struct ConstantView {
    runtime: String,
    name: Option<String>,
    source: String,
}

#[derive(Serialize)]
struct ErrorView {
    runtime: String,
    text: String,
    source: String,
}

#[derive(Serialize)]
struct LinkView {
    label: String,
    title: String,
    summary: String,
    href: String,
}

#[derive(Serialize)]
struct SourceView {
    title: String,
    url: String,
}

fn template_error(name: &str, e: &tera::Error) -> RenderError {
    use std::error::Error;
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    RenderError::Template {
        name: name.to_owned(),
        message,
    }
}

/// Text safe inside a Markdown table cell: pipes escaped, line breaks folded.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Chinese Markdown written over several lines: a line break between two CJK characters would
/// show as a stray space, so such lines are joined. The characters compared are the visible ones:
/// a link's text rather than its target (`[文字](url)`), and bold or italic markers are skipped, so
/// a break next to a link, a bold lead-in or a curly quote (“”) joins too. Lists, headings,
/// tables, quotes, code and blank lines are left alone.
pub fn join_cjk_lines(md: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in md.split('\n') {
        let t = line.trim_start();
        let starts_block = t.starts_with(['-', '*', '+', '#', '|', '>']) && !t.starts_with("**")
            || t.chars().next().is_some_and(|c| c.is_ascii_digit());
        let continues = !in_code
            && !starts_block
            && visible_start(t).is_some_and(is_cjk)
            && out.last().is_some_and(|prev| {
                !prev.trim().is_empty() && visible_end(prev).is_some_and(is_cjk)
            });
        if t.starts_with("```") {
            in_code = !in_code;
        }
        match out.last_mut() {
            Some(prev) if continues => prev.push_str(t),
            _ => out.push(line.to_owned()),
        }
    }
    out.join("\n")
}

/// Han characters, CJK and full-width punctuation, and curly quotes.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x2018..=0x201D)
}

/// The first visible character of a line: emphasis markers and a link's `[` are skipped.
fn visible_start(line: &str) -> Option<char> {
    line.trim_start_matches(['*', '_', '[']).chars().next()
}

/// The last visible character of a line: emphasis markers are skipped, and a link at the end
/// counts by its text (`…[文字](url)` ends with `字`).
fn visible_end(line: &str) -> Option<char> {
    let mut t = line.trim_end().trim_end_matches(['*', '_']);
    if t.ends_with(')')
        && let Some(i) = t.rfind("](")
    {
        t = &t[..i];
    }
    t.trim_end_matches(['*', '_']).chars().last()
}

/// Text safe inside HTML.
fn escape_html(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    // Writing into a Vec cannot fail, and escaping keeps UTF-8 intact.
    let _ = tera::escape_html(s, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// One line of Markdown as inline HTML (no wrapping paragraph), for raw-HTML blocks.
pub fn inline_html(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new(md);
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    let out = out.trim();
    let out = out.strip_prefix("<p>").unwrap_or(out);
    let out = out.strip_suffix("</p>").unwrap_or(out);
    out.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::load_sources;

    fn reg() -> Registry {
        let consts: String = (1000..=1015)
            .map(|c| format!("    {c}: {{name: ~, source: https://example.org/conn.go}}\n"))
            .collect::<String>()
            .replace(
                "1006: {name: ~",
                "1006: {name: websocket.CloseAbnormalClosure",
            );
        let runtime = format!(
            "- runtime: go-gorilla\n  label: Go gorilla/websocket\n  kind: both\n  language: Go\n  repository: https://example.org/g\n  constants:\n{consts}  en: {{summary: Go.}}\n  zh: {{summary: Go。}}\n"
        );
        load_sources([
            (Path::new("runtimes/go-gorilla.yaml"), runtime.as_str()),
            (
            Path::new("t.yaml"),
            "- code: 1006
  name: Abnormal Closure
  status: rfc6455
  wire: false
  script: false
  senders: [local]
  errors:
    - {runtime: go-gorilla, text: 'websocket: close 1006 (abnormal closure): unexpected EOF', source: https://example.org/conn.go}
  related: [\"4000-4999\"]
  sources: [{title: RFC 6455, url: https://www.rfc-editor.org/rfc/rfc6455}]
  en: {title: Abnormal Closure, summary: The connection dropped without a Close frame., causes: '- a proxy timed out'}
  zh: {title: 连接异常关闭, summary: 连接在没有关闭帧的情况下断开。, causes: '- 代理超时'}
- range: [4000, 4999]
  name: Private use
  status: private-use
  registration: private-use
  wire: true
  script: true
  en: {title: Private use, summary: 'Codes for your own | application.'}
  zh: {title: 私有使用, summary: 应用自定义的关闭码。}
",
            ),
        ])
        .unwrap()
    }

    #[test]
    fn chinese_lines_join_without_a_space() {
        assert_eq!(
            join_cjk_lines("第一行\n第二行。\n\n- 列表\n- 项"),
            "第一行第二行。\n\n- 列表\n- 项"
        );
        assert_eq!(join_cjk_lines("English\nline"), "English\nline");
        // Links, bold and curly quotes at the break join too; a list item does not.
        assert_eq!(
            join_cjk_lines("见[保活指南](keepalive.md)\n里的表格，**结论**\n“很重要”"),
            "见[保活指南](keepalive.md)里的表格，**结论**“很重要”"
        );
        assert_eq!(join_cjk_lines("第一段\n- 列表"), "第一段\n- 列表");
        assert_eq!(
            join_cjk_lines("```\n代码\n代码\n```"),
            "```\n代码\n代码\n```"
        );
    }

    #[test]
    fn every_ui_string_has_both_languages_and_templates_parse() {
        Renderer::new(None).unwrap();
    }

    #[test]
    fn article_in_both_languages() {
        let r = Renderer::new(None).unwrap();
        let reg = reg();
        let e = reg.get(Key::Code(1006)).unwrap();
        let en = r.article(&reg, e, Lang::En).unwrap();
        insta::assert_snapshot!("article_1006_en", en);
        let zh = r.article(&reg, e, Lang::Zh).unwrap();
        insta::assert_snapshot!("article_1006_zh", zh);
        assert!(
            !zh.contains("Abnormal Closure — The"),
            "no English prose on the zh page"
        );
    }

    #[test]
    fn reference_table_has_an_anchor_per_row() {
        let r = Renderer::new(None).unwrap();
        let md = r.reference(&reg(), Lang::En).unwrap();
        assert!(md.contains(r#"<tr id="1006""#), "{md}");
        assert!(md.contains(r#"<tr id="4000-4999""#), "{md}");
        assert!(md.contains(r#"<a href="1006.html">1006</a>"#));
        insta::assert_snapshot!("reference_en", md);
    }

    #[test]
    fn card_links_relative_to_the_chapter() {
        let r = Renderer::new(None).unwrap();
        let reg = reg();
        let card = r
            .card(&reg, reg.get(Key::Code(1006)).unwrap(), Lang::Zh, "../")
            .unwrap();
        assert!(card.contains(r#"href="../codes/1006.html""#), "{card}");
        assert!(card.contains("连接异常关闭"));
    }

    #[test]
    fn overrides_replace_a_builtin_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("card.md.tera"), "CARD {{ e.label }}").unwrap();
        let r = Renderer::new(Some(dir.path())).unwrap();
        let reg = reg();
        let card = r
            .card(&reg, reg.get(Key::Code(1006)).unwrap(), Lang::En, "")
            .unwrap();
        assert_eq!(card, "CARD 1006");
    }

    #[test]
    fn a_broken_override_is_a_named_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("card.md.tera"), "{% if %}").unwrap();
        let err = Renderer::new(Some(dir.path())).err().unwrap().to_string();
        assert!(err.starts_with("template `card.md.tera`"), "{err}");
    }
}
