//! Handshake failures: the ways a connection fails before `open` (`data/handshake/*.yaml`), one
//! page each: an HTTP status the upgrade was answered with (`403`), or a failure with no HTTP
//! answer at all (`dns`, `refused`, `tls`, `mixed-content`, `csp`, `proxy-upgrade`).

use super::yaml::{Ctx, RawRef, RawText, check_errors, check_sources, entry_text, non_empty};
use super::{BrowserSaw, Diagnostic, ErrorText, Lang, Origin, PageRef, Source, Text};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Which failure a handshake page documents.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum HandshakeKey {
    /// The upgrade was answered with this HTTP status instead of 101.
    Status(u16),
    /// A failure without an HTTP answer, by slug (`tls`).
    Named(String),
}

impl HandshakeKey {
    /// The page slug: `403` or `tls`.
    pub fn slug(&self) -> String {
        match self {
            HandshakeKey::Status(s) => s.to_string(),
            HandshakeKey::Named(n) => n.clone(),
        }
    }

    /// The HTTP status, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            HandshakeKey::Status(s) => Some(*s),
            HandshakeKey::Named(_) => None,
        }
    }
}

/// What the lab measured for a handshake failure in Chromium.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandshakeLab {
    /// The lab endpoint (`/lab/handshake/403`).
    pub endpoint: String,
    /// The page's `CloseEvent` after the `error` event.
    pub browser: BrowserSaw,
    /// Chromium's console line, with the lab's URL written as `ws://HOST/…`.
    pub console: String,
}

/// One documented handshake failure, validated.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Handshake {
    /// Status or slug.
    pub key: HandshakeKey,
    /// The HTTP reason phrase, or a short label.
    pub name: String,
    /// Other HTTP statuses this page answers (a redirect page for 301–308; the proxy page for a
    /// 200 that should have been 101).
    pub statuses: Vec<u16>,
    /// Related pages.
    pub related: Vec<PageRef>,
    /// Exact texts browsers and runtimes print for it.
    pub errors: Vec<ErrorText>,
    /// Citations.
    pub sources: Vec<Source>,
    /// The lab's measurement, when the lab can produce this failure.
    pub lab: Option<HandshakeLab>,
    /// English prose.
    pub en: Text,
    /// Chinese prose.
    pub zh: Text,
    /// Where it was defined.
    pub origin: Origin,
}

