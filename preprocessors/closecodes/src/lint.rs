//! Banned terms in Chinese prose.
//!
//! The glossary (`data/glossary.yaml`) bans variants of the site's Chinese terms (`号段` for 区间,
//! `Close 帧` for 关闭帧 …). [`BannedTerms::check`] finds every banned variant in a file's Chinese
//! prose and reports each as a [`Diagnostic`] at `file:line:column` (in the raw file text; columns
//! in characters, 1-based), naming the term to write, the glossary concept and why the variant is
//! banned. `closecodes check`, the mdBook preprocessor ([`crate::book::load_for_book`], so a banned
//! term fails the build like a data error) and the tests run it.
//!
//! Where the Chinese prose is, by kind of file ([`Kind::of`]):
//! - YAML (the data below `data/`, the UI strings `templates/strings.yaml`): every value under a
//!   `zh` key or a key ending in `-zh` (`label-zh`), in block and flow style alike. The glossary
//!   itself is not checked: it quotes the variants on purpose.
//! - Chinese pages (`*.zh.md`) and the page template (`*.hbs`): the whole text.
//! - Scripts (`*.js`) and Rust sources (`*.rs`): string literals, outside comments and, in Rust,
//!   before the `#[cfg(test)]` module.
//!
//! Inside that prose, inline code (`` `…` ``, `<code>…</code>`), fenced code blocks and URLs are
//! not prose and are skipped. A quotation that must keep a variant is allowed by an HTML comment,
//! `<!-- glossary: allow 号段 -->` (several terms separated by commas), which allows those terms
//! on its own line and on the next line, in Markdown and in YAML text alike. An allow that names no
//! banned term is an error, so that a typo cannot hide a variant. Terms match exactly, except that
//! ASCII letters match in either case (`close 帧`); where banned terms overlap (`登记表` and
//! `登记`), the longest is reported.

use crate::registry::{self, Diagnostic, FileText, LoadError, Term};
use serde_saphyr::granit_parser::{Event, Parser};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What a file holds, which says where its Chinese prose is (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// YAML: the values under `zh` and `…-zh` keys.
    Yaml,
    /// Chinese Markdown or a page template: all of it.
    Text,
    /// JavaScript: string literals.
    Script,
    /// Rust: string literals before the tests.
    Rust,
}

impl Kind {
    /// The kind of `path` by its name, or `None` when it holds no Chinese prose to check
    /// (`glossary.yaml`, English Markdown, anything else).
    pub fn of(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_str()?;
        match path.extension()?.to_str()? {
            "yaml" | "yml" if path.file_stem().is_some_and(|s| s != "glossary") => Some(Kind::Yaml),
            "md" if name.ends_with(".zh.md") => Some(Kind::Text),
            "hbs" => Some(Kind::Text),
            "js" => Some(Kind::Script),
            "rs" => Some(Kind::Rust),
            _ => None,
        }
    }
}

/// One banned variant and what to say about it.
#[derive(Debug, Clone)]
struct Rule {
    /// The variant as the glossary writes it.
    term: String,
    /// The variant with ASCII letters in lower case, as matched.
    key: String,
    /// The concept that bans it.
    concept: String,
    /// The term to write instead.
    instead: String,
    /// Why, in English and in Chinese.
    why_en: String,
    why_zh: String,
}

/// The banned variants of a glossary, ready to check text.
#[derive(Debug, Clone, Default)]
pub struct BannedTerms {
    rules: Vec<Rule>,
}

impl BannedTerms {
    /// Every `banned[].term` of `glossary`.
    pub fn new(glossary: &[Term]) -> BannedTerms {
        let mut rules = Vec::new();
        for t in glossary {
            for b in &t.banned {
                let term = b.term.trim();
                if term.is_empty() {
                    continue;
                }
                rules.push(Rule {
                    term: term.to_owned(),
                    key: term.to_ascii_lowercase(),
                    concept: t.concept.clone(),
                    instead: t.zh.clone(),
                    why_en: b.why.en.clone(),
                    why_zh: b.why.zh.clone(),
                });
            }
        }
        BannedTerms { rules }
    }

