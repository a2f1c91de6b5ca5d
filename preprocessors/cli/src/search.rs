//! Search: one tantivy index, built in memory from the registry, behind the CLI and the HTTP API.
//!
//! Steps, as in tantivy's examples:
//! 1. the schema: the entry key, its numbers, names and titles, runtime constants, error texts,
//!    and each language's prose as plain text (Markdown through pulldown-cmark);
//! 2. one analyzer for every text field ([`crate::tokenize`]), registered on the index;
//! 3. a single in-RAM segment written once at start-up;
//! 4. queries built by our own code from analyzed user text (never tantivy's query syntax):
//!    a number resolves exactly first (`4123` → 4000–4999; `5000` gets an explanation), then every
//!    query term is looked up in every field with field boosts, with a one-edit fuzzy variant for
//!    words of four letters or more;
//! 5. snippets from the prose in the asked language, HTML-escaped, then highlighted with `<mark>`.

use crate::tokenize;
use aho_corasick::AhoCorasick;
use closecodes::registry::{Entry, Key, Lang, MAX_CODE, Registry};
use serde::Serialize;
use std::collections::HashMap;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
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
const IDENT_ANALYZER: &str = "closecodes-ident";

struct Fields {
    /// The entry's index in the registry, as a fast field (no document fetch per hit).
    ord: Field,
    code: Field,
    title: Field,
    summary: Field,
    constants: Field,
    errors: Field,
    body_en: Field,
    body_zh: Field,
}

/// The index and the registry it was built from.
pub struct SearchIndex {
    reg: Registry,
    reader: IndexReader,
    fields: Fields,
    /// Exact names, constants and error texts.
    names: Names,
    /// Per entry, the plain prose in each language and its ASCII-lower-cased copy (same offsets),
    /// for snippets.
    bodies: Vec<[(String, String); 2]>,
}

/// One result: the same object in `search --json` and `/api/search`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// The code, for a code entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// `[lo, hi]`, for a range entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<[u16; 2]>,
    /// Title in the asked language.
    pub title: String,
    /// Site-absolute URL of the article in the asked language (a code inside a range: the range
    /// article, anchored at the code).
    pub url: String,
    /// An HTML-escaped excerpt with matches in `<mark>`.
    pub snippet: String,
}

