//! The terminal side of `search`, `explain` and `serve`: output format, colour, pager, start-up.

use crate::explain::{self, Lookup};
use crate::search::SearchIndex;
use crate::server;
use crate::site::Error;
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
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

fn registry(data: Option<&Path>) -> Result<Registry, Error> {
    match data {
        Some(d) => Ok(registry::load(d)?),
        None => Ok(crate::embedded::registry()),
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
    data: Option<&Path>,
) -> Result<(), Error> {
    let index = SearchIndex::build(registry(data)?)?;
    let answer = index.search(q, lang, limit);
    if json {
        return emit(&(serde_json::to_string_pretty(&answer.results)? + "\n"));
    }
    if let Some(n) = &answer.notice {
        eprintln!("{n}");
    }
    let mut text = String::new();
    for h in &answer.results {
        let label = h.key().label();
        text.push_str(&format!("{label:<10} {}  {}\n", h.title, h.url));
        let snippet = crate::search::plain_snippet(&h.snippet);
        text.push_str(&format!("{:10} {snippet}\n", ""));
    }
    if answer.results.is_empty() && answer.notice.is_none() {
        match lang {
            Lang::En => eprintln!("no results for `{}`", answer.query),
            Lang::Zh => eprintln!("没有找到与 `{}` 相关的结果", answer.query),
        }
    }
    emit(&text)
}

/// `closecodes explain`.
pub fn explain(q: &str, lang: Lang, color: ColorChoice, data: Option<&Path>) -> Result<(), Error> {
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
    if !color.enabled() {
        return emit(&md);
    }
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(80);
    let text = explain::styled(&md, width);
    let rows = std::env::var("LINES")
        .ok()
        .and_then(|c| c.parse().ok())
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
    let data = root.join("data");
    let reg = if data.is_dir() {
        registry::load(&data)?
    } else {
        crate::embedded::registry()
    };
    let entries = reg.entries().len();
    let index = SearchIndex::build(reg)?;
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
        server::serve(listener, server::app(state), shutdown).await?;
        Ok::<(), Error>(())
    })?;
    Ok(())
}