    /// How many variants are banned.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether nothing is banned (no glossary, or one without `banned` terms).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Read and check each file whose [`Kind`] is known (others are skipped).
    pub fn check_files(&self, files: &[PathBuf]) -> Result<Vec<Diagnostic>, LoadError> {
        let mut out = Vec::new();
        for file in files {
            let Some(kind) = Kind::of(file) else {
                continue;
            };
            // A YAML file that is oversized or not UTF-8 is reported by the loader; others
            // here. The rest of a file that is not UTF-8 is still checked.
            let text = match crate::registry::read_text(file)? {
                FileText::Utf8(t) => t,
                FileText::Lossy(t, d) => {
                    if kind != Kind::Yaml {
                        out.push(d);
                    }
                    t
                }
                FileText::TooBig(d) => {
                    if kind != Kind::Yaml {
                        out.push(d);
                    }
                    continue;
                }
            };
            out.extend(self.check(file, &text, kind));
        }
        Ok(out)
    }

    /// Every banned variant in the Chinese prose of `text` (the contents of `file`, of `kind`),
    /// and every malformed allow comment, in text order.
    pub fn check(&self, file: &Path, text: &str, kind: Kind) -> Vec<Diagnostic> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let lower = text.to_ascii_lowercase();
        let lines = Lines::new(text);
        let mut diags = Vec::new();
        let allowed = self.allows(file, text, &lines, &mut diags);

        let regions: Vec<(Range<usize>, String)> = match kind {
            Kind::Yaml => yaml_regions(text),
            Kind::Text => vec![(0..text.len(), "(text)".to_owned())],
            Kind::Script | Kind::Rust => string_literals(text, kind == Kind::Rust)
                .into_iter()
                .map(|r| (r, "(string)".to_owned()))
                .collect(),
        };
        let mut prose = vec![false; text.len()];
        for (r, _) in &regions {
            mark_prose(text, &lower, r.clone(), &mut prose);
        }

        // (start, end, rule) of every match that lies wholly in prose.
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            for (at, _) in lower.match_indices(rule.key.as_str()) {
                let end = at + rule.key.len();
                if prose[at..end].iter().all(|p| *p) {
                    hits.push((at, end, i));
                }
            }
        }
        hits.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        for h in hits {
            if !kept.iter().any(|k| k.0 <= h.0 && h.1 <= k.1) {
                kept.push(h);
            }
        }
        for (at, _, i) in kept {
            let rule = &self.rules[i];
            let (line, column) = lines.locate(text, at);
            if allowed
                .iter()
                .any(|(l, key)| *l == line && *key == rule.key)
            {
                continue;
            }
            let field = regions
                .iter()
                .find(|(r, _)| r.contains(&at))
                .map_or("(text)", |(_, f)| f.as_str());
            diags.push(Diagnostic {
                file: file.to_owned(),
                line,
                column,
                field: field.to_owned(),
                message: format!(
                    "`{}` is banned in Chinese prose; write `{}` (glossary `{}`): {} ({})",
                    rule.term, rule.instead, rule.concept, rule.why_en, rule.why_zh
                ),
            });
        }
        diags.sort_by_key(|d| (d.line, d.column));
        diags
    }

    /// The `<!-- glossary: allow … -->` comments of `text`: (1-based line, term key) for the
    /// comment's line and the next. A comment that allows no banned term is reported.
    fn allows(
        &self,
        file: &Path,
        text: &str,
        lines: &Lines,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<(u64, String)> {
        const SYNTAX: &str = "`<!-- glossary: allow TERM -->` (several: `<!-- glossary: allow TERM, TERM -->`) with variants banned in data/glossary.yaml";
        let mut out = Vec::new();
        let mut search = 0;
        while let Some(found) = text[search..].find("<!--") {
            let start = search + found;
            let body_start = start + 4;
            let Some(len) = text[body_start..].find("-->") else {
                break;
            };
            search = body_start + len + 3;
            let body = text[body_start..body_start + len].trim();
            let Some(rest) = body.strip_prefix("glossary:") else {
                continue;
            };
            let (line, column) = lines.locate(text, start);
            let mut err = |message: String| {
                diags.push(Diagnostic {
                    file: file.to_owned(),
                    line,
                    column,
                    field: "(allow)".to_owned(),
                    message,
                });
            };
            let list = match rest.trim_start().strip_prefix("allow") {
                Some(list) if list.starts_with(char::is_whitespace) && !list.trim().is_empty() => {
                    list
                }
                _ => {
                    err(format!("expected {SYNTAX}"));
                    continue;
                }
            };
            for term in list.split([',', '，', '、']).map(str::trim) {
                if term.is_empty() {
                    continue;
                }
                let key = term.to_ascii_lowercase();
                if self.rules.iter().any(|r| r.key == key) {
                    out.push((line, key.clone()));
                    out.push((line + 1, key));
                } else {
                    err(format!(
                        "`{term}` is not a banned term; an allow comment is {SYNTAX}"
                    ));
                }
            }
        }
        out
    }
}

