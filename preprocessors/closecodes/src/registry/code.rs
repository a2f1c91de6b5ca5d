//! Codes and ranges: the entries of `data/codes/`, `data/ranges/` and any organisation's own file.

use super::yaml::{Ctx, RawRef, RawText, check_errors, check_sources, code_in_bounds, entry_text};
use super::{
    BrowserSaw, Constant, Diagnostic, ErrorText, Key, LabObservation, Lang, MAX_CODE, Origin,
    PageRef, ServerSaw, Source, Text,
};
use serde::{Deserialize, Serialize};
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where a code stands in the standards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Defined by RFC 6455 section 7.4.1.
    Rfc6455,
    /// Registered in the IANA registry by another reference.
    IanaRegistered,
    /// Held back by the standard.
    Reserved,
    /// May be registered in future; nothing registered yet.
    Unassigned,
    /// Never used (0–999).
    NotUsed,
    /// For applications to agree among themselves (4000–4999).
    PrivateUse,
}

impl Status {
    /// The kebab-case key, as written in YAML and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Status::Rfc6455 => "rfc6455",
            Status::IanaRegistered => "iana-registered",
            Status::Reserved => "reserved",
            Status::Unassigned => "unassigned",
            Status::NotUsed => "not-used",
            Status::PrivateUse => "private-use",
        }
    }
}

/// IANA registration procedure for a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Registration {
    /// Codes here are never used.
    NotUsed,
    /// RFC 5226 "Standards Action".
    StandardsAction,
    /// RFC 5226 "Specification Required".
    SpecificationRequired,
    /// RFC 5226 "First Come First Served".
    FirstComeFirstServed,
    /// RFC 5226 "Private Use".
    PrivateUse,
}

impl Registration {
    /// The kebab-case key, as written in YAML and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Registration::NotUsed => "not-used",
            Registration::StandardsAction => "standards-action",
            Registration::SpecificationRequired => "specification-required",
            Registration::FirstComeFirstServed => "first-come-first-served",
            Registration::PrivateUse => "private-use",
        }
    }
}

/// Who typically sends or sets a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sender {
    /// The client application or library.
    Client,
    /// The server application or library.
    Server,
    /// The browser itself (not page script).
    Browser,
    /// A proxy, load balancer or CDN in between.
    Proxy,
    /// The local endpoint's own library, with no frame received.
    Local,
}

impl Sender {
    /// The kebab-case key.
    pub fn key(self) -> &'static str {
        match self {
            Sender::Client => "client",
            Sender::Server => "server",
            Sender::Browser => "browser",
            Sender::Proxy => "proxy",
            Sender::Local => "local",
        }
    }
}

/// One documented code or range, validated.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// The code or range.
    pub key: Key,
    /// Registered name or range label.
    pub name: String,
    /// Standing in the standards.
    pub status: Status,
    /// Registration procedure (ranges).
    pub registration: Option<Registration>,
    /// May appear in a Close frame.
    pub wire: bool,
    /// Browser script may pass it to `close()`.
    pub script: bool,
    /// Who typically sends it.
    pub senders: Vec<Sender>,
    /// Runtime names, in the registry's runtime order (filled from `data/runtimes/`).
    pub constants: Vec<Constant>,
    /// Exact error texts.
    pub errors: Vec<ErrorText>,
    /// Related pages (all exist).
    pub related: Vec<PageRef>,
    /// Citations.
    pub sources: Vec<Source>,
    /// Lab scenarios for this code, as measured in a real browser.
    pub lab: Vec<LabObservation>,
    /// English prose.
    pub en: Text,
    /// Chinese prose.
    pub zh: Text,
    /// Where it was defined.
    pub origin: Origin,
}

