//! The terminal side of `search`, `explain` and `serve`: output format, colour, pager, start-up.

use crate::explain::{self, Lookup};
use crate::search::SearchIndex;
use crate::server;
use crate::site::Error;
use crate::terminal::{self, Links};
use closecodes::registry::{self, Lang, Registry};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// When to style terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Style when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always style.
    Always,
    /// Never style.
    Never,
}

impl ColorChoice {
    /// Whether to style stdout.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let set = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
                if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    return true;
                }
                std::io::stdout().is_terminal()
                    && set("NO_COLOR").is_none()
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

/// When links in styled output are OSC 8 hyperlinks (else numbered references).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HyperlinkChoice {
    /// Hyperlinks on terminals known to support them.
    Auto,
    /// Always hyperlinks.
    Always,
    /// Never: numbered references after the article.
    Never,
}

impl HyperlinkChoice {
    /// The link style for styled output. `auto` is conservative: only terminals that announce
    /// themselves as supporting OSC 8 (iTerm2, WezTerm, kitty, Windows Terminal, VS Code, VTE
    /// 0.50+, Konsole, Ghostty).
    pub fn links(self) -> Links {
        let yes = match self {
            HyperlinkChoice::Always => true,
            HyperlinkChoice::Never => false,
            HyperlinkChoice::Auto => {
                let var = |k: &str| std::env::var(k).ok();
                matches!(
                    var("TERM_PROGRAM").as_deref(),
                    Some("iTerm.app" | "WezTerm" | "vscode" | "ghostty")
                ) || var("KITTY_WINDOW_ID").is_some()
                    || var("WT_SESSION").is_some()
                    || var("KONSOLE_VERSION").is_some()
                    || var("VTE_VERSION")
                        .and_then(|v| v.parse::<u32>().ok())
                        .is_some_and(|v| v >= 5000)
            }
        };
        if yes {
            Links::Hyperlinks
        } else {
            Links::Numbered
        }
    }
}

/// The width to wrap at: `COLUMNS`, else the terminal's, else 80.
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .unwrap_or(80)
}

/// Environment variables that choose the language when `--lang` is not given, first match wins.
pub const LANG_VARS: [&str; 4] = ["CLOSECODES_LANG", "LC_ALL", "LC_MESSAGES", "LANG"];

/// The reader's language from the environment: the first of [`LANG_VARS`] that is set and not
/// empty decides (`zh`, `zh_CN.UTF-8`, `zh-Hans` → Chinese; anything else → English); none set →
/// English. `get` reads a variable (`std::env::var` in the binary).
pub fn lang_from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
    LANG_VARS
        .iter()
        .find_map(|k| get(k).filter(|v| !v.trim().is_empty()))
        .map_or(Lang::En, |v| {
            if v.trim().to_ascii_lowercase().starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        })
}

/// Longest query read from standard input (`closecodes search -`), in bytes.
const MAX_STDIN_QUERY: u64 = 64 * 1024;

/// The query: the words, or standard input when the only word is `-` (a pasted multi-line
/// error; lines are joined with spaces and the whole is cut like any query).
pub fn query_from(words: &[String]) -> Result<String, Error> {
    if words.len() == 1 && words[0] == "-" {
        use std::io::Read;
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_STDIN_QUERY)
            .read_to_string(&mut text)?;
        return Ok(text.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    Ok(words.join(" "))
}

/// `closecodes list`: every documented code and range, one per line: the code, its name in
/// `lang`, whether it travels in a Close frame, and whether page script may send it.
pub fn list(lang: Lang, data: Option<&Path>) -> Result<(), Error> {
    use unicode_width::UnicodeWidthStr;
    let reg = registry(data)?;
    let (head, yes, no) = match lang {
        Lang::En => (["Code", "Name", "On the wire", "From script"], "yes", "no"),
        Lang::Zh => (
            ["关闭码", "名称", "出现在关闭帧中", "脚本可发送"],
            "是",
            "否",
        ),
    };
    let rows: Vec<[String; 4]> = reg
        .entries()
        .iter()
        .map(|e| {
            [
                e.key.label(),
                e.text(lang).title.clone(),
                (if e.wire { yes } else { no }).to_owned(),
                (if e.script { yes } else { no }).to_owned(),
            ]
        })
        .collect();
    let mut widths = head.map(UnicodeWidthStr::width);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            s.push_str(c);
            if i < 3 {
                s.push_str(&" ".repeat(w - c.width() + 2));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(head);
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    emit(&out)
}

fn registry(data: Option<&Path>) -> Result<Registry, Error> {
    match data {
        Some(d) => Ok(registry::load(d)?),
        None => Ok(crate::embedded::try_registry()?),
    }
}

/// Write to stdout; a closed pipe (`| head`) ends quietly.
fn emit(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `closecodes search`.
pub fn search(
    q: &str,
    lang: Lang,
    json: bool,
    limit: usize,
    color: ColorChoice,
    data: Option<&Path>,
) -> Result<(), Error> {
    let index = match data {
        Some(d) => SearchIndex::build(registry::load(d)?)?,
        None => crate::embedded::try_search_index()?,
    };
    let answer = index.search(q, lang, limit);
    if json {
        return emit(&(serde_json::to_string_pretty(&answer.results)? + "\n"));
    }
    if let Some(n) = &answer.notice {
        eprintln!("{n}");
    }
    // One block per result: label, title and address, then at most two lines of snippet wrapped
    // to the width, the matched words highlighted on a terminal.
    let styled = color.enabled();
    let width = width().clamp(40, 160);
    let bold = anstyle::Style::new().bold();
    let mut text = String::new();
    for (i, h) in answer.results.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let label = result_label(h, lang);
        // Padded by display width: a Chinese label is two columns per character.
        let pad = LABEL.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str()));
        if styled {
            text.push_str(&format!(
                "{bold}{label}{bold:#}{} {bold}{}{bold:#}  {}\n",
                " ".repeat(pad),
                h.title,
                h.url
            ));
        } else {
            text.push_str(&format!(
                "{label}{} {}  {}\n",
                " ".repeat(pad),
                h.title,
                h.url
            ));
        }
        for line in snippet_lines(&h.snippet, width - LABEL - 1, 2, styled) {
            text.push_str(&format!("{} {line}\n", " ".repeat(LABEL)));
        }
    }
    if answer.results.is_empty() && answer.notice.is_none() {
        match lang {
            Lang::En => eprintln!("no results for `{}`", answer.query),
            Lang::Zh => eprintln!("没有找到与 `{}` 相关的结果", answer.query),
        }
    }
    emit(&text)
}