/// Every file below a book with Chinese prose to check: the data (`data`, a folder or one file;
/// the glossary is skipped), and when `root` (the book's root) is given, its Chinese pages
/// (`src/**/*.zh.md`), UI strings (`preprocessors/closecodes/templates/*.yaml`), theme scripts and
/// page template (`theme/*.js`, `theme/*.hbs`) and the CLI's sources
/// (`preprocessors/cli/src/*.rs`), those that exist. In path order per part.
pub fn tree_files(data: &Path, root: Option<&Path>) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = registry::yaml_files(data)?;
    if let Some(root) = root {
        files.extend(list(&root.join("src"), true, |n| n.ends_with(".zh.md"))?);
        files.extend(list(
            &root.join("preprocessors/closecodes/templates"),
            false,
            |n| n.ends_with(".yaml") || n.ends_with(".yml"),
        )?);
        files.extend(list(&root.join("theme"), false, |n| {
            n.ends_with(".js") || n.ends_with(".hbs")
        })?);
        files.extend(list(&root.join("preprocessors/cli/src"), false, |n| {
            n.ends_with(".rs")
        })?);
    }
    files.retain(|f| Kind::of(f).is_some());
    Ok(files)
}

/// Files below `dir` whose name passes `keep`, sorted; nothing when `dir` does not exist.
fn list(dir: &Path, recurse: bool, keep: fn(&str) -> bool) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let read = match std::fs::read_dir(&d) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && d == dir => return Ok(out),
            Err(source) => return Err(LoadError::Io { path: d, source }),
        };
        for item in read {
            let p = item
                .map_err(|source| LoadError::Io {
                    path: d.clone(),
                    source,
                })?
                .path();
            if p.is_dir() {
                if recurse {
                    stack.push(p);
                }
            } else if p.file_name().and_then(|n| n.to_str()).is_some_and(keep) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The glossary that applies to `path` (a data folder or file) when the data itself holds none:
/// the nearest `glossary.yaml` or `data/glossary.yaml` in `path` or a folder above it.
pub fn glossary_near(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .flat_map(|a| [a.join("glossary.yaml"), a.join("data/glossary.yaml")])
        .find(|p| p.is_file())
}

/// Byte offsets where lines start, to turn an offset into line and column.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    /// 1-based line and 1-based column in characters of byte offset `at`.
    fn locate(&self, text: &str, at: usize) -> (u64, u64) {
        let l = self.starts.partition_point(|s| *s <= at).saturating_sub(1);
        let column = text[self.starts[l]..at].chars().count() + 1;
        (l as u64 + 1, column as u64)
    }
}

// ---------------------------------------------------------------------------------------------
// Where the prose is.

