//! `closecodes explain`: one article for the terminal, in the spirit of `rustc --explain`.
//!
//! The article is Markdown built from the registry (the same facts and UI strings as the site).
//! Piped or with `--color never`/`NO_COLOR`, that Markdown is printed as is, so it copies cleanly;
//! on a terminal it is styled (headings, emphasis, code, wrapped lists) at the terminal's width
//! (`COLUMNS`, at most 100) and, when longer than the screen, sent through `$PAGER` (`less -R`).

use crate::search::Names;
use anstyle::{AnsiColor, Effects, Style};
use closecodes::registry::{Entry, Key, Lang, MAX_CODE, PageRef, Registry, RuntimeKind};
use closecodes::render::Renderer;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What `explain` was asked about.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// The entry and, for a number inside a range, that number.
    Found(&'a Entry, Option<u16>),
    /// Not a close code; the message says why.
    NotFound(String),
}

/// Resolve `1006`, `#1006`, `E1006`-like input, a range `4000-4999`, a constant or a name; the
/// message of a miss is in `lang`.
pub fn lookup<'a>(reg: &'a Registry, query: &str, lang: Lang) -> Lookup<'a> {
    let q = query.trim();
    let digits = q.trim_start_matches(['#', 'e', 'E']);
    if !digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match digits.parse::<u16>().ok().filter(|c| *c <= MAX_CODE) {
            Some(c) => match reg.resolve(c) {
                Some(e) => Lookup::Found(e, (e.key != Key::Code(c)).then_some(c)),
                None => Lookup::NotFound(match lang {
                    Lang::En => format!("{c} is not a documented close code"),
                    Lang::Zh => format!("{c} 不是已收录的关闭码"),
                }),
            },
            None => Lookup::NotFound(match lang {
                Lang::En => format!("{q} is not a valid close code: close codes are 0–4999"),
                Lang::Zh => format!("{q} 不是有效的关闭码：关闭码的取值范围是 0–4999"),
            }),
        };
    }
    if let Some(e) = Key::parse(q).and_then(|k| reg.get(k)) {
        return Lookup::Found(e, None);
    }
    let docs = crate::docs::code_documents(reg);
    let names = Names::new(&docs);
    let find = |q: &str| {
        names.find(q).into_iter().find_map(|i| match docs[i].kind {
            crate::docs::DocKind::Code(k) => reg.get(k),
            _ => None,
        })
    };
    // A name as written in code: `CloseEvent.CLOSE_GOING_AWAY` is looked up as its last part
    // when the whole is unknown.
    let found = find(q).or_else(|| {
        q.rsplit(['.', ':'])
            .next()
            .filter(|last| last.len() >= 4 && *last != q)
            .and_then(find)
    });
    match found {
        Some(e) => Lookup::Found(e, None),
        None => {
            let shown: String = q.chars().take(60).collect();
            Lookup::NotFound(match lang {
                Lang::En => {
                    format!("no close code is called `{shown}`; try `closecodes search {shown}`")
                }
                Lang::Zh => format!(
                    "没有名为 `{shown}` 的关闭码；试试 `closecodes search {shown} --lang zh`"
                ),
            })
        }
    }
}

/// When `query` is a name that documentation printed but no API defines (MDN's old
/// `CLOSE_ABNORMAL`), a warning in `lang` to show above the article.
pub fn legacy_note(reg: &Registry, e: &Entry, query: &str, lang: Lang) -> Option<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let asked = ident(query.rsplit('.').next().unwrap_or(query));
    let c = e.constants.iter().find(|c| {
        c.name.as_deref().is_some_and(|n| ident(n) == asked)
            && reg
                .runtime(&c.runtime)
                .is_some_and(|r| r.kind == RuntimeKind::Legacy)
    })?;
    let name = c.name.as_deref().unwrap_or_default();
    let code = e.key.label();
    Some(match lang {
        Lang::En => format!(
            "`{name}` is a name from MDN's old CloseEvent table, not an API: no browser defines it (`CloseEvent.{name}` is `undefined`). Compare `event.code` with {code}."
        ),
        Lang::Zh => format!(
            "`{name}` 出自 MDN 旧版 CloseEvent 表格，并不是 API：没有任何浏览器定义过它（`CloseEvent.{name}` 的值是 `undefined`）。请直接把 `event.code` 和 {code} 比较。"
        ),
    })
}

