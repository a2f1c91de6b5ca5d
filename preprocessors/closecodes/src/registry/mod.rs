//! The registry: every kind of entry the site is built from, its typed model, YAML loading and
//! validation.
//!
//! [`load`] reads every YAML file below a folder (or one file). Where a file sits says what it
//! holds: `handshake/` handshake failures ([`handshake`]), `protocols/` protocols and their own
//! codes ([`protocol`]), `runtimes/` runtimes with their constants, error texts and limits
//! ([`runtime`]), `vocabulary.yaml` search synonyms ([`vocabulary`]), `glossary.yaml` the site's
//! terms ([`glossary`]); every other file holds codes and ranges ([`code`]). Each kind is parsed
//! into strict types (unknown fields are refused, [`yaml`]) and checked on its own, then the
//! references between kinds are resolved here. A [`Registry`] is returned only when every check
//! passed; otherwise a [`LoadError`] carries every [`Diagnostic`] found, each with file, line,
//! column, field and what was expected. Everything downstream (pages, index, JSON, CLI) takes
//! `&Registry` and never reads YAML or re-checks.

mod code;
mod common;
mod glossary;
mod handshake;
mod protocol;
mod runtime;
mod vocabulary;
mod yaml;

pub use code::{Entry, Registration, Sender, Status};
pub use common::{
    BrowserSaw, Constant, ErrorText, Key, LabObservation, Lang, Origin, PageRef, ServerSaw, Source,
    Text,
};
pub use glossary::{Banned, Term};
pub use handshake::{Handshake, HandshakeKey, HandshakeLab, INDEX as HANDSHAKE_INDEX};
pub use protocol::{
    CodeText, Implementation, Protocol, ProtocolCode, ProtocolText, Reconnect, Role,
};
pub use runtime::{
    Bilingual, Limit, LimitKind, REQUIRED_CODES, Runtime, RuntimeError, RuntimeKind, RuntimeText,
};
pub use vocabulary::SynonymGroup;

use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use yaml::{Ctx, RawRef};

/// Lowest and highest close code a registry may mention.
pub const MAX_CODE: u16 = 4999;

pub use yaml::MAX_FILE_BYTES;

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

/// What [`Registry::take_prose`] takes out of one place of the registry.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Prose {
    /// A text field's value.
    Text(Option<String>),
    /// A page's sources.
    Sources(Vec<Source>),
}