/// Mark `range` of `text` as prose in `prose`, except fenced code blocks, inline code,
/// `<code>` elements and URLs. `lower` is `text` with ASCII letters in lower case.
fn mark_prose(text: &str, lower: &str, range: Range<usize>, prose: &mut [bool]) {
    let base = range.start;
    let region = &text[range.clone()];
    let bytes = region.as_bytes();
    prose[range.clone()].fill(true);
    let clear =
        |r: Range<usize>, prose: &mut [bool]| prose[base + r.start..base + r.end].fill(false);

    // Fenced code blocks: from a line starting with ``` or ~~~ to the line that closes it.
    let mut fence: Option<(u8, usize)> = None;
    let mut off = 0;
    for line in region.split_inclusive('\n') {
        let t = line.trim_start();
        let opener = match t.as_bytes().first() {
            Some(&c @ (b'`' | b'~')) => {
                let n = t.bytes().take_while(|b| *b == c).count();
                (n >= 3).then_some((c, n))
            }
            _ => None,
        };
        match (fence, opener) {
            (None, Some(o)) => {
                fence = Some(o);
                clear(off..off + line.len(), prose);
            }
            (Some((c, n)), Some((c2, n2))) if c == c2 && n2 >= n && t[n2..].trim().is_empty() => {
                fence = None;
                clear(off..off + line.len(), prose);
            }
            (Some(_), _) => clear(off..off + line.len(), prose),
            (None, None) => {}
        }
        off += line.len();
    }

    // Inline code: a run of N backticks up to the next run of exactly N, within a paragraph.
    let run = |at: usize| bytes[at..].iter().take_while(|b| **b == b'`').count();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' || !prose[base + i] {
            i += 1;
            continue;
        }
        let n = run(i);
        let mut j = i + n;
        let mut close = None;
        while j < bytes.len() && prose[base + j] {
            match bytes[j] {
                b'`' => {
                    let m = run(j);
                    if m == n {
                        close = Some(j + m);
                        break;
                    }
                    j += m;
                }
                b'\n'
                    if region[j + 1..]
                        .split('\n')
                        .next()
                        .is_some_and(|l| l.trim().is_empty()) =>
                {
                    break;
                }
                _ => j += 1,
            }
        }
        match close {
            Some(end) => {
                clear(i..end, prose);
                i = end;
            }
            None => i += n,
        }
    }

    let lower = &lower[range];
    // `<code>` elements.
    let mut from = 0;
    while let Some(s) = lower[from..].find("<code") {
        let s = from + s;
        let end = lower[s..]
            .find("</code>")
            .map_or(bytes.len(), |e| s + e + 7);
        clear(s..end, prose);
        from = end;
    }
    // URLs: up to a space, a bracket, a quote or Chinese punctuation.
    for scheme in ["http://", "https://"] {
        for (s, _) in lower.match_indices(scheme) {
            let len: usize = region[s..]
                .chars()
                .take_while(|c| {
                    !c.is_whitespace()
                        && !"<>()[]{}\"'`，。；：！？（）“”‘’、《》【】「」".contains(*c)
                })
                .map(char::len_utf8)
                .sum();
            clear(s..s + len, prose);
        }
    }
}

/// The raw text of every YAML scalar under a `zh` or `…-zh` key, with its field path
/// (`zh.explanation`, `codes[1].zh.meaning`, `reference_intro.zh`); the index into a file's
/// top-level list of entries is left out, as in the registry's messages. A syntax error ends the
/// scan (the registry reports it).
fn yaml_regions(text: &str) -> Vec<(Range<usize>, String)> {
    enum Frame {
        Map {
            key: Option<String>,
            want_key: bool,
            is_key: bool,
        },
        Seq {
            index: usize,
            is_key: bool,
        },
    }
    fn advance(stack: &mut [Frame]) {
        match stack.last_mut() {
            Some(Frame::Map { want_key, .. }) => *want_key = true,
            Some(Frame::Seq { index, .. }) => *index += 1,
            None => {}
        }
    }
    /// Whether the next node is a key; if so, it becomes `key` of the mapping.
    fn take_key(stack: &mut [Frame], key: &str) -> bool {
        match stack.last_mut() {
            Some(Frame::Map {
                key: k,
                want_key: want @ true,
                ..
            }) => {
                *k = Some(key.to_owned());
                *want = false;
                true
            }
            _ => false,
        }
    }
    fn is_zh(key: &str) -> bool {
        key == "zh" || key.ends_with("-zh") || key.ends_with("_zh")
    }
    fn path(stack: &[Frame]) -> String {
        let mut out = String::new();
        for (depth, f) in stack.iter().enumerate() {
            match f {
                Frame::Map { key: Some(k), .. } => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Frame::Seq { index, .. } if depth > 0 => out.push_str(&format!("[{index}]")),
                _ => {}
            }
        }
        out
    }

    let mut stack: Vec<Frame> = Vec::new();
    let mut out = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else { break };
        match event {
            Event::Scalar(value, ..) => {
                if take_key(&mut stack, &value) {
                    continue;
                }
                let in_zh = stack
                    .iter()
                    .any(|f| matches!(f, Frame::Map { key: Some(k), .. } if is_zh(k)));
                if in_zh && let Some(r) = span.byte_range() {
                    out.push((r, path(&stack)));
                }
                advance(&mut stack);
            }
            Event::Alias(_) => {
                let was_key = take_key(&mut stack, "*");
                if !was_key {
                    advance(&mut stack);
                }
            }
            Event::MappingStart(..) => {
                let is_key = take_key(&mut stack, "?");
                stack.push(Frame::Map {
                    key: None,
                    want_key: true,
                    is_key,
                });
            }
            Event::SequenceStart(..) => {
                let is_key = take_key(&mut stack, "?");
                stack.push(Frame::Seq { index: 0, is_key });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let was_key = matches!(
                    stack.pop(),
                    Some(Frame::Map { is_key: true, .. } | Frame::Seq { is_key: true, .. })
                );
                if !was_key {
                    advance(&mut stack);
                }
            }
            _ => {}
        }
    }
    out
}

