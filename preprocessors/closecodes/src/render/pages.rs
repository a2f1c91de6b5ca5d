//! Pages of the kinds beyond codes and ranges: handshake failures and their table, protocols and
//! their list, "in the wild" pages for codes that protocols define, and the glossary.

use super::{
    ErrorView, LinkView, RenderError, Renderer, SourceView, cell, escape_html, inline_html,
    join_cjk_lines, sources,
};
use crate::registry::{HANDSHAKE_INDEX as INDEX, Handshake, Lang, PageRef, Protocol, Registry};
use serde::Serialize;

/// One protocol's meaning of a code, as shown on the code's page.
#[derive(Serialize)]
pub(super) struct WildRow {
    protocol: String,
    href: String,
    name: String,
    reconnect: String,
    meaning: String,
    fix: String,
}

#[derive(Serialize)]
struct HandshakeView {
    slug: String,
    label: String,
    name_html: String,
    title: String,
    summary: String,
    symptoms: Vec<String>,
    explanation: Option<String>,
    causes: Option<String>,
    diagnosis: Option<String>,
    client: Option<String>,
    server: Option<String>,
    errors: Vec<ErrorView>,
    related: Vec<LinkView>,
    sources: Vec<SourceView>,
    lab_endpoint: Option<String>,
    lab_code: u16,
    lab_clean: bool,
    lab_console: Option<String>,
}

#[derive(Serialize)]
struct ProtocolCodeView {
    code: u16,
    href: String,
    name: String,
    reconnect: String,
    meaning: String,
    fix: String,
}

#[derive(Serialize)]
struct ImplementationView {
    name: String,
    role: String,
    source: String,
}

#[derive(Serialize)]
struct ProtocolView {
    slug: String,
    name: String,
    subprotocol: Option<String>,
    docs: String,
    title: String,
    summary: String,
    explanation: String,
    codes: Vec<ProtocolCodeView>,
    implementations: Vec<ImplementationView>,
    sources: Vec<SourceView>,
}

#[derive(Serialize)]
struct IndexRow {
    label: String,
    href: String,
    title: String,
    summary_html: String,
    count: usize,
}

#[derive(Serialize)]
struct TermView {
    concept: String,
    en: String,
    zh: String,
    definition: String,
    reason: String,
    banned: Vec<BannedView>,
}

#[derive(Serialize)]
struct BannedView {
    term: String,
    why: String,
}

fn prose(lang: Lang, s: &str) -> String {
    match lang {
        Lang::Zh => join_cjk_lines(s),
        Lang::En => s.to_owned(),
    }
}

impl Renderer {
    pub(super) fn context(&self, lang: Lang) -> tera::Context {
        let mut ctx = tera::Context::new();
        ctx.insert("t", &self.strings_for(lang));
        ctx.insert("lang", lang.code());
        ctx
    }

    /// Render template `name` in `lang` with one value under `key`.
    pub(super) fn render_view(
        &self,
        name: &str,
        lang: Lang,
        key: &'static str,
        value: &impl Serialize,
    ) -> Result<String, RenderError> {
        let mut ctx = self.context(lang);
        ctx.insert(key, value);
        self.render(name, &ctx)
    }

    /// The "in the wild" rows of a code: each protocol that defines it.
    pub(super) fn wild_rows(
        &self,
        reg: &Registry,
        code: u16,
        lang: Lang,
        to_root: &str,
    ) -> Vec<WildRow> {
        reg.wild(code)
            .into_iter()
            .map(|(p, c)| WildRow {
                protocol: p.name.clone(),
                href: format!("{to_root}{}#{}", p.page_path(), c.code),
                name: c.name.clone(),
                reconnect: self.string(lang, &format!("reconnect_{}", c.reconnect.key())),
                meaning: prose(lang, &c.text(lang).meaning),
                fix: prose(lang, &c.text(lang).fix),
            })
            .collect()
    }

    /// A handshake failure page (`handshake/403.md`).
    pub fn handshake(
        &self,
        reg: &Registry,
        h: &Handshake,
        lang: Lang,
    ) -> Result<String, RenderError> {
        let t = h.text(lang);
        let p = |s: &Option<String>| s.as_deref().map(|s| prose(lang, s));
        let view = HandshakeView {
            slug: h.key.slug(),
            label: h
                .key
                .status()
                .map_or_else(|| h.name.clone(), |s| format!("HTTP {s}")),
            name_html: escape_html(&h.name),
            title: t.title.clone(),
            summary: prose(lang, &t.summary),
            symptoms: t.symptoms.iter().map(|s| inline_html(s)).collect(),
            explanation: p(&t.explanation),
            causes: p(&t.causes),
            diagnosis: p(&t.diagnosis),
            client: p(&t.client),
            server: p(&t.server),
            errors: self.errors(reg, &PageRef::Handshake(h.key.slug()), lang),
            related: h
                .related
                .iter()
                .map(|r| self.link(reg, r, lang, "../"))
                .collect(),
            sources: sources(&h.sources),
            lab_endpoint: h.lab.as_ref().map(|l| escape_html(&l.endpoint)),
            lab_code: h.lab.as_ref().map_or(0, |l| l.browser.code),
            lab_clean: h.lab.as_ref().is_some_and(|l| l.browser.clean),
            lab_console: h.lab.as_ref().map(|l| cell(&l.console)),
        };
        self.render_view("handshake.md.tera", lang, "h", &view)
    }