impl Hit {
    /// The entry key (`1006`, `4000-4999`).
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

/// An index could not be built (tantivy failed; should not happen with an in-RAM index).
#[derive(Debug, thiserror::Error)]
#[error("building the search index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

impl SearchIndex {
    /// Index every entry of `reg`.
    pub fn build(reg: Registry) -> Result<SearchIndex, IndexError> {
        let mut sb = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let ident = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(IDENT_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            ord: sb.add_u64_field("ord", FAST),
            code: sb.add_text_field("code", text.clone()),
            title: sb.add_text_field("title", text.clone()),
            summary: sb.add_text_field("summary", text.clone()),
            constants: sb.add_text_field("constants", ident),
            errors: sb.add_text_field("errors", text.clone()),
            body_en: sb.add_text_field("body_en", text.clone()),
            body_zh: sb.add_text_field("body_zh", text),
        };
        let index = Index::create_in_ram(sb.build());
        index
            .tokenizers()
            .register(ANALYZER, tokenize::analyzer(true));
        index
            .tokenizers()
            .register(IDENT_ANALYZER, tokenize::identifier_analyzer());
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for (i, e) in reg.entries().iter().enumerate() {
            let numbers = match e.key {
                Key::Code(c) => c.to_string(),
                Key::Range(lo, hi) => format!("{lo} {hi} {lo}-{hi}"),
            };
            let constants: Vec<&str> = e
                .constants
                .values()
                .filter_map(|c| c.name.as_deref())
                .collect();
            let errors: Vec<&str> = e.errors.iter().map(|x| x.text.as_str()).collect();
            writer.add_document(doc!(
                fields.ord => i as u64,
                fields.code => numbers,
                fields.title => format!("{} {} {}", e.name, e.en.title, e.zh.title),
                fields.summary => format!("{}\n{}", plain_text(&e.en.summary), plain_text(&e.zh.summary)),
                fields.constants => constants.join("\n"),
                fields.errors => errors.join("\n"),
                fields.body_en => body(e, Lang::En),
                fields.body_zh => body(e, Lang::Zh),
            ))?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        let bodies = reg
            .entries()
            .iter()
            .map(|e| {
                Lang::ALL.map(|lang| {
                    let b = body(e, lang);
                    let lower = b.to_ascii_lowercase();
                    (b, lower)
                })
            })
            .collect();
        Ok(SearchIndex {
            names: Names::new(&reg),
            reg,
            reader,
            fields,
            bodies,
        })
    }

    /// The registry the index was built from.
    pub fn registry(&self) -> &Registry {
        &self.reg
    }

    /// Search for `query` in `lang`, at most `limit` results (1–50). Never fails: any input is
    /// accepted, and text that finds nothing gives an empty list.
    pub fn search(&self, query: &str, lang: Lang, limit: usize) -> Answer {
        let limit = limit.clamp(1, MAX_LIMIT);
        let query: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        let mut answer = Answer {
            query: query.clone(),
            notice: None,
            results: Vec::new(),
        };
        if query.is_empty() {
            return answer;
        }
        // 1. Numbers resolve before any text search.
        if let Some(n) = as_number(&query) {
            match u16::try_from(n).ok().filter(|c| *c <= MAX_CODE) {
                Some(code) => {
                    if let Some(e) = self.reg.resolve(code) {
                        if e.key != Key::Code(code) {
                            answer.notice = Some(inside_range(code, e, lang));
                        }
                        answer.results.push(self.hit(e, lang, Some(code), None));
                    }
                }
                None => {
                    answer.notice = Some(out_of_range(&query, lang));
                    return answer;
                }
            }
        } else if let Some(e) = Key::parse(&query).and_then(|k| self.reg.get(k)) {
            answer.results.push(self.hit(e, lang, None, None));
        }
        // 2. Exact identifiers and pasted error texts.
        for i in self.names.find(&query) {
            let e = &self.reg.entries()[i];
            if !answer.results.iter().any(|h| h.key() == e.key) {
                answer.results.push(self.hit(e, lang, None, None));
            }
        }
        // 3. A code number among words (`close code 4001 meaning`) points at its range.
        let standalone = query
            .split_whitespace()
            .filter(|w| (3..=4).contains(&w.len()))
            .filter_map(|w| w.parse::<u16>().ok());
        for n in standalone {
            if let Some(e) = self.reg.resolve(n).filter(|_| n <= MAX_CODE)
                && matches!(e.key, Key::Range(..))
                && !answer.results.iter().any(|h| h.key() == e.key)
            {
                answer.results.push(self.hit(e, lang, Some(n), None));
            }
        }
        // 4. Text.
        let terms: Vec<String> = tokenize::query_terms(&query)
            .into_iter()
            .take(MAX_TERMS)
            .collect();
        if terms.is_empty() {
            return answer;
        }
        let q = self.text_query(&terms, lang);
        let searcher = self.reader.searcher();
        let Ok(top) = searcher.search(&q, &TopDocs::with_limit(limit).order_by_score()) else {
            return answer;
        };
        let patterns: Vec<&str> = terms
            .iter()
            .map(String::as_str)
            .filter(|t| t.len() >= 2)
            .collect();
        // A non-contiguous NFA builds fastest; the texts are short.
        let matcher = aho_corasick::AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
            .build(&patterns)
            .ok();
        let mut columns = HashMap::new();
        for (_score, addr) in top {
            let column = columns.entry(addr.segment_ord).or_insert_with(|| {
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64("ord")
                    .ok()
            });
            let Some(i) = column
                .as_ref()
                .and_then(|c| c.first(addr.doc_id))
                .and_then(|i| usize::try_from(i).ok())
                .filter(|i| *i < self.reg.entries().len())
            else {
                continue;
            };
            let key = self.reg.entries()[i].key;
            if answer.results.iter().any(|h| h.key() == key) {
                continue;
            }
            let (text, lower) = &self.bodies[i][usize::from(lang == Lang::Zh)];
            let snippet = matcher
                .as_ref()
                .and_then(|m| snippet(text, lower, m, SNIPPET_CHARS));
            answer
                .results
                .push(self.hit(&self.reg.entries()[i], lang, None, snippet));
        }
        answer.results.truncate(limit);
        answer
    }

    /// Every term in every field, boosted by field; one-edit fuzzy matches for longer words.
    fn text_query(&self, terms: &[String], lang: Lang) -> BooleanQuery {
        let f = &self.fields;
        let (own, other) = match lang {
            Lang::En => (f.body_en, f.body_zh),
            Lang::Zh => (f.body_zh, f.body_en),
        };
        let weighted = [
            (f.code, 6.0),
            (f.constants, 3.0),
            (f.title, 3.0),
            (f.summary, 3.0),
            (f.errors, 2.5),
            (own, 1.0),
            (other, 0.6),
        ];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Single Han characters of the query, weakly: `断网` still finds `网络中断`.
        let unigrams: Vec<String> = terms
            .iter()
            .filter(|t| t.chars().count() == 2 && t.chars().all(tokenize::is_han))
            .flat_map(|t| t.chars().map(String::from).collect::<Vec<_>>())
            .filter(|u| !terms.contains(u))
            .collect();
        for u in &unigrams {
            for field in [f.summary, own] {
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, u),
                            IndexRecordOption::WithFreqs,
                        )),
                        0.3,
                    )),
                ));
            }
        }
        let searcher = self.reader.searcher();
        let known = |t: &str| {
            weighted.iter().any(|(field, _)| {
                searcher
                    .doc_freq(&Term::from_field_text(*field, t))
                    .is_ok_and(|n| n > 0)
            })
        };
        for t in terms {
            // A one-edit variant only for a word the index does not know: a likely typo.
            let fuzzy =
                t.chars().count() >= 4 && t.chars().all(|c| c.is_ascii_alphabetic()) && !known(t);
            // Per term, the best field counts (plus a little of the others): a common word
            // that appears in every field of a long article must not outweigh a rare one.
            let mut per_field: Vec<Box<dyn Query>> = Vec::new();
            for (field, boost) in weighted {
                let term = Term::from_field_text(field, t);
                per_field.push(Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    boost,
                )));
                // Typos are looked for in short fields only: a fuzzy match walks the term
                // dictionary, and the bodies' dictionaries are the large ones.
                if fuzzy && [f.title, f.summary, f.constants].contains(&field) {
                    per_field.push(Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new(term, 1, true)),
                        boost * 0.4,
                    )));
                }
            }
            clauses.push((
                Occur::Should,
                Box::new(DisjunctionMaxQuery::with_tie_breaker(per_field, 0.2)),
            ));
        }
        BooleanQuery::new(clauses)
    }

    fn hit(&self, e: &Entry, lang: Lang, anchor: Option<u16>, snippet: Option<String>) -> Hit {
        let prefix = if lang == Lang::Zh { "/zh/" } else { "/" };
        let mut url = format!("{prefix}{}", e.page_path());
        if let Some(code) = anchor.filter(|c| e.key != Key::Code(*c)) {
            url.push_str(&format!("#{code}"));
        }
        let text = e.text(lang);
        Hit {
            code: e.key.code(),
            range: e.key.range(),
            title: text.title.clone(),
            url,
            snippet: snippet
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| escape(&text.summary)),
        }
    }
}