/// The article as Markdown.
pub fn markdown(reg: &Registry, e: &Entry, asked: Option<u16>, lang: Lang) -> String {
    let r = Renderer::new(None).ok();
    let s = |k: &str| {
        r.as_ref()
            .map_or_else(|| k.to_owned(), |r| r.string(lang, k))
    };
    let colon = s("colon");
    let fact = |k: &str, v: String| format!("- {}{colon}{v}\n", s(k));
    let t = e.text(lang);
    let mut md = format!("# {} {}\n\n", e.key.label(), t.title);
    if let Some(code) = asked {
        md.push_str(&match lang {
            Lang::En => format!("> {code} has no article of its own; it falls in this range.\n\n"),
            Lang::Zh => format!("> {code} 没有单独的条目，它属于本区间。\n\n"),
        });
    }
    md.push_str(&format!("{}\n\n", t.summary));
    let range = matches!(e.key, Key::Range(..));
    let wire = match (e.wire, range) {
        (true, false) => "wire_yes",
        (false, false) => "wire_no",
        (true, true) => "wire_yes_range",
        (false, true) => "wire_no_range",
    };
    md.push_str(&fact("fact_name", e.name.clone()));
    md.push_str(&fact(
        "fact_status",
        s(&format!("status_{}", e.status.key())),
    ));
    if let Some(reg) = e.registration {
        md.push_str(&fact(
            "fact_registration",
            s(&format!("registration_{}", reg.key())),
        ));
    }
    md.push_str(&fact("fact_wire", s(wire)));
    md.push_str(&format!(
        "- {}{colon}{}\n",
        s("fact_script_html")
            .replace("<code>", "`")
            .replace("</code>", "`"),
        s(if e.script { "script_yes" } else { "script_no" })
    ));
    if !e.senders.is_empty() {
        let senders: Vec<String> = e
            .senders
            .iter()
            .map(|x| s(&format!("sender_{}", x.key())))
            .collect();
        let sep = if lang == Lang::Zh { "、" } else { ", " };
        md.push_str(&fact("fact_senders", senders.join(sep)));
    }
    for (head, body) in [
        ("h_explanation", &t.explanation),
        ("h_causes", &t.causes),
        ("h_diagnosis", &t.diagnosis),
        ("h_client", &t.client),
        ("h_server", &t.server),
    ] {
        if let Some(body) = body {
            let body = match lang {
                Lang::Zh => closecodes::render::join_cjk_lines(body),
                Lang::En => body.clone(),
            };
            md.push_str(&format!("\n## {}\n\n{}\n", s(head), body.trim_end()));
        }
    }
    let label = |key: &str| {
        reg.runtime(key)
            .map_or_else(|| key.to_owned(), |r| r.label(lang).to_owned())
    };
    let constants: Vec<String> = e
        .constants
        .iter()
        .map(|c| match &c.name {
            Some(n) => format!("- {}{colon}`{n}`", label(&c.runtime)),
            None => format!("- {}{colon}*{}*", label(&c.runtime), s("no_constant")),
        })
        .collect();
    if !constants.is_empty() {
        md.push_str(&format!(
            "\n## {}\n\n{}\n",
            s("h_constants"),
            constants.join("\n")
        ));
    }
    let errors = reg.errors_on(&PageRef::Code(e.key));
    if !errors.is_empty() {
        md.push_str(&format!("\n## {}\n\n", s("h_errors")));
        for x in &errors {
            md.push_str(&format!("- {}{colon}`{}`\n", label(&x.runtime), x.text));
        }
    }
    let related: Vec<Key> = e
        .related
        .iter()
        .filter_map(|r| match r {
            PageRef::Code(k) => Some(*k),
            _ => None,
        })
        .collect();
    if !related.is_empty() {
        md.push_str(&format!("\n## {}\n\n", s("h_related")));
        for k in related {
            let title = reg
                .get(k)
                .map_or(String::new(), |x| x.text(lang).title.clone());
            md.push_str(&format!(
                "- {} {title} (`closecodes explain {}`)\n",
                k.label(),
                k.slug()
            ));
        }
    }
    if !e.sources.is_empty() {
        md.push_str(&format!("\n## {}\n\n", s("h_sources")));
        for x in &e.sources {
            md.push_str(&format!("- {}{colon}<{}>\n", x.title, x.url));
        }
    }
    let prefix = if lang == Lang::Zh { "/zh/" } else { "/" };
    md.push_str(&format!(
        "\n{}{colon}{prefix}{}\n",
        s("online"),
        e.page_path()
    ));
    md
}

