//! The close-code registry: the typed model, YAML loading and validation.
//!
//! This module owns the only way into the data: [`load`] reads every YAML file below a folder (or
//! one file), deserializes it into strict types (unknown fields are refused), then runs a semantic
//! pass (duplicates, overlapping ranges, bounds, missing languages, empty text, dangling
//! `related` references, malformed URLs). It returns a [`Registry`] only when every check
//! passed; otherwise a [`LoadError`] carrying every [`Diagnostic`] found, each with file, line,
//! column, field and what was expected. Everything downstream (pages, index, JSON, CLI) takes
//! `&Registry` and never reads YAML or re-checks.

use serde::{Deserialize, Serialize};
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Lowest and highest close code a registry may mention.
pub const MAX_CODE: u16 = 4999;

/// One located problem in the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// The field path inside the entry, e.g. `code`, `zh.title`, `related[1]`.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error in `{}`: {}",
            self.file.display(),
            self.line,
            self.column,
            self.field,
            self.message
        )
    }
}

/// Why the registry could not be loaded: every problem found, in file order.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The data is invalid; each diagnostic is located.
    #[error("{}", render_diagnostics(.0))]
    Invalid(Vec<Diagnostic>),
    /// The folder holds no YAML file.
    #[error("{}: no YAML files found (expected *.yaml files with close-code entries)", .0.display())]
    Empty(PathBuf),
}

impl LoadError {
    /// The located diagnostics, if this is a validation failure.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid(d) => d,
            _ => &[],
        }
    }
}

fn render_diagnostics(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.to_string());
        out.push('\n');
    }
    out.push_str(&format!(
        "{} error{} in the close-code data",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    ));
    out
}

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

/// A runtime whose names for close codes the data records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// Browsers: `CloseEvent.code` (WHATWG).
    Browser,
    /// Node.js `ws`.
    NodeWs,
    /// Go gorilla/websocket.
    GoGorilla,
    /// Go coder/websocket.
    GoCoder,
    /// Python websockets.
    PythonWebsockets,
    /// Jakarta / javax WebSocket (JSR 356).
    JavaJakarta,
    /// .NET `System.Net.WebSockets`.
    Dotnet,
    /// Rust tungstenite.
    RustTungstenite,
    /// Netty.
    Netty,
    /// Spring Framework WebSocket.
    Spring,
}

impl Runtime {
    /// Every runtime, in display order.
    pub const ALL: [Runtime; 10] = [
        Runtime::Browser,
        Runtime::NodeWs,
        Runtime::GoGorilla,
        Runtime::GoCoder,
        Runtime::PythonWebsockets,
        Runtime::JavaJakarta,
        Runtime::Dotnet,
        Runtime::RustTungstenite,
        Runtime::Netty,
        Runtime::Spring,
    ];

    /// The kebab-case key, as written in YAML and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Runtime::Browser => "browser",
            Runtime::NodeWs => "node-ws",
            Runtime::GoGorilla => "go-gorilla",
            Runtime::GoCoder => "go-coder",
            Runtime::PythonWebsockets => "python-websockets",
            Runtime::JavaJakarta => "java-jakarta",
            Runtime::Dotnet => "dotnet",
            Runtime::RustTungstenite => "rust-tungstenite",
            Runtime::Netty => "netty",
            Runtime::Spring => "spring",
        }
    }

    /// The name people know the runtime by (the same in both languages).
    pub fn label(self) -> &'static str {
        match self {
            Runtime::Browser => "Browser (WHATWG)",
            Runtime::NodeWs => "Node.js ws",
            Runtime::GoGorilla => "Go gorilla/websocket",
            Runtime::GoCoder => "Go coder/websocket",
            Runtime::PythonWebsockets => "Python websockets",
            Runtime::JavaJakarta => "Java Jakarta WebSocket",
            Runtime::Dotnet => ".NET",
            Runtime::RustTungstenite => "Rust tungstenite",
            Runtime::Netty => "Netty",
            Runtime::Spring => "Spring",
        }
    }
}

/// A language the site is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, at the site root.
    En,
    /// Simplified Chinese, under `zh/`.
    Zh,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// `en` or `zh`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parse a language tag: `en`, `en-US`, `zh`, `zh-CN`, `zh-Hans`… (case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }
}

