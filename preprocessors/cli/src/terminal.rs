//! Markdown for a terminal: headings, emphasis, code, lists with hanging indents, code blocks
//! kept line by line, tables as aligned columns that wrap inside their cells (or, when even
//! that does not fit, one block of `Header: value` lines per row), and links either as OSC 8
//! hyperlinks or as numbered references after the text. Widths are display columns, so Chinese
//! counts two per character.

use anstyle::{AnsiColor, Effects, Style};
use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How links are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// OSC 8 hyperlinks: the link text is clickable, nothing is added.
    Hyperlinks,
    /// A number after the link text, and the addresses listed after the article.
    Numbered,
}

/// Columns between two table columns.
const GAP: usize = 2;
/// A column is never narrower than this when wrapping (else rows become blocks).
const MIN_COLUMN: usize = 8;

/// Styled terminal text of `md`, wrapped at `width` display columns (40–100).
pub fn styled(md: &str, width: usize, links: Links) -> String {
    let mut w = Writer::new(width.clamp(40, 100));
    let mut list: Vec<Option<u64>> = Vec::new();
    let mut link: Vec<String> = Vec::new();
    let mut refs: Vec<String> = Vec::new();
    let mut table: Option<Table> = None;
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES) {
        // Inside a table, text is collected per cell and laid out at the end of the table.
        if let Some(t) = table.as_mut() {
            match ev {
                Event::Start(Tag::TableHead | Tag::TableRow) => t.rows.push(Vec::new()),
                Event::Start(Tag::TableCell) => {
                    if let Some(r) = t.rows.last_mut() {
                        r.push(String::new());
                    }
                }
                Event::Text(s) | Event::Code(s) => t.push(&s),
                Event::SoftBreak | Event::HardBreak => t.push(" "),
                Event::Html(h) | Event::InlineHtml(h) => t.push(&strip_tags(&h)),
                Event::End(TagEnd::Table) => {
                    let t = table.take().unwrap_or_default();
                    w.block();
                    w.table(&t.rows);
                }
                _ => {}
            }
            continue;
        }
        match ev {
            Event::Start(Tag::Table(_)) => table = Some(Table::default()),
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
            Event::Start(Tag::Link {
                dest_url,
                link_type,
                ..
            }) => {
                let url = dest_url.to_string();
                if links == Links::Hyperlinks && url.contains("://") {
                    w.hyperlink = Some(url.clone());
                }
                // An address written as itself (`<https://…>`) needs no reference number.
                link.push(if link_type == LinkType::Autolink {
                    String::new()
                } else {
                    url
                });
            }
            Event::End(TagEnd::Link) => {
                w.hyperlink = None;
                if let Some(url) = link.pop().filter(|u| u.contains("://"))
                    && links == Links::Numbered
                {
                    let n = match refs.iter().position(|r| *r == url) {
                        Some(i) => i + 1,
                        None => {
                            refs.push(url);
                            refs.len()
                        }
                    };
                    w.push_style(Style::new().effects(Effects::DIMMED));
                    w.glue(&format!("[{n}]"));
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
            _ => {}
        }
    }
    if !refs.is_empty() {
        w.block();
        for (i, url) in refs.iter().enumerate() {
            w.newline();
            let marker = format!("[{}] ", i + 1);
            w.indent = marker.width();
            w.marker(0, &marker);
            w.push_style(Style::new().effects(Effects::DIMMED));
            // An address longer than the line is cut into pieces that fit.
            let room = w.width.saturating_sub(w.indent).max(1);
            for piece in wrap(url, room) {
                w.atom(&piece);
            }
            w.pop_style();
        }
        w.indent = 0;
    }
    w.flush();
    w.out.trim_end().to_owned() + "\n"
}

/// A table's cells as plain text, row by row (the first row is the header).
#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn push(&mut self, s: &str) {
        if let Some(c) = self.rows.last_mut().and_then(|r| r.last_mut()) {
            c.push_str(s);
        }
    }
}

/// HTML tags removed (`<code>x</code>` in a cell is `x`), entities decoded.
fn strip_tags(h: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in h.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#124;", "|")
        .replace("&amp;", "&")
}

