//! The one tokenizer for both languages, for identifiers and for prose.
//!
//! - Runs of Han characters become overlapping character pairs (`服务器` → `服务`, `务器`), plus
//!   single characters at index time so a one-character query still matches. This is the CJK
//!   bigram approach of Lucene's CJKAnalyzer; no dictionary is needed for ~30 articles.
//! - Identifier-like runs (`websocket.CloseAbnormalClosure`, `CLOSE_ABNORMAL`, `CloseCode::Abnormal`,
//!   `UTF-8`) split into segments at `.`, `:` and `/`, each segment into words at `_`, `-` and
//!   camelCase boundaries; every word is a token, and a segment of several words is also a token
//!   as a whole (`closeabnormalclosure`), so identifiers match both as wholes and by parts.
//!
//! Lower-casing and English stemming follow as tantivy filters (see [`analyzer`]).

use tantivy::tokenizer::{
    LowerCaser, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// English stop words: Lucene's `EnglishAnalyzer` list, which tantivy's English stop-word filter
/// also uses (lucene/analysis/common/src/java/org/apache/lucene/analysis/en/EnglishAnalyzer.java).
const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// English Snowball stemming, as tantivy's `Stemmer::new(Language::English)` does it, with the
/// English algorithm alone compiled in (tantivy's filter names all 18 of its languages, and the
/// browser's module would carry them).
#[derive(Clone, Copy, Debug, Default)]
pub struct EnglishStemmer;

impl TokenFilter for EnglishStemmer {
    type Tokenizer<T: Tokenizer> = Stemmed<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Stemmed<T> {
        Stemmed(tokenizer)
    }
}

/// A tokenizer whose tokens [`EnglishStemmer`] stems.
#[derive(Clone, Debug)]
pub struct Stemmed<T>(T);

impl<T: Tokenizer> Tokenizer for Stemmed<T> {
    type TokenStream<'a> = StemmedStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemmedStream {
            tail: self.0.token_stream(text),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

/// The token stream of [`Stemmed`].
pub struct StemmedStream<S> {
    tail: S,
    stemmer: frostem::Stemmer,
}

impl<S: TokenStream> TokenStream for StemmedStream<S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        match self.stemmer.stem(text) {
            std::borrow::Cow::Owned(stem) => *text = stem,
            std::borrow::Cow::Borrowed(stem) if stem.len() != text.len() => *text = stem.to_owned(),
            std::borrow::Cow::Borrowed(_) => {}
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The tokenizer. `index: true` adds single Han characters (index side); queries use pairs only.
/// `parts: false` keeps identifier segments whole only (for the constants field, where a part
/// such as `server` of `INTERNAL_SERVER_ERROR` would otherwise look like a rare, strong word).
#[derive(Clone, Copy, Debug)]
pub struct CcTokenizer {
    /// Index-side behaviour (Han unigrams as well as pairs).
    pub index: bool,
    /// Emit the words of multi-word identifier segments too.
    pub parts: bool,
}

/// The analyzer for identifiers only: whole segments, lower-cased and stemmed.
pub fn identifier_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CcTokenizer {
        index: true,
        parts: false,
    })
    .filter(LowerCaser)
    .filter(EnglishStemmer)
    .build()
}

/// The analyzer registered for every text field (`index: true`) or used on queries.
pub fn analyzer(index: bool) -> TextAnalyzer {
    prose_analyzer(CcTokenizer { index, parts: true })
}

/// `tokenizer`, lower-cased, without English stop words, stemmed.
fn prose_analyzer(tokenizer: CcTokenizer) -> TextAnalyzer {
    // English stop words ("not", "for", "the"…) carry no meaning here and would let short range
    // titles such as "Not used" win on them.
    let stop = StopWordFilter::remove(STOP_WORDS.map(String::from));
    TextAnalyzer::builder(tokenizer)
        .filter(LowerCaser)
        .filter(stop)
        .filter(EnglishStemmer)
        .build()
}

/// Tokens of `text` through the query analyzer, de-duplicated, in order.
pub fn query_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in query_sequence(text) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Tokens of `text` through the query analyzer, in order, repeats kept: for pairs of neighbours.
pub fn query_sequence(text: &str) -> Vec<String> {
    thread_local! {
        // Building the analyzer (its stop-word set) costs more than analyzing a query.
        static QUERY: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(analyzer(false));
    }
    QUERY.with(|a| {
        let mut a = a.borrow_mut();
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    })
}

/// Query terms that come only from inside a URL, after its scheme (`msg`, `gateway` of
/// `wss://example.com/msg_gateway`): the reader's own names, not words of the question.
pub fn url_terms(text: &str) -> Vec<String> {
    if !text.contains("://") {
        return Vec::new();
    }
    let (mut inside, mut outside) = (String::new(), String::new());
    for w in text.split_whitespace() {
        let (before, after) = w.split_once("://").unwrap_or((w, ""));
        outside.push_str(before);
        outside.push(' ');
        inside.push_str(after);
        inside.push(' ');
    }
    let words = query_terms(&outside);
    query_terms(&inside)
        .into_iter()
        .filter(|t| !words.contains(t))
        .collect()
}

/// Whether an analyzed term is an English word (a pair's half): letters only, two or more.
pub fn is_english_word(t: &str) -> bool {
    t.len() >= 2 && t.bytes().all(|b| b.is_ascii_lowercase())
}

/// The words of one line as phrases are compared: identifiers whole, lower-cased, stop words
/// and lone letters (`can't` → `can`, `t`) dropped, stemmed.
fn phrase_words(line: &str) -> Vec<String> {
    thread_local! {
        static WORDS: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
            prose_analyzer(CcTokenizer { index: false, parts: false }),
        );
    }
    WORDS.with(|a| {
        let mut a = a.borrow_mut();
        let mut stream = a.token_stream(line);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            if t.text.chars().count() > 1 {
                out.push(t.text.clone());
            }
        }
        out
    })
}

