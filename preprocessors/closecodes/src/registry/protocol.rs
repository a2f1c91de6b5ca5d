//! Protocols: public services and protocols that define their own close codes in 3000–4999
//! (`data/protocols/<slug>.yaml`). Each gets a page with its whole table, and every code one of
//! them defines gets a "in the wild" page of its own.

use super::yaml::{Ctx, check_sources, check_url, non_empty};
use super::{Diagnostic, Lang, Origin, Source};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What a protocol tells a client to do after one of its codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reconnect {
    /// Reconnect (or resume), with backoff.
    Yes,
    /// Do not reconnect until the cause is fixed.
    No,
    /// It depends; the fix says on what.
    Conditional,
}

impl Reconnect {
    /// The kebab-case key.
    pub fn key(self) -> &'static str {
        match self {
            Reconnect::Yes => "yes",
            Reconnect::No => "no",
            Reconnect::Conditional => "conditional",
        }
    }
}

/// What an implementation of a protocol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// It connects to servers that speak the protocol.
    Client,
    /// It accepts connections and speaks the protocol to clients.
    Server,
    /// It provides both sides, or is a framework built on the protocol.
    Library,
}

impl Role {
    /// The kebab-case key.
    pub fn key(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
            Role::Library => "library",
        }
    }
}

/// A client, server or library that speaks a protocol: readers name these, not the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Its name as its own project spells it, with a package or class in parentheses where
    /// that helps (`discord.js (@discordjs/ws)`).
    pub name: String,
    /// Client, server or both.
    pub role: Role,
    /// Its own README or documentation saying it speaks the protocol.
    pub source: String,
}

impl Implementation {
    /// The names a reader may type: the name before any parenthesis, and the parenthesis when it
    /// is one package or class name (`@discordjs/ws`, `pusher-websocket-java`).
    pub fn spellings(&self) -> Vec<&str> {
        let (main, rest) = self.name.split_once('(').unwrap_or((&self.name, ""));
        let mut out = vec![main.trim()];
        let inner = rest.trim_end_matches(')').trim();
        if !inner.is_empty() && !inner.contains(' ') {
            out.push(inner);
        }
        out
    }
}

/// A protocol's page prose in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolText {
    /// Page title.
    pub title: String,
    /// One-line summary.
    pub summary: String,
    /// How the protocol uses close codes (Markdown).
    pub explanation: String,
}

/// One code's meaning and fix in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeText {
    /// What the sender is telling you (Markdown).
    pub meaning: String,
    /// What to change (Markdown).
    pub fix: String,
}

/// One code a protocol defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ProtocolCode {
    /// The close code (3000–4999).
    pub code: u16,
    /// Its name, as the protocol gives it.
    pub name: String,
    /// Whether to reconnect.
    pub reconnect: Reconnect,
    /// English meaning and fix.
    pub en: CodeText,
    /// Chinese meaning and fix.
    pub zh: CodeText,
}