/// `text` broken into lines of at most `width` columns: at spaces, between CJK characters, and
/// inside a word only when the word alone is wider than the line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    let mut col = 0;
    for word in text.split_whitespace() {
        let pieces: Vec<String> = if word.chars().any(is_wide) {
            breakable(word)
        } else if word.width() > width {
            // A long identifier or path breaks after `/ . _ - :` before it is cut anywhere.
            let mut v = vec![String::new()];
            for ch in word.chars() {
                v.last_mut().unwrap().push(ch);
                if "/._-:".contains(ch) {
                    v.push(String::new());
                }
            }
            v.retain(|p| !p.is_empty());
            v
        } else {
            vec![word.to_owned()]
        };
        for (i, piece) in pieces.iter().enumerate() {
            let space = usize::from(i == 0 && col > 0);
            let w = piece.width();
            if col > 0 && col + space + w > width {
                lines.push(String::new());
                col = 0;
            } else if space == 1 {
                lines.last_mut().unwrap().push(' ');
                col += 1;
            }
            if w > width {
                // A word longer than the line: cut it.
                for ch in piece.chars() {
                    let cw = ch.width().unwrap_or(0);
                    if col + cw > width {
                        // A closing mark takes the character before it to the next line.
                        let carried = if closing(ch) {
                            lines.last_mut().unwrap().pop()
                        } else {
                            None
                        };
                        lines.push(carried.map(String::from).unwrap_or_default());
                        col = carried.map_or(0, |c| c.width().unwrap_or(0));
                    }
                    lines.last_mut().unwrap().push(ch);
                    col += cw;
                }
            } else {
                lines.last_mut().unwrap().push_str(piece);
                col += w;
            }
        }
    }
    lines
}

fn is_wide(c: char) -> bool {
    c.width().unwrap_or(1) == 2
}

/// Punctuation that must not start a line (it stays with the character before it).
fn closing(c: char) -> bool {
    "，。、；：！？）」』》】〉”’…—".contains(c)
}

/// Punctuation that must not end a line (it goes with the character after it).
fn opening(c: char) -> bool {
    "（「『《【〈“‘".contains(c)
}

/// A space-free run of text cut where a line may break: between CJK characters, never inside a
/// Latin run, never before closing or after opening punctuation.
fn breakable(word: &str) -> Vec<String> {
    let mut atoms: Vec<String> = Vec::new();
    let mut glue_next = false;
    for ch in word.chars() {
        let joins = match atoms.last() {
            None => false,
            Some(last) => {
                let prev = last.chars().last().unwrap_or(' ');
                glue_next || closing(ch) || (!is_wide(ch) && !is_wide(prev) && !closing(prev))
            }
        };
        if joins {
            atoms.last_mut().unwrap().push(ch);
        } else {
            atoms.push(ch.to_string());
        }
        glue_next = opening(ch);
    }
    atoms
}

/// Column widths for a table at `width`: each column's natural width when they all fit,
/// otherwise shares of the room in proportion to what each needs beyond its longest word; `None`
/// when even the narrowest layout does not fit.
fn column_widths(rows: &[Vec<String>], width: usize) -> Option<Vec<usize>> {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    if n == 0 {
        return None;
    }
    let room = width.checked_sub(GAP * (n - 1))?;
    let mut natural = vec![0usize; n];
    let mut least = vec![0usize; n];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            natural[i] = natural[i].max(c.width());
            let longest = c.split_whitespace().map(|w| w.width()).max().unwrap_or(0);
            least[i] = least[i].max(longest.min(14));
        }
    }
    if natural.iter().sum::<usize>() <= room {
        return Some(natural);
    }
    let least: Vec<usize> = least
        .iter()
        .zip(&natural)
        .map(|(l, n)| (*l).max(MIN_COLUMN.min(*n)))
        .collect();
    let base: usize = least.iter().sum();
    if base > room {
        return None;
    }
    let extra: Vec<usize> = natural.iter().zip(&least).map(|(n, l)| n - l).collect();
    let want: usize = extra.iter().sum();
    let spare = room - base;
    let mut widths: Vec<usize> = least
        .iter()
        .zip(&extra)
        .map(|(l, e)| l + e * spare / want.max(1))
        .collect();
    // Rounding leaves a few columns; give them to the widest wants.
    let mut left = room - widths.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| std::cmp::Reverse(extra[*i]));
    for i in order.into_iter().cycle().take(n * 4) {
        if left == 0 {
            break;
        }
        if widths[i] < natural[i] {
            widths[i] += 1;
            left -= 1;
        }
    }
    Some(widths)
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
    /// The URL of the OSC 8 link being written, if any.
    hyperlink: Option<String>,
    /// The last piece, held back until the next one shows whether they must share a line (a
    /// closing mark such as `，` after a code span).
    held: Option<Group>,
}

