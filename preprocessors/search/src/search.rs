//! Search: one tantivy index, built in memory from every page of the site (the registry's codes,
//! ranges, handshake failures and protocols, and the guides: [`crate::docs`]), behind the CLI and
//! the HTTP API.
//!
//! Steps, as in tantivy's examples:
//! 1. the schema: the page's numbers, titles, summaries, identifiers, error texts, and each
//!    language's prose as plain text;
//! 2. one analyzer for every text field ([`crate::tokenize`]), registered on the index;
//! 3. a single in-RAM segment written once at start-up;
//! 4. queries built by our own code from analyzed user text (never tantivy's query syntax). Numbers
//!    are read in context first: a bare code resolves exactly (`4123` → 4000–4999; `5000` gets an
//!    explanation); an HTTP status (a number under 1000, or any number next to `handshake`,
//!    `response code`, `握手` …) goes to its handshake page; a code inside pasted text is that
//!    code, and with a protocol's name it is that protocol's row; a number is never fuzzed. Then
//!    exact names and pasted error texts; then every query term (and its synonyms from the
//!    vocabulary and the glossary) is looked up in every field with field boosts, with a one-edit
//!    fuzzy variant for words the index does not know;
//! 5. snippets from the prose in the asked language, HTML-escaped, then highlighted with `<mark>`.

use crate::docs::{Doc, DocKind};
use crate::guides::Guide;
use crate::score;
use crate::tokenize;
use aho_corasick::AhoCorasick;
use closecodes::registry::{Key, Lang, MAX_CODE, Registry};
use serde::Serialize;
use std::collections::HashMap;
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexReader, Term, doc};

/// Longest query accepted, in characters; longer input is cut there.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most terms looked up for one query.
const MAX_TERMS: usize = 24;
/// Most results returned.
pub const MAX_LIMIT: usize = 50;
const ANALYZER: &str = "closecodes";
/// Length of a snippet, in characters.
const SNIPPET_CHARS: usize = 180;
/// How far into a page's text a snippet is looked for, in bytes.
const SNIPPET_SCAN_BYTES: usize = 12 * 1024;
const IDENT_ANALYZER: &str = "closecodes-ident";
const PAIR_ANALYZER: &str = "closecodes-pairs";
/// Most synonym terms added to one query (each is one more clause to score).
const MAX_SYNONYMS: usize = 16;
/// Most corrections tried for one mistyped word.
const MAX_CORRECTIONS: usize = 4;
/// An error text at least this long (in characters), found inside a pasted line and belonging to
/// one page only, names that page more surely than a code number in the same line (gorilla's
/// `websocket: close 1002 (protocol error): Invalid UTF-8 in text frame` is filed under 1007).
const SPECIFIC_ERROR_CHARS: usize = 40;
/// How many distinct codes make a question about several codes rather than one.
const SEVERAL_CODES: usize = 3;
/// How much more guides and handshake pages count for a question of six words or more.
const LONG_QUESTION: f32 = 1.35;
/// How much a handshake page of an HTTP status counts when the query states no number.
const STATUS_UNSTATED: f32 = 0.9;
/// Fewest words an error text needs to be recognised loosely inside a pasted line.
const LOOSE_MIN_WORDS: usize = 3;

/// How surely an error text found inside a longer query names its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quoted {
    /// A long text of this page alone: before any number in the query.
    Long,
    /// A shorter text of this page alone: after the query's numbers, before the text ranking.
    Unique,
    /// A text several pages list: their pages rise in the text ranking.
    Shared,
}
/// How much a page gains in the text ranking when one of its error texts (short, or shared with
/// other pages) appears inside the query.
const CONTAINED_ERROR_BOOST: f32 = 1.25;
/// Weight of a weak word of the vocabulary (one about the reader's code, not the failure).
const WEAK_WEIGHT: f32 = 0.25;
/// Weight of a synonym relative to the word the reader typed.
const SYNONYM_WEIGHT: f32 = 0.5;

/// Words that put a number in the context of an HTTP response to the upgrade.
const HTTP_CONTEXT: [&str; 14] = [
    "response code",
    "status code",
    "handshake",
    "unexpected response",
    "server response",
    "http",
    "status line",
    "upgrade",
    "rejected",
    "握手",
    "返回",
    "状态码",
    "响应",
    "错误码",
];

struct Fields {
    /// The document's index in [`SearchIndex::docs`], as a fast field: read when the index is
    /// built, to put its one segment's documents in page order, so that a hit's document id is
    /// its page and searching never opens a column (whose readers are 218 KB of the browser's
    /// module).
    ord: Field,
    numbers: Field,
    title: Field,
    summary: Field,
    names: Field,
    errors: Field,
    body_en: Field,
    body_zh: Field,
    /// Neighbouring English words as one term (`plain_text`), from what a page is about: its
    /// title, its summary and symptoms, the error texts it documents. Not from its whole prose:
    /// those pairs were a quarter of the in-browser index (128 of 508 KB with brotli), and without
    /// them no first result of the 450 suite queries changes (the second or third of 77 does).
    pairs: Field,
}

/// The index and the pages it was built from.
pub struct SearchIndex {
    reg: Registry,
    docs: Vec<Doc>,
    reader: IndexReader,
    fields: Fields,
    /// The term dictionaries, postings and field norms a query reads, opened once.
    readers: score::Readers,
    /// Exact names, constants and error texts.
    names: Names,
    /// Per document, the plain prose in each language, for snippets.
    bodies: Vec<[Body; 2]>,
    /// Synonym groups, each word as its analyzed query terms.
    synonyms: Vec<Vec<Vec<String>>>,
    /// Analyzed weak words of the vocabulary (method, 回调函数): they say little about the failure.
    weak: Vec<String>,
    /// Per protocol, the words of its name that identify it in a query (`discord`, `voice`).
    protocol_words: Vec<(String, Vec<String>)>,
    /// Per implementation spelling, its protocol and its words as a phrase (` laravel echo `).
    implementation_names: Vec<(String, String)>,
    /// The words of the short fields, for one-edit typo correction.
    typos: crate::typos::Typos,
    /// The guides the index was built from (saved with it).
    guides: Vec<Guide>,
    /// The section tables' UI strings the documents were made with (saved with it).
    strings: crate::docs::TableStrings,
    /// Opened from a site's index file without its prose, not attached yet.
    awaiting_prose: bool,
    /// Opened from a site's index file: its [`fingerprint`], which its prose and shards name.
    site_fingerprint: Option<u64>,
}

/// The schema's fields, and the schema itself: the same when an index is built and opened.
fn schema() -> (Schema, Fields) {
    let mut sb = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            // Frequencies only: ranking is BM25 over postings, phrases are indexed as pairs,
            // and positions would be a third of the index the site's readers download.
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let ident = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(IDENT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let pair = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PAIR_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        ord: sb.add_u64_field("ord", FAST),
        numbers: sb.add_text_field("numbers", text.clone()),
        title: sb.add_text_field("title", text.clone()),
        summary: sb.add_text_field("summary", text.clone()),
        names: sb.add_text_field("names", ident),
        errors: sb.add_text_field("errors", text.clone()),
        body_en: sb.add_text_field("body_en", text.clone()),
        body_zh: sb.add_text_field("body_zh", text),
        pairs: sb.add_text_field("pairs", pair),
    };
    (sb.build(), fields)
}

/// Our analyzers, under the names the schema gives them.
fn register_analyzers(index: &Index) {
    index
        .tokenizers()
        .register(ANALYZER, tokenize::analyzer(true));
    index
        .tokenizers()
        .register(IDENT_ANALYZER, tokenize::identifier_analyzer());
    index.tokenizers().register(
        PAIR_ANALYZER,
        tantivy::tokenizer::TextAnalyzer::from(tantivy::tokenizer::WhitespaceTokenizer::default()),
    );
}

/// Changes whenever what [`SearchIndex::to_bytes`] writes changes shape.
const SAVED_FORMAT: u32 = 7;

/// A saved index: what [`SearchIndex::from_bytes`] needs to answer exactly as the index that
/// was saved.
#[derive(Serialize, serde::Deserialize)]
struct Saved {
    format: u32,
    /// The registry's long prose is in a file of its own ([`SearchIndex::to_site_files`]).
    prose_left_out: bool,
    /// Into how many shard files the body fields' words and postings are cut (0: they are here).
    shards: u32,
    registry: Registry,
    guides: Vec<Guide>,
    strings: crate::docs::TableStrings,
    files: Vec<(String, Vec<u8>)>,
}

/// The prose a site's index file leaves out, saved beside it.
#[derive(Serialize, serde::Deserialize)]
struct SavedProse {
    format: u32,
    /// The [`fingerprint`] of the index file it belongs to.
    index: u64,
    prose: Vec<closecodes::registry::Prose>,
    /// The whole guides.
    guides: Vec<Guide>,
}

/// One shard of a site's body fields ([`SearchIndex::to_site_files`]).
#[derive(Serialize, serde::Deserialize)]
struct SavedShard {
    format: u32,
    /// The [`fingerprint`] of the index file it belongs to.
    index: u64,
    /// Which shard.
    shard: u32,
    /// Per term: its body (0 English, 1 Chinese), its text, and the documents that hold it
    /// with how often, each document as its distance from the one before (the first from 0).
    terms: Vec<ShardTerm>,
}

/// A term of a [`SavedShard`].
type ShardTerm = (u8, String, Vec<(u32, u32)>);

/// The bodies' terms of `docs` with their postings, cut into `n` shards by [`score::shard_of`]:
/// what indexing the bodies gives (the analyzer's tokens, counted per document), written the way
/// [`SavedShard::terms`] holds them.
fn body_shards(docs: &[Doc], n: u32) -> Vec<Vec<ShardTerm>> {
    use std::collections::BTreeMap;
    // Per shard: (body, term) → (document, term frequency), in document order.
    type Terms = BTreeMap<(u8, String), Vec<(u32, u32)>>;
    let mut shards: Vec<Terms> = (0..n).map(|_| BTreeMap::new()).collect();
    let mut analyzer = tokenize::analyzer(true);
    for (d, doc) in docs.iter().enumerate() {
        for (body, text) in doc.body.iter().enumerate() {
            let mut counts: BTreeMap<String, u32> = BTreeMap::new();
            let mut stream = analyzer.token_stream(text);
            while let Some(token) = stream.next() {
                *counts.entry(token.text.clone()).or_default() += 1;
            }
            for (term, tf) in counts {
                let k = score::shard_of(term.as_bytes(), n) as usize;
                shards[k]
                    .entry((body as u8, term))
                    .or_default()
                    .push((d as u32, tf));
            }
        }
    }
    shards
        .into_iter()
        .map(|terms| {
            terms
                .into_iter()
                .map(|((body, term), postings)| {
                    let mut last = 0;
                    let gaps = postings
                        .into_iter()
                        .map(|(d, tf)| (d - std::mem::replace(&mut last, d), tf))
                        .collect();
                    (body, term, gaps)
                })
                .collect()
        })
        .collect()
}