/// `1006`, `#1006`, `code 1006`, `E1006`-style prefixes are numbers; anything else is not.
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

fn inside_range(code: u16, e: &Entry, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{code} has no article of its own; it falls in {} ({}).",
            e.key.label(),
            e.en.title
        ),
        Lang::Zh => format!(
            "{code} 没有单独的文章，它属于 {} 号段（{}）。",
            e.key.label(),
            e.zh.title
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

/// The entries a query names exactly: by registered name or title, by a constant (as a whole,
/// or a trailing part such as `ABNORMAL_CLOSURE` of `CloseCode.ABNORMAL_CLOSURE`), or by an
/// error text it quotes. Built once from the registry; used by search and `explain`.
pub struct Names {
    /// Entry indexes by normalized name, title and constant suffix.
    by_name: HashMap<String, Vec<usize>>,
    /// Every error text, normalized, with its entry index.
    errors: Vec<(String, usize)>,
}

impl Names {
    /// The tables for `reg`.
    pub fn new(reg: &Registry) -> Names {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut errors = Vec::new();
        for (i, e) in reg.entries().iter().enumerate() {
            let mut keys: Vec<String> = [&e.name, &e.en.title, &e.zh.title]
                .iter()
                .map(|t| normalize_text(t))
                .collect();
            for name in e.constants.values().filter_map(|c| c.name.as_deref()) {
                let segs: Vec<&str> = name.split(['.', ':']).filter(|s| !s.is_empty()).collect();
                keys.extend((0..segs.len()).map(|j| normalize_ident(&segs[j..].concat())));
            }
            for k in keys.into_iter().filter(|k| !k.is_empty()) {
                let v = by_name.entry(k).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
            errors.extend(e.errors.iter().map(|x| (normalize_text(&x.text), i)));
        }
        Names { by_name, errors }
    }

    /// Indexes (into the registry's entries) of the entries `query` names, ascending.
    pub fn find(&self, query: &str) -> Vec<usize> {
        let mut hits: Vec<usize> = Vec::new();
        let ident = normalize_ident(query);
        if ident.chars().count() >= 4 {
            hits.extend(self.by_name.get(&ident).into_iter().flatten());
        }
        let text = normalize_text(query);
        hits.extend(self.by_name.get(&text).into_iter().flatten());
        if text.chars().count() >= 12 {
            hits.extend(
                self.errors
                    .iter()
                    .filter(|(t, _)| t.contains(&text))
                    .map(|(_, i)| *i),
            );
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }
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

/// The prose of an entry in one language as plain text (summary first).
pub fn body(e: &Entry, lang: Lang) -> String {
    let t = e.text(lang);
    let mut out = plain_text(&t.summary);
    for s in [
        &t.explanation,
        &t.causes,
        &t.diagnosis,
        &t.client,
        &t.server,
    ]
    .into_iter()
    .flatten()
    {
        out.push('\n');
        match lang {
            Lang::Zh => out.push_str(&plain_text(&closecodes::render::join_cjk_lines(s))),
            Lang::En => out.push_str(&plain_text(s)),
        }
    }
    out
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
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// An excerpt of `text` around the query's terms, HTML-escaped, matches in `<mark>`.
///
/// `terms` matches the analyzed query (stems, whole identifiers, Han pairs) as substrings of the
/// ASCII-lower-cased text (`lower`, same byte offsets) in one pass; an ASCII match is widened to
/// its whole word. The window of `chars` characters with the most distinct terms wins. (tantivy's
/// snippet generator re-tokenizes the whole stored text of every hit, which was most of the query
/// time.)
fn snippet(text: &str, lower: &str, terms: &AhoCorasick, chars: usize) -> Option<String> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = lower.as_bytes();
    let mut hits: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, term index)
    for m in terms.find_overlapping_iter(lower).take(64) {
        let (mut s, mut e) = (m.start(), m.end());
        if lower[s..e].is_ascii() {
            while s > 0 && is_word(bytes[s - 1]) {
                s -= 1;
            }
            while e < bytes.len() && is_word(bytes[e]) {
                e += 1;
            }
        }
        hits.push((s, e, m.pattern().as_usize()));
    }
    if hits.is_empty() {
        return None;
    }
    hits.sort_unstable();
    // Byte length of `chars` characters from `from`.
    // The window in bytes: `chars` characters at this text's average width, ending on a character
    // boundary (counting characters for every candidate was the slow part).
    let width = text.len().div_ceil(text.chars().count().max(1)).max(1);
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
    }
    let end = span(start);
    let mut out = String::new();
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
        out.push_str(&escape(&text[at..s]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[s..e]));
        out.push_str("</mark>");
        at = e;
    }
    out.push_str(&escape(&text[at..end]));
    if end < text.len() {
        out.push('…');
    }
    Some(out.replace('\n', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::build(crate::embedded::registry()).unwrap()
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
        let ac = |t: &[&str]| AhoCorasick::new(t).unwrap();
        let s = snippet(
            text,
            &text.to_ascii_lowercase(),
            &ac(&["closur", "close"]),
            40,
        )
        .unwrap();
        assert!(
            s.contains("&lt;b&gt;") && s.contains("<mark>close</mark>"),
            "{s}"
        );
        let zh = "连接在没有收到关闭帧的情况下断开。";
        let s = snippet(zh, zh, &ac(&["关闭"]), 10).unwrap();
        assert!(s.contains("<mark>关闭</mark>"), "{s}");
        assert!(snippet("nothing here", "nothing here", &ac(&["xyz"]), 10).is_none());
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
    }

    #[test]
    fn markdown_becomes_plain_text() {
        assert_eq!(
            plain_text("A **bold** `code` [link](x.md)\n\n- one\n- two"),
            "A bold code link\none\ntwo"
        );
    }
}