/// What a runtime calls a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constant {
    /// The identifier, or `None` when the runtime has no constant for it.
    pub name: Option<String>,
    /// URL of the runtime's source that shows it.
    pub source: String,
}

/// An exact error text a runtime prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorText {
    /// The runtime that prints it.
    pub runtime: Runtime,
    /// The text, verbatim.
    pub text: String,
    /// Where the text is produced.
    pub source: String,
}

/// A citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What is cited.
    pub title: String,
    /// Where.
    pub url: String,
}

/// What the lab server received back on a scenario's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerSaw {
    /// A Close frame with this code.
    Code(u16),
    /// A Close frame without a status code.
    NoCode,
    /// No Close frame: the transport ended.
    Nothing,
}

impl Serialize for ServerSaw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ServerSaw::Code(c) => s.serialize_u16(*c),
            ServerSaw::NoCode => s.serialize_str("no-code"),
            ServerSaw::Nothing => s.serialize_str("nothing"),
        }
    }
}

/// What the browser reported for a lab scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserSaw {
    /// `CloseEvent.code`.
    pub code: u16,
    /// `CloseEvent.wasClean`.
    pub clean: bool,
}

/// One lab scenario, measured: the endpoint, the browser's `CloseEvent` and what the server got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabObservation {
    /// The lab endpoint path, e.g. `/lab/close/1000` or `/lab/drop`.
    pub endpoint: String,
    /// What Chromium's `CloseEvent` reported.
    pub browser: BrowserSaw,
    /// What the lab server received back.
    pub server: ServerSaw,
}

/// One language's prose for an entry. Markdown except `title` and `summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// Page title.
    pub title: String,
    /// One-line summary.
    pub summary: String,
    /// What it means, who sends it.
    pub explanation: Option<String>,
    /// Common causes.
    pub causes: Option<String>,
    /// How to diagnose.
    pub diagnosis: Option<String>,
    /// What to do on the client.
    pub client: Option<String>,
    /// What to do on the server.
    pub server: Option<String>,
}

/// The code or codes an entry documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// One code.
    Code(u16),
    /// An inclusive range.
    Range(u16, u16),
}

impl Key {
    /// Lowest code covered.
    pub fn lo(self) -> u16 {
        match self {
            Key::Code(c) => c,
            Key::Range(lo, _) => lo,
        }
    }

    /// Highest code covered.
    pub fn hi(self) -> u16 {
        match self {
            Key::Code(c) => c,
            Key::Range(_, hi) => hi,
        }
    }

    /// Whether `code` falls inside.
    pub fn contains(self, code: u16) -> bool {
        self.lo() <= code && code <= self.hi()
    }

    /// The code, for a single code.
    pub fn code(self) -> Option<u16> {
        match self {
            Key::Code(c) => Some(c),
            Key::Range(..) => None,
        }
    }

    /// `[lo, hi]`, for a range.
    pub fn range(self) -> Option<[u16; 2]> {
        match self {
            Key::Range(lo, hi) => Some([lo, hi]),
            Key::Code(_) => None,
        }
    }

    /// The page slug: `1006` or `4000-4999`.
    pub fn slug(self) -> String {
        match self {
            Key::Code(c) => c.to_string(),
            Key::Range(lo, hi) => format!("{lo}-{hi}"),
        }
    }

    /// Human label: `1006` or `4000–4999` (en dash).
    pub fn label(self) -> String {
        match self {
            Key::Code(c) => c.to_string(),
            Key::Range(lo, hi) => format!("{lo}–{hi}"),
        }
    }

    /// Parse `1006` or `4000-4999`.
    pub fn parse(s: &str) -> Option<Key> {
        let s = s.trim();
        match s.split_once(['-', '–']) {
            Some((a, b)) => Some(Key::Range(a.trim().parse().ok()?, b.trim().parse().ok()?)),
            None => Some(Key::Code(s.parse().ok()?)),
        }
    }