/// A site's search files: see [`SearchIndex::to_site_files`].
pub struct SiteFiles {
    /// What every query needs.
    pub index: Vec<u8>,
    /// The pages' long prose, for snippets.
    pub prose: Vec<u8>,
    /// The body fields' words and postings, by shard ([`shard_file`]).
    pub shards: Vec<Vec<u8>>,
}

/// Into how many files a site's body words are cut. A query fetches the files its terms fall
/// in, about one per term whatever the count, so more files make each smaller: with 512 (0.6 KB
/// each with brotli), the browser bench's query fetches 10 files, 7 KB, and half the suites'
/// queries 11 KB or less (`query_loop shards`); with 256, 13 and 20 KB; with 128, 24 and 35 KB;
/// as 32 tantivy indexes, 112 KB for half the queries.
pub const SHARDS: u32 = 512;

/// The shards `query`'s own words fall in when a site's bodies are cut into [`SHARDS`] files,
/// found without an index: a page can fetch them while it opens the index. The search itself
/// may need more (synonyms, word pairs, corrections): [`SearchIndex::missing_shards`] says.
pub fn likely_shards(query: &str) -> Vec<u32> {
    // Read as `search` reads it.
    let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
    let mut out: Vec<u32> = tokenize::query_terms(&query)
        .iter()
        // Numbers are read as numbers, never looked up in the bodies.
        .filter(|t| !t.bytes().all(|b| b.is_ascii_digit()))
        .map(|t| score::shard_of(t.as_bytes(), SHARDS))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The site's file for body shard `k` (`search-body/007.bin`), relative to the site's root.
pub fn shard_file(k: u32) -> String {
    format!("{SHARD_DIR}/{k:03}.bin")
}

/// The site's folder of body shards.
pub const SHARD_DIR: &str = "search-body";

/// Which index file a prose or shard file belongs to.
fn fingerprint(bytes: &[u8]) -> u64 {
    score::fnv1a(bytes)
}

/// Words too common in protocol names to say which protocol a query is about.
const GENERIC_NAME_WORDS: [&str; 19] = [
    // `transport close` is Socket.IO's reason, not GraphQL's `subscriptions-transport-ws`.
    "transport",
    "library",
    "legacy",
    "websocket",
    "websockets",
    "protocol",
    "api",
    "server",
    "client",
    "over",
    "real",
    "time",
    "realtime",
    "streaming",
    "stream",
    "the",
    "sync",
    "gateway",
    "events",
];

/// One result: the same object in `search --json` and `/api/search`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// `code`, `range`, `handshake`, `protocol` or `guide`.
    pub kind: &'static str,
    /// The code, for a code page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// `[lo, hi]`, for a range page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<[u16; 2]>,
    /// The page's path without language prefix and extension (`handshake/403`).
    pub page: String,
    /// Title in the asked language.
    pub title: String,
    /// Site-absolute URL of the page in the asked language (a code inside a range: the range
    /// page, anchored at the code; a protocol's code: the protocol page, anchored at its row).
    pub url: String,
    /// An HTML-escaped excerpt with matches in `<mark>`.
    pub snippet: String,
}

impl Hit {
    /// The code or range key (`1006`, `4000-4999`), for a code or range page; `Code(0)` for
    /// other pages.
    pub fn key(&self) -> Key {
        match (self.code, self.range) {
            (Some(c), _) => Key::Code(c),
            (_, Some([lo, hi])) => Key::Range(lo, hi),
            _ => Key::Code(0),
        }
    }
}

/// What a query gives: results in rank order and, for some inputs, a notice for the reader.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The query as it was searched (trimmed and bounded).
    pub query: String,
    /// Why the results are what they are (a number outside 0–4999, a code inside a range…).
    pub notice: Option<String>,
    /// Results, best first.
    pub results: Vec<Hit>,
}

/// An index could not be built or opened.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed (should not happen with an in-RAM index).
    #[error("building the search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Saved bytes that this version cannot open (another version wrote them, or they are cut).
    #[error(
        "the saved search index was written by another version of closecodes or is damaged; rebuild the site"
    )]
    Saved,
    /// The index is not one segment of documents in page order (a hit's document id must be its
    /// page).
    #[error("the search index is not one segment in page order")]
    Order,
}

/// What the body fields of an index written by [`write_index`] hold.
#[derive(Clone, Copy)]
enum Bodies {
    /// The pages' prose, analyzed.
    Text,
    /// As many tokens as the prose has, all [`LENGTH_ONLY`]: the bodies' lengths, which BM25
    /// reads, without their words (a site's index file; the words are in its shards).
    Lengths,
}

/// The one term of a body field in a site's index file: no query term is ever a control character.
const LENGTH_ONLY: &str = "\u{1}";

impl Bodies {
    /// A body field's value for `text`.
    fn value(self, text: &str) -> tantivy::schema::OwnedValue {
        use tantivy::tokenizer::PreTokenizedString;
        if let Bodies::Text = self {
            return text.to_owned().into();
        }
        let mut tokens = Vec::new();
        let mut analyzer = tokenize::analyzer(true);
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            tokens.push(tantivy::tokenizer::Token {
                text: LENGTH_ONLY.to_owned(),
                ..token.clone()
            });
        }
        PreTokenizedString {
            text: String::new(),
            tokens,
        }
        .into()
    }
}

/// `docs` indexed in one segment, in page order (a hit's document id is its page), with their
/// bodies as `bodies` says.
fn write_index(docs: &[Doc], bodies: Bodies) -> Result<(Index, Fields), IndexError> {
    let (schema, fields) = schema();
    let index = Index::create_in_ram(schema);
    register_analyzers(&index);
    let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
    for (i, d) in docs.iter().enumerate() {
        writer.add_document(doc!(
            fields.ord => i as u64,
            fields.numbers => d.numbers.clone(),
            fields.title => d.title.join("\n"),
            fields.summary => d.summary.join("\n"),
            fields.names => d.names.join("\n"),
            fields.errors => d.errors.join("\n"),
            fields.body_en => bodies.value(&d.body[0]),
            fields.body_zh => bodies.value(&d.body[1]),
            fields.pairs => [&d.title.join("\n"), &d.summary.join("\n"), &d.errors.join("\n")]
                .iter()
                .flat_map(|t| tokenize::pairs(t, |_| false))
                .collect::<Vec<_>>()
                .join(" "),
        ))?;
    }
    writer.commit()?;
    // One segment, its documents in page order: queries visit one segment, ties rank the
    // same in every build, and the saved bytes are the same for the same data.
    let reader = index.reader()?;
    let mut segments: Vec<(u64, tantivy::index::SegmentId)> = reader
        .searcher()
        .segment_readers()
        .iter()
        .map(|r| {
            let first = r.fast_fields().u64("ord").ok().and_then(|c| c.first(0));
            (first.unwrap_or(u64::MAX), r.segment_id())
        })
        .collect();
    segments.sort();
    if segments.len() > 1 {
        let ids: Vec<_> = segments.into_iter().map(|(_, id)| id).collect();
        writer.merge(&ids).wait()?;
    }
    writer.wait_merging_threads()?;
    // A hit's document id is its page: check what the merge did.
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let in_order = match searcher.segment_readers() {
        [] => docs.is_empty(),
        [one] => {
            let ords = one.fast_fields().u64("ord")?;
            (0..one.max_doc()).all(|d| ords.first(d) == Some(u64::from(d)))
        }
        _ => false,
    };
    if !in_order {
        return Err(IndexError::Order);
    }
    Ok((index, fields))
}

/// tantivy's files of `index`'s searchable segment, then `meta.json`, as [`open_files`] reads them.
fn index_files(index: &Index) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    // The files of the searchable segments (not of segments merged away), then meta.json.
    let live: Vec<String> = index
        .searchable_segment_metas()?
        .iter()
        .map(|m| m.id().uuid_string())
        .collect();
    let mut paths: Vec<std::path::PathBuf> = index
        .directory()
        .list_managed_files()
        .into_iter()
        .filter(|p| {
            live.iter()
                .any(|id| p.to_string_lossy().starts_with(id.as_str()))
        })
        .collect();
    paths.sort();
    paths.push("meta.json".into());
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        // Whole files as written, footers included (`open_read` would strip them).
        let bytes = tantivy::Directory::atomic_read(index.directory(), &path)
            .map_err(|e| IndexError::Tantivy(e.into()))?;
        files.push((path.to_string_lossy().into_owned(), bytes));
    }
    // Segment ids are random; numbered instead, the same data saves to the same bytes.
    for (n, id) in live.iter().enumerate() {
        let fixed = format!("{:08x}000040008000{:012x}", 0, n);
        let dashed = |u: &str| {
            format!(
                "{}-{}-{}-{}-{}",
                &u[..8],
                &u[8..12],
                &u[12..16],
                &u[16..20],
                &u[20..]
            )
        };
        for (path, bytes) in &mut files {
            if let Some(rest) = path.strip_prefix(id.as_str()) {
                *path = format!("{fixed}{rest}");
            } else if path == "meta.json" {
                let text = String::from_utf8_lossy(bytes).replace(&dashed(id), &dashed(&fixed));
                *bytes = text.into_bytes();
            }
        }
    }
    Ok(files)
}

/// An index of our schema from the files [`index_files`] gave, in memory, with our analyzers.
fn open_files(files: &[(String, Vec<u8>)]) -> Result<Index, IndexError> {
    let dir = tantivy::directory::RamDirectory::create();
    for (path, bytes) in files {
        tantivy::Directory::atomic_write(&dir, std::path::Path::new(path), bytes)
            .map_err(|e| IndexError::Tantivy(tantivy::TantivyError::from(e)))?;
    }
    let index = Index::open(dir)?;
    if index.schema() != schema().0 {
        return Err(IndexError::Saved);
    }
    register_analyzers(&index);
    Ok(index)
}