/// A place [`Registry::take_prose`] takes from, as it walks them.
enum ProseSlot<'a> {
    Optional(&'a mut Option<String>),
    Required(&'a mut String),
    Sources(&'a mut Vec<Source>),
}

/// The validated registry. Codes and ranges are sorted by number (a range before a code with its
/// lower bound), handshake pages by status then slug, protocols and runtimes by name.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Registry {
    entries: Vec<Entry>,
    handshakes: Vec<Handshake>,
    protocols: Vec<Protocol>,
    runtimes: Vec<Runtime>,
    vocabulary: Vec<SynonymGroup>,
    glossary: Vec<Term>,
    /// Every code some protocol defines: (protocol index, code index) per definition.
    wild: BTreeMap<u16, Vec<(usize, usize)>>,
}

impl Registry {
    /// Take out the long prose of every page (what it means, causes, diagnosis, what to do on
    /// each side, how to fix a protocol's code), its sources and where each name, error text and
    /// limit was found, what a runtime's limit does when exceeded, and the glossary's definitions
    /// and reasons: the parts only pages and search snippets read, never ranking. Titles,
    /// summaries, symptoms, names, error texts, codes and the glossary's terms stay.
    /// [`Self::restore_prose`] puts it back. The site's search opens the rest first and its
    /// snippets get the prose after.
    pub fn take_prose(&mut self) -> Vec<Prose> {
        self.prose_slots()
            .into_iter()
            .map(|slot| match slot {
                ProseSlot::Optional(s) => Prose::Text(s.take()),
                ProseSlot::Required(s) => Prose::Text(Some(std::mem::take(s))),
                ProseSlot::Sources(s) => Prose::Sources(std::mem::take(s)),
            })
            .collect()
    }

    /// Put back what [`Self::take_prose`] took out of this registry; `false`, and the registry
    /// unchanged, when `prose` does not fit it (another registry's, or not taken out).
    pub fn restore_prose(&mut self, prose: Vec<Prose>) -> bool {
        let mut slots = self.prose_slots();
        let fits = slots.len() == prose.len()
            && slots.iter().zip(&prose).all(|(slot, p)| match (slot, p) {
                (ProseSlot::Optional(s), Prose::Text(_)) => s.is_none(),
                (ProseSlot::Required(s), Prose::Text(Some(_))) => s.is_empty(),
                (ProseSlot::Sources(s), Prose::Sources(_)) => s.is_empty(),
                _ => false,
            });
        if !fits {
            return false;
        }
        for (slot, p) in slots.iter_mut().zip(prose) {
            match (slot, p) {
                (ProseSlot::Optional(s), Prose::Text(p)) => **s = p,
                (ProseSlot::Required(s), Prose::Text(p)) => **s = p.unwrap_or_default(),
                (ProseSlot::Sources(s), Prose::Sources(p)) => **s = p,
                _ => {}
            }
        }
        true
    }

    /// Every place prose is taken from, in one fixed order (both directions walk this list).
    fn prose_slots(&mut self) -> Vec<ProseSlot<'_>> {
        fn text<'a>(slots: &mut Vec<ProseSlot<'a>>, t: &'a mut Text) {
            for s in [
                &mut t.explanation,
                &mut t.causes,
                &mut t.diagnosis,
                &mut t.client,
                &mut t.server,
            ] {
                slots.push(ProseSlot::Optional(s));
            }
        }
        fn bilingual<'a>(slots: &mut Vec<ProseSlot<'a>>, b: &'a mut Bilingual) {
            slots.push(ProseSlot::Required(&mut b.en));
            slots.push(ProseSlot::Required(&mut b.zh));
        }
        /// A code's or a handshake failure's page: its prose in both languages, its sources and
        /// where each of its error texts was found.
        fn page<'a>(
            slots: &mut Vec<ProseSlot<'a>>,
            [en, zh]: [&'a mut Text; 2],
            sources: &'a mut Vec<Source>,
            errors: &'a mut [ErrorText],
        ) {
            text(slots, en);
            text(slots, zh);
            slots.push(ProseSlot::Sources(sources));
            for t in errors {
                slots.push(ProseSlot::Required(&mut t.source));
            }
        }
        let mut slots = Vec::new();
        for e in &mut self.entries {
            page(
                &mut slots,
                [&mut e.en, &mut e.zh],
                &mut e.sources,
                &mut e.errors,
            );
            for c in &mut e.constants {
                slots.push(ProseSlot::Required(&mut c.source));
            }
        }
        for h in &mut self.handshakes {
            page(
                &mut slots,
                [&mut h.en, &mut h.zh],
                &mut h.sources,
                &mut h.errors,
            );
        }
        for r in &mut self.runtimes {
            for c in r.constants.values_mut() {
                slots.push(ProseSlot::Required(&mut c.source));
            }
            for t in &mut r.errors {
                slots.push(ProseSlot::Required(&mut t.source));
                slots.push(ProseSlot::Optional(&mut t.note));
            }
            for l in &mut r.limits {
                slots.push(ProseSlot::Required(&mut l.source));
                bilingual(&mut slots, &mut l.exceeded);
            }
        }
        for t in &mut self.glossary {
            bilingual(&mut slots, &mut t.definition);
            bilingual(&mut slots, &mut t.reason);
            for b in &mut t.banned {
                bilingual(&mut slots, &mut b.why);
            }
        }
        for p in &mut self.protocols {
            slots.push(ProseSlot::Required(&mut p.en.explanation));
            slots.push(ProseSlot::Required(&mut p.zh.explanation));
            for c in &mut p.codes {
                slots.push(ProseSlot::Required(&mut c.en.fix));
                slots.push(ProseSlot::Required(&mut c.zh.fix));
            }
            slots.push(ProseSlot::Sources(&mut p.sources));
        }
        slots
    }

    /// All code and range entries in numeric order.
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

    /// The page that answers for a code, relative to the site root: its own article or its
    /// "in the wild" page (`codes/4004.html`), else its range anchored at it
    /// (`codes/4000-4999.html#4123`). `None` above 4999.
    pub fn code_page(&self, code: u16) -> Option<String> {
        if self.get(Key::Code(code)).is_some() || self.is_wild(code) {
            return Some(format!("codes/{code}.html"));
        }
        self.resolve(code)
            .map(|e| format!("{}#{code}", e.page_path()))
    }

    /// Handshake failure pages: HTTP statuses in order, then the named failures.
    pub fn handshakes(&self) -> &[Handshake] {
        &self.handshakes
    }

    /// The handshake page that answers an HTTP status: its own page, or the page that lists it
    /// among the statuses it answers (`302` → the redirect page).
    pub fn handshake_for_status(&self, status: u16) -> Option<&Handshake> {
        self.handshakes
            .iter()
            .find(|h| h.key.status() == Some(status))
            .or_else(|| {
                self.handshakes
                    .iter()
                    .find(|h| h.statuses.contains(&status))
            })
    }

    /// The handshake page with this slug (`403`, `tls`).
    pub fn handshake(&self, slug: &str) -> Option<&Handshake> {
        self.handshakes.iter().find(|h| h.key.slug() == slug)
    }

    /// Documented protocols, by name.
    pub fn protocols(&self) -> &[Protocol] {
        &self.protocols
    }

    /// The protocol with this slug.
    pub fn protocol(&self, slug: &str) -> Option<&Protocol> {
        self.protocols.iter().find(|p| p.slug == slug)
    }

    /// Every code 3000–4999 that at least one protocol defines, ascending.
    pub fn wild_codes(&self) -> impl Iterator<Item = u16> + '_ {
        self.wild.keys().copied()
    }

    /// Whether some protocol defines `code`.
    pub fn is_wild(&self, code: u16) -> bool {
        self.wild.contains_key(&code)
    }

    /// Each protocol's definition of `code` (none when no protocol defines it).
    pub fn wild(&self, code: u16) -> Vec<(&Protocol, &ProtocolCode)> {
        self.wild.get(&code).map_or_else(Vec::new, |defs| {
            defs.iter()
                .map(|&(p, c)| (&self.protocols[p], &self.protocols[p].codes[c]))
                .collect()
        })
    }

    /// Runtimes in display order: the browser API first, then by name.
    pub fn runtimes(&self) -> &[Runtime] {
        &self.runtimes
    }

    /// The runtime with this key.
    pub fn runtime(&self, key: &str) -> Option<&Runtime> {
        self.runtimes.iter().find(|r| r.key == key)
    }

    /// Search synonym groups.
    pub fn vocabulary(&self) -> &[SynonymGroup] {
        &self.vocabulary
    }

    /// The site's terms.
    pub fn glossary(&self) -> &[Term] {
        &self.glossary
    }

    /// Whether a referenced page exists (guides are checked by the site's link check, not here).
    pub fn has_page(&self, r: &PageRef) -> bool {
        match r {
            PageRef::Code(k) => self.get(*k).is_some(),
            PageRef::Handshake(s) => s == handshake::INDEX || self.handshake(s).is_some(),
            PageRef::Protocol(s) => self.protocol(s).is_some(),
            PageRef::Guide(_) => true,
        }
    }

    /// Error texts for a page: the entry's own, then those runtimes attach to it.
    pub fn errors_on(&self, page: &PageRef) -> Vec<ErrorText> {
        let own: &[ErrorText] = match page {
            PageRef::Code(k) => self.get(*k).map_or(&[], |e| &e.errors),
            PageRef::Handshake(s) => self.handshake(s).map_or(&[], |h| &h.errors),
            PageRef::Protocol(_) | PageRef::Guide(_) => &[],
        };
        let mut out = own.to_vec();
        for rt in &self.runtimes {
            for e in rt.errors.iter().filter(|e| &e.on == page) {
                out.push(ErrorText {
                    runtime: rt.key.clone(),
                    text: e.text.clone(),
                    source: e.source.clone(),
                });
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Loading.

/// The registry as a compact binary archive (postcard): what `closecodes` compiles in, written at
/// build time from a registry the loader validated, so that reading it back needs no YAML parse
/// and no validation.
pub fn to_archive(reg: &Registry) -> Vec<u8> {
    postcard::to_stdvec(reg).expect("every field of the registry serializes")
}

/// A registry from [`to_archive`]'s bytes.
pub fn from_archive(bytes: &[u8]) -> Result<Registry, postcard::Error> {
    postcard::from_bytes(bytes)
}

/// Load and validate every `*.yaml`/`*.yml` file below `path` (a folder, recursively, in path
/// order), or the single file `path`.
pub fn load(path: &Path) -> Result<Registry, LoadError> {
    let files = yaml_files(path)?;
    if files.is_empty() {
        return Err(LoadError::Empty(path.to_owned()));
    }
    let mut sources = Vec::with_capacity(files.len());
    let mut encoding = Vec::new();
    for file in files {
        let text = match read_text(&file)? {
            FileText::TooBig(d) => {
                encoding.push(d);
                continue;
            }
            FileText::Utf8(t) => t,
            // Located like any other fault; the file is still read (lossily) so that what it
            // declares does not turn into errors elsewhere.
            FileText::Lossy(t, d) => {
                encoding.push(d);
                t
            }
        };
        sources.push((file, text));
    }
    let loaded = load_sources(sources.iter().map(|(p, t)| (p.as_path(), t.as_str())));
    if encoding.is_empty() {
        return loaded;
    }
    if let Err(LoadError::Invalid(more)) = loaded {
        encoding.extend(more);
    }
    Err(LoadError::Invalid(encoding))
}

/// A data or prose file as read: its text, or why not all of it.
pub enum FileText {
    /// Valid UTF-8.
    Utf8(String),
    /// Not UTF-8: the text with invalid bytes replaced, and the located error.
    Lossy(String, Diagnostic),
    /// Larger than [`MAX_FILE_BYTES`]: not read; the located error.
    TooBig(Diagnostic),
}

/// Read `file` within the size cap, decoding it as UTF-8 (lossily, with a located error, when
/// it is not).
pub fn read_text(file: &Path) -> Result<FileText, LoadError> {
    let io = |source| LoadError::Io {
        path: file.to_owned(),
        source,
    };
    if std::fs::metadata(file).map_err(io)?.len() > MAX_FILE_BYTES as u64 {
        return Ok(FileText::TooBig(Diagnostic {
            file: file.to_owned(),
            line: 1,
            column: 1,
            field: "(file)".to_owned(),
            message: format!(
                "larger than {} MiB; split it into smaller files",
                MAX_FILE_BYTES >> 20
            ),
        }));
    }
    let bytes = std::fs::read(file).map_err(io)?;
    Ok(decode_text(file, bytes))
}

/// Decode the bytes of `file` as UTF-8: the text, or the text with invalid bytes replaced and the
/// located error. (The size cap is [`read_text`]'s.)
pub fn decode_text(file: &Path, bytes: Vec<u8>) -> FileText {
    match String::from_utf8(bytes) {
        Ok(t) => FileText::Utf8(t),
        Err(e) => {
            let d = not_utf8(file, e.as_bytes(), e.utf8_error().valid_up_to());
            FileText::Lossy(String::from_utf8_lossy(e.as_bytes()).into_owned(), d)
        }
    }
}

/// The located error for a file that is not UTF-8: line and column (in characters) of the first
/// invalid byte.
fn not_utf8(file: &Path, bytes: &[u8], valid: usize) -> Diagnostic {
    let before = String::from_utf8_lossy(&bytes[..valid]);
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    Diagnostic {
        file: file.to_owned(),
        line,
        column,
        field: "(file)".to_owned(),
        message: format!(
            "not UTF-8: byte 0x{:02X} is not valid here; data files must be saved as UTF-8",
            bytes[valid]
        ),
    }
}

/// What a data file holds, from where it sits below the data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Codes,
    Handshake,
    Protocols,
    Runtimes,
    Vocabulary,
    Glossary,
}

impl FileKind {
    fn of(path: &Path) -> FileKind {
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
        let dir = |d: &str| {
            path.parent()
                .and_then(Path::file_name)
                .is_some_and(|p| p == d)
        };
        match name {
            "vocabulary" => FileKind::Vocabulary,
            "glossary" => FileKind::Glossary,
            _ if dir("handshake") => FileKind::Handshake,
            _ if dir("protocols") => FileKind::Protocols,
            _ if dir("runtimes") => FileKind::Runtimes,
            _ => FileKind::Codes,
        }
    }
}

/// Parsed files of every kind, before validation.
#[derive(Default)]
struct Raw {
    /// Pages and runtimes that files which failed to parse still declare (from a lenient
    /// line-by-line pass), so that one fault is not reported again by every reference to it.
    declared: BTreeSet<PageRef>,
    declared_runtimes: BTreeSet<String>,
    codes: Vec<(PathBuf, (u64, Spanned<code::RawEntry>))>,
    handshakes: Vec<(PathBuf, (u64, Spanned<handshake::RawHandshake>))>,
    protocols: Vec<(PathBuf, (u64, Spanned<protocol::RawProtocol>))>,
    runtimes: Vec<(PathBuf, (u64, Spanned<runtime::RawRuntime>))>,
    vocabulary: Vec<(PathBuf, (u64, Spanned<vocabulary::RawGroup>))>,
    glossary: Vec<(PathBuf, (u64, Spanned<glossary::RawTerm>))>,
}

fn parse_into<T: serde::de::DeserializeOwned>(
    out: &mut Vec<(PathBuf, (u64, Spanned<T>))>,
    diags: &mut Vec<Diagnostic>,
    file: &Path,
    text: &str,
) -> bool {
    match yaml::parse_file::<T>(file, text) {
        Ok(items) => {
            out.extend(items.into_iter().map(|e| (file.to_owned(), e)));
            true
        }
        Err(mut d) => {
            diags.append(&mut d);
            false
        }
    }
}

/// What a file that failed to parse still declares: the value after `- code:`, `- range:`,
/// `- handshake:`, `- protocol:` or `- runtime:` at the start of a line.
fn lenient_declarations(kind: FileKind, text: &str, raw: &mut Raw) {
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("- ") else {
            continue;
        };
        let Some((key, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']);
        match (kind, key.trim()) {
            (FileKind::Codes, "code") => {
                if let Some(k) = Key::parse(value) {
                    raw.declared.insert(PageRef::Code(k));
                }
            }
            (FileKind::Codes, "range") => {
                let v = value
                    .trim_matches(['[', ']'])
                    .replace(',', "-")
                    .replace(' ', "");
                if let Some(k) = Key::parse(&v) {
                    raw.declared.insert(PageRef::Code(k));
                }
            }
            (FileKind::Handshake, "handshake") => {
                raw.declared.insert(PageRef::Handshake(value.to_owned()));
            }
            (FileKind::Protocols, "protocol") => {
                raw.declared.insert(PageRef::Protocol(value.to_owned()));
            }
            (FileKind::Runtimes, "runtime") => {
                raw.declared_runtimes.insert(value.to_owned());
            }
            _ => {}
        }
    }
}

/// Load and validate YAML texts already in memory, each named by the path used in messages.
pub fn load_sources<'a>(
    sources: impl IntoIterator<Item = (&'a Path, &'a str)>,
) -> Result<Registry, LoadError> {
    let mut diags = Vec::new();
    let mut raw = Raw::default();
    for (file, text) in sources {
        let d = &mut diags;
        let kind = FileKind::of(file);
        let parsed = match kind {
            FileKind::Codes => parse_into(&mut raw.codes, d, file, text),
            FileKind::Handshake => parse_into(&mut raw.handshakes, d, file, text),
            FileKind::Protocols => parse_into(&mut raw.protocols, d, file, text),
            FileKind::Runtimes => parse_into(&mut raw.runtimes, d, file, text),
            FileKind::Vocabulary => parse_into(&mut raw.vocabulary, d, file, text),
            FileKind::Glossary => parse_into(&mut raw.glossary, d, file, text),
        };
        if !parsed {
            lenient_declarations(kind, text, &mut raw);
        }
    }
    let registry = validate(raw, &mut diags);
    if diags.is_empty() {
        Ok(registry)
    } else {
        Err(LoadError::Invalid(diags))
    }
}

/// Validate each kind, then resolve what refers across kinds: `related` lists, error texts'
/// runtimes, runtime error targets, and each code's constants.
fn validate(raw: Raw, diags: &mut Vec<Diagnostic>) -> Registry {
    let mut rt_keys = BTreeMap::new();
    let runtimes = runtime::validate(raw.runtimes, diags, &mut rt_keys);
    let runtime_known = |k: &str| rt_keys.contains_key(k) || raw.declared_runtimes.contains(k);
    let mut code_keys = BTreeMap::new();
    let codes = code::validate(raw.codes, diags, &runtime_known, &mut code_keys);
    let mut hs_slugs = BTreeMap::new();
    let handshakes = handshake::validate(raw.handshakes, diags, &runtime_known, &mut hs_slugs);
    let mut proto_slugs = BTreeMap::new();
    let mut protocols = protocol::validate(raw.protocols, diags, &mut proto_slugs);
    let vocabulary = vocabulary::validate(raw.vocabulary, diags);
    let glossary = glossary::validate(raw.glossary, diags);

    // Every page that exists, declared even when its entry failed another check, so that one
    // fault is reported once and not again by every page that links to it.
    let mut pages: BTreeSet<PageRef> = code_keys.keys().map(|k| PageRef::Code(*k)).collect();
    pages.extend(raw.declared);
    // A file with a fault of its own still declares the page its name says (`codes/1006.yaml`,
    // `handshake/403.yaml`): a bad key inside it is one error, not one more per page linking it.
    let faulty: BTreeSet<&Path> = diags.iter().map(|d| d.file.as_path()).collect();
    for file in faulty {
        let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        match FileKind::of(file) {
            FileKind::Codes => pages.extend(Key::parse(stem).map(PageRef::Code)),
            FileKind::Handshake => {
                pages.insert(PageRef::Handshake(stem.to_owned()));
            }
            FileKind::Protocols => {
                pages.insert(PageRef::Protocol(stem.to_owned()));
            }
            _ => {}
        }
    }
    pages.extend(
        hs_slugs
            .keys()
            .filter(|s| !s.starts_with(handshake::CLAIM))
            .map(|s| PageRef::Handshake(s.clone())),
    );
    pages.extend(proto_slugs.keys().map(|s| PageRef::Protocol(s.clone())));
    // The table of handshake failures holds the messages that name no failure.
    pages.insert(PageRef::Handshake(handshake::INDEX.to_owned()));

    let mut entries = Vec::new();
    for (mut e, related) in codes {
        let mut ctx = Ctx {
            file: &e.origin.file.clone(),
            diags,
        };
        e.related = resolve_related(&mut ctx, &PageRef::Code(e.key), &related, &pages);
        entries.push(e);
    }
    let mut hs = Vec::new();
    for (mut h, related) in handshakes {
        let mut ctx = Ctx {
            file: &h.origin.file.clone(),
            diags,
        };
        let own = PageRef::Handshake(h.key.slug());
        h.related = resolve_related(&mut ctx, &own, &related, &pages);
        hs.push(h);
    }
    let mut rts = Vec::new();
    for (mut rt, errors) in runtimes {
        let mut ctx = Ctx {
            file: &rt.origin.file.clone(),
            diags,
        };
        rt.errors = runtime::resolve_errors(&mut ctx, errors, |p| {
            matches!(p, PageRef::Guide(_)) || pages.contains(p)
        });
        rts.push(rt);
    }
    rts.sort_by_key(|r| {
        (
            r.kind != RuntimeKind::Browser || r.key != "browser",
            r.label.to_lowercase(),
        )
    });
    for e in &mut entries {
        if let Key::Code(c) = e.key {
            e.constants = rts
                .iter()
                .filter_map(|rt| rt.constants.get(&c).cloned())
                .collect();
        }
    }
    entries.sort_by_key(|e| e.key.sort_key());
    hs.sort_by_key(|h| (h.key.status().is_none(), h.key.clone()));
    make_mutual(
        entries
            .iter_mut()
            .map(|e| (PageRef::Code(e.key), &mut e.related)),
    );
    make_mutual(
        hs.iter_mut()
            .map(|h| (PageRef::Handshake(h.key.slug()), &mut h.related)),
    );
    protocols.sort_by_key(|p| p.name.to_lowercase());
    let mut wild: BTreeMap<u16, Vec<(usize, usize)>> = BTreeMap::new();
    for (pi, p) in protocols.iter().enumerate() {
        for (ci, c) in p.codes.iter().enumerate() {
            wild.entry(c.code).or_default().push((pi, ci));
        }
    }
    Registry {
        entries,
        handshakes: hs,
        protocols,
        runtimes: rts,
        vocabulary,
        glossary,
        wild,
    }
}

/// A `related` link between two pages of one kind (two codes or ranges; two handshake failures)
/// is mutual: a page shows what it lists, then the pages of its kind that list it, in page order.
/// (Links to other kinds stay one-way: every handshake page lists 1006, and 1006 would drown.)
fn make_mutual<'a>(pages: impl Iterator<Item = (PageRef, &'a mut Vec<PageRef>)>) {
    let mut pages: Vec<(PageRef, &mut Vec<PageRef>)> = pages.collect();
    let mut back: Vec<(usize, PageRef)> = Vec::new();
    for (i, (_, related)) in pages.iter().enumerate() {
        for r in related.iter() {
            if let Some(j) = pages.iter().position(|(p, _)| p == r)
                && !pages[j].1.contains(&pages[i].0)
            {
                back.push((j, pages[i].0.clone()));
            }
        }
    }
    for (j, r) in back {
        if !pages[j].1.contains(&r) {
            pages[j].1.push(r);
        }
    }
}

