//! Runtimes: the WebSocket libraries, frameworks and browsers the data names
//! (`data/runtimes/<key>.yaml`): what each calls every code, the error texts it prints, and its
//! default limits and timeouts. Adding a runtime is adding one file.

use super::yaml::{Ctx, RawRef, check_url, non_empty};
use super::{Constant, Diagnostic, Lang, MAX_CODE, Origin, PageRef};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Codes every runtime with constants must name (or say it has no name for).
pub const REQUIRED_CODES: std::ops::RangeInclusive<u16> = 1000..=1015;

/// What a runtime is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeKind {
    /// A browser (its console lines; the WHATWG API's names).
    Browser,
    /// A client library.
    Client,
    /// A server library or framework.
    Server,
    /// Both.
    Both,
    /// A reverse proxy or load balancer in front of the server: its error-log lines and
    /// timeouts; it names no close codes.
    Proxy,
    /// Names printed in documentation that no API ever defined (MDN's old `CLOSE_ABNORMAL`
    /// table): listed so a reader who meets one finds the code, with that warning.
    Legacy,
}

/// Which limit a runtime applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitKind {
    /// Largest message.
    MessageSize,
    /// Largest frame.
    FrameSize,
    /// Idle connection timeout.
    Idle,
    /// Interval between pings.
    PingInterval,
    /// How long to wait for a pong.
    PongTimeout,
    /// Opening handshake timeout.
    HandshakeTimeout,
    /// Closing handshake timeout.
    CloseTimeout,
    /// Read timeout.
    ReadTimeout,
    /// Write timeout (a blocked write to the peer).
    WriteTimeout,
    /// Outgoing queue or buffer size.
    QueueSize,
}

impl LimitKind {
    /// Whether this is a size limit (shown with 1009) rather than a timeout (shown with 1006).
    pub fn is_size(self) -> bool {
        matches!(
            self,
            LimitKind::MessageSize | LimitKind::FrameSize | LimitKind::QueueSize
        )
    }

    /// The kebab-case key.
    pub fn key(self) -> &'static str {
        match self {
            LimitKind::MessageSize => "message-size",
            LimitKind::FrameSize => "frame-size",
            LimitKind::Idle => "idle",
            LimitKind::PingInterval => "ping-interval",
            LimitKind::PongTimeout => "pong-timeout",
            LimitKind::HandshakeTimeout => "handshake-timeout",
            LimitKind::CloseTimeout => "close-timeout",
            LimitKind::ReadTimeout => "read-timeout",
            LimitKind::WriteTimeout => "write-timeout",
            LimitKind::QueueSize => "queue-size",
        }
    }
}

/// Text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// English.
    pub en: String,
    /// Chinese.
    pub zh: String,
}

impl Bilingual {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// A default limit or timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Which limit.
    pub kind: LimitKind,
    /// The setting's name as written in the source.
    pub setting: String,
    /// The default, as a short string.
    pub default: String,
    /// What happens when it is exceeded.
    pub exceeded: Bilingual,
    /// Where the default is defined.
    pub source: String,
}

/// An error text a runtime prints, attached to the page it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuntimeError {
    /// The page.
    pub on: PageRef,
    /// The text, verbatim.
    pub text: String,
    /// Where it is produced.
    pub source: String,
    /// Versions, when the wording changed.
    pub note: Option<String>,
}

/// The one-line description of a runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeText {
    /// What it is and how it reports a close.
    pub summary: String,
}

/// One runtime, validated.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Runtime {
    /// Its key (`go-gorilla`).
    pub key: String,
    /// The name people know it by.
    pub label: String,
    /// A Chinese name, where it differs.
    pub label_zh: Option<String>,
    /// What it is.
    pub kind: RuntimeKind,
    /// Programming language and platform.
    pub language: String,
    /// Repository or home page.
    pub repository: String,
    /// Its names for codes (`None`: no constant).
    pub constants: BTreeMap<u16, Constant>,
    /// Error texts, each with its page.
    pub errors: Vec<RuntimeError>,
    /// Default limits and timeouts.
    pub limits: Vec<Limit>,
    /// English description.
    pub en: RuntimeText,
    /// Chinese description.
    pub zh: RuntimeText,
    /// Where it was defined.
    pub origin: Origin,
}