impl SearchIndex {
    /// Index every page of `reg` and the shipped guides.
    pub fn build(reg: Registry) -> Result<SearchIndex, IndexError> {
        Self::build_with(reg, &crate::guides::embedded())
    }

    /// Index every page of `reg` and `guides`.
    pub fn build_with(reg: Registry, guides: &[Guide]) -> Result<SearchIndex, IndexError> {
        let strings = crate::docs::table_strings();
        let docs = crate::docs::documents_with(&reg, guides, &strings);
        let (index, fields) = write_index(&docs, Bodies::Text)?;
        Self::assemble(reg, guides.to_vec(), strings, docs, &index, fields)
    }

    /// The index as bytes (the registry, the guides and tantivy's files), for [`Self::from_bytes`]:
    /// the command compiles them in.
    pub fn to_bytes(&self) -> Result<Vec<u8>, IndexError> {
        let index = self.reader.searcher().index().clone();
        self.save(&index, self.reg.clone(), self.guides.clone(), false, 0)
    }

    /// The index as the site's files. The first is the index without the pages' long prose
    /// ([`Registry::take_prose`], and of the guides all but what their summaries are made of),
    /// and without the words of the pages' bodies, of which it keeps the lengths: with the shards
    /// a query's body words fall in ([`Self::missing_shards`]), it ranks every query's pages exactly
    /// as the whole index does. The second is that prose, which [`Self::attach_prose`] adds for
    /// snippets drawn from whole pages. Then the [`SHARDS`] shards ([`Self::attach_shard`]). A
    /// reader's browser fetches the first and the shards a query needs before its first result,
    /// and the prose after it.
    pub fn to_site_files(&self) -> Result<SiteFiles, IndexError> {
        let mut reg = self.reg.clone();
        let prose = reg.take_prose();
        let cut = self
            .guides
            .iter()
            .map(crate::docs::guide_without_prose)
            .collect();
        let (lengths, _) = write_index(&self.docs, Bodies::Lengths)?;
        let index = self.save(&lengths, reg, cut, true, SHARDS)?;
        let of = fingerprint(&index);
        let shards = body_shards(&self.docs, SHARDS)
            .into_iter()
            .zip(0..)
            .map(|(terms, shard)| {
                let saved = SavedShard {
                    format: SAVED_FORMAT,
                    index: of,
                    shard,
                    terms,
                };
                postcard::to_stdvec(&saved).expect("terms serialize")
            })
            .collect();
        let prose = SavedProse {
            format: SAVED_FORMAT,
            index: of,
            prose,
            guides: self.guides.clone(),
        };
        let prose = postcard::to_stdvec(&prose).expect("strings serialize");
        Ok(SiteFiles {
            index,
            prose,
            shards,
        })
    }

    /// The shards of a site's index file that the queries asked since the last call needed and
    /// did not have: fetch them, [`Self::attach_shard`] them and ask again. Empty for an index
    /// with its bodies' words.
    pub fn missing_shards(&self) -> Vec<u32> {
        self.readers.take_missing()
    }

    /// The shards of a site's index file not attached yet (all of them to answer any query).
    pub fn unattached_shards(&self) -> Vec<u32> {
        self.readers.unattached()
    }

    /// Add a shard file [`Self::to_site_files`] wrote beside the index file this index was
    /// opened from; returns its number. Refused, with the index unchanged, for any other bytes.
    pub fn attach_shard(&mut self, bytes: &[u8]) -> Result<u32, IndexError> {
        let saved: SavedShard = postcard::from_bytes(bytes)
            .ok()
            .filter(|s: &SavedShard| {
                s.format == SAVED_FORMAT && Some(s.index) == self.site_fingerprint
            })
            .ok_or(IndexError::Saved)?;
        let bodies = [self.fields.body_en, self.fields.body_zh].map(|f| f.field_id());
        let mut shard = score::Shard::with_capacity(saved.terms.len());
        for (body, term, gaps) in saved.terms {
            let mut doc = 0u32;
            let mut postings = Vec::with_capacity(gaps.len());
            for (gap, tf) in gaps {
                doc = doc.checked_add(gap).ok_or(IndexError::Saved)?;
                if doc as usize >= self.docs.len() {
                    return Err(IndexError::Saved);
                }
                postings.push((doc, tf));
            }
            let field = *bodies.get(usize::from(body)).ok_or(IndexError::Saved)?;
            shard.insert((field, term.into_bytes().into()), postings.into());
        }
        if !self.readers.attach_shard(saved.shard, shard) {
            return Err(IndexError::Saved);
        }
        Ok(saved.shard)
    }

    /// Whether the index was opened from a site's index file without its prose (see
    /// [`Self::to_site_files`]): snippets come from titles and summaries until
    /// [`Self::attach_prose`].
    pub fn awaiting_prose(&self) -> bool {
        self.awaiting_prose
    }

    /// Add the prose file [`Self::to_site_files`] wrote beside the index file this index was
    /// opened from. Refused, with the index unchanged, for any other bytes.
    pub fn attach_prose(&mut self, bytes: &[u8]) -> Result<(), IndexError> {
        let saved: SavedProse = postcard::from_bytes(bytes)
            .ok()
            .filter(|s: &SavedProse| {
                s.format == SAVED_FORMAT
                    && self.awaiting_prose
                    && Some(s.index) == self.site_fingerprint
            })
            .ok_or(IndexError::Saved)?;
        let same_guides = saved.guides.len() == self.guides.len()
            && saved
                .guides
                .iter()
                .zip(&self.guides)
                .all(|(a, b)| a.slug == b.slug);
        if !same_guides || !self.reg.restore_prose(saved.prose) {
            return Err(IndexError::Saved);
        }
        self.guides = saved.guides;
        let docs = crate::docs::documents_with(&self.reg, &self.guides, &self.strings);
        // Only the bodies change: names and error texts were never taken out, so `names` stands.
        self.bodies = docs.iter().map(|d| d.body.clone().map(Body::new)).collect();
        self.docs = docs;
        self.awaiting_prose = false;
        Ok(())
    }

    /// [`Self::to_bytes`] with `index`, `registry` and `guides` in place of the index's own.
    fn save(
        &self,
        index: &Index,
        registry: Registry,
        guides: Vec<Guide>,
        prose_left_out: bool,
        shards: u32,
    ) -> Result<Vec<u8>, IndexError> {
        let files = index_files(index)?;
        let saved = Saved {
            format: SAVED_FORMAT,
            prose_left_out,
            shards,
            registry,
            guides,
            strings: self.strings.clone(),
            files,
        };
        Ok(postcard::to_stdvec(&saved).expect("every part of a saved index serializes"))
    }

    /// Open an index saved by [`Self::to_bytes`] (of this version of closecodes) without
    /// indexing anything: tantivy's files are placed in memory as they were written.
    pub fn from_bytes(bytes: &[u8]) -> Result<SearchIndex, IndexError> {
        let saved: Saved = postcard::from_bytes(bytes)
            .ok()
            .filter(|s: &Saved| s.format == SAVED_FORMAT)
            .ok_or(IndexError::Saved)?;
        let index = open_files(&saved.files)?;
        let (_, fields) = schema();
        let docs = crate::docs::documents_with(&saved.registry, &saved.guides, &saved.strings);
        let mut opened = Self::assemble(
            saved.registry,
            saved.guides,
            saved.strings,
            docs,
            &index,
            fields,
        )?;
        opened.awaiting_prose = saved.prose_left_out;
        if saved.prose_left_out || saved.shards > 0 {
            opened.site_fingerprint = Some(fingerprint(bytes));
        }
        if saved.shards > 0 {
            opened.readers.cut(
                &[opened.fields.body_en, opened.fields.body_zh],
                saved.shards,
            );
        }
        Ok(opened)
    }