/// Pieces placed together: (text, style, hyperlink), and whether a space comes before them.
struct Group {
    space: bool,
    parts: Vec<(String, Style, Option<String>)>,
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
            hyperlink: None,
            held: None,
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
        self.flush();
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
        self.flush();
        if self.col > 0 {
            self.out.push('\n');
        }
        self.col = 0;
        self.pending_space = false;
    }

    fn marker(&mut self, depth: usize, marker: &str) {
        self.flush();
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
            // CJK text has no spaces: break it between characters (not inside Latin runs, not
            // before closing punctuation).
            if word
                .chars()
                .any(|c| is_wide(c) || crate::tokenize::is_han(c))
            {
                let mut first_atom = true;
                for atom in breakable(word) {
                    if !first_atom {
                        self.pending_space = false;
                    }
                    first_atom = false;
                    // A closing mark at the very start joins the previous piece's line.
                    if atom.starts_with(closing) && self.col > self.indent {
                        self.pending_space = false;
                    }
                    self.atom(&atom);
                }
            } else {
                self.atom(word);
            }
        }
    }

    /// A piece written right after the previous one, without a space (a reference number).
    fn glue(&mut self, piece: &str) {
        self.pending_space = false;
        self.atom(piece);
    }

    /// One unbreakable piece, in the current style.
    fn atom(&mut self, piece: &str) {
        let part = (piece.to_owned(), self.style(), self.hyperlink.clone());
        let space = std::mem::take(&mut self.pending_space);
        if let Some(mut group) = self.held.take() {
            if !space && piece.starts_with(closing) {
                group.parts.push(part);
                self.held = Some(group);
                return;
            }
            self.place(group);
        }
        self.held = Some(Group {
            space,
            parts: vec![part],
        });
    }

    /// Write the held piece.
    fn flush(&mut self) {
        if let Some(g) = self.held.take() {
            self.place(g);
        }
    }

    /// Write a group at the current position, on a new line when it does not fit; a group wider
    /// than a whole line is cut into pieces that fit (never leaving a closing mark at the start
    /// of a line).
    fn place(&mut self, g: Group) {
        let w: usize = g.parts.iter().map(|(t, ..)| t.width()).sum();
        let space = usize::from(g.space && self.col > self.indent);
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
        // Every character with its part; line breaks chosen over the whole group.
        let chars: Vec<(char, usize)> = g
            .parts
            .iter()
            .enumerate()
            .flat_map(|(i, (t, ..))| t.chars().map(move |c| (c, i)))
            .collect();
        let mut breaks: Vec<usize> = Vec::new();
        let mut col = self.col;
        let mut line_start = 0;
        for (k, (c, _)) in chars.iter().enumerate() {
            let cw = c.width().unwrap_or(0);
            if col + cw > self.width && k > line_start {
                // A closing mark takes the character before it to the next line.
                let at = if closing(*c) && k - 1 > line_start {
                    k - 1
                } else {
                    k
                };
                breaks.push(at);
                line_start = at;
                col = self.indent
                    + chars[at..k]
                        .iter()
                        .map(|(c, _)| c.width().unwrap_or(0))
                        .sum::<usize>();
            }
            col += cw;
        }
        let mut start = 0;
        for end in breaks.iter().copied().chain([chars.len()]) {
            let mut k = start;
            while k < end {
                let part = chars[k].1;
                let mut j = k;
                while j < end && chars[j].1 == part {
                    j += 1;
                }
                let text: String = chars[k..j].iter().map(|(c, _)| *c).collect();
                let (_, style, link) = &g.parts[part];
                let (style, link) = (*style, link.clone());
                self.write(&text, style, link.as_deref());
                self.col += text.width();
                k = j;
            }
            if end < chars.len() {
                self.out.push('\n');
                self.out.push_str(&" ".repeat(self.indent));
                self.col = self.indent;
            }
            start = end;
        }
    }

    fn write(&mut self, piece: &str, style: Style, link: Option<&str>) {
        match link {
            Some(url) => self.out.push_str(&format!(
                "\u{1b}]8;;{url}\u{1b}\\{style}{piece}{style:#}\u{1b}]8;;\u{1b}\\"
            )),
            None => self.out.push_str(&format!("{style}{piece}{style:#}")),
        }
    }

    fn code_lines(&mut self, text: &str) {
        self.flush();
        for line in text.lines() {
            self.out.push_str(&" ".repeat(self.indent + 4));
            let style = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
            self.out.push_str(&format!("{style}{line}{style:#}\n"));
        }
        self.col = 0;
    }

    /// A table: aligned columns wrapped inside their cells, a rule under the header; or, when the
    /// columns cannot fit, each row as `Header: value` lines.
    fn table(&mut self, rows: &[Vec<String>]) {
        self.flush();
        let room = self.width.saturating_sub(self.indent);
        let bold = Style::new().bold();
        let pad = " ".repeat(self.indent);
        match column_widths(rows, room) {
            Some(widths) => {
                let laid: Vec<Vec<Vec<String>>> = rows
                    .iter()
                    .map(|row| {
                        widths
                            .iter()
                            .enumerate()
                            .map(|(i, w)| wrap(row.get(i).map_or("", |c| c.trim()), *w))
                            .collect()
                    })
                    .collect();
                // Rows that wrap are told apart by a blank line.
                let spaced = laid.iter().skip(1).any(|c| c.iter().any(|l| l.len() > 1));
                for (r, cells) in laid.iter().enumerate() {
                    if spaced && r > 1 {
                        self.out.push('\n');
                    }
                    let height = cells.iter().map(Vec::len).max().unwrap_or(1);
                    for l in 0..height {
                        let mut line = pad.clone();
                        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                            let text = cell.get(l).map_or("", String::as_str);
                            if r == 0 {
                                line.push_str(&format!("{bold}{text}{bold:#}"));
                            } else {
                                line.push_str(text);
                            }
                            if i + 1 < widths.len() {
                                line.push_str(&" ".repeat(w - text.width() + GAP));
                            }
                        }
                        self.out.push_str(line.trim_end());
                        self.out.push('\n');
                    }
                    if r == 0 {
                        let total = widths.iter().sum::<usize>() + GAP * (widths.len() - 1);
                        self.out.push_str(&format!("{pad}{}\n", "─".repeat(total)));
                    }
                }
            }
            None => {
                let head = rows.first().cloned().unwrap_or_default();
                for (r, row) in rows.iter().enumerate().skip(1) {
                    if r > 1 {
                        self.out.push('\n');
                    }
                    for (i, cell) in row.iter().enumerate() {
                        let label = format!("{}: ", head.get(i).map_or("", |h| h.trim()));
                        // A long header goes on its own line, the value under it.
                        if label.width() > room / 2 {
                            self.out
                                .push_str(&format!("{pad}{bold}{}{bold:#}\n", label.trim_end()));
                            for text in wrap(cell.trim(), room.saturating_sub(2).max(1)) {
                                self.out.push_str(&format!("{pad}  {text}\n"));
                            }
                            continue;
                        }
                        let hang = label.width();
                        let lines = wrap(cell.trim(), room.saturating_sub(hang).max(1));
                        for (l, text) in lines.iter().enumerate() {
                            if l == 0 {
                                self.out
                                    .push_str(&format!("{pad}{bold}{label}{bold:#}{text}\n"));
                            } else {
                                self.out
                                    .push_str(&format!("{pad}{}{text}\n", " ".repeat(hang)));
                            }
                        }
                    }
                }
            }
        }
        self.col = 0;
    }
}