impl Runtime {
    /// The name in `lang`.
    pub fn label(&self, lang: Lang) -> &str {
        match (lang, &self.label_zh) {
            (Lang::Zh, Some(l)) => l,
            _ => &self.label,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRuntime {
    runtime: Spanned<String>,
    label: Spanned<String>,
    #[serde(rename = "label-zh")]
    label_zh: Option<String>,
    kind: RuntimeKind,
    language: Spanned<String>,
    repository: Spanned<String>,
    #[serde(default)]
    constants: BTreeMap<i64, Spanned<RawConstant>>,
    #[serde(default)]
    errors: Vec<Spanned<RawRuntimeError>>,
    #[serde(default)]
    limits: Vec<Spanned<Limit>>,
    en: RuntimeText,
    zh: RuntimeText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstant {
    #[serde(default)]
    name: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRuntimeError {
    on: RawRef,
    text: String,
    source: String,
    note: Option<String>,
}

/// Check the parsed runtimes; `seen` records each key's first definition.
pub(super) fn validate(
    raws: Vec<(PathBuf, (u64, Spanned<RawRuntime>))>,
    diags: &mut Vec<Diagnostic>,
    seen: &mut BTreeMap<String, (PathBuf, u64, u64)>,
) -> Vec<(Runtime, Vec<Spanned<RawRuntimeError>>)> {
    let mut out = Vec::new();
    for (file, (line, raw)) in raws {
        let mut ctx = Ctx { file: &file, diags };
        let before = ctx.diags.len();
        let r = raw.value;
        let key = r.runtime.value.trim().to_owned();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            ctx.err(
                &r.runtime,
                "runtime",
                format!("`{key}` is not a runtime key; expected lowercase letters, digits and hyphens (e.g. go-gorilla)"),
            );
        }
        let label = non_empty(&mut ctx, &r.label, "label");
        let language = non_empty(&mut ctx, &r.language, "language");
        check_url(&mut ctx, &r.repository, "repository", &r.repository.value);
        let mut constants = BTreeMap::new();
        for (code, c) in &r.constants {
            let field = format!("constants.{code}");
            let Some(code) = u16::try_from(*code).ok().filter(|c| *c <= MAX_CODE) else {
                ctx.err(c, &field, format!("{code} is outside 0–4999"));
                continue;
            };
            if c.value.name.as_ref().is_some_and(|n| n.trim().is_empty()) {
                ctx.err(
                    c,
                    &format!("{field}.name"),
                    "must not be empty (write `name: ~` for \"no constant\")",
                );
            }
            check_url(&mut ctx, c, &format!("{field}.source"), &c.value.source);
            constants.insert(
                code,
                Constant {
                    runtime: key.clone(),
                    name: c.value.name.as_ref().map(|n| n.trim().to_owned()),
                    source: c.value.source.clone(),
                },
            );
        }
        let names_codes = !matches!(r.kind, RuntimeKind::Browser | RuntimeKind::Proxy);
        if names_codes || !constants.is_empty() {
            let missing: Vec<String> = REQUIRED_CODES
                .filter(|c| !constants.contains_key(c))
                .map(|c| c.to_string())
                .collect();
            if !missing.is_empty() {
                ctx.err(
                    &r.runtime,
                    "constants",
                    format!(
                        "missing {}: a runtime names every code 1000–1015 (`name: ~` when it has no constant for one)",
                        missing.join(", ")
                    ),
                );
            }
        }
        for (i, e) in r.errors.iter().enumerate() {
            if e.value.text.trim().is_empty() {
                ctx.err(e, &format!("errors[{i}].text"), "must not be empty");
            }
            check_url(&mut ctx, e, &format!("errors[{i}].source"), &e.value.source);
        }
        for (i, l) in r.limits.iter().enumerate() {
            for (f, v) in [
                ("setting", &l.value.setting),
                ("default", &l.value.default),
                ("exceeded.en", &l.value.exceeded.en),
                ("exceeded.zh", &l.value.exceeded.zh),
            ] {
                if v.trim().is_empty() {
                    ctx.err(l, &format!("limits[{i}].{f}"), "must not be empty");
                }
            }
            check_url(&mut ctx, l, &format!("limits[{i}].source"), &l.value.source);
        }
        let pos = (r.runtime.referenced.line(), r.runtime.referenced.column());
        if let Some((f, l, c)) = seen.get(&key) {
            ctx.at(
                pos.0,
                pos.1,
                "runtime",
                format!(
                    "runtime `{key}` is defined twice (first at {}:{l}:{c})",
                    f.display()
                ),
            );
            continue;
        }
        seen.insert(key.clone(), (file.clone(), pos.0, pos.1));
        if ctx.diags.len() > before {
            continue;
        }
        out.push((
            Runtime {
                key,
                label,
                label_zh: r.label_zh.filter(|l| !l.trim().is_empty()),
                kind: r.kind,
                language,
                repository: r.repository.value,
                constants,
                errors: Vec::new(),
                limits: r.limits.into_iter().map(|l| l.value).collect(),
                en: r.en,
                zh: r.zh,
                origin: Origin {
                    file: file.clone(),
                    line,
                },
            },
            r.errors,
        ));
    }
    out
}

/// Resolve a runtime's error targets once every page is known.
pub(super) fn resolve_errors(
    ctx: &mut Ctx,
    raw: Vec<Spanned<RawRuntimeError>>,
    exists: impl Fn(&PageRef) -> bool,
) -> Vec<RuntimeError> {
    let mut out = Vec::new();
    for (i, e) in raw.into_iter().enumerate() {
        let on = match &e.value.on {
            RawRef::Num(n) => n.to_string(),
            RawRef::Text(t) => t.clone(),
        };
        match PageRef::parse(&on) {
            Some(p) if !matches!(p, PageRef::Protocol(_)) && exists(&p) => {
                out.push(RuntimeError {
                    on: p,
                    text: e.value.text,
                    source: e.value.source,
                    note: e.value.note,
                })
            }
            _ => ctx.err(
                &e,
                &format!("errors[{i}].on"),
                format!(
                    "`{on}` is not a documented code, range, handshake page or guide; expected e.g. \"1006\", \"4000-4999\", \"handshake/403\" or \"guides/lifecycle\""
                ),
            ),
        }
    }
    out
}