    /// The parts that come from the documents and the index's words, after indexing or opening.
    fn assemble(
        reg: Registry,
        guides: Vec<Guide>,
        strings: crate::docs::TableStrings,
        docs: Vec<Doc>,
        index: &Index,
        fields: Fields,
    ) -> Result<SearchIndex, IndexError> {
        let reader = index.reader()?;
        // The words of the short fields (titles, summaries, names), for typo correction.
        let mut vocabulary: Vec<String> = Vec::new();
        let searcher = reader.searcher();
        for seg in searcher.segment_readers() {
            for field in [fields.title, fields.summary, fields.names] {
                let Ok(inv) = seg.inverted_index(field) else {
                    continue;
                };
                let Ok(mut stream) = inv.terms().stream() else {
                    continue;
                };
                while stream.advance() {
                    if let Ok(w) = std::str::from_utf8(stream.key()) {
                        vocabulary.push(w.to_owned());
                    }
                }
            }
        }
        let typos = crate::typos::Typos::new(vocabulary);
        let readers = score::Readers::new(
            &searcher,
            &[
                fields.numbers,
                fields.title,
                fields.summary,
                fields.names,
                fields.errors,
                fields.body_en,
                fields.body_zh,
                fields.pairs,
            ],
        );
        if searcher.segment_readers().len() > 1 {
            return Err(IndexError::Order);
        }
        let bodies = docs.iter().map(|d| d.body.clone().map(Body::new)).collect();
        let mut groups: Vec<Vec<String>> = reg
            .vocabulary()
            .iter()
            .filter(|g| !g.weak)
            .map(|g| g.words.clone())
            .collect();
        let weak: Vec<String> = reg
            .vocabulary()
            .iter()
            .filter(|g| g.weak)
            .flat_map(|g| g.words.iter().flat_map(|w| tokenize::query_terms(w)))
            .collect();
        groups.extend(
            reg.glossary()
                .iter()
                .filter(|t| !t.banned.is_empty())
                .map(|t| {
                    let mut g = vec![t.zh.clone()];
                    g.extend(t.banned.iter().map(|b| b.term.clone()));
                    g
                }),
        );
        let synonyms = groups
            .into_iter()
            .map(|g| {
                g.iter()
                    .map(|w| tokenize::query_terms(w))
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .collect();
        let protocol_words = reg
            .protocols()
            .iter()
            .map(|p| {
                let mut ws: Vec<String> = [p.name.as_str(), p.slug.as_str()]
                    .iter()
                    .flat_map(|n| {
                        n.to_lowercase()
                            .split(|c: char| !c.is_alphanumeric())
                            .map(str::to_owned)
                            .collect::<Vec<_>>()
                    })
                    .filter(|w| w.len() >= 3 && !GENERIC_NAME_WORDS.contains(&w.as_str()))
                    .collect();
                ws.sort();
                ws.dedup();
                (p.slug.clone(), ws)
            })
            .collect();
        let implementation_names = reg
            .protocols()
            .iter()
            .flat_map(|p| {
                p.implementations
                    .iter()
                    .flat_map(|m| m.spellings())
                    .map(|n| (p.slug.clone(), phrase(n)))
                    .filter(|(_, n)| n.trim().len() >= 3)
                    .collect::<Vec<_>>()
            })
            .collect();
        Ok(SearchIndex {
            typos,
            guides,
            strings,
            protocol_words,
            implementation_names,
            names: Names::new(&docs),
            reg,
            docs,
            reader,
            fields,
            readers,
            bodies,
            synonyms,
            weak,
            awaiting_prose: false,
            site_fingerprint: None,
        })
    }

    /// The registry the index was built from (without its long prose while
    /// [`Self::awaiting_prose`]).
    pub fn registry(&self) -> &Registry {
        &self.reg
    }

    /// The document of a page, by its kind.
    fn doc_of(&self, kind: &DocKind) -> Option<usize> {
        self.docs.iter().position(|d| &d.kind == kind)
    }

    /// The page that answers for a code: its own article, its "in the wild" page, or its range.
    fn code_page(&self, code: u16) -> Option<usize> {
        if let Some(e) = self.reg.resolve(code)
            && e.key == Key::Code(code)
        {
            return self.doc_of(&DocKind::Code(e.key));
        }
        self.doc_of(&DocKind::Wild(code)).or_else(|| {
            self.reg
                .resolve(code)
                .and_then(|e| self.doc_of(&DocKind::Code(e.key)))
        })
    }

    /// Search for `query` in `lang`, at most `limit` results (1–50). Never fails: any input is
    /// accepted, and text that finds nothing gives an empty list.
    pub fn search(&self, query: &str, lang: Lang, limit: usize) -> Answer {
        let limit = limit.clamp(1, MAX_LIMIT);
        // Numbers, names and error texts are placed before the text search and can outnumber
        // the limit on their own.
        let mut answer = self.ranked(query, lang, limit);
        answer.results.truncate(limit);
        answer
    }

    /// [`Self::search`] before the results are cut to `limit`.
    fn ranked(&self, query: &str, lang: Lang, limit: usize) -> Answer {
        let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        let mut answer = Answer {
            query: query.clone(),
            notice: None,
            results: Vec::new(),
        };
        if query.is_empty() {
            return answer;
        }
        let push = |answer: &mut Answer, this: &Self, i: usize, anchor: Option<u16>| {
            let page = this.docs[i].kind.path();
            if !answer.results.iter().any(|h| h.page == page) {
                answer.results.push(this.hit(i, lang, anchor, None));
            }
        };
        // 1. A bare number resolves before anything else.
        if let Some(n) = as_number(&query) {
            match u16::try_from(n).ok().filter(|c| *c <= MAX_CODE) {
                Some(code) => {
                    if code < 1000
                        && let Some(i) = self
                            .reg
                            .handshake_for_status(code)
                            .and_then(|h| self.doc_of(&DocKind::Handshake(h.key.slug())))
                    {
                        answer.notice = Some(http_status(code, lang));
                        push(&mut answer, self, i, None);
                    }
                    if let Some(i) = self.code_page(code) {
                        if let DocKind::Code(k @ Key::Range(..)) = &self.docs[i].kind
                            && answer.notice.is_none()
                        {
                            let e = self.reg.get(*k).map(|e| e.text(lang).title.clone());
                            answer.notice =
                                Some(inside_range(code, *k, e.as_deref().unwrap_or(""), lang));
                        }
                        push(&mut answer, self, i, Some(code));
                    }
                }
                None => {
                    answer.notice = Some(out_of_range(&query, lang));
                    return answer;
                }
            }
        } else if let Some(k) = Key::parse(&query)
            && let Some(i) = self.doc_of(&DocKind::Code(k))
        {
            push(&mut answer, self, i, None);
        }
        // 2. Numbers in context: an HTTP status goes to its handshake page.
        let lower = query.to_lowercase();
        // The query's words as phrases compare, for its loose reading and its pairs.
        let phrases = tokenize::phrase_lines(&query);
        let named = self.named_protocols(&lower);
        let numbers_found = numbers_in(&query, &lower);
        let http = HTTP_CONTEXT.iter().any(|w| lower.contains(w));
        // A status without any page that answers it is answered by the table of handshake
        // failures, but only after what the pasted text itself names.
        let mut unanswered_status = false;
        for &n in numbers_found.iter().filter(|n| **n < 1000) {
            match self
                .reg
                .handshake_for_status(n)
                .and_then(|h| self.doc_of(&DocKind::Handshake(h.key.slug())))
            {
                Some(i) => push(&mut answer, self, i, None),
                None => unanswered_status |= http,
            }
        }
        // 3. Exact identifiers, names and quoted error texts.
        let (exact, mut contained) = self
            .names
            .find_tiered_loose(&query, &self.corrected_loose(&phrases));
        for i in exact {
            push(&mut answer, self, i, None);
        }
        // An error text of a code's page that contains the page's own code (`… 1001 is
        // neither.`) says which of the query's numbers is the subject.
        let names_its_code = |i: usize| match self.docs[i].kind {
            DocKind::Code(Key::Code(c)) | DocKind::Wild(c) => numbers_found.contains(&c),
            _ => false,
        };
        for &(i, _) in contained.iter().filter(|(i, _)| names_its_code(*i)) {
            push(&mut answer, self, i, None);
        }
        contained.retain(|(i, _)| !names_its_code(*i));
        // A long message that belongs to one page names it, whatever number is inside it.
        let of = |how: Quoted| -> Vec<usize> {
            contained
                .iter()
                .filter(|(_, h)| *h == how)
                .map(|(i, _)| *i)
                .collect()
        };
        for i in of(Quoted::Long) {
            push(&mut answer, self, i, None);
        }
        // A close after a stated time ("after 60 seconds", "每隔 5 分钟") is the symptom of a
        // timer on the path, whatever code came with it: the guide to timers comes before the
        // code's page (unless a protocol is named: its own timers are in its table).
        if named.is_empty()
            && states_duration(&lower)
            && let Some(i) = self.doc_of(&DocKind::Guide(DURATION_GUIDE.to_owned()))
        {
            push(&mut answer, self, i, None);
        }
        // 4. A code in pasted text is that code; with a protocol's name, that protocol's row.
        // A question naming three codes or more asks about a policy across codes (which ones to
        // retry): a guide the text ranks first comes before their pages.
        let codes: Vec<u16> = numbers_found
            .iter()
            .copied()
            .filter(|n| *n >= 1000)
            .collect();
        let mut several: Vec<(usize, u16)> = Vec::new();
        for &n in &codes {
            if let Some((slug, code)) = self.protocol_row(&named, n)
                && let Some(i) = self.doc_of(&DocKind::Protocol(slug))
            {
                push(&mut answer, self, i, Some(code));
            }
            if let Some(i) = self.code_page(n) {
                if codes.len() >= SEVERAL_CODES {
                    several.push((i, n));
                } else {
                    push(&mut answer, self, i, Some(n));
                }
            }
        }
        // 5. Pages whose own error text appears inside a longer pasted line.
        for i in of(Quoted::Unique) {
            push(&mut answer, self, i, None);
        }
        if unanswered_status && let Some(i) = self.doc_of(&DocKind::Index("handshake")) {
            push(&mut answer, self, i, None);
        }
        // 6. Text; a message several pages list raises each of them.
        let contained = of(Quoted::Shared);
        let sequence = tokenize::query_sequence(&query);
        let is_number = |t: &String| t.len() >= 3 && t.bytes().all(|b| b.is_ascii_digit());
        let mut terms: Vec<String> = Vec::new();
        let mut numbers: Vec<String> = Vec::new();
        for t in &sequence {
            let list = if is_number(t) {
                &mut numbers
            } else {
                &mut terms
            };
            if !list.contains(t) {
                list.push(t.clone());
            }
        }
        if terms.len() > MAX_TERMS {
            // A long question (most often Chinese, whose every pair of characters is a term)
            // keeps the terms the index knows: a pair across two words (`器客` of `浏览器客户端`)
            // must not push out a real word further on (`证书`).
            let (mut kept, unknown): (Vec<String>, Vec<String>) =
                terms.into_iter().partition(|t| self.knows(t));
            kept.extend(unknown);
            terms = kept;
        }
        terms.truncate(MAX_TERMS);
        let top = if terms.is_empty() {
            Vec::new()
        } else {
            // Words of a pasted URL's host, path or query count as little as filler words, and
            // bring no synonyms.
            let in_url = tokenize::url_terms(&query);
            let spoken: Vec<String> = terms
                .iter()
                .filter(|t| !in_url.contains(t))
                .cloned()
                .collect();
            let (expanded, expanded_pairs) = self.expand(&spoken);
            let own = tokenize::pairs_of(&phrases, |t| {
                self.weak.iter().any(|w| w == t) || in_url.iter().any(|w| w == t)
            });
            let synonym_pairs: Vec<String> = expanded_pairs
                .into_iter()
                .filter(|p| !own.contains(p))
                .collect();
            let groups = self.text_query(
                &terms,
                &expanded,
                &in_url,
                [&own, &synonym_pairs],
                &numbers,
                lang,
            );
            score::top(&self.readers, &groups, limit + 24)
        };
        let patterns: Vec<&str> = terms
            .iter()
            .map(String::as_str)
            .filter(|t| t.len() >= 2)
            .collect();
        let matcher = Terms::new(&patterns);
        let mut scored: Vec<(f32, usize)> = Vec::new();
        for (score, (segment, doc)) in top {
            // One segment, in page order (checked when built and opened).
            let i = doc as usize;
            if segment != 0 || i >= self.docs.len() {
                continue;
            }
            let quoted = if contained.contains(&i) {
                CONTAINED_ERROR_BOOST
            } else {
                1.0
            };
            let prior = self.prior(i, &named, terms.len(), !numbers_found.is_empty());
            scored.push((score * quoted * prior, i));
        }
        // Pages of one protocol's code are narrow answers: they lead only when the query names
        // the protocol.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        if !several.is_empty() {
            if let Some(&(_, i)) = scored.first()
                && matches!(self.docs[i].kind, DocKind::Guide(_))
            {
                push(&mut answer, self, i, None);
            }
            for &(i, n) in &several {
                push(&mut answer, self, i, Some(n));
            }
        }
        for (_, i) in scored {
            if answer.results.len() >= limit {
                break;
            }
            let page = self.docs[i].kind.path();
            if answer.results.iter().any(|h| h.page == page) {
                continue;
            }
            let body = &self.bodies[i][Doc::slot(lang)];
            let snippet = matcher
                .as_ref()
                .and_then(|m| snippet(body, m, SNIPPET_CHARS));
            answer.results.push(self.hit(i, lang, None, snippet));
        }
        // A quoted message's page that shares no word the index ranks still comes, last.
        for i in contained {
            if answer.results.len() < limit {
                push(&mut answer, self, i, None);
            }
        }
        answer
    }

    /// How much a page of this kind is worth for a text query: a protocol's page or one of its
    /// codes' pages counts fully only when the query names the protocol.
    ///
    /// A long question (many words) is a symptom described in prose, which the pages written
    /// from symptoms answer best (guides, and handshake failures with their lists of symptoms);
    /// a short query names a code, a status or a message. A page of an HTTP status counts a
    /// little less when the query has no number: most of its symptoms start from the status.
    fn prior(&self, i: usize, named: &[(String, usize)], words: usize, numbers: bool) -> f32 {
        let is_named = |slug: &str| named.iter().any(|(s, _)| s == slug);
        let long = if words >= 6 { LONG_QUESTION } else { 1.0 };
        match &self.docs[i].kind {
            // The page of an HTTP status, for a question that states no number at all.
            DocKind::Handshake(slug) if !numbers && slug.bytes().all(|b| b.is_ascii_digit()) => {
                long * STATUS_UNSTATED
            }
            DocKind::Protocol(slug) if is_named(slug) => 1.5,
            DocKind::Protocol(_) => 0.6,
            DocKind::Wild(c) => {
                if self.reg.wild(*c).iter().any(|(p, _)| is_named(&p.slug)) {
                    1.2
                } else {
                    0.45
                }
            }
            DocKind::Guide(_) | DocKind::Handshake(_) => long,
            // A section's table answers only what no single page does.
            DocKind::Index(_) => 0.7,
            _ => 1.0,
        }
    }

    /// The protocols the query names, each with a score: how many of their distinctive words it
    /// has, ties going to the shorter name. Naming a library or server that speaks a protocol
    /// (`laravel echo`, `discord.js`) names the protocol, as strongly as its own name's words.
    fn named_protocols(&self, lower: &str) -> Vec<(String, usize)> {
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
        let query = phrase(lower);
        let mut by_implementation: HashMap<&str, usize> = HashMap::new();
        for (slug, name) in &self.implementation_names {
            if query.contains(name.as_str()) {
                let n = name.split_whitespace().count() * 64 + 63;
                let e = by_implementation.entry(slug).or_default();
                *e = (*e).max(n);
            }
        }
        self.protocol_words
            .iter()
            .map(|(slug, ws)| {
                // A long name also counts as the start of an identifier (`PusherError`).
                let n = ws
                    .iter()
                    .filter(|w| {
                        words.iter().any(|q| {
                            *q == w.as_str() || (w.len() >= 5 && q.starts_with(w.as_str()))
                        })
                    })
                    .count();
                // More matched words first; on a tie, the name with fewer words (the general
                // protocol, not a specialised one) wins.
                let score = if n == 0 {
                    0
                } else {
                    n * 64 + 63 - ws.len().min(63)
                };
                let spoken = by_implementation.get(slug.as_str()).copied().unwrap_or(0);
                (slug.clone(), score.max(spoken))
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// A protocol named in the query that defines `code`: (slug, code). The protocol whose name
    /// shares the most distinctive words with the query wins.
    fn protocol_row(&self, named: &[(String, usize)], code: u16) -> Option<(String, u16)> {
        named
            .iter()
            .filter(|(slug, _)| {
                self.reg
                    .protocol(slug)
                    .is_some_and(|p| p.codes.iter().any(|c| c.code == code))
            })
            .max_by_key(|(_, n)| *n)
            .map(|(slug, _)| (slug.clone(), code))
    }

    /// Whether any text field of any page holds the analyzed term `t`.
    fn knows(&self, t: &str) -> bool {
        let f = &self.fields;
        [f.title, f.summary, f.names, f.errors, f.body_en, f.body_zh]
            .iter()
            .any(|&field| self.readers.doc_freq(&Term::from_field_text(field, t)) > 0)
    }

    /// The query read loosely ([`tokenize::loose_of`] its phrase lines), each word the index
    /// does not know that is one edit from exactly one word it does replaced by that word: a
    /// message retyped with a typo (`Pong reply not recieved`) is still that message.
    fn corrected_loose(&self, phrases: &[Vec<String>]) -> String {
        let loose = tokenize::loose_of(phrases);
        let mut out = String::from(" ");
        for w in loose.split_whitespace() {
            let fix = if w.len() >= 4 && w.bytes().all(|b| b.is_ascii_lowercase()) {
                match self.typos.corrections(w, 2)[..] {
                    [c] if !self.knows(w) => Some(c),
                    _ => None,
                }
            } else {
                None
            };
            out.push_str(fix.unwrap_or(w));
            out.push(' ');
        }
        out
    }

    /// Synonyms of the query: the other words of every group one of whose words the query has.
    /// A synonym of several English words comes as its pairs (`unabl_connect`), not as loose
    /// words that would each count on their own.
    fn expand(&self, terms: &[String]) -> (Vec<String>, Vec<String>) {
        let mut words: Vec<String> = Vec::new();
        let mut pairs: Vec<String> = Vec::new();
        for group in &self.synonyms {
            let hit = group.iter().any(|w| w.iter().all(|t| terms.contains(t)));
            if !hit {
                continue;
            }
            for w in group {
                let w: Vec<&String> = w.iter().filter(|t| t.len() > 1).collect();
                if w.len() > 1 && w.iter().all(|t| tokenize::is_english_word(t)) {
                    for p in w.windows(2).map(|p| format!("{}_{}", p[0], p[1])) {
                        if !pairs.contains(&p) {
                            pairs.push(p);
                        }
                    }
                    continue;
                }
                for t in w {
                    if !terms.contains(t) && !words.contains(t) {
                        words.push(t.clone());
                    }
                }
            }
        }
        words.truncate(MAX_SYNONYMS);
        pairs.truncate(MAX_SYNONYMS);
        (words, pairs)
    }

    /// Every term in every field, boosted by field; synonyms at a lower weight; numbers only in
    /// the numbers field (never fuzzed); one-edit fuzzy matches for unknown words. Per term, one
    /// [`score::Group`]: its best field counts, plus a little of the others. Phrase pairs last,
    /// one group each.
    fn text_query(
        &self,
        terms: &[String],
        synonyms: &[String],
        also_weak: &[String],
        [pairs, synonym_pairs]: [&[String]; 2],
        numbers: &[String],
        lang: Lang,
    ) -> Vec<score::Group> {
        let f = &self.fields;
        let (own, other) = match lang {
            Lang::En => (f.body_en, f.body_zh),
            Lang::Zh => (f.body_zh, f.body_en),
        };
        let weighted = [
            (f.numbers, 6.0),
            (f.names, 3.0),
            (f.title, 3.0),
            (f.summary, 3.0),
            (f.errors, 2.5),
            (own, 1.0),
            (other, 0.6),
        ];
        let mut groups: Vec<score::Group> = Vec::new();
        // A term a field does not hold scores nothing: it gets no clause, which leaves every
        // score as it was.
        let clause = |field: Field, t: &str, boost: f32| {
            score::Clause::new(&self.readers, Term::from_field_text(field, t), boost)
        };
        // Single Han characters of the query, weakly: `断网` still finds `网络中断`.
        let unigrams: Vec<String> = terms
            .iter()
            .filter(|t| t.chars().count() == 2 && t.chars().all(tokenize::is_han))
            .flat_map(|t| t.chars().map(String::from).collect::<Vec<_>>())
            .filter(|u| !terms.contains(u))
            .collect();
        for u in &unigrams {
            for field in [f.summary, own] {
                groups.extend(clause(field, u, 0.3).map(|c| vec![c]));
            }
        }
        for n in numbers {
            groups.extend(clause(f.numbers, n, 4.0).map(|c| vec![c]));
            groups.extend(clause(f.errors, n, 1.0).map(|c| vec![c]));
        }
        let all = terms
            .iter()
            .map(|t| {
                (
                    t,
                    if self.weak.contains(t) || also_weak.contains(t) {
                        WEAK_WEIGHT
                    } else {
                        1.0f32
                    },
                )
            })
            .chain(synonyms.iter().map(|t| (t, SYNONYM_WEIGHT)));
        // Synonyms are words: they are not looked up among the numbers.
        let synonym_fields = [f.title, f.summary, own, other, f.errors, f.names];
        for (t, weight) in all {
            // Per term, the best field counts (plus a little of the others): a common word
            // that appears in every field of a long page must not outweigh a rare one.
            let mut per_field: score::Group = weighted
                .iter()
                .filter(|(field, _)| weight == 1.0 || synonym_fields.contains(field))
                .filter_map(|&(field, boost)| clause(field, t, boost * weight))
                .collect();
            // A one-edit variant only for a word the index does not know (a likely typo),
            // corrected against the short fields' words only.
            let fuzzy = per_field.is_empty()
                && weight == 1.0
                && t.chars().count() >= 4
                && t.chars().all(|c| c.is_ascii_alphabetic());
            if fuzzy {
                for c in self.typos.corrections(t, MAX_CORRECTIONS) {
                    for (field, boost) in weighted {
                        if [f.title, f.summary, f.names].contains(&field) {
                            per_field.extend(clause(field, c, boost * 0.4));
                        }
                    }
                }
            }
            if !per_field.is_empty() {
                groups.push(per_field);
            }
        }
        // Neighbouring words as one term: the query's own, then its synonyms' at their weight.
        for p in pairs {
            groups.extend(clause(f.pairs, p, 1.0).map(|c| vec![c]));
        }
        for p in synonym_pairs {
            groups.extend(clause(f.pairs, p, SYNONYM_WEIGHT).map(|c| vec![c]));
        }
        groups
    }

    fn hit(&self, i: usize, lang: Lang, anchor: Option<u16>, snippet: Option<String>) -> Hit {
        let d = &self.docs[i];
        let prefix = if lang == Lang::Zh { "/zh/" } else { "/" };
        let page = d.kind.path();
        let mut url = format!("{prefix}{page}.html");
        let (code, range) = match &d.kind {
            DocKind::Code(k) => (k.code(), k.range()),
            DocKind::Wild(c) => (Some(*c), None),
            _ => (None, None),
        };
        if let Some(a) = anchor.filter(|a| code != Some(*a)) {
            url.push_str(&format!("#{a}"));
        }
        Hit {
            kind: d.kind.name(),
            code,
            range,
            page,
            title: d.heading[Doc::slot(lang)].clone(),
            url,
            snippet: snippet
                .filter(|s| !s.is_empty())
                // The summary's first line: the symptoms that follow it are for matching.
                .unwrap_or_else(|| escape(d.summary[Doc::slot(lang)].lines().next().unwrap_or(""))),
        }
    }
}

/// Words before a number that make it a bound (`codes below 1000`).
const BOUND_BEFORE: [&str; 12] = [
    "below",
    "under",
    "less than",
    "lower than",
    "above",
    "greater than",
    "higher than",
    "小于",
    "大于",
    "低于",
    "高于",
    "超过",
];
/// Words after a number that make it a bound (`1000 以下`).
const BOUND_AFTER: [&str; 3] = ["以下", "以上", "以内"];

/// The guide for connections cut after a fixed time.
const DURATION_GUIDE: &str = "timeouts";

/// Units that make a number a duration: seconds, minutes, hours (not milliseconds: those are
/// a client's own timeouts).
const DURATION_UNITS: [&str; 14] = [
    "seconds", "second", "secs", "sec", "s", "minutes", "minute", "mins", "min", "hours", "hour",
    "秒", "分钟", "小时",
];

/// Whether the (lower-cased) query states a duration: a number directly followed by a unit of
/// time (`60s`, `2 minutes`, `6 to 9 minutes`, `40秒`, `5~20分钟`).
fn states_duration(lower: &str) -> bool {
    let b = lower.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - start > 5 {
            continue;
        }
        let rest = lower[i..].trim_start_matches(' ');
        let unit = DURATION_UNITS.iter().find(|u| rest.starts_with(*u));
        if let Some(u) = unit {
            let after = rest[u.len()..].chars().next();
            // `60s` but not `60sec…`-words or `5ms`; Han units stand alone.
            if u.is_ascii() && after.is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            // `1006s` is a plural of a code, not 1006 seconds.
            if *u == "s" && i - start >= 4 {
                continue;
            }
            return true;
        }
    }
    false
}

/// `1006`, `#1006`, `code 1006`, `关闭码 1006` are numbers; anything else is not.
fn as_number(q: &str) -> Option<u64> {
    let q = q.trim();
    let q = q
        .strip_prefix('#')
        .or_else(|| q.strip_prefix("code "))
        .or_else(|| q.strip_prefix("关闭码"))
        .unwrap_or(q)
        .trim();
    if q.is_empty() || q.len() > 12 || !q.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    q.parse().ok()
}

/// Three- and four-digit numbers standing alone in a query, in order: not part of a longer
/// number, a version (`1.1`), an address (`192.168.1.100`), a port (`host:3000`) or a path
/// (`/v1/3000`). When the query talks about an HTTP response, statuses come first.
fn numbers_in(q: &str, lower: &str) -> Vec<u16> {
    let http = HTTP_CONTEXT.iter().any(|w| lower.contains(w));
    let b = q.as_bytes();
    let mut out: Vec<u16> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let len = i - start;
        let before = start.checked_sub(1).map(|j| b[j]);
        let glued =
            |c: Option<u8>| c.is_some_and(|c| c == b'.' || c == b'/' || c.is_ascii_alphabetic());
        // A full stop or slash after the number glues only when more of a version or path
        // follows (`1.1`, `/v1/3000/x`), not at the end of a sentence.
        let glued_after = match b.get(i) {
            Some(b'.' | b'/') => b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric),
            Some(c) => c.is_ascii_alphabetic(),
            None => false,
        };
        // `host:3000` is a port; `code:1006` and `close 4004:` are codes.
        let port = before == Some(b':')
            && start >= 2
            && b[start - 2].is_ascii_alphanumeric()
            && !lower[..start].trim_end_matches(':').ends_with("code");
        if !(3..=4).contains(&len) || glued(before) || glued_after || port {
            continue;
        }
        // `below 1000`, `小于 1000`, `1000 以下` name a bound, not a code: the words decide.
        let preceding = lower[..start].trim_end();
        let following = lower[i..].trim_start();
        if BOUND_BEFORE.iter().any(|w| preceding.ends_with(w))
            || BOUND_AFTER.iter().any(|w| following.starts_with(w))
        {
            continue;
        }
        let Ok(n) = q[start..i].parse::<u16>() else {
            continue;
        };
        if n > MAX_CODE || (len == 3 && !(100..=599).contains(&n)) || n == 101 {
            continue;
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    // In an HTTP context, statuses come before codes.
    if http {
        out.sort_by_key(|n| *n >= 1000);
    }
    out
}

fn inside_range(code: u16, k: Key, title: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{code} has no page of its own; it falls in {} ({title}).",
            k.label()
        ),
        Lang::Zh => format!(
            "{code} 没有单独的条目，它属于 {} 区间（{title}）。",
            k.label()
        ),
    }
}

fn http_status(code: u16, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{code} is not a WebSocket close code (those are 1000–4999 in practice); as an HTTP status it is the answer to a failed WebSocket handshake."
        ),
        Lang::Zh => format!(
            "{code} 不是 WebSocket 关闭码（实际使用的关闭码在 1000–4999 之间）；作为 HTTP 状态码，它是 WebSocket 握手失败时服务端的回应。"
        ),
    }
}