fn resolve_related(
    ctx: &mut Ctx,
    own: &PageRef,
    related: &[Spanned<RawRef>],
    pages: &BTreeSet<PageRef>,
) -> Vec<PageRef> {
    let mut out = Vec::new();
    for (i, rel) in related.iter().enumerate() {
        let field = format!("related[{i}]");
        let (parsed, shown) = match &rel.value {
            RawRef::Num(n) => (
                u16::try_from(*n)
                    .ok()
                    .filter(|c| *c <= MAX_CODE)
                    .map(|c| PageRef::Code(Key::Code(c))),
                n.to_string(),
            ),
            RawRef::Text(s) => (PageRef::parse(s), format!("\"{s}\"")),
        };
        match parsed {
            Some(p) if &p == own => ctx.err(rel, &field, format!("{shown} is this entry itself")),
            Some(p) if matches!(p, PageRef::Guide(_)) || pages.contains(&p) => out.push(p),
            Some(PageRef::Code(_)) => ctx.err(
                rel,
                &field,
                format!("{shown} is not a documented code or range; expected a code with its own entry (e.g. 1006) or a documented range (e.g. \"4000-4999\")"),
            ),
            Some(p) => ctx.err(rel, &field, format!("{shown} is not a documented page ({} does not exist)", p.path())),
            None => ctx.err(
                rel,
                &field,
                format!("{shown} is not a code 0–4999, a range \"LO-HI\" or a page such as \"handshake/403\", \"protocols/pusher\" or \"guides/reconnect\""),
            ),
        }
    }
    out
}