/// Width of the first column of search results.
const LABEL: usize = 10;

/// A snippet (HTML with `<mark>`) as at most `max` lines of `width` columns: cut at word (or,
/// for Chinese, character) boundaries with `…` when there is more; marked words highlighted when
/// `styled`.
pub fn snippet_lines(html: &str, width: usize, max: usize, styled: bool) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    // (piece, marked, space before)
    let mut pieces: Vec<(String, bool, bool)> = Vec::new();
    let mut rest = html;
    let mut marked = false;
    let mut space = false;
    while !rest.is_empty() {
        let (seg, next, flip) = match rest.find(if marked { "</mark>" } else { "<mark>" }) {
            Some(at) => (&rest[..at], &rest[at + if marked { 7 } else { 6 }..], true),
            None => (rest, "", false),
        };
        let plain = crate::search::plain_snippet(seg);
        let mut first = true;
        for word in plain.split(' ') {
            if !first {
                space = true;
            }
            first = false;
            if word.is_empty() {
                continue;
            }
            let mut run = String::new();
            for ch in word.chars() {
                let wide = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(1) == 2;
                if wide {
                    if !run.is_empty() {
                        pieces.push((std::mem::take(&mut run), marked, space));
                        space = false;
                    }
                    pieces.push((ch.to_string(), marked, space));
                    space = false;
                } else {
                    run.push(ch);
                }
            }
            if !run.is_empty() {
                pieces.push((run, marked, space));
                space = false;
            }
        }
        rest = next;
        if flip {
            marked = !marked;
        }
    }
    let hi = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Yellow.into()));
    let mut lines: Vec<(String, usize)> = vec![(String::new(), 0)];
    let mut cut = false;
    for (piece, mark, sp) in &pieces {
        let w = piece.width();
        let col = lines.last().map_or(0, |l| l.1);
        let gap = usize::from(*sp && col > 0);
        if col + gap + w > width {
            if lines.len() == max {
                cut = true;
                break;
            }
            lines.push((String::new(), 0));
        }
        let (line, col) = lines.last_mut().unwrap();
        if *sp && *col > 0 {
            line.push(' ');
            *col += 1;
        }
        let piece: String = if w > width {
            piece.chars().take(width.saturating_sub(*col)).collect()
        } else {
            piece.clone()
        };
        *col += piece.width();
        if styled && *mark {
            line.push_str(&format!("{hi}{piece}{hi:#}"));
        } else {
            line.push_str(&piece);
        }
    }
    if cut && let Some((line, col)) = lines.last_mut() {
        // Room for the ellipsis.
        while *col + 1 > width && line.pop().is_some() {
            *col = crate::terminal::strip_ansi(line).width();
        }
        line.push('…');
    }
    lines
        .into_iter()
        .map(|(l, _)| l)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The first column of a result: the code or range, the HTTP status or failure of a handshake