fn out_of_range(q: &str, lang: Lang) -> String {
    let shown: String = q.chars().take(16).collect();
    match lang {
        Lang::En => format!(
            "{shown} is not a WebSocket close code: close codes are 0–4999 (RFC 6455 §7.4). An HTTP status or an OS error number is a different thing."
        ),
        Lang::Zh => format!(
            "{shown} 不是 WebSocket 关闭码：关闭码的取值范围是 0–4999（RFC 6455 §7.4）。HTTP 状态码或系统错误号是另一回事。"
        ),
    }
}

/// The pages a query names exactly: by name or title, by an identifier (as a whole, or a
/// trailing part such as `ABNORMAL_CLOSURE` of `CloseCode.ABNORMAL_CLOSURE`), or by an error text
/// it quotes (or that quotes it). Built once from the documents; used by search and `explain`.
pub struct Names {
    /// Document indexes by normalized name, title and identifier suffix.
    by_name: HashMap<String, Vec<usize>>,
    /// Every error text, normalized, with its document index.
    errors: Vec<(String, usize)>,
    /// All error texts in one string, each followed by `\n`, with where each one starts: a
    /// query is looked for in all of them in one pass.
    joined: String,
    starts: Vec<usize>,
    /// The error texts long enough to be recognised inside a pasted line, as one automaton.
    long: Option<AhoCorasick>,
    /// Which entry of `errors` each pattern of `long` is.
    long_ids: Vec<usize>,
    /// The error texts of three words or more as [`tokenize::loose`] reads them, for a pasted
    /// line worded a little differently; and which entry of `errors` each one is.
    loose: Option<AhoCorasick>,
    loose_ids: Vec<usize>,
    /// Per document: its messages name it only when quoted (nearly) whole, not by a fragment
    /// (a protocol's `You are being rate limited` is not the topic of `rate limited`).
    whole_only: Vec<bool>,
}