    /// Sort order: by lower bound, a range before a code with the same number.
    fn sort_key(self) -> (u16, u8) {
        match self {
            Key::Range(lo, _) => (lo, 0),
            Key::Code(c) => (c, 1),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Where an entry was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The YAML file.
    pub file: PathBuf,
    /// 1-based line of the entry's start.
    pub line: u64,
}

/// One documented code or range, validated.
#[derive(Debug, Clone)]
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
    /// Runtime names, in [`Runtime::ALL`] order.
    pub constants: BTreeMap<Runtime, Constant>,
    /// Exact error texts.
    pub errors: Vec<ErrorText>,
    /// Related codes and ranges (all documented).
    pub related: Vec<Key>,
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

/// The validated registry: entries sorted by code (a range before a code with its lower bound).
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// All entries in numeric order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry documenting exactly `key`.
    pub fn get(&self, key: Key) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The entry for a number: its own article if documented, else the range containing it.
    pub fn resolve(&self, code: u16) -> Option<&Entry> {
        self.get(Key::Code(code)).or_else(|| {
            self.entries
                .iter()
                .find(|e| matches!(e.key, Key::Range(..)) && e.key.contains(code))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Raw YAML types: exactly the schema in data/README.md.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
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
    constants: BTreeMap<Runtime, Spanned<RawConstant>>,
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
struct RawLab {
    endpoint: String,
    browser: BrowserSaw,
    server: RawRef,
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
struct RawText {
    title: Spanned<String>,
    summary: Spanned<String>,
    explanation: Option<String>,
    causes: Option<String>,
    diagnosis: Option<String>,
    client: Option<String>,
    server: Option<String>,
}

/// A `related` item: an integer code or a `"LO-HI"` range string.
#[derive(Clone)]
enum RawRef {
    Num(i64),
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

// ---------------------------------------------------------------------------------------------
// Loading.

/// Load and validate every `*.yaml`/`*.yml` file below `path` (a folder, recursively, in path
/// order), or the single file `path`.
pub fn load(path: &Path) -> Result<Registry, LoadError> {
    let files = yaml_files(path)?;
    if files.is_empty() {
        return Err(LoadError::Empty(path.to_owned()));
    }
    let mut sources = Vec::with_capacity(files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Io {
            path: file.clone(),
            source,
        })?;
        sources.push((file, text));
    }
    load_sources(sources.iter().map(|(p, t)| (p.as_path(), t.as_str())))
}

/// Load and validate YAML texts already in memory, each named by the path used in messages.
pub fn load_sources<'a>(
    sources: impl IntoIterator<Item = (&'a Path, &'a str)>,
) -> Result<Registry, LoadError> {
    let mut diags = Vec::new();
    let mut raws = Vec::new();
    for (file, text) in sources {
        match parse_file(file, text) {
            Ok(entries) => raws.extend(entries.into_iter().map(|e| (file.to_owned(), e))),
            Err(mut d) => diags.append(&mut d),
        }
    }
    let entries = validate(raws, &mut diags);
    if diags.is_empty() {
        Ok(Registry { entries })
    } else {
        Err(LoadError::Invalid(diags))
    }
}

fn yaml_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let read = std::fs::read_dir(&dir).map_err(|source| LoadError::Io {
            path: dir.clone(),
            source,
        })?;
        for item in read {
            let item = item.map_err(|source| LoadError::Io {
                path: dir.clone(),
                source,
            })?;
            let p = item.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Entries parsed from one file, each with its 1-based start line.
type Parsed = Vec<(u64, Spanned<RawEntry>)>;

fn parse_file(file: &Path, text: &str) -> Result<Parsed, Vec<Diagnostic>> {
    match parse_chunk(text) {
        Ok(entries) => Ok(entries),
        Err(first) => {
            // Deserialization stops at the first problem. To report every problem in the file,
            // parse each top-level `- ` item on its own, offsetting the lines.
            let chunks = split_items(text);
            let mut diags = Vec::new();
            if chunks.len() > 1 {
                for (offset, chunk) in chunks {
                    if let Err(mut e) = parse_chunk(&chunk) {
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

fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    // `no`/`yes`/`on` are strings here, not booleans: the data is YAML 1.2.
    o.strict_booleans = true;
    o.with_snippet = false;
    o
}

fn parse_chunk(text: &str) -> Result<Parsed, ParseError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // serde-saphyr's error knows the location; serde_path_to_error knows the field path.
    let mut path = None;
    let result: Result<Vec<Spanned<RawEntry>>, serde_saphyr::Error> =
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

// ---------------------------------------------------------------------------------------------
// Validation.

struct Ctx<'a> {
    file: &'a Path,
    diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err<T>(&mut self, at: &Spanned<T>, field: &str, message: impl Into<String>) {
        self.at(at.referenced.line(), at.referenced.column(), field, message);
    }

    fn at(&mut self, line: u64, column: u64, field: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: self.file.to_owned(),
            line,
            column,
            field: field.to_owned(),
            message: message.into(),
        });
    }
}

fn code_in_bounds(ctx: &mut Ctx, v: &Spanned<i64>, field: &str) -> Option<u16> {
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

fn check_url(ctx: &mut Ctx, at: &Spanned<impl Sized>, field: &str, url: &str) {
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

fn check_text(ctx: &mut Ctx, lang: &str, raw: &Spanned<RawText>) -> Text {
    let t = &raw.value;
    for (name, v) in [("title", &t.title), ("summary", &t.summary)] {
        if v.value.trim().is_empty() {
            ctx.err(v, &format!("{lang}.{name}"), "must not be empty");
        }
    }
    let opt = |s: &Option<String>| s.as_ref().filter(|s| !s.trim().is_empty()).cloned();
    Text {
        title: t.title.value.trim().to_owned(),
        summary: t.summary.value.trim().to_owned(),
        explanation: opt(&t.explanation),
        causes: opt(&t.causes),
        diagnosis: opt(&t.diagnosis),
        client: opt(&t.client),
        server: opt(&t.server),
    }
}

fn validate(
    raws: Vec<(PathBuf, (u64, Spanned<RawEntry>))>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    // `related` is checked once every key is known: (entry index, file, raw references).
    let mut pending: Vec<(usize, PathBuf, Vec<Spanned<RawRef>>)> = Vec::new();
    // Where each key was first defined: (file, line, column).
    let mut seen: BTreeMap<Key, (PathBuf, u64, u64)> = BTreeMap::new();

    for (file, (line, raw)) in raws {
        let mut ctx = Ctx { file: &file, diags };
        let at = (line, raw.referenced.column());
        let r = raw.value;
        let key = entry_key(&mut ctx, &r, at);
        check_fields(&mut ctx, &r, key.map(|(k, _)| k));
        let en = entry_text(&mut ctx, "en", r.en.as_ref(), at);
        let zh = entry_text(&mut ctx, "zh", r.zh.as_ref(), at);
        let Some((key, key_at)) = key else { continue };
        if !check_unique(&mut ctx, &seen, key, key_at) {
            continue;
        }
        seen.insert(key, (file.clone(), key_at.0, key_at.1));
        let (Some(en), Some(zh)) = (en, zh) else {
            continue;
        };
        entries.push(Entry {
            key,
            name: r.name.value.trim().to_owned(),
            status: r.status,
            registration: r.registration,
            wire: r.wire,
            script: r.script.value,
            senders: r.senders,
            constants: r
                .constants
                .into_iter()
                .map(|(rt, c)| {
                    let c = c.value;
                    let name = c.name.map(|n| n.trim().to_owned());
                    (
                        rt,
                        Constant {
                            name,
                            source: c.source,
                        },
                    )
                })
                .collect(),
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
        });
        pending.push((entries.len() - 1, file, r.related));
    }

    for (idx, file, related) in pending {
        let mut ctx = Ctx { file: &file, diags };
        entries[idx].related = resolve_related(&mut ctx, entries[idx].key, &related, &seen);
    }
    entries.sort_by_key(|e| e.key.sort_key());
    entries
}

/// The entry's code or range and where it is written, or `None` after reporting why not.
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
fn check_fields(ctx: &mut Ctx, r: &RawEntry, key: Option<Key>) {
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
    for (rt, c) in &r.constants {
        let field = format!("constants.{}", rt.key());
        if c.value.name.as_ref().is_some_and(|n| n.trim().is_empty()) {
            ctx.err(
                c,
                &format!("{field}.name"),
                "must not be empty (write `name: ~` for \"no constant\")",
            );
        }
        check_url(ctx, c, &format!("{field}.source"), &c.value.source);
    }
    for (i, e) in r.errors.iter().enumerate() {
        if e.value.text.trim().is_empty() {
            ctx.err(e, &format!("errors[{i}].text"), "must not be empty");
        }
        check_url(ctx, e, &format!("errors[{i}].source"), &e.value.source);
    }
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
    for (i, s) in r.sources.iter().enumerate() {
        if s.value.title.trim().is_empty() {
            ctx.err(s, &format!("sources[{i}].title"), "must not be empty");
        }
        check_url(ctx, s, &format!("sources[{i}].url"), &s.value.url);
    }
}

fn entry_text(
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

fn resolve_related(
    ctx: &mut Ctx,
    own: Key,
    related: &[Spanned<RawRef>],
    seen: &BTreeMap<Key, (PathBuf, u64, u64)>,
) -> Vec<Key> {
    let mut keys = Vec::new();
    for (i, rel) in related.iter().enumerate() {
        let field = format!("related[{i}]");
        let (key, shown) = match &rel.value {
            RawRef::Num(n) => (
                u16::try_from(*n)
                    .ok()
                    .filter(|c| *c <= MAX_CODE)
                    .map(Key::Code),
                n.to_string(),
            ),
            RawRef::Text(s) => (Key::parse(s), format!("\"{s}\"")),
        };
        match key {
            Some(k) if k == own => ctx.err(rel, &field, format!("{shown} is this entry itself")),
            Some(k) if seen.contains_key(&k) => keys.push(k),
            Some(_) => ctx.err(
                rel,
                &field,
                format!("{shown} is not a documented code or range; expected a code with its own entry (e.g. 1006) or a documented range (e.g. \"4000-4999\")"),
            ),
            None => ctx.err(rel, &field, format!("{shown} is not a code 0–4999 or a range \"LO-HI\"")),
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Registry, LoadError> {
        load_sources([(Path::new("t.yaml"), text)])
    }

    const OK: &str = "- code: 1000
  name: Normal Closure
  status: rfc6455
  wire: true
  script: true
  en: {title: Normal Closure, summary: Done.}
  zh: {title: 正常关闭, summary: 完成。}
- range: [4000, 4999]
  name: Private use
  status: private-use
  registration: private-use
  wire: true
  script: true
  related: [1000]
  en: {title: Private use, summary: Yours.}
  zh: {title: 私有, summary: 自定。}
";

    #[test]
    fn loads_and_resolves() {
        let r = load_str(OK).unwrap();
        assert_eq!(r.entries().len(), 2);
        assert_eq!(r.resolve(4123).unwrap().key, Key::Range(4000, 4999));
        assert_eq!(r.resolve(1000).unwrap().key, Key::Code(1000));
        assert!(r.resolve(1001).is_none());
        assert_eq!(
            r.get(Key::Range(4000, 4999)).unwrap().related,
            vec![Key::Code(1000)]
        );
    }

    #[test]
    fn reports_every_bad_item_in_a_file() {
        let bad = OK
            .replace(
                "wire: true\n  script: true\n  en",
                "wire: maybe\n  script: true\n  en",
            )
            .replace("related: [1000]", "related: [1000]\n  colour: red");
        let e = load_str(&bad).unwrap_err();
        let d = e.diagnostics();
        eprintln!("{e}");
        assert_eq!(d.len(), 2, "{e}");
        assert_eq!((d[0].line, d[0].field.as_str()), (4, "wire"));
        assert_eq!(d[1].line, 15);
        assert!(d[1].message.contains("colour"), "{}", d[1].message);
    }

    #[test]
    fn key_parse_and_labels() {
        assert_eq!(Key::parse("4000-4999"), Some(Key::Range(4000, 4999)));
        assert_eq!(Key::parse(" 1006 "), Some(Key::Code(1006)));
        assert_eq!(Key::Range(0, 999).label(), "0–999");
        assert_eq!(Key::parse("x"), None);
    }
}