impl ProtocolCode {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> &CodeText {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// One documented protocol, validated.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Protocol {
    /// Slug (file name and URL).
    pub slug: String,
    /// The name people know it by.
    pub name: String,
    /// Its `Sec-WebSocket-Protocol` value, if any.
    pub subprotocol: Option<String>,
    /// The protocol's own documentation of its codes.
    pub docs: String,
    /// Citations.
    pub sources: Vec<Source>,
    /// Clients, servers and libraries that speak it, most used first.
    pub implementations: Vec<Implementation>,
    /// Its codes, ascending.
    pub codes: Vec<ProtocolCode>,
    /// English prose.
    pub en: ProtocolText,
    /// Chinese prose.
    pub zh: ProtocolText,
    /// Where it was defined.
    pub origin: Origin,
}

impl Protocol {
    /// The prose in `lang`.
    pub fn text(&self, lang: Lang) -> &ProtocolText {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    /// Path of the page relative to the site root.
    pub fn page_path(&self) -> String {
        format!("protocols/{}.html", self.slug)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProtocol {
    protocol: Spanned<String>,
    name: Spanned<String>,
    subprotocol: Option<String>,
    docs: Spanned<String>,
    #[serde(default)]
    sources: Vec<Spanned<Source>>,
    #[serde(default)]
    implementations: Vec<Spanned<RawImplementation>>,
    #[serde(default)]
    codes: Vec<Spanned<RawCode>>,
    en: Spanned<ProtocolText>,
    zh: Spanned<ProtocolText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImplementation {
    name: Spanned<String>,
    role: Role,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    code: Spanned<i64>,
    name: Spanned<String>,
    reconnect: Reconnect,
    en: Spanned<CodeText>,
    zh: Spanned<CodeText>,
}

/// Check the parsed protocols; `seen` records each slug's first definition.
pub(super) fn validate(
    raws: Vec<(PathBuf, (u64, Spanned<RawProtocol>))>,
    diags: &mut Vec<Diagnostic>,
    seen: &mut BTreeMap<String, (PathBuf, u64, u64)>,
) -> Vec<Protocol> {
    let mut out = Vec::new();
    for (file, (line, raw)) in raws {
        let mut ctx = Ctx { file: &file, diags };
        let before = ctx.diags.len();
        let r = raw.value;
        let slug = r.protocol.value.trim().to_owned();
        let slug_ok = !slug.is_empty()
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            ctx.err(
                &r.protocol,
                "protocol",
                format!("`{slug}` is not a slug; expected lowercase letters, digits and hyphens"),
            );
        }
        let name = non_empty(&mut ctx, &r.name, "name");
        check_url(&mut ctx, &r.docs, "docs", &r.docs.value);
        check_sources(&mut ctx, &r.sources, "");
        let mut implementations: Vec<Implementation> = Vec::new();
        for (i, m) in r.implementations.iter().enumerate() {
            let m = &m.value;
            let name = non_empty(&mut ctx, &m.name, &format!("implementations[{i}].name"));
            check_url(
                &mut ctx,
                &m.source,
                &format!("implementations[{i}].source"),
                &m.source.value,
            );
            if implementations
                .iter()
                .any(|x| x.name.eq_ignore_ascii_case(&name))
            {
                ctx.err(
                    &m.name,
                    &format!("implementations[{i}].name"),
                    format!("`{name}` is listed twice in this protocol"),
                );
            }
            implementations.push(Implementation {
                name,
                role: m.role,
                source: m.source.value.trim().to_owned(),
            });
        }
        for (lang, t) in [("en", &r.en), ("zh", &r.zh)] {
            for (field, v) in [
                ("title", &t.value.title),
                ("summary", &t.value.summary),
                ("explanation", &t.value.explanation),
            ] {
                if v.trim().is_empty() {
                    ctx.err(t, &format!("{lang}.{field}"), "must not be empty");
                }
            }
        }
        let mut codes: Vec<ProtocolCode> = Vec::new();
        let mut lines: BTreeMap<u16, u64> = BTreeMap::new();
        for (i, c) in r.codes.iter().enumerate() {
            let c = &c.value;
            let field = format!("codes[{i}].code");
            let code = match u16::try_from(c.code.value) {
                Ok(n) if (3000..=4999).contains(&n) => n,
                _ => {
                    ctx.err(
                        &c.code,
                        &field,
                        format!(
                            "{} is outside 3000–4999; a protocol's own codes are registered (3000–3999) or private (4000–4999), and standard codes are described in its explanation",
                            c.code.value
                        ),
                    );
                    continue;
                }
            };
            if let Some(first) = lines.get(&code) {
                ctx.err(
                    &c.code,
                    &field,
                    format!("{code} is defined twice in this protocol (first at line {first})"),
                );
                continue;
            }
            lines.insert(code, c.code.referenced.line());
            let name = non_empty(&mut ctx, &c.name, &format!("codes[{i}].name"));
            for (lang, t) in [("en", &c.en), ("zh", &c.zh)] {
                for (f, v) in [("meaning", &t.value.meaning), ("fix", &t.value.fix)] {
                    if v.trim().is_empty() {
                        ctx.err(t, &format!("codes[{i}].{lang}.{f}"), "must not be empty");
                    }
                }
            }
            codes.push(ProtocolCode {
                code,
                name,
                reconnect: c.reconnect,
                en: c.en.value.clone(),
                zh: c.zh.value.clone(),
            });
        }
        let pos = (r.protocol.referenced.line(), r.protocol.referenced.column());
        if let Some((f, l, c)) = seen.get(&slug) {
            ctx.at(
                pos.0,
                pos.1,
                "protocol",
                format!(
                    "protocols/{slug} is documented twice (first at {}:{l}:{c})",
                    f.display()
                ),
            );
            continue;
        }
        seen.insert(slug.clone(), (file.clone(), pos.0, pos.1));
        if ctx.diags.len() > before {
            continue;
        }
        codes.sort_by_key(|c| c.code);
        out.push(Protocol {
            slug,
            name,
            subprotocol: r
                .subprotocol
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            docs: r.docs.value,
            sources: r.sources.into_iter().map(|s| s.value).collect(),
            implementations,
            codes,
            en: r.en.value,
            zh: r.zh.value,
            origin: Origin {
                file: file.clone(),
                line,
            },
        });
    }
    out
}