impl Names {
    /// The tables for `docs`.
    pub fn new(docs: &[Doc]) -> Names {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut errors = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            let mut keys: Vec<String> = d
                .heading
                .iter()
                .chain(d.title.iter())
                .map(|t| normalize_text(t))
                .collect();
            if matches!(d.kind, DocKind::Code(_)) {
                for name in &d.names {
                    let segs: Vec<&str> =
                        name.split(['.', ':']).filter(|s| !s.is_empty()).collect();
                    keys.extend((0..segs.len()).map(|j| normalize_ident(&segs[j..].concat())));
                }
            }
            for k in keys.into_iter().filter(|k| !k.is_empty()) {
                let v = by_name.entry(k).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
            errors.extend(d.errors.iter().map(|x| (normalize_text(x), i)));
        }
        let loose_texts: Vec<(usize, String)> = errors
            .iter()
            .enumerate()
            .map(|(k, (t, _))| (k, tokenize::loose(t)))
            .filter(|(_, l)| l.split_whitespace().count() >= LOOSE_MIN_WORDS)
            .collect();
        // A contiguous NFA, not a DFA: built at every start, and the loose pass is short.
        let loose = aho_corasick::AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(loose_texts.iter().map(|(_, l)| l.as_str()))
            .ok();
        let loose_ids = loose_texts.into_iter().map(|(k, _)| k).collect();
        let mut joined = String::new();
        let mut starts = Vec::with_capacity(errors.len());
        for (t, _) in &errors {
            starts.push(joined.len());
            joined.push_str(t);
            joined.push('\n');
        }
        let long_ids: Vec<usize> = (0..errors.len())
            .filter(|k| errors[*k].0.chars().count() >= 16)
            .collect();
        let long = aho_corasick::AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(long_ids.iter().map(|k| errors[*k].0.as_str()))
            .ok();
        Names {
            by_name,
            errors,
            joined,
            starts,
            long,
            long_ids,
            loose,
            loose_ids,
            whole_only: docs
                .iter()
                .map(|d| matches!(d.kind, DocKind::Protocol(_)))
                .collect(),
        }
    }

    /// Indexes (into the documents) of the pages `query` names, ascending.
    pub fn find(&self, query: &str) -> Vec<usize> {
        let (mut strong, weak) = self.find_tiered(query);
        strong.extend(weak.into_iter().map(|(i, _)| i));
        strong.sort_unstable();
        strong.dedup();
        strong
    }

    /// The pages a query names, in two tiers: what it names or quotes exactly (a name, an
    /// identifier, part of an error text), and pages whose error text merely appears inside a
    /// longer query, each with how surely the text names it ([`Quoted`]).
    ///
    /// Names come first; then pages whose error text contains the query. A query that is most
    /// of an error text is that message, closest (shortest) text first; a query that is only a
    /// fragment of error texts (`invalid utf-8`) names a topic, and the page with the most
    /// messages containing it leads (1007's several UTF-8 errors, not one runtime's message
    /// filed under 1006).
    pub fn find_tiered(&self, query: &str) -> (Vec<usize>, Vec<(usize, Quoted)>) {
        self.find_tiered_loose(query, &tokenize::loose(query))
    }