impl Handshake {
    /// The prose in `lang`.
    pub fn text(&self, lang: Lang) -> &Text {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    /// Path of the page relative to the site root.
    pub fn page_path(&self) -> String {
        format!("handshake/{}.html", self.key.slug())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHandshake {
    handshake: Spanned<RawRef>,
    name: Spanned<String>,
    #[serde(default)]
    statuses: Vec<Spanned<u64>>,
    #[serde(default)]
    related: Vec<Spanned<RawRef>>,
    #[serde(default)]
    errors: Vec<Spanned<ErrorText>>,
    #[serde(default)]
    sources: Vec<Spanned<Source>>,
    lab: Option<Spanned<HandshakeLab>>,
    en: Option<Spanned<RawText>>,
    zh: Option<Spanned<RawText>>,
}

/// The slug of the table of handshake failures (`handshake/index`): runtimes attach to it the
/// messages that name no status; no handshake page may use it.
pub const INDEX: &str = "index";

/// Prefix of a status another page answers, in the map of slugs (`status:302`).
pub(super) const CLAIM: &str = "status:";

/// Check the parsed handshake entries; `seen` records each slug's first definition.
pub(super) fn validate(
    raws: Vec<(PathBuf, (u64, Spanned<RawHandshake>))>,
    diags: &mut Vec<Diagnostic>,
    runtime_known: &dyn Fn(&str) -> bool,
    seen: &mut BTreeMap<String, (PathBuf, u64, u64)>,
) -> Vec<(Handshake, Vec<Spanned<RawRef>>)> {
    let mut out = Vec::new();
    for (file, (line, raw)) in raws {
        let mut ctx = Ctx { file: &file, diags };
        let at = (line, raw.referenced.column());
        let r = raw.value;
        let key = handshake_key(&mut ctx, &r.handshake);
        let name = non_empty(&mut ctx, &r.name, "name");
        check_errors(&mut ctx, &r.errors, runtime_known);
        check_sources(&mut ctx, &r.sources, "");
        if let Some(lab) = &r.lab
            && !lab.value.endpoint.starts_with("/lab/handshake/")
        {
            ctx.err(
                lab,
                "lab.endpoint",
                format!(
                    "`{}` is not a handshake lab endpoint; expected /lab/handshake/STATUS",
                    lab.value.endpoint
                ),
            );
        }
        let en = entry_text(&mut ctx, "en", r.en.as_ref(), at);
        let zh = entry_text(&mut ctx, "zh", r.zh.as_ref(), at);
        let Some(key) = key else { continue };
        let pos = (
            r.handshake.referenced.line(),
            r.handshake.referenced.column(),
        );
        let claimed = seen
            .get(&key.slug())
            .or_else(|| seen.get(&format!("{CLAIM}{}", key.slug())));
        if let Some((f, l, c)) = claimed {
            ctx.at(
                pos.0,
                pos.1,
                "handshake",
                format!(
                    "handshake/{} is documented twice (first at {}:{l}:{c})",
                    key.slug(),
                    f.display()
                ),
            );
            continue;
        }
        seen.insert(key.slug(), (file.clone(), pos.0, pos.1));
        // A status this page answers is claimed like a slug: no other page may document it.
        let mut statuses = Vec::new();
        for st in &r.statuses {
            let (l, c) = (st.referenced.line(), st.referenced.column());
            let ok = u16::try_from(st.value)
                .ok()
                .filter(|s| (100..=599).contains(s) && *s != 101);
            let Some(s) = ok else {
                ctx.at(
                    l,
                    c,
                    "statuses",
                    format!("{} is not an HTTP status a failed upgrade can get; expected 100–599 other than 101", st.value),
                );
                continue;
            };
            let claimed = seen
                .get(&s.to_string())
                .or_else(|| seen.get(&format!("{CLAIM}{s}")));
            if let Some((f, fl, fc)) = claimed {
                ctx.at(
                    l,
                    c,
                    "statuses",
                    format!(
                        "status {s} is already answered by the page at {}:{fl}:{fc}",
                        f.display()
                    ),
                );
                continue;
            }
            seen.insert(format!("{CLAIM}{s}"), (file.clone(), l, c));
            statuses.push(s);
        }
        let (Some(en), Some(zh)) = (en, zh) else {
            continue;
        };
        out.push((
            Handshake {
                key,
                name,
                statuses,
                related: Vec::new(),
                errors: r.errors.into_iter().map(|e| e.value).collect(),
                sources: r.sources.into_iter().map(|s| s.value).collect(),
                lab: r.lab.map(|l| l.value),
                en,
                zh,
                origin: Origin {
                    file: file.clone(),
                    line,
                },
            },
            r.related,
        ));
    }
    out
}

fn handshake_key(ctx: &mut Ctx, v: &Spanned<RawRef>) -> Option<HandshakeKey> {
    match &v.value {
        RawRef::Num(n) => match u16::try_from(*n) {
            Ok(s) if (100..=599).contains(&s) && s != 101 => Some(HandshakeKey::Status(s)),
            _ => {
                ctx.err(
                    v,
                    "handshake",
                    format!("{n} is not an HTTP status a failed upgrade can get; expected 100–599 other than 101"),
                );
                None
            }
        },
        RawRef::Text(s) if s == INDEX => {
            ctx.err(
                v,
                "handshake",
                "`index` is the table of handshake failures; a handshake page needs another slug",
            );
            None
        }
        RawRef::Text(s) => {
            let ok = !s.is_empty()
                && s.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                && s.starts_with(|c: char| c.is_ascii_lowercase());
            if ok {
                Some(HandshakeKey::Named(s.clone()))
            } else {
                ctx.err(
                    v,
                    "handshake",
                    format!("`{s}` is not a handshake slug; expected an HTTP status (e.g. 403) or a lowercase name such as `tls`"),
                );
                None
            }
        }
    }
}