/// Styled terminal text of `md`, wrapped at `width` display columns.
pub fn styled(md: &str, width: usize) -> String {
    let mut w = Writer::new(width.clamp(40, 100));
    let mut list: Vec<Option<u64>> = Vec::new();
    let mut link: Vec<String> = Vec::new();
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                w.block();
                w.push_style(match level {
                    HeadingLevel::H1 => Style::new().bold().underline(),
                    HeadingLevel::H2 => Style::new().bold().fg_color(Some(AnsiColor::Cyan.into())),
                    _ => Style::new().bold(),
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                w.pop_style();
                w.end_block();
            }
            Event::Start(Tag::Paragraph) if list.is_empty() => w.block(),
            Event::End(TagEnd::Paragraph) => {
                if list.is_empty() {
                    w.end_block();
                } else {
                    w.newline();
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                w.block();
                w.indent += 2;
                w.push_style(Style::new().italic());
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                w.pop_style();
                w.indent -= 2;
            }
            Event::Start(Tag::List(start)) => {
                if list.is_empty() {
                    w.block();
                }
                list.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                list.pop();
                if list.is_empty() {
                    w.end_block();
                }
            }
            Event::Start(Tag::Item) => {
                w.newline();
                let depth = list.len().saturating_sub(1) * 3;
                let marker = match list.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                w.indent = depth + marker.width();
                w.marker(depth, &marker);
            }
            Event::End(TagEnd::Item) => {
                w.newline();
                w.indent = list.len().saturating_sub(1) * 3;
            }
            Event::Start(Tag::Emphasis) => w.push_style(Style::new().italic()),
            Event::Start(Tag::Strong) => w.push_style(Style::new().bold()),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => w.pop_style(),
            Event::Start(Tag::Link { dest_url, .. }) => link.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.pop().filter(|u| u.contains("://")) {
                    w.push_style(Style::new().effects(Effects::DIMMED));
                    w.words(&format!(" <{url}>"));
                    w.pop_style();
                }
            }
            Event::Start(Tag::CodeBlock(_)) => {
                w.block();
                w.in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                w.in_code = false;
                w.end_block();
            }
            Event::Code(c) => {
                w.push_style(Style::new().fg_color(Some(AnsiColor::Yellow.into())));
                // Long code spans (pasted error texts) may wrap at their spaces.
                w.words(&c);
                w.pop_style();
            }
            Event::Text(t) => {
                if w.in_code {
                    w.code_lines(&t);
                } else {
                    w.words(&t);
                }
            }
            Event::SoftBreak => w.words(" "),
            Event::HardBreak => w.newline(),
            Event::End(TagEnd::TableCell) => w.words(" | "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => w.newline(),
            _ => {}
        }
    }
    w.out.trim_end().to_owned() + "\n"
}

/// Greedy word-wrapping writer with a style stack.
struct Writer {
    out: String,
    width: usize,
    col: usize,
    indent: usize,
    styles: Vec<Style>,
    in_code: bool,
    pending_space: bool,
}

impl Writer {
    fn new(width: usize) -> Writer {
        Writer {
            out: String::new(),
            width,
            col: 0,
            indent: 0,
            styles: Vec::new(),
            in_code: false,
            pending_space: false,
        }
    }