    /// [`Names::find_tiered`] with the query's loose reading given (typos corrected, say).
    pub fn find_tiered_loose(
        &self,
        query: &str,
        loose: &str,
    ) -> (Vec<usize>, Vec<(usize, Quoted)>) {
        // (tier, how far from an exact match, document): tier 0 for names and near-whole
        // messages, then fragments by how many of the page's messages contain them.
        let mut strong: Vec<(usize, usize, usize)> = Vec::new();
        // (document, the text it matched by)
        let mut weak: Vec<(usize, &str)> = Vec::new();
        let ident = normalize_ident(query);
        if ident.chars().count() >= 4 {
            strong.extend(
                self.by_name
                    .get(&ident)
                    .into_iter()
                    .flatten()
                    .map(|i| (0, 0, *i)),
            );
        }
        let text = normalize_text(query);
        strong.extend(
            self.by_name
                .get(&text)
                .into_iter()
                .flatten()
                .map(|i| (0, 0, *i)),
        );
        if text.chars().count() >= 12 && !text.contains('\n') {
            // Error texts that contain the query: one SIMD pass over all of them.
            let mut found = std::collections::HashSet::new();
            // Per page: how many of its messages contain the query, the closest distance.
            let mut fragments: HashMap<usize, (usize, usize)> = HashMap::new();
            for at in memchr::memmem::find_iter(self.joined.as_bytes(), text.as_bytes()) {
                let k = self.starts.partition_point(|s| *s <= at) - 1;
                if found.insert(k) {
                    let (t, i) = &self.errors[k];
                    let distance = t.len() - text.len();
                    if 3 * text.len() >= 2 * t.len() {
                        strong.push((0, distance, *i));
                    } else if !self.whole_only[*i] {
                        let e = fragments.entry(*i).or_insert((0, usize::MAX));
                        e.0 += 1;
                        e.1 = e.1.min(distance);
                    }
                }
            }
            strong.extend(
                fragments
                    .into_iter()
                    .map(|(i, (count, distance))| (usize::MAX - count, distance, i)),
            );
            // Error texts the query contains (a longer pasted line): one automaton pass.
            // A text inside a longer one that also matched is part of that message (gorilla's
            // `websocket: close 1002 (protocol error)` inside its UTF-8 error): the longer wins.
            // The same again with both read loosely, for a line worded a little differently.
            for (ac, ids, haystack) in [
                (&self.long, &self.long_ids, text.as_str()),
                (&self.loose, &self.loose_ids, loose),
            ] {
                let Some(ac) = ac else { continue };
                let matches: Vec<(usize, usize, usize)> = ac
                    .find_overlapping_iter(haystack)
                    .map(|m| (m.start(), m.end(), ids[m.pattern().as_usize()]))
                    .collect();
                for &(start, end, k) in &matches {
                    let inside = matches
                        .iter()
                        .any(|&(s, e, _)| s <= start && end <= e && e - s > end - start);
                    if !inside && found.insert(k) {
                        weak.push((self.errors[k].1, self.errors[k].0.as_str()));
                    }
                }
            }
        }
        strong.sort_unstable();
        let mut ordered: Vec<usize> = Vec::new();
        for (_, _, i) in strong {
            if !ordered.contains(&i) {
                ordered.push(i);
            }
        }
        // A text found on several pages (`Unable to connect to the remote server`) does not say
        // which of them the query is about.
        let mut pages_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, t) in &weak {
            let v = pages_of.entry(t).or_default();
            if !v.contains(i) {
                v.push(*i);
            }
        }
        let mut tiered: Vec<(usize, Quoted)> = Vec::new();
        for (i, t) in &weak {
            let how = if pages_of[t].len() > 1 {
                Quoted::Shared
            } else if t.chars().count() >= SPECIFIC_ERROR_CHARS {
                Quoted::Long
            } else {
                Quoted::Unique
            };
            match tiered.iter_mut().find(|(j, _)| j == i) {
                Some(e) => e.1 = e.1.min(how),
                None if !ordered.contains(i) => tiered.push((*i, how)),
                None => {}
            }
        }
        tiered.sort_unstable_by_key(|(i, how)| (*how, *i));
        (ordered, tiered)
    }
}

/// Text as lower-case words between single spaces, with a space at each end, so that a name is
/// found as whole words: `discord.js (@discordjs/ws)` → ` discord js discordjs ws `.
fn phrase(s: &str) -> String {
    let mut out = String::from(" ");
    for w in s
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        out.push_str(w);
        out.push(' ');
    }
    out
}

/// An identifier reduced to lower-case letters and digits: `CLOSE_ABNORMAL` → `closeabnormal`.
fn normalize_ident(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Text lower-cased with white space folded, for quoted error messages.
fn normalize_text(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Markdown as plain text: text and code spans kept, markup dropped, blocks on their own lines.
pub fn plain_text(md: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::with_capacity(md.len());
    for ev in Parser::new(md) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// Text safe inside HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    escape_into(&mut out, s);
    out
}

/// [`escape`], appended to `out`: the runs between special characters are copied whole.
fn escape_into(out: &mut String, s: &str) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // An ASCII byte is always a character boundary.
        out.push_str(&s[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

/// A snippet's HTML back to plain text for the terminal (`<mark>` dropped, entities decoded).
pub fn plain_snippet(html: &str) -> String {
    html.replace("<mark>", "")
        .replace("</mark>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The query's terms as one matcher for snippets: leftmost-longest and not overlapping
/// (overlapping Han pairs still mark as one).
///
/// Teddy (SIMD, up to 64 short patterns) where the CPU has it: the automaton's own prefilter
/// often picked two "rare" bytes that are common in our pages, and then verified at each of
/// them, which made `TLS_HANDSHAKE_FAILURE` the slowest query of the suites (435 µs, 70% of it
/// in that loop; 131 µs with Teddy). Elsewhere (wasm32, more patterns) the automaton, with the
/// same matches.
enum Terms {
    /// The searcher and how many patterns it holds.
    Teddy(aho_corasick::packed::Searcher, usize),
    Automaton(AhoCorasick),
}

impl Terms {
    fn new(patterns: &[&str]) -> Option<Terms> {
        let teddy = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(patterns)
            .build();
        match teddy {
            Some(teddy) => Some(Terms::Teddy(teddy, patterns.len())),
            None => Terms::automaton(patterns),
        }
    }

    /// The automaton alone, whatever the CPU.
    fn automaton(patterns: &[&str]) -> Option<Terms> {
        aho_corasick::AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(patterns)
            .ok()
            .map(Terms::Automaton)
    }

    fn patterns_len(&self) -> usize {
        match self {
            Terms::Teddy(_, len) => *len,
            Terms::Automaton(a) => a.patterns_len(),
        }
    }

    /// `(start, end, pattern)` of each match, in order.
    fn find_iter<'h>(
        &'h self,
        hay: &'h str,
    ) -> Box<dyn Iterator<Item = (usize, usize, usize)> + 'h> {
        match self {
            Terms::Teddy(t, _) => Box::new(
                t.find_iter(hay)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize())),
            ),
            Terms::Automaton(a) => Box::new(
                a.find_iter(hay)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize())),
            ),
        }
    }
}

/// A page's plain prose in one language, prepared for snippets when the index is opened.
struct Body {
    text: String,
    /// `text` ASCII-lower-cased: the same byte offsets.
    lower: String,
    /// Where the scan for terms stops: the summary and the first screens hold a page's best
    /// excerpt; scanning a whole long guide for every result was the slowest part of a query.
    cap: usize,
    /// Average bytes per character up to `cap`, to size a window in bytes (counting the
    /// characters of every result at query time was a thirtieth of it).
    width: usize,
}

impl Body {
    fn new(text: String) -> Body {
        let mut cap = text.len().min(SNIPPET_SCAN_BYTES);
        while !text.is_char_boundary(cap) {
            cap -= 1;
        }
        let sample = &text[..cap];
        let width = sample.len().div_ceil(sample.chars().count().max(1)).max(1);
        Body {
            lower: text.to_ascii_lowercase(),
            text,
            cap,
            width,
        }
    }
}