    /// The table of handshake failures (`handshake/index.md`).
    pub fn handshake_index(&self, reg: &Registry, lang: Lang) -> Result<String, RenderError> {
        let rows: Vec<IndexRow> = reg
            .handshakes()
            .iter()
            .map(|h| IndexRow {
                label: h.key.slug(),
                href: format!("{}.html", h.key.slug()),
                title: cell(&h.text(lang).title),
                summary_html: inline_html(&h.text(lang).summary),
                count: 0,
            })
            .collect();
        let mut ctx = self.context(lang);
        ctx.insert("rows", &rows);
        ctx.insert(
            "errors",
            &self.errors(reg, &PageRef::Handshake(INDEX.to_owned()), lang),
        );
        self.render("handshake-index.md.tera", &ctx)
    }

    /// A protocol's page with its whole table (`protocols/discord-gateway.md`).
    pub fn protocol(
        &self,
        reg: &Registry,
        p: &Protocol,
        lang: Lang,
    ) -> Result<String, RenderError> {
        let t = p.text(lang);
        let view = ProtocolView {
            slug: p.slug.clone(),
            name: p.name.clone(),
            subprotocol: p.subprotocol.clone(),
            docs: p.docs.clone(),
            title: t.title.clone(),
            summary: prose(lang, &t.summary),
            explanation: prose(lang, &t.explanation),
            codes: p
                .codes
                .iter()
                .map(|c| ProtocolCodeView {
                    code: c.code,
                    href: self.code_href(reg, c.code, "../"),
                    name: cell(&c.name),
                    reconnect: self.string(lang, &format!("reconnect_{}", c.reconnect.key())),
                    meaning: prose(lang, &c.text(lang).meaning),
                    fix: prose(lang, &c.text(lang).fix),
                })
                .collect(),
            implementations: p
                .implementations
                .iter()
                .map(|m| ImplementationView {
                    name: cell(&m.name),
                    role: self.string(lang, &format!("role_{}", m.role.key())),
                    source: m.source.clone(),
                })
                .collect(),
            sources: sources(&p.sources),
        };
        self.render_view("protocol.md.tera", lang, "p", &view)
    }

    /// The list of protocols (`protocols/index.md`).
    pub fn protocol_index(&self, reg: &Registry, lang: Lang) -> Result<String, RenderError> {
        let rows: Vec<IndexRow> = reg
            .protocols()
            .iter()
            .map(|p| IndexRow {
                label: p.name.clone(),
                href: format!("{}.html", p.slug),
                title: cell(&p.text(lang).title),
                summary_html: inline_html(&p.text(lang).summary),
                count: p.codes.len(),
            })
            .collect();
        self.render_view("protocol-index.md.tera", lang, "rows", &rows)
    }

    /// Where a code's page is, from a page `to_root` below the site root.
    fn code_href(&self, reg: &Registry, code: u16, to_root: &str) -> String {
        match reg.code_page(code) {
            Some(p) => format!("{to_root}{p}"),
            None => format!("{to_root}codes/index.html"),
        }
    }

    /// The page of a code that no entry documents but protocols define (`codes/4004.md`).
    pub fn wild(&self, reg: &Registry, code: u16, lang: Lang) -> Result<String, RenderError> {
        let range = reg.resolve(code).map(|e| {
            (
                self.link(reg, &PageRef::Code(e.key), lang, "../"),
                inline_html(&e.text(lang).summary),
            )
        });
        let mut ctx = self.context(lang);
        ctx.insert("code", &code);
        ctx.insert("rows", &self.wild_rows(reg, code, lang, "../"));
        ctx.insert("range", &range.as_ref().map(|(l, _)| l));
        ctx.insert("range_summary_html", &range.as_ref().map(|(_, s)| s));
        self.render("wild.md.tera", &ctx)
    }

    /// The glossary page (`glossary.md`).
    pub fn glossary(&self, reg: &Registry, lang: Lang) -> Result<String, RenderError> {
        let terms: Vec<TermView> = reg
            .glossary()
            .iter()
            .map(|t| TermView {
                concept: t.concept.clone(),
                en: cell(&t.en),
                zh: cell(&t.zh),
                definition: cell(t.definition.get(lang)),
                reason: cell(t.reason.get(lang)),
                banned: t
                    .banned
                    .iter()
                    .map(|b| BannedView {
                        term: cell(&b.term),
                        why: cell(b.why.get(lang)),
                    })
                    .collect(),
            })
            .collect();
        self.render_view("glossary.md.tera", lang, "terms", &terms)
    }
}