    fn style(&self) -> Style {
        self.styles.iter().fold(Style::new(), |acc, s| {
            let mut st = acc.effects(acc.get_effects() | s.get_effects());
            if let Some(c) = s.get_fg_color() {
                st = st.fg_color(Some(c));
            }
            st
        })
    }

    fn push_style(&mut self, s: Style) {
        self.styles.push(s);
    }

    fn pop_style(&mut self) {
        self.styles.pop();
    }

    fn block(&mut self) {
        if !self.out.is_empty() {
            self.newline();
            if !self.out.ends_with("\n\n") {
                self.out.push('\n');
            }
        }
    }

    fn end_block(&mut self) {
        self.newline();
    }

    fn newline(&mut self) {
        if self.col > 0 {
            self.out.push('\n');
        }
        self.col = 0;
        self.pending_space = false;
    }

    fn marker(&mut self, depth: usize, marker: &str) {
        self.out.push_str(&" ".repeat(depth));
        self.out.push_str(marker);
        self.col = depth + marker.width();
    }

    /// Text that may break at spaces (and between CJK characters).
    fn words(&mut self, text: &str) {
        let mut first = true;
        for word in text.split(' ') {
            if !first {
                self.pending_space = true;
            }
            first = false;
            if word.is_empty() {
                continue;
            }
            // CJK text has no spaces: break it per character.
            if word
                .chars()
                .any(|c| c.width().unwrap_or(1) == 2 || crate::tokenize::is_han(c))
            {
                for ch in word.chars() {
                    self.atom(&ch.to_string());
                    self.pending_space = false;
                }
            } else {
                self.atom(word);
            }
        }
    }

    /// One unbreakable piece.
    fn atom(&mut self, piece: &str) {
        let w = piece.width();
        let space = usize::from(self.pending_space && self.col > self.indent);
        if self.col > self.indent && self.col + space + w > self.width {
            self.out.push('\n');
            self.col = 0;
        } else if space == 1 {
            self.out.push(' ');
            self.col += 1;
        }
        if self.col == 0 && self.indent > 0 {
            self.out.push_str(&" ".repeat(self.indent));
            self.col = self.indent;
        }
        let style = self.style();
        self.out.push_str(&format!("{style}{piece}{style:#}"));
        self.col += w;
        self.pending_space = false;
    }

    fn code_lines(&mut self, text: &str) {
        for line in text.lines() {
            self.out.push_str(&" ".repeat(self.indent + 4));
            let style = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
            self.out.push_str(&format!("{style}{line}{style:#}\n"));
        }
        self.col = 0;
    }
}

/// Remove ANSI escape sequences (for measuring and for tests).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_lenient_like_rustc_explain() {
        let reg = crate::embedded::registry();
        for q in [
            "1006",
            "#1006",
            " 1006 ",
            "CloseAbnormalClosure",
            "ABNORMAL_CLOSURE",
            "Abnormal Closure",
        ] {
            assert!(
                matches!(lookup(&reg, q, Lang::En), Lookup::Found(e, None) if e.key == Key::Code(1006)),
                "{q}"
            );
        }
        assert!(
            matches!(lookup(&reg, "4123", Lang::En), Lookup::Found(e, Some(4123)) if e.key == Key::Range(4000, 4999))
        );
        assert!(
            matches!(lookup(&reg, "9999", Lang::En), Lookup::NotFound(m) if m.contains("0–4999"))
        );
        assert!(matches!(
            lookup(&reg, "NoSuchThing", Lang::En),
            Lookup::NotFound(_)
        ));
    }

    #[test]
    fn styled_text_fits_80_columns() {
        let reg = crate::embedded::registry();
        for e in reg.entries() {
            for lang in Lang::ALL {
                let text = strip_ansi(&styled(&markdown(&reg, e, None, lang), 80));
                for line in text.lines() {
                    let long_word = line.split(' ').any(|w| w.width() > 60);
                    assert!(
                        line.width() <= 80 || long_word,
                        "{} {}: {line:?} ({})",
                        e.key,
                        lang.code(),
                        line.width()
                    );
                }
            }
        }
    }
}