/// page, or the kind of page.
fn result_label(h: &crate::search::Hit, lang: Lang) -> String {
    let last = h.page.rsplit('/').next().unwrap_or("");
    match (h.kind, lang) {
        ("code" | "range", _) => h.key().label(),
        ("handshake", _) if last.bytes().all(|b| b.is_ascii_digit()) => format!("HTTP {last}"),
        ("handshake", Lang::En) => "handshake".to_owned(),
        ("handshake", Lang::Zh) => "握手".to_owned(),
        ("protocol", Lang::En) => "protocol".to_owned(),
        ("protocol", Lang::Zh) => "协议".to_owned(),
        ("guide", Lang::En) => "guide".to_owned(),
        ("guide", Lang::Zh) => "指南".to_owned(),
        (_, Lang::En) => "table".to_owned(),
        (_, Lang::Zh) => "总表".to_owned(),
    }
}

/// `closecodes explain`.
pub fn explain(
    q: &str,
    lang: Lang,
    color: ColorChoice,
    hyperlinks: HyperlinkChoice,
    data: Option<&Path>,
) -> Result<(), Error> {
    // A number with the shipped data: the article the build script rendered, nothing decoded.
    let md = match data.is_none().then(|| explain::compiled(q, lang)).flatten() {
        Some(md) => md,
        None => {
            let reg = registry(data)?;
            let (entry, asked) = match explain::lookup(&reg, q, lang) {
                Lookup::Found(e, asked) => (e, asked),
                Lookup::NotFound(msg) => return Err(msg.into()),
            };
            let mut md = explain::markdown(&reg, entry, asked, lang);
            // A name no API defines gets its warning right under the title.
            if let Some(note) = explain::legacy_note(&reg, entry, q, lang)
                && let Some(at) = md.find("\n\n")
            {
                md.insert_str(at + 2, &format!("> {note}\n\n"));
            }
            md
        }
    };
    if !color.enabled() {
        return emit(&md);
    }
    let text = terminal::styled(&md, width(), hyperlinks.links());
    let rows = std::env::var("LINES")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(_, h)| usize::from(h.0)))
        .unwrap_or(40usize);
    if std::io::stdout().is_terminal() && text.lines().count() > rows && page(&text).is_ok() {
        return Ok(());
    }
    emit(&text)
}

/// Show `text` through `$PAGER` (default `less -R`).
fn page(text: &str) -> std::io::Result<()> {
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -R".to_owned());
    let mut parts = pager.split_whitespace();
    let program = parts.next().unwrap_or("less");
    let mut child = std::process::Command::new(program)
        .args(parts)
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait().map(|_| ())
}

/// `closecodes serve`.
pub fn serve(
    addr: SocketAddr,
    site: Option<PathBuf>,
    root: &Path,
    out: &Path,
    behind_proxy: Option<std::net::IpAddr>,
) -> Result<(), Error> {
    let site = match site {
        Some(s) => s,
        None => {
            crate::site::build(root, out)?;
            out.to_owned()
        }
    };
    if !site.join("index.html").is_file() {
        return Err(format!("{}: no index.html; is this a built site?", site.display()).into());
    }
    // The index the site was built with; a site without one (or from another version) is
    // indexed here, from the book's data when there is some, else from the data built in.
    let read = |name: &str| std::fs::read(site.join(name)).map_err(|e| format!("{name}: {e}"));
    let saved = read(crate::site::SEARCH_INDEX).and_then(|b| {
        let mut index = SearchIndex::from_bytes(&b)
            .map_err(|e| format!("{}: {e}", crate::site::SEARCH_INDEX))?;
        if index.awaiting_prose() {
            let prose = read(crate::site::SEARCH_PROSE)?;
            index
                .attach_prose(&prose)
                .map_err(|e| format!("{}: {e}", crate::site::SEARCH_PROSE))?;
        }
        for k in index.unattached_shards() {
            let name = crate::search::shard_file(k);
            index
                .attach_shard(&read(&name)?)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok::<_, String>(index)
    });
    let index = match saved {
        Ok(index) => index,
        Err(why) => {
            eprintln!(
                "note: indexing now, as {} has no usable search index ({why})",
                site.display(),
            );
            let data = root.join("data");
            if data.is_dir() {
                SearchIndex::build(registry::load(&data)?)?
            } else {
                crate::embedded::try_search_index()?
            }
        }
    };
    let entries = index.registry().entries().len();
    let (going_away, shutting_down) = tokio::sync::watch::channel(false);
    let lab = crate::lab::Lab::new(shutting_down);
    let state = Arc::new(server::AppState {
        index,
        site: site.clone(),
        lab,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        eprintln!(
            "serving {} on http://{bound}/ ({entries} entries; try http://{bound}/1006 or /api/search?q=断网&lang=zh)",
            site.display()
        );
        let shutdown = async move {
            let _ = tokio::signal::ctrl_c().await;
            // Lab connections on /lab/going-away close with 1001 before the server stops.
            let _ = going_away.send(true);
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        };
        server::serve_behind(listener, server::app(state), shutdown, behind_proxy).await?;
        Ok::<(), Error>(())
    })?;
    Ok(())
}