/// `text` as its phrase words between single spaces, with a space at each end: two wordings
/// that differ only in tense, articles, quotes or punctuation (`WebSocket is closed before the
/// connection is established.`, `websocket was closed before the connection was established`)
/// read the same.
pub fn loose(text: &str) -> String {
    loose_of(&phrase_lines(text))
}

/// The phrase words of each line of `text`: what [`loose_of`] and [`pairs_of`] read, so that a
/// query is analyzed once for both.
pub fn phrase_lines(text: &str) -> Vec<Vec<String>> {
    text.lines().map(phrase_words).collect()
}

/// [`loose`] from the text's [`phrase_lines`].
pub fn loose_of(lines: &[Vec<String>]) -> String {
    let mut out = String::from(" ");
    for w in lines.iter().flatten() {
        out.push_str(w);
        out.push(' ');
    }
    out
}

/// Neighbouring English words of `text` as one term each (`plain_text`), identifiers whole,
/// skipping any pair with a word `skip` rejects: a phrase matches more narrowly than its words.
/// Lines are not joined.
pub fn pairs(text: &str, skip: impl Fn(&str) -> bool) -> Vec<String> {
    pairs_of(&phrase_lines(text), skip)
}

/// [`pairs`] from the text's [`phrase_lines`].
pub fn pairs_of(lines: &[Vec<String>], skip: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        let mut previous: Option<&str> = None;
        for t in line {
            let word = is_english_word(t) && !skip(t);
            if let Some(p) = previous.take().filter(|_| word) {
                out.push(format!("{p}_{t}"));
            }
            previous = word.then_some(t.as_str());
        }
    }
    out
}

/// A token stream over precomputed tokens.
pub struct CcStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for CcStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for CcTokenizer {
    type TokenStream<'a> = CcStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CcStream {
        CcStream {
            tokens: tokens(text, self.index, self.parts),
            next: 0,
        }
    }
}

/// Whether `c` is a Han (CJK unified ideograph) character.
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() && !is_han(c)
}