pub(crate) fn yaml_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
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
    fn prose_taken_out_goes_back_exactly() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let full = load(&data).unwrap();
        let mut slim = full.clone();
        let prose = slim.take_prose();
        let texts = prose
            .iter()
            .filter(|p| matches!(p, Prose::Text(Some(_))))
            .count();
        assert!(texts > 100, "{texts} of {}", prose.len());
        assert!(slim.entries.iter().all(|e| e.en.causes.is_none()));
        assert!(slim.entries.iter().all(|e| e.sources.is_empty()));
        assert!(slim.protocols.iter().all(|p| p.zh.explanation.is_empty()));
        assert!(slim.protocols[0].codes.iter().all(|c| c.en.fix.is_empty()));
        // Titles and summaries stay.
        assert_eq!(slim.entries[0].en.summary, full.entries[0].en.summary);
        // Where each fact was found, and the glossary's explanations, go too; its terms stay.
        assert!(
            slim.runtimes
                .iter()
                .all(|r| r.errors.iter().all(|e| e.source.is_empty()))
        );
        assert!(
            slim.runtimes
                .iter()
                .all(|r| r.limits.iter().all(|l| l.exceeded.zh.is_empty()))
        );
        assert!(
            slim.glossary
                .iter()
                .all(|t| t.definition.en.is_empty() && !t.zh.is_empty())
        );
        assert!(slim.runtimes.iter().any(|r| !r.limits.is_empty()));
        let mut short = prose.clone();
        short.pop();
        assert!(!slim.restore_prose(short));
        assert!(slim.restore_prose(prose.clone()));
        assert_eq!(format!("{slim:?}"), format!("{full:?}"));
        // Prose cannot go in twice.
        assert!(!slim.restore_prose(prose));
        assert_eq!(format!("{slim:?}"), format!("{full:?}"));
    }

    #[test]
    fn related_links_between_entries_are_mutual() {
        let r = load_str(OK).unwrap();
        // Only the range lists 1000; 1000's page shows the range too.
        assert_eq!(
            r.get(Key::Code(1000)).unwrap().related,
            [PageRef::Code(Key::Range(4000, 4999))]
        );
    }

    #[test]
    fn loads_and_resolves() {
        let r = load_str(OK).unwrap();
        assert_eq!(r.entries().len(), 2);
        assert_eq!(r.resolve(4123).unwrap().key, Key::Range(4000, 4999));
        assert_eq!(r.resolve(1000).unwrap().key, Key::Code(1000));
        assert!(r.resolve(1001).is_none());
        assert_eq!(
            r.get(Key::Range(4000, 4999)).unwrap().related,
            vec![PageRef::Code(Key::Code(1000))]
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