/// Remove ANSI escape sequences and OSC 8 links (for measuring and for tests).
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
        } else if c == '\u{1b}' && chars.peek() == Some(&']') {
            // OSC … ST (ESC \).
            while let Some(d) = chars.next() {
                if d == '\u{1b}' && chars.peek() == Some(&'\\') {
                    chars.next();
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
    fn wrapping_respects_words_and_cjk() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("连接异常关闭", 4), vec!["连接", "异常", "关闭"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
    }

    #[test]
    fn tables_line_up_and_fall_back_to_blocks() {
        let md = "| Runtime | Setting | Default |\n|---|---|---|\n| Node ws | maxPayload | 104857600 bytes (100 MiB) |\n| Go gorilla | SetReadLimit | none |\n";
        let text = strip_ansi(&styled(md, 60, Links::Numbered));
        let lines: Vec<&str> = text.lines().collect();
        let col = lines[0].find("Setting").unwrap();
        assert!(
            lines[2].starts_with("Node ws") && lines[2][col..].starts_with("maxPayload"),
            "{text}"
        );
        assert!(lines[1].starts_with('─'));
        // Too narrow for three columns of long words: blocks.
        let wide = "| A long header | Another long header | A third long header |\n|---|---|---|\n| supercalifragilistic | expialidocious-words | unbreakable-things-here |\n";
        let text = strip_ansi(&styled(wide, 40, Links::Numbered));
        assert!(
            text.contains("A long header: supercalifragilistic"),
            "{text}"
        );
        assert!(
            text.contains("Another long header:\n  expialidocious-words"),
            "{text}"
        );
        for line in text.lines() {
            assert!(line.width() <= 40, "{line}");
        }
    }

    #[test]
    fn links_are_numbered_or_hyperlinked() {
        let md = "See [RFC 6455](https://www.rfc-editor.org/rfc/rfc6455) and [again](https://www.rfc-editor.org/rfc/rfc6455).";
        let text = strip_ansi(&styled(md, 80, Links::Numbered));
        assert!(text.contains("RFC 6455[1] and again[1]."), "{text}");
        assert!(
            text.ends_with("[1] https://www.rfc-editor.org/rfc/rfc6455\n"),
            "{text}"
        );
        let text = styled(md, 80, Links::Hyperlinks);
        assert!(text.contains("\u{1b}]8;;https://www.rfc-editor.org/rfc/rfc6455\u{1b}\\"));
        assert_eq!(strip_ansi(&text).trim(), "See RFC 6455 and again.");
    }
}