/// The contents (between the quotes) of every string literal in a JavaScript or (`rust`) Rust
/// source, skipping comments and JavaScript regular expressions; in Rust, only before the first
/// `#[cfg(test)]` at the start of a line.
fn string_literals(text: &str, rust: bool) -> Vec<Range<usize>> {
    let end_of_code = if rust {
        text.match_indices("#[cfg(test)]")
            .find(|(i, _)| *i == 0 || text.as_bytes()[i - 1] == b'\n')
            .map_or(text.len(), |(i, _)| i)
    } else {
        text.len()
    };
    let b = &text.as_bytes()[..end_of_code];
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // Scan a quoted literal opened at `open` (the quote): its contents, and where scanning goes on.
    let quoted = |open: usize, quote: u8, multiline: bool| -> (Range<usize>, usize) {
        let mut j = open + 1;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 2,
                c if c == quote => return (open + 1..j, j + 1),
                b'\n' if !multiline => return (open + 1..j, j),
                _ => j += 1,
            }
        }
        (open + 1..b.len(), b.len())
    };
    let mut out = Vec::new();
    // The last significant byte before the current one (for JavaScript regular expressions).
    let mut last: u8 = b'\n';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match c {
            b'/' if next == Some(b'/') => {
                i = b[i..]
                    .iter()
                    .position(|x| *x == b'\n')
                    .map_or(b.len(), |p| i + p);
                continue;
            }
            b'/' if next == Some(b'*') => {
                i = text[i + 2..end_of_code]
                    .find("*/")
                    .map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'/' if !rust && b"(,=:[!&|?{};+-*%<>~^\n".contains(&last) => {
                // A regular expression literal: to the closing `/` outside a character class.
                let mut j = i + 1;
                let mut class = false;
                while j < b.len() && b[j] != b'\n' {
                    match b[j] {
                        b'\\' => j += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
                last = b'/';
                continue;
            }
            b'r' if rust && (i == 0 || !ident(b[i - 1]) || b[i - 1] == b'b') => {
                let hashes = b[i + 1..].iter().take_while(|x| **x == b'#').count();
                if b.get(i + 1 + hashes) == Some(&b'"') {
                    let open = i + 2 + hashes;
                    let closing = format!("\"{}", "#".repeat(hashes));
                    let end = text[open..end_of_code]
                        .find(&closing)
                        .map_or(b.len(), |p| open + p);
                    out.push(open..end);
                    i = (end + closing.len()).min(b.len());
                    last = b'"';
                    continue;
                }
            }
            // A string: "…" in both languages; '…' and `…` in JavaScript. The third argument
            // says whether the literal may span lines (Rust strings and template literals).
            q @ (b'"' | b'\'' | b'`') if q == b'"' || !rust => {
                let multiline = if q == b'"' { rust } else { q == b'`' };
                let (contents, next) = quoted(i, q, multiline);
                out.push(contents);
                i = next;
                last = b'"';
                continue;
            }
            b'\'' => {
                // Rust: a character literal ('x', '\n', '"') or a lifetime ('a).
                let ch_len = text[i + 1..end_of_code]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                if next == Some(b'\\') {
                    i = b
                        .get(i + 3..)
                        .and_then(|rest| rest.iter().position(|x| *x == b'\''))
                        .map_or(b.len(), |p| i + 3 + p + 1);
                } else if b.get(i + 1 + ch_len) == Some(&b'\'') {
                    i += ch_len + 2;
                } else {
                    i += 1;
                }
                last = b'\'';
                continue;
            }
            _ => {}
        }
        if !c.is_ascii_whitespace() || c == b'\n' {
            last = c;
        }
        i += 1;
    }
    // A literal's end may fall inside a multi-byte character only if the file is cut short.
    out.retain(|r| text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLOSSARY: &str = r#"
- concept: range
  en: Range
  zh: 区间
  definition: {en: A span., zh: 一段。}
  reason: {en: Because., zh: 因为。}
  banned:
    - term: 号段
      why: {en: "telecom word", zh: "电信用词"}
- concept: close-frame
  en: Close frame
  zh: 关闭帧
  definition: {en: A frame., zh: 一帧。}
  reason: {en: Because., zh: 因为。}
  banned:
    - term: Close 帧
      why: {en: "mixed scripts", zh: "中英混写"}
- concept: iana-registry
  en: IANA registry
  zh: IANA 注册表
  definition: {en: The registry., zh: 注册表。}
  reason: {en: Because., zh: 因为。}
  banned:
    - term: 登记表
      why: {en: "a paper form", zh: "纸质表格"}
- concept: register
  en: Register
  zh: 注册
  definition: {en: To register., zh: 注册。}
  reason: {en: Because., zh: 因为。}
  banned:
    - term: 登记
      why: {en: "hotel check-in", zh: "入住登记"}
"#;

    fn banned() -> BannedTerms {
        let reg = registry::load_sources([(Path::new("glossary.yaml"), GLOSSARY)]).unwrap();
        BannedTerms::new(reg.glossary())
    }

    /// `line:column field term` of each diagnostic.
    fn found(text: &str, kind: Kind) -> Vec<String> {
        banned()
            .check(Path::new("f"), text, kind)
            .iter()
            .map(|d| {
                let term = d.message.split('`').nth(1).unwrap_or("");
                format!("{}:{} {} {term}", d.line, d.column, d.field)
            })
            .collect()
    }

    #[test]
    fn kinds_by_file_name() {
        assert_eq!(
            Kind::of(Path::new("data/codes/1006.yaml")),
            Some(Kind::Yaml)
        );
        assert_eq!(Kind::of(Path::new("data/glossary.yaml")), None);
        assert_eq!(Kind::of(Path::new("src/guides/x.zh.md")), Some(Kind::Text));
        assert_eq!(Kind::of(Path::new("src/guides/x.md")), None);
        assert_eq!(Kind::of(Path::new("theme/index.hbs")), Some(Kind::Text));
        assert_eq!(
            Kind::of(Path::new("theme/closecodes.js")),
            Some(Kind::Script)
        );
        assert_eq!(Kind::of(Path::new("src/explain.rs")), Some(Kind::Rust));
        assert_eq!(Kind::of(Path::new("theme/closecodes.css")), None);
    }

    #[test]
    fn yaml_zh_values_only_with_their_field_and_character_columns() {
        let text = "\
- code: 4000
  en: {title: 号段, summary: \"号段\"}
  zh: {title: 本号段, summary: \"属于号段。\"}
  label-zh: 号段 A
  zh-note: 号段
  limits:
    - exceeded:
        en: 号段
        zh: |
          第一行。
          超出后关闭，属于 4000–4999 号段。
";
        assert_eq!(
            found(text, Kind::Yaml),
            [
                "3:16 zh.title 号段",
                "3:32 zh.summary 号段",
                "4:13 label-zh 号段",
                "11:30 limits[0].exceeded.zh 号段",
            ]
        );
        // A top-level mapping (the UI strings) keeps every key in the path.
        assert_eq!(
            found("range_of: {en: Range, zh: 号段}\n", Kind::Yaml),
            ["1:27 range_of.zh 号段"]
        );
    }

    #[test]
    fn code_fences_urls_and_english_are_not_prose() {
        let text = "\
# 标题

用 `号段` 和 ``a ` 号段`` 写代码不算；<code>号段</code> 也不算。
链接 https://example.com/号段 与 <https://example.com/a?号段> 不算，但（号段）算。

```text
号段
```

    ~~~
    号段
    ~~~
末尾的 ` 不成对，所以号段算。
";
        assert_eq!(
            found(text, Kind::Text),
            ["4:61 (text) 号段", "13:13 (text) 号段"]
        );
    }

    #[test]
    fn allow_comments_cover_their_line_and_the_next() {
        let text = "\
<!-- glossary: allow 号段, Close 帧 -->
MDN 的表里写作“号段”和“Close 帧”。
再下一行的号段不在允许之内。
引用：号段 <!-- glossary: allow 号段 -->
<!-- glossary: allow 段号 -->
<!-- glossary: permit 号段 -->
";
        assert_eq!(
            found(text, Kind::Text),
            [
                "3:6 (text) 号段",
                "5:1 (allow) 段号",
                "6:1 (allow) <!-- glossary: allow TERM -->",
                // A malformed comment allows nothing.
                "6:23 (text) 号段",
            ]
        );
        let d = banned().check(Path::new("f"), text, Kind::Text);
        assert!(
            d[1].message.contains("is not a banned term"),
            "{}",
            d[1].message
        );
        assert!(
            d[2].message
                .starts_with("expected `<!-- glossary: allow TERM -->`")
        );
    }

    #[test]
    fn overlapping_terms_report_the_longest_and_ascii_case_is_ignored() {
        assert_eq!(
            found("已在 IANA 登记表中登记。close 帧、CLOSE 帧。", Kind::Text),
            [
                "1:9 (text) 登记表",
                "1:13 (text) 登记",
                "1:16 (text) Close 帧",
                "1:24 (text) Close 帧",
            ]
        );
    }

    #[test]
    fn the_message_names_the_term_to_write_the_concept_and_why() {
        let d = banned().check(Path::new("src/x.zh.md"), "这个号段。", Kind::Text);
        assert_eq!(
            d[0].to_string(),
            "src/x.zh.md:1:3: error in `(text)`: `号段` is banned in Chinese prose; write `区间` (glossary `range`): telecom word (电信用词)"
        );
    }

    #[test]
    fn scripts_check_string_literals_not_comments_or_regular_expressions() {
        let js = "\
// 号段 in a comment
/* 号段 */ const a = \"号段 \" + r, b = '号段', c = `号段 ${x}`;
if (/[\"']号段/.test(s)) return x / 2 / \"号段\";
";
        assert_eq!(
            found(js, Kind::Script),
            [
                "2:21 (string) 号段",
                "2:36 (string) 号段",
                "2:46 (string) 号段",
                "3:39 (string) 号段",
            ]
        );
    }

    #[test]
    fn rust_checks_string_literals_before_the_tests() {
        let rs = "\
// 号段
fn f<'a>(c: char) -> &'a str {
    if c == '\"' || c == '号' { return \"号段\"; }
    let _ = r#\"raw \"号段\" \"#;
    /* 号段 */ \"关闭码 `号段` 在 https://x.cn/号段\"
}

#[cfg(test)]
mod tests { const S: &str = \"号段\"; }
";
        assert_eq!(
            found(rs, Kind::Rust),
            ["3:39 (string) 号段", "4:21 (string) 号段"]
        );
    }

    #[test]
    fn nothing_is_banned_without_a_glossary() {
        let none = BannedTerms::new(&[]);
        assert!(none.is_empty());
        assert!(none.check(Path::new("f"), "号段", Kind::Text).is_empty());
    }

    /// The shipped tree (data, Chinese guides, UI strings, theme scripts, CLI messages) uses no
    /// banned variant.
    #[test]
    fn the_shipped_tree_has_no_banned_term() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let reg = registry::load(&root.join("data")).unwrap();
        let banned = BannedTerms::new(reg.glossary());
        assert!(
            banned.len() >= 20,
            "the glossary bans {} terms",
            banned.len()
        );
        let files = tree_files(&root.join("data"), Some(&root)).unwrap();
        for f in [
            "src/guides/keepalive.zh.md",
            "preprocessors/closecodes/templates/strings.yaml",
            "theme/closecodes-search.js",
            "preprocessors/cli/src/explain.rs",
            "data/codes/1006.yaml",
        ] {
            assert!(files.contains(&root.join(f)), "{f} is checked");
        }
        assert!(!files.iter().any(|f| f.ends_with("glossary.yaml")));
        let diags = banned.check_files(&files).unwrap();
        let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert!(diags.is_empty(), "{}", shown.join("\n"));
    }
}
