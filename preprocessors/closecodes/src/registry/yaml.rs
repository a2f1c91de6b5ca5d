//! YAML with locations: every data file is a sequence of entries, parsed into a kind's raw type
//! with serde-saphyr (which knows line and column) and serde_path_to_error (which knows the field).
//! Shared by every entry kind, with the small checks they all make ([`Ctx`]).

use super::{Diagnostic, MAX_CODE, Text};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;
use std::fmt;
use std::path::Path;

/// Entries parsed from one file, each with its 1-based start line.
pub(super) type Parsed<T> = Vec<(u64, Spanned<T>)>;

/// Parse one file's entries; on failure, every bad top-level item is reported.
pub(super) fn parse_file<T: DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<Parsed<T>, Vec<Diagnostic>> {
    match parse_chunk(text) {
        Ok(entries) => Ok(entries),
        Err(first) => {
            // Deserialization stops at the first problem. To report every problem in the file,
            // parse each top-level `- ` item on its own, offsetting the lines.
            let chunks = split_items(text);
            let mut diags = Vec::new();
            if chunks.len() > 1 {
                for (offset, chunk) in chunks {
                    if let Err(mut e) = parse_chunk::<T>(&chunk) {
                        e.line += offset;
                        diags.push(e.into_diag(file));
                    }
                }
            }
            if diags.is_empty() {
                diags.push(first.into_diag(file));
            }
            Err(diags)
        }
    }
}

/// A deserialization failure before it is tied to a file.
struct ParseError {
    line: u64,
    column: u64,
    field: String,
    message: String,
}

impl ParseError {
    fn into_diag(self, file: &Path) -> Diagnostic {
        Diagnostic {
            file: file.to_owned(),
            line: self.line,
            column: self.column,
            field: self.field,
            message: self.message,
        }
    }
}

/// The parser's budget for one data file, far above what a real file needs (the largest shipped
/// file is about 42 KB and a few thousand nodes) and low enough that a hostile one (nesting,
/// alias bombs, huge scalars) ends in a located error within milliseconds and a few MiB.
fn budget() -> serde_saphyr::Budget {
    let mut b = serde_saphyr::Budget::default();
    b.max_events = 200_000;
    b.max_nodes = 50_000;
    b.max_aliases = 1_000;
    b.max_anchors = 1_000;
    b.max_recorded_anchor_events = 50_000;
    b.max_recorded_anchor_bytes = 1 << 20;
    b.max_depth = 32;
    b.max_total_scalar_bytes = MAX_FILE_BYTES;
    b
}

/// Largest data file read, in bytes (the shipped ones are under 50 KB).
pub const MAX_FILE_BYTES: usize = 4 << 20;

fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    // `no`/`yes`/`on` are strings here, not booleans: the data is YAML 1.2.
    o.strict_booleans = true;
    o.with_snippet = false;
    o.budget = Some(budget());
    o
}

fn parse_chunk<T: DeserializeOwned>(text: &str) -> Result<Parsed<T>, ParseError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // serde-saphyr's error knows the location; serde_path_to_error knows the field path.
    let mut path = None;
    let result: Result<Vec<Spanned<T>>, serde_saphyr::Error> =
        serde_saphyr::with_deserializer_from_str_with_options(text, options(), |de| {
            serde_path_to_error::deserialize(de).map_err(|e| {
                path = Some(e.path().to_string());
                e.into_inner()
            })
        });
    match result {
        Ok(entries) => Ok(entries
            .into_iter()
            .map(|e| (e.referenced.line(), e))
            .collect()),
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            Err(ParseError {
                line,
                column,
                field: path
                    .as_deref()
                    .map_or_else(|| "(file)".to_owned(), field_path),
                message: clean_message(&e.to_string()),
            })
        }
    }
}

/// serde-saphyr's message without its own location text: we print the location up front.
fn clean_message(raw: &str) -> String {
    let first = raw.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    let msg = first.trim_end_matches(':').trim();
    // Say what was expected in the words of the schema, not of the parser.
    match msg {
        "invalid i64" | "invalid u64" => "expected an integer".to_owned(),
        m if m.contains("expected sequence start") => format!(
            "{m}: a data file is a YAML sequence of entries, each starting with `- code: N` or `- range: [LO, HI]`"
        ),
        m => m.to_owned(),
    }
}

/// `[0].value.en.value.title.value` → `en.title`; `[2].value.related[1]` → `related[1]`.
fn field_path(path: &str) -> String {
    let p = path.trim();
    if !p.starts_with('[') {
        return "(file)".to_owned();
    }
    // Drop the entry index: the location already says which entry.
    let p = match p.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or("", |(_, r)| r),
        None => p,
    };
    // `Spanned<T>` deserializes through an inner `value` field; hide it.
    let parts: Vec<&str> = p
        .split('.')
        .filter(|s| !s.is_empty() && *s != "value" && *s != "?")
        .collect();
    if parts.is_empty() {
        "(entry)".to_owned()
    } else {
        parts.join(".")
    }
}

/// Split a YAML sequence into its top-level `- ` items: (line offset, text).
fn split_items(text: &str) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.starts_with("- ") || line.trim_end() == "-" || out.is_empty() {
            out.push((i as u64, String::new()));
        }
        if let Some(last) = out.last_mut() {
            last.1.push_str(line);
        }
    }
    out
}

// Validation.