fn is_joiner(c: char) -> bool {
    matches!(c, '_' | '-' | '.' | ':' | '/')
}

struct Out {
    tokens: Vec<Token>,
}

impl Out {
    fn push(&mut self, text: &str, from: usize, to: usize) {
        let position = self.tokens.len();
        self.tokens.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text: text.to_owned(),
            position_length: 1,
        });
    }
}

fn tokens(text: &str, index: bool, parts: bool) -> Vec<Token> {
    let mut out = Out { tokens: Vec::new() };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |(b, _)| *b);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if is_han(c) {
            let start = i;
            while i < chars.len() && is_han(chars[i].1) {
                i += 1;
            }
            han_run(&mut out, text, &chars[start..i], end_of(i), index);
        } else if is_word(c) {
            let start = i;
            // A run of words joined by `_ - . : /` (a joiner only counts between words).
            while i < chars.len() {
                if is_word(chars[i].1) {
                    i += 1;
                } else if is_joiner(chars[i].1) {
                    let mut j = i;
                    while j < chars.len() && is_joiner(chars[j].1) {
                        j += 1;
                    }
                    if j < chars.len() && is_word(chars[j].1) {
                        i = j;
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            identifier(&mut out, text, chars[start].0, end_of(i), parts);
        } else {
            i += 1;
        }
    }
    out.tokens
}

fn han_run(out: &mut Out, text: &str, run: &[(usize, char)], end: usize, index: bool) {
    let at = |k: usize| run.get(k).map_or(end, |(b, _)| *b);
    if run.len() == 1 {
        out.push(&text[at(0)..at(1)], at(0), at(1));
        return;
    }
    for k in 0..run.len() {
        if index {
            out.push(&text[at(k)..at(k + 1)], at(k), at(k + 1));
        }
        if k + 1 < run.len() {
            out.push(&text[at(k)..at(k + 2)], at(k), at(k + 2));
        }
    }
}

/// Emit the words of an identifier run (`from..to` in `text`), and each multi-word segment whole.
fn identifier(out: &mut Out, text: &str, from: usize, to: usize, parts: bool) {
    let run = &text[from..to];
    let mut seg_start = 0;
    let bytes: Vec<(usize, char)> = run.char_indices().collect();
    let mut k = 0;
    while k <= bytes.len() {
        let at_end = k == bytes.len();
        if at_end || matches!(bytes[k].1, '.' | ':' | '/') {
            let seg_end = if at_end { run.len() } else { bytes[k].0 };
            if seg_end > seg_start {
                segment(out, text, from + seg_start, from + seg_end, parts);
            }
            // Skip the separator run.
            while k < bytes.len() && matches!(bytes[k].1, '.' | ':' | '/') {
                k += 1;
            }
            seg_start = bytes.get(k).map_or(run.len(), |(b, _)| *b);
            if at_end {
                break;
            }
            continue;
        }
        k += 1;
    }
}

fn segment(out: &mut Out, text: &str, from: usize, to: usize, parts: bool) {
    let words = split_words(&text[from..to]);
    // The whole first: token offsets must never go backwards (snippets rely on it).
    if words.len() > 1 || !parts {
        let whole: String = words
            .iter()
            .map(|(a, b)| &text[from + a..from + b])
            .collect();
        out.push(&whole, from, to);
    }
    if !parts {
        return;
    }
    for (a, b) in &words {
        out.push(&text[from + a..from + b], from + a, from + b);
    }
}

/// Byte ranges of the words in one segment: split at `_`/`-`, camelCase, and letter↔digit.
fn split_words(seg: &str) -> Vec<(usize, usize)> {
    let cs: Vec<(usize, char)> = seg.char_indices().collect();
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    for (k, &(b, c)) in cs.iter().enumerate() {
        if c == '_' || c == '-' {
            if let Some(s) = start.take() {
                words.push((s, b));
            }
            continue;
        }
        if let Some(s) = start {
            let prev = cs[k - 1].1;
            let next = cs.get(k + 1).map(|x| x.1);
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_alphabetic() && c.is_numeric())
                || (prev.is_numeric() && c.is_alphabetic())
                || (prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(char::is_lowercase));
            if boundary {
                words.push((s, b));
                start = Some(b);
            }
        } else {
            start = Some(b);
        }
    }
    if let Some(s) = start {
        words.push((s, seg.len()));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str, index: bool) -> Vec<String> {
        tokens(text, index, true)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn identifiers_split_and_stay_whole() {
        assert_eq!(
            raw("websocket.CloseAbnormalClosure", false),
            [
                "websocket",
                "CloseAbnormalClosure",
                "Close",
                "Abnormal",
                "Closure"
            ]
        );
        assert_eq!(
            raw("CLOSE_ABNORMAL", false),
            ["CLOSEABNORMAL", "CLOSE", "ABNORMAL"]
        );
        assert_eq!(
            raw("CloseCode::Abnormal", false),
            ["CloseCode", "Close", "Code", "Abnormal"]
        );
        assert_eq!(
            raw("TLSHandshake", false),
            ["TLSHandshake", "TLS", "Handshake"]
        );
        assert_eq!(raw("non-UTF-8", false), ["nonUTF8", "non", "UTF", "8"]);
        assert_eq!(
            raw("close 1006 (abnormal closure):", false),
            ["close", "1006", "abnormal", "closure"]
        );
    }

    #[test]
    fn identifier_field_keeps_wholes_only() {
        let t: Vec<String> = tokens("CloseReason.CloseCodes.INTERNAL_SERVER_ERROR", true, false)
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["CloseReason", "CloseCodes", "INTERNALSERVERERROR"]);
    }

    #[test]
    fn han_runs_become_pairs() {
        assert_eq!(raw("服务器重启", false), ["服务", "务器", "器重", "重启"]);
        assert_eq!(raw("断网", true), ["断", "断网", "网"]);
        assert_eq!(raw("非 UTF-8", false), ["非", "UTF8", "UTF", "8"]);
    }

    #[test]
    fn offsets_never_go_backwards() {
        let t = tokens("服务器 websocket.CloseAbnormalClosure 断网", true, true);
        assert!(t.windows(2).all(|w| w[0].offset_from <= w[1].offset_from));
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "关闭 websocket.CloseGoingAway non-UTF-8";
        for t in tokens(text, true, true) {
            let slice: String = text[t.offset_from..t.offset_to]
                .chars()
                .filter(|c| !matches!(c, '-' | '_'))
                .collect();
            assert_eq!(slice, t.text, "{t:?}");
        }
    }

    #[test]
    fn pairs_join_neighbouring_words_per_line() {
        // Stopwords go before pairing, lone letters are passed over, lines are not joined.
        assert_eq!(
            pairs("print the plain text of request\ncan't connect", |_| false),
            ["print_plain", "plain_text", "text_request", "can_connect"]
        );
        // An identifier or a number is not an English word: it breaks the run.
        assert_eq!(
            pairs("close 1006 abnormal closure", |_| false),
            ["abnorm_closur"]
        );
        // A skipped word breaks the run too.
        assert_eq!(
            pairs("why does it close", |w| w == "doe"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn loose_wording_reads_the_same() {
        assert_eq!(
            loose("WebSocket is closed before the connection is established."),
            loose("“websocket was closed before the connection was established”")
        );
        assert_eq!(
            loose("Can't connect: ECONNREFUSED"),
            " can connect econnrefus "
        );
    }

    #[test]
    fn words_inside_urls_are_told_apart() {
        let t = url_terms(
            "connect failed: WebSocket connection to 'wss://example.com/msg_gateway?token=x' failed",
        );
        assert!(t.contains(&"gateway".to_owned()) && t.contains(&"token".to_owned()));
        assert!(
            !t.iter()
                .any(|w| w == "wss" || w == "fail" || w == "connect")
        );
    }

    #[test]
    fn queries_are_lowercased_and_stemmed() {
        assert_eq!(query_terms("Abnormal closures"), ["abnorm", "closur"]);
    }
}