/// An excerpt of a page's text around the query's terms, HTML-escaped, matches in `<mark>`.
///
/// `terms` matches the analyzed query (stems, whole identifiers, Han pairs) as substrings of the
/// ASCII-lower-cased text in one leftmost-longest pass (`terms` must be built so); an ASCII
/// match is widened to its whole word. The window of `chars` characters with the most distinct
/// terms wins. (tantivy's snippet generator re-tokenizes the whole stored text of every hit,
/// which was most of the query time.)
fn snippet(body: &Body, terms: &Terms, chars: usize) -> Option<String> {
    let text = body.text.as_str();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = body.lower.as_bytes();
    let mut hits: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, term index)
    let lower = &body.lower[..body.cap];
    for (mut s, mut e, pattern) in terms.find_iter(lower).take(64) {
        if lower[s..e].is_ascii() {
            while s > 0 && is_word(bytes[s - 1]) {
                s -= 1;
            }
            while e < bytes.len() && is_word(bytes[e]) {
                e += 1;
            }
        }
        hits.push((s, e, pattern));
    }
    if hits.is_empty() {
        return None;
    }
    hits.sort_unstable();
    // The window in bytes: `chars` characters at this text's average width, ending on a character
    // boundary (counting characters for every candidate was the slow part).
    let width = body.width;
    let span = |from: usize| {
        let mut end = (from + chars * width).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        end
    };
    // Sliding window over the sorted hits, counting distinct terms inside it.
    let mut best = (0usize, 0usize); // (distinct terms, index of first hit)
    let mut count = vec![0u16; terms.patterns_len()];
    let (mut distinct, mut j) = (0usize, 0usize);
    for i in 0..hits.len() {
        let end = span(hits[i].0);
        while j < hits.len() && hits[j].1 <= end {
            count[hits[j].2] += 1;
            distinct += usize::from(count[hits[j].2] == 1);
            j += 1;
        }
        if distinct > best.0 {
            best = (distinct, i);
        }
        if j > i {
            count[hits[i].2] -= 1;
            distinct -= usize::from(count[hits[i].2] == 0);
        } else {
            j = i + 1;
        }
    }
    // Start a little before the first match, at a character boundary.
    let first = hits[best.1].0;
    let mut start = text[..first]
        .char_indices()
        .rev()
        .nth(30)
        .map_or(0, |(i, _)| i);
    if let Some(nl) = text[start..first].rfind('\n') {
        start += nl + 1;
    } else if start > 0 && text[..start].ends_with(|c: char| c.is_alphanumeric()) {
        // Start at a word, not inside one.
        if let Some(sp) = text[start..first].find(' ') {
            start += sp + 1;
        }
    }
    let end = span(start);
    let mut out = String::with_capacity(end - start + 64);
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e, _) in &hits[best.1..] {
        if s < at || e > end {
            if s >= end {
                break;
            }
            continue;
        }
        escape_into(&mut out, &text[at..s]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[s..e]);
        out.push_str("</mark>");
        at = e;
    }
    escape_into(&mut out, &text[at..end]);
    if end < text.len() {
        out.push('…');
    }
    // Lines of the page (a symptom, a list item) stay apart.
    Some(out.replace('\n', " · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        SearchIndex::build(closecodes::registry::load(&data).unwrap()).unwrap()
    }

    fn first(ix: &SearchIndex, q: &str, lang: Lang) -> Option<String> {
        ix.search(q, lang, 5)
            .results
            .first()
            .map(|h| h.key().slug())
    }

    #[test]
    fn numbers_resolve_before_text() {
        let ix = index();
        assert_eq!(first(&ix, "1006", Lang::En).as_deref(), Some("1006"));
        let a = ix.search("4123", Lang::En, 5);
        assert_eq!(a.results[0].key(), Key::Range(4000, 4999));
        assert_eq!(a.results[0].url, "/codes/4000-4999.html#4123");
        assert!(a.notice.unwrap().contains("4123"));
        let a = ix.search("5000", Lang::Zh, 5);
        assert!(a.results.is_empty());
        assert!(a.notice.unwrap().contains("0–4999"));
    }

    #[test]
    fn durations_are_recognised() {
        for q in [
            "closes after 60s",
            "after 2 minutes idle",
            "every 6 to 9 minutes",
            "40秒-1分钟左右自动断开",
            "5~20分钟后断开",
            "exact 86 seconds",
        ] {
            assert!(states_duration(q), "{q}");
        }
        for q in [
            "timeout 10000ms",
            "code 1006",
            "http/1.1 200",
            "4s4",
            "v2 api",
            "1006s",
        ] {
            assert!(!states_duration(q), "{q}");
        }
    }

    #[test]
    fn numbers_are_read_in_context() {
        let n = |q: &str| numbers_in(q, &q.to_lowercase());
        assert_eq!(
            n("websocket: close 4004: Authentication failed"),
            vec![4004]
        );
        assert_eq!(n("code=1000, then code: 1006."), vec![1000, 1006]);
        // Ports, versions, addresses and paths are not codes.
        assert!(n("ws://localhost:3000/ws HTTP/1.1 10.0.1.100").is_empty());
        assert_eq!(n("code:1006"), vec![1006]);
        // Bounds are not codes.
        assert!(n("codes below 1000").is_empty());
        assert!(n("小于 1000 的关闭码, 4000以上").is_empty());
        // Statuses outside HTTP's range are not statuses; in an HTTP context they come first.
        assert!(n("error 999 and 101").is_empty());
        assert_eq!(
            n("close 1006 after Unexpected response code: 502"),
            vec![502, 1006]
        );
    }

    #[test]
    fn weak_words_do_not_choose_the_page() {
        let ix = index();
        let page = |q: &str| {
            ix.search(q, Lang::En, 3)
                .results
                .first()
                .map(|h| h.page.clone())
        };
        // "method" describes the reader's code here, not an HTTP method.
        assert_ne!(
            page("onClose method is never called").as_deref(),
            Some("handshake/405")
        );
        assert_eq!(page("method not allowed").as_deref(), Some("handshake/405"));
    }

    #[test]
    fn naming_a_library_or_server_names_its_protocol() {
        let ix = index();
        // Soketi and Laravel Echo speak the Pusher protocol; neither name contains "pusher".
        for q in ["soketi 4100", "Laravel Echo closed with 4009"] {
            let a = ix.search(q, Lang::En, 3);
            assert_eq!(
                a.results.first().map(|h| h.page.as_str()),
                Some("protocols/pusher"),
                "{q}"
            );
        }
        // A name is matched as whole words, not inside another word.
        assert!(ix.named_protocols("obsolete echo").is_empty());
    }

    #[test]
    fn messages_are_found_as_pasted() {
        let ix = index();
        let page = |q: &str| {
            let a = ix.search(q, Lang::En, 5);
            a.results
                .first()
                .map(|h| h.page.clone())
                .unwrap_or_default()
        };
        // Another tense and quotes than the error text on file (Chromium's).
        let q = "wx: “websocket was closed before the connection was established”";
        assert_eq!(page(q), "guides/lifecycle");
        // A protocol's close reason, whole or retyped with a typo.
        assert_eq!(
            page("Invalid message received"),
            "protocols/graphql-transport-ws"
        );
        assert_eq!(page("Pong reply not recieved"), "protocols/pusher");
        // A fragment of a protocol's message does not name the protocol.
        assert!(!page("rate limited").starts_with("protocols/"));
    }

    #[test]
    fn several_codes_ask_about_a_policy() {
        let ix = index();
        let q = "which of 1001, 1005 and 1006 should the client reconnect on";
        let a = ix.search(q, Lang::En, 5);
        assert_eq!(a.results[0].page, "guides/reconnect");
        // Every code still has its page among the answers.
        for c in ["codes/1001", "codes/1005", "codes/1006"] {
            assert!(a.results.iter().any(|h| h.page == c), "{c}");
        }
        // One or two codes keep their pages first.
        let a = ix.search("reconnect after 1006", Lang::En, 5);
        assert_eq!(a.results[0].page, "codes/1006");
    }

    #[test]
    fn an_http_status_goes_to_its_handshake_page() {
        let ix = index();
        let a = ix.search(
            "Error during WebSocket handshake: Unexpected response code: 403",
            Lang::En,
            5,
        );
        assert_eq!(a.results[0].page, "handshake/403");
        let a = ix.search("握手 401", Lang::Zh, 5);
        assert_eq!(a.results[0].page, "handshake/401");
        assert_eq!(a.results[0].url, "/zh/handshake/401.html");
        let a = ix.search("discord 4014", Lang::En, 5);
        assert_eq!(a.results[0].url, "/protocols/discord-gateway.html#4014");
        // A status without a page of its own goes to the page that says it answers it.
        let a = ix.search("Unexpected response code: 302", Lang::En, 5);
        assert_eq!(a.results[0].page, "handshake/redirect");
        let a = ix.search("Unexpected server response: 200", Lang::En, 5);
        assert_eq!(a.results[0].page, "handshake/proxy-upgrade");
        // A status nobody answers leads to the table, after what the text names.
        let a = ix.search("Unexpected response code: 418", Lang::En, 5);
        assert_eq!(a.results[0].page, "handshake/index");
        // A message that names no status belongs to the table, which lists it.
        let a = ix.search(
            "failed: Connection closed before receiving a handshake response",
            Lang::Zh,
            5,
        );
        assert_eq!(a.results[0].page, "handshake/index");
    }

    #[test]
    fn an_error_text_that_names_its_code_picks_the_subject() {
        let ix = index();
        let q = "Failed to execute 'close' on 'WebSocket': The code must be either 1000, or between 3000 and 4999. 1002 is neither.";
        assert_eq!(first(&ix, q, Lang::En).as_deref(), Some("1002"));
        // A stated duration goes to the timers guide before the code it came with.
        let a = ix.search("error 1006 after exactly 60 seconds", Lang::En, 5);
        assert_eq!(a.results[0].page, "guides/timeouts");
    }

    #[test]
    fn any_input_is_accepted() {
        let ix = index();
        for q in [
            "-1006",
            "*",
            "field:*",
            "title:(",
            "\"",
            "AND OR NOT",
            "",
            "   ",
            "🙂",
            "a\u{0}b",
            &"x".repeat(10_000),
        ] {
            let _ = ix.search(q, Lang::En, 10);
        }
        assert!(
            ix.search(&"y".repeat(10_000), Lang::En, 10)
                .query
                .chars()
                .count()
                <= MAX_QUERY_CHARS
        );
    }

    #[test]
    fn snippets_are_escaped_and_centred_on_the_terms() {
        let text = "A <b> close frame was never received: the connection closed.";
        let ac = |t: &[&str]| Terms::new(t).unwrap();
        let body = |t: &str| Body::new(t.to_owned());
        let s = snippet(&body(text), &ac(&["closur", "close"]), 40).unwrap();
        assert!(
            s.contains("&lt;b&gt;") && s.contains("<mark>close</mark>"),
            "{s}"
        );
        let zh = "连接在没有收到关闭帧的情况下断开。";
        let s = snippet(&body(zh), &ac(&["关闭"]), 10).unwrap();
        assert!(s.contains("<mark>关闭</mark>"), "{s}");
        assert!(snippet(&body("nothing here"), &ac(&["xyz"]), 10).is_none());
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
        assert_eq!(escape("é<连>&"), "é&lt;连&gt;&amp;");
        assert_eq!(escape(""), "");
    }

    /// Teddy and the automaton find the same leftmost-longest matches, so a snippet does not
    /// depend on which one the CPU allows (the browser's module always uses the automaton).
    #[test]
    fn both_term_matchers_find_the_same_matches() {
        let ix = index();
        let patterns = [
            "tls",
            "handshak",
            "failur",
            "tls_handshake_failure",
            "close",
            "closur",
            "frame",
            "1006",
            "关闭",
            "闭帧",
            "连接",
            "ab",
            "abnormal",
        ];
        let automaton = Terms::automaton(&patterns).unwrap();
        let Some(teddy @ Terms::Teddy(..)) = Terms::new(&patterns) else {
            // Teddy needs x86_64's SSSE3 or AVX2, or aarch64's NEON.
            if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
                panic!("no Teddy on this CPU");
            }
            return;
        };
        let mut compared = 0;
        for Body { lower, .. } in ix.bodies.iter().flatten() {
            let a: Vec<_> = automaton.find_iter(lower).collect();
            let t: Vec<_> = teddy.find_iter(lower).collect();
            assert_eq!(a, t, "{}", lower.chars().take(60).collect::<String>());
            compared += a.len();
        }
        assert!(compared > 1000, "{compared} matches compared");
    }

    #[test]
    fn markdown_becomes_plain_text() {
        assert_eq!(
            plain_text("A **bold** `code` [link](x.md)\n\n- one\n- two"),
            "A bold code link\none\ntwo"
        );
    }
}