impl Entry {
    /// The prose in `lang`.
    pub fn text(&self, lang: Lang) -> &Text {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    /// Path of the article relative to the book's `src/` (and, as `.html`, to the site root).
    pub fn page_path(&self) -> String {
        format!("codes/{}.html", self.key.slug())
    }
}

// Raw YAML types: exactly the schema in data/README.md.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEntry {
    code: Option<Spanned<i64>>,
    range: Option<Spanned<Vec<i64>>>,
    name: Spanned<String>,
    status: Status,
    registration: Option<Registration>,
    wire: bool,
    script: Spanned<bool>,
    #[serde(default)]
    senders: Vec<Sender>,
    #[serde(default)]
    errors: Vec<Spanned<ErrorText>>,
    #[serde(default)]
    related: Vec<Spanned<RawRef>>,
    #[serde(default)]
    sources: Vec<Spanned<Source>>,
    #[serde(default)]
    lab: Vec<Spanned<RawLab>>,
    en: Option<Spanned<RawText>>,
    zh: Option<Spanned<RawText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLab {
    endpoint: String,
    browser: BrowserSaw,
    server: RawRef,
}

/// Check every parsed code and range entry; each valid one is returned with its unresolved
/// `related` list (resolved once every kind is known). `seen` records where each key was first
/// defined: (file, line, column).
pub(super) fn validate(
    raws: Vec<(PathBuf, (u64, Spanned<RawEntry>))>,
    diags: &mut Vec<Diagnostic>,
    runtime_known: &dyn Fn(&str) -> bool,
    seen: &mut BTreeMap<Key, (PathBuf, u64, u64)>,
) -> Vec<(Entry, Vec<Spanned<RawRef>>)> {
    let mut entries = Vec::new();
    for (file, (line, raw)) in raws {
        let mut ctx = Ctx { file: &file, diags };
        let at = (line, raw.referenced.column());
        let r = raw.value;
        let key = entry_key(&mut ctx, &r, at);
        check_fields(&mut ctx, &r, key.map(|(k, _)| k), runtime_known);
        let en = entry_text(&mut ctx, "en", r.en.as_ref(), at);
        let zh = entry_text(&mut ctx, "zh", r.zh.as_ref(), at);
        let Some((key, key_at)) = key else { continue };
        if !check_unique(&mut ctx, seen, key, key_at) {
            continue;
        }
        seen.insert(key, (file.clone(), key_at.0, key_at.1));
        let (Some(en), Some(zh)) = (en, zh) else {
            continue;
        };
        let entry = Entry {
            key,
            name: r.name.value.trim().to_owned(),
            status: r.status,
            registration: r.registration,
            wire: r.wire,
            script: r.script.value,
            senders: r.senders,
            constants: Vec::new(),
            errors: r.errors.into_iter().map(|e| e.value).collect(),
            related: Vec::new(),
            sources: r.sources.into_iter().map(|s| s.value).collect(),
            lab: r
                .lab
                .into_iter()
                .filter_map(|l| lab_observation(l.value))
                .collect(),
            en,
            zh,
            origin: Origin {
                file: file.clone(),
                line,
            },
        };
        entries.push((entry, r.related));
    }
    entries
}

fn entry_key(ctx: &mut Ctx, r: &RawEntry, entry_at: (u64, u64)) -> Option<(Key, (u64, u64))> {
    let pos = |s: &Location| (s.line(), s.column());
    match (&r.code, &r.range) {
        (Some(_), Some(range)) => {
            ctx.err(
                range,
                "range",
                "an entry has either `code` or `range`, not both",
            );
            None
        }
        (None, None) => {
            ctx.at(
                entry_at.0,
                entry_at.1,
                "code",
                "missing: an entry needs `code: N` or `range: [LO, HI]`",
            );
            None
        }
        (Some(code), None) => {
            code_in_bounds(ctx, code, "code").map(|c| (Key::Code(c), pos(&code.referenced)))
        }
        (None, Some(range)) => {
            let &[lo, hi] = range.value.as_slice() else {
                let n = range.value.len();
                ctx.err(
                    range,
                    "range",
                    format!("expected two numbers [LO, HI], found {n}"),
                );
                return None;
            };
            let lo = code_in_bounds(
                ctx,
                &Spanned::new(lo, range.referenced, range.defined),
                "range",
            );
            let hi = code_in_bounds(
                ctx,
                &Spanned::new(hi, range.referenced, range.defined),
                "range",
            );
            match (lo?, hi?) {
                (lo, hi) if lo <= hi => Some((Key::Range(lo, hi), pos(&range.referenced))),
                (lo, hi) => {
                    ctx.err(
                        range,
                        "range",
                        format!("lower bound {lo} is above upper bound {hi}"),
                    );
                    None
                }
            }
        }
    }
}

fn lab_observation(l: RawLab) -> Option<LabObservation> {
    let server = match l.server {
        RawRef::Num(n) => ServerSaw::Code(u16::try_from(n).ok().filter(|c| *c <= MAX_CODE)?),
        RawRef::Text(t) if t == "no-code" => ServerSaw::NoCode,
        RawRef::Text(t) if t == "nothing" => ServerSaw::Nothing,
        RawRef::Text(_) => return None,
    };
    Some(LabObservation {
        endpoint: l.endpoint,
        browser: l.browser,
        server,
    })
}

/// Checks of single fields: non-empty names and texts, URLs, and what browser script may send.
fn check_fields(
    ctx: &mut Ctx,
    r: &RawEntry,
    key: Option<Key>,
    runtime_known: &dyn Fn(&str) -> bool,
) {
    if r.name.value.trim().is_empty() {
        ctx.err(&r.name, "name", "must not be empty");
    }
    // WHATWG `close()`: only 1000 and 3000–4999 are accepted from script.
    let scriptable = |k: Key| k == Key::Code(1000) || (k.lo() >= 3000 && k.hi() <= 4999);
    if let Some(k) = key.filter(|k| r.script.value && !scriptable(*k)) {
        ctx.err(
            &r.script,
            "script",
            format!("`script: true` is only possible for 1000 and 3000–4999 (WebSocket.close() throws InvalidAccessError for {k})"),
        );
    }
    check_errors(ctx, &r.errors, runtime_known);
    for (i, l) in r.lab.iter().enumerate() {
        let v = &l.value;
        if !v.endpoint.starts_with("/lab/") || v.endpoint.chars().any(char::is_whitespace) {
            ctx.err(
                l,
                &format!("lab[{i}].endpoint"),
                format!(
                    "`{}` is not a lab endpoint; expected a path such as /lab/close/1000",
                    v.endpoint
                ),
            );
        }
        if v.browser.code > MAX_CODE {
            ctx.err(
                l,
                &format!("lab[{i}].browser.code"),
                format!("{} is outside 0–4999", v.browser.code),
            );
        }
        if lab_observation(RawLab {
            endpoint: v.endpoint.clone(),
            browser: v.browser.clone(),
            server: v.server.clone(),
        })
        .is_none()
        {
            ctx.err(
                l,
                &format!("lab[{i}].server"),
                "expected a code (e.g. 1000), `no-code` or `nothing`",
            );
        }
    }
    check_sources(ctx, &r.sources, "");
}

/// `false` (after reporting) when `key` was documented before or overlaps a documented range.
fn check_unique(
    ctx: &mut Ctx,
    seen: &BTreeMap<Key, (PathBuf, u64, u64)>,
    key: Key,
    at: (u64, u64),
) -> bool {
    let field = if matches!(key, Key::Code(_)) {
        "code"
    } else {
        "range"
    };
    if let Some((f, l, c)) = seen.get(&key) {
        ctx.at(
            at.0,
            at.1,
            field,
            format!(
                "{key} is documented twice (first at {}:{l}:{c})",
                f.display()
            ),
        );
        return false;
    }
    let overlap = seen.iter().find(|(k, _)| {
        matches!((k, key), (Key::Range(..), Key::Range(..)))
            && k.lo() <= key.hi()
            && key.lo() <= k.hi()
    });
    if let Some((other, (f, l, c))) = overlap {
        ctx.at(
            at.0,
            at.1,
            field,
            format!("{key} overlaps range {other} (at {}:{l}:{c})", f.display()),
        );
        return false;
    }
    true
}