/// Where checks report: the file being checked and the list of diagnostics.
pub(super) struct Ctx<'a> {
    pub(super) file: &'a Path,
    pub(super) diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub(super) fn err<T>(&mut self, at: &Spanned<T>, field: &str, message: impl Into<String>) {
        self.at(at.referenced.line(), at.referenced.column(), field, message);
    }

    pub(super) fn at(&mut self, line: u64, column: u64, field: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: self.file.to_owned(),
            line,
            column,
            field: field.to_owned(),
            message: message.into(),
        });
    }
}

pub(super) fn code_in_bounds(ctx: &mut Ctx, v: &Spanned<i64>, field: &str) -> Option<u16> {
    match u16::try_from(v.value) {
        Ok(c) if c <= MAX_CODE => Some(c),
        _ => {
            ctx.err(
                v,
                field,
                format!(
                    "{} is outside 0–{MAX_CODE}; close codes are 0–4999",
                    v.value
                ),
            );
            None
        }
    }
}

pub(super) fn check_url(ctx: &mut Ctx, at: &Spanned<impl Sized>, field: &str, url: &str) {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://x.y".len() - 1
        && !url.chars().any(char::is_whitespace);
    if !ok {
        ctx.err(
            at,
            field,
            format!("`{url}` is not a URL; expected http(s)://host/path with no spaces"),
        );
    }
}

pub(super) fn check_text(ctx: &mut Ctx, lang: &str, raw: &Spanned<RawText>) -> Text {
    let t = &raw.value;
    for (name, v) in [("title", &t.title), ("summary", &t.summary)] {
        if v.value.trim().is_empty() {
            ctx.err(v, &format!("{lang}.{name}"), "must not be empty");
        }
    }
    for s in &t.symptoms {
        if s.value.trim().is_empty() {
            ctx.err(
                s,
                &format!("{lang}.symptoms"),
                "an empty symptom; expected one line",
            );
        }
    }
    let opt = |s: &Option<String>| s.as_ref().filter(|s| !s.trim().is_empty()).cloned();
    Text {
        title: t.title.value.trim().to_owned(),
        summary: t.summary.value.trim().to_owned(),
        symptoms: t
            .symptoms
            .iter()
            .map(|s| s.value.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        explanation: opt(&t.explanation),
        causes: opt(&t.causes),
        diagnosis: opt(&t.diagnosis),
        client: opt(&t.client),
        server: opt(&t.server),
    }
}

/// One language's prose as written in YAML (codes, ranges and handshake pages).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawText {
    pub(super) title: Spanned<String>,
    pub(super) summary: Spanned<String>,
    #[serde(default)]
    pub(super) symptoms: Vec<Spanned<String>>,
    pub(super) explanation: Option<String>,
    pub(super) causes: Option<String>,
    pub(super) diagnosis: Option<String>,
    pub(super) client: Option<String>,
    pub(super) server: Option<String>,
}

/// The `en` or `zh` text of an entry, or a located "missing" error.
pub(super) fn entry_text(
    ctx: &mut Ctx,
    lang: &str,
    t: Option<&Spanned<RawText>>,
    at: (u64, u64),
) -> Option<Text> {
    match t {
        Some(t) => Some(check_text(ctx, lang, t)),
        None => {
            ctx.at(
                at.0,
                at.1,
                lang,
                format!("missing: every entry needs `{lang}` text (title and summary at least)"),
            );
            None
        }
    }
}

/// Titles of sources must be non-empty and URLs well formed.
pub(super) fn check_sources(ctx: &mut Ctx, sources: &[Spanned<super::Source>], prefix: &str) {
    for (i, s) in sources.iter().enumerate() {
        if s.value.title.trim().is_empty() {
            ctx.err(
                s,
                &format!("{prefix}sources[{i}].title"),
                "must not be empty",
            );
        }
        check_url(ctx, s, &format!("{prefix}sources[{i}].url"), &s.value.url);
    }
}

/// Error texts must name a known runtime, be non-empty and cite a URL.
pub(super) fn check_errors(
    ctx: &mut Ctx,
    errors: &[Spanned<super::ErrorText>],
    runtime_known: &dyn Fn(&str) -> bool,
) {
    for (i, e) in errors.iter().enumerate() {
        if !runtime_known(&e.value.runtime) {
            ctx.err(
                e,
                &format!("errors[{i}].runtime"),
                format!(
                    "`{}` is not a runtime; each runtime is a file in data/runtimes/ (e.g. go-gorilla, chromium)",
                    e.value.runtime
                ),
            );
        }
        if e.value.text.trim().is_empty() {
            ctx.err(e, &format!("errors[{i}].text"), "must not be empty");
        }
        check_url(ctx, e, &format!("errors[{i}].source"), &e.value.source);
    }
}

/// A non-empty, trimmed string, or a located "must not be empty".
pub(super) fn non_empty(ctx: &mut Ctx, v: &Spanned<String>, field: &str) -> String {
    if v.value.trim().is_empty() {
        ctx.err(v, field, "must not be empty");
    }
    v.value.trim().to_owned()
}

/// A `related` item: an integer code or a `"LO-HI"` range string.
#[derive(Clone)]
pub(super) enum RawRef {
    /// An integer.
    Num(i64),
    /// A string.
    Text(String),
}

impl<'de> Deserialize<'de> for RawRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a code (integer) or a range (\"LO-HI\")")
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawRef, E> {
                Ok(RawRef::Num(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawRef, E> {
                Ok(RawRef::Num(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawRef, E> {
                Ok(RawRef::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}
