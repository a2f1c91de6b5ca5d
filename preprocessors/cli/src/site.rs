//! Whole-site jobs: `check` (the data, and banned terms in Chinese prose), `export` and `build`
//! (both languages through `mdbook-driver`, then `codes.json` and the 404 router, built in a
//! temporary folder that replaces the output only on success, so a failure never leaves a
//! half-written or empty site).

use closecodes::book::{self, CloseCodes};
use closecodes::lint::{self, BannedTerms, Kind};
use closecodes::registry::{self, Key, Lang, LoadError, Registry};
use mdbook_driver::MDBook;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A failure, printed once by `main`.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The search index of a built site, at its root, without the pages' long prose (see
/// [`crate::search::SearchIndex::to_site_files`]): what a first result needs.
pub const SEARCH_INDEX: &str = "search-index.bin";
/// The pages' long prose, beside [`SEARCH_INDEX`]: fetched after the first result, for snippets
/// from whole pages.
pub const SEARCH_PROSE: &str = "search-prose.bin";
/// The in-browser search module of a built site, at its root: it opens [`SEARCH_INDEX`] in the
/// reader's browser on a static host (`theme/closecodes-search.js`).
pub const SEARCH_MODULE: &str = "closecodes-search.wasm";

/// `closecodes check PATH`: validate the data, and check Chinese prose for the glossary's banned
/// variants ([`lint`]). A folder is checked whole, with the book around it: the Chinese guides
/// (`src/**/*.zh.md`), UI strings, theme scripts and CLI messages found in the folder's parent. A
/// single file is checked alone: a data file is validated and checked, a Chinese page
/// (`x.zh.md`), script or Rust source is only checked for banned terms. The banned terms are those
/// of the data's glossary, or else of the nearest `glossary.yaml` or `data/glossary.yaml` above
/// `path`. Every problem is reported, each at `file:line:column`.
pub fn check(path: &Path) -> Result<(), Error> {
    let prose_only = path.is_file() && Kind::of(path).is_some_and(|k| k != Kind::Yaml);
    let (reg, mut diags) = if prose_only {
        (None, Vec::new())
    } else {
        match registry::load(path) {
            Ok(reg) => (Some(reg), Vec::new()),
            Err(LoadError::Invalid(diags)) => (None, diags),
            Err(other) => return Err(other.into()),
        }
    };
    let banned = match reg.as_ref().filter(|r| !r.glossary().is_empty()) {
        Some(r) => BannedTerms::new(r.glossary()),
        None => lint::glossary_near(path)
            .and_then(|g| registry::load(&g).ok())
            .map(|g| BannedTerms::new(g.glossary()))
            .unwrap_or_default(),
    };
    let files = if path.is_dir() {
        let root = path.parent().unwrap_or(Path::new(""));
        lint::tree_files(path, Some(root))?
    } else {
        vec![path.to_owned()]
    };
    diags.extend(banned.check_files(&files)?);
    if !diags.is_empty() {
        return Err(LoadError::Invalid(diags).into());
    }
    let prose = format!(
        "no banned term ({} glossary variants) in the Chinese prose of {} file{}",
        banned.len(),
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    let Some(reg) = reg else {
        eprintln!("ok: {prose}");
        return Ok(());
    };
    let codes = reg
        .entries()
        .iter()
        .filter(|e| matches!(e.key, Key::Code(_)))
        .count();
    eprintln!(
        "ok: {} entries ({codes} codes, {} ranges), {} handshake failures, {} protocols ({} codes), {} runtimes, {} vocabulary groups, {} glossary terms in {}; {prose}",
        reg.entries().len(),
        reg.entries().len() - codes,
        reg.handshakes().len(),
        reg.protocols().len(),
        reg.protocols().iter().map(|p| p.codes.len()).sum::<usize>(),
        reg.runtimes().len(),
        reg.vocabulary().len(),
        reg.glossary().len(),
        path.display()
    );
    Ok(())
}

/// `closecodes export --json`.
pub fn export(data: &Path) -> Result<(), Error> {
    let reg = registry::load(data)?;
    let mut out = std::io::stdout().lock();
    match out.write_all(closecodes::json::to_json(&reg).as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `closecodes build --root ROOT --out OUT`, with book.toml's `site-url`.
pub fn build(root: &Path, out: &Path) -> Result<(), Error> {
    build_with(root, out, None)
}

/// `closecodes build`, with the published site's address given (else book.toml's `site-url`).
pub fn build_with(root: &Path, out: &Path, site_url: Option<&str>) -> Result<(), Error> {
    let started = std::time::Instant::now();
    // Validate first: nothing is written when the data is wrong.
    let probe =
        MDBook::load(root).map_err(|e| format!("{}: {e:#}", root.join("book.toml").display()))?;
    let cfg: book::Config = probe
        .config
        .get(&format!("preprocessor.{}", book::NAME))
        .map_err(|e| format!("book.toml: {e:#}"))?
        .unwrap_or_default();
    let reg = book::load_for_book(root, &cfg.data).map_err(|e| format!("{e:#}"))?;
    let site_url = match site_url.map(str::to_owned).or(cfg.site_url.clone()) {
        Some(u) => Some(absolute_site(&u)?),
        None => None,
    };

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    // Whatever fails from here on (a full disk, a folder that is not writable), the published
    // folder is left as it was, and the message says so.
    let untouched = |e: Error| -> Error {
        format!(
            "{e}\n{} was left as it was (nothing was replaced)",
            out.display()
        )
        .into()
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))
        .map_err(|e| untouched(e.into()))?;
    remove_leftovers(&parent);
    let tmp = tempfile::Builder::new()
        .prefix(".closecodes-build-")
        .tempdir_in(&parent)
        .map_err(|e| {
            untouched(
                format!(
                    "cannot create a build folder in {}: {e}; the site is built beside its folder and swapped in when complete, so that folder must be writable",
                    std::path::absolute(&parent).unwrap_or_else(|_| parent.clone()).display()
                )
                .into(),
            )
        })?;
    write_site(root, &reg, site_url.as_deref(), tmp.path()).map_err(untouched)?;
    replace_dir(tmp, out).map_err(untouched)?;
    eprintln!(
        "built {} (en + zh, {} entries) in {:.2} s",
        out.display(),
        reg.entries().len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Both languages, `codes.json`, the 404 pages and each page's head, written into `dir`.
fn write_site(
    root: &Path,
    reg: &Registry,
    site_url: Option<&str>,
    dir: &Path,
) -> Result<(), Error> {
    // Both languages at once, one per core. Building into a folder empties it, so Chinese is
    // built beside `dir` (a folder the next build removes if this one is killed) and moved in.
    let book = |lang: Lang, dest: PathBuf| -> Result<(), Error> {
        let mut md = MDBook::load(root).map_err(|e| format!("{e:#}"))?;
        md.config.book.language = Some(lang.code().to_owned());
        md.config.build.build_dir = dest;
        md.with_preprocessor(CloseCodes);
        md.build()
            .map_err(|e| format!("building the {} site: {e:#}", lang.code()).into())
    };
    let beside = tempfile::Builder::new()
        .prefix(".closecodes-build-")
        .tempdir_in(dir.parent().unwrap_or(Path::new(".")))
        .map_err(|e| format!("cannot create a build folder beside {}: {e}", dir.display()))?;
    let zh = beside.path().join("zh");
    // The search index meanwhile: `closecodes serve --site` opens it instead of indexing.
    let index = std::thread::scope(|s| {
        let index = s.spawn(|| -> Result<crate::search::SiteFiles, Error> {
            let guides = crate::guides::load(&root.join("src/guides"));
            let index = crate::search::SearchIndex::build_with(reg.clone(), &guides)?;
            Ok(index.to_site_files()?)
        });
        let zh = s.spawn(|| book(Lang::Zh, zh.clone()));
        let en = book(Lang::En, dir.to_owned());
        let stopped = |what: &str| -> Error { format!("the {what} stopped unexpectedly").into() };
        let zh = zh.join().unwrap_or_else(|_| Err(stopped("Chinese build")));
        let index = index
            .join()
            .unwrap_or_else(|_| Err(stopped("search index")));
        en.and(zh).and(index)
    })?;
    std::fs::rename(&zh, dir.join("zh"))
        .map_err(|e| format!("moving {} into {}: {e}", zh.display(), dir.display()))?;
    write(&dir.join(SEARCH_INDEX), &index.index)?;
    write(&dir.join(SEARCH_PROSE), &index.prose)?;
    let shards = dir.join(crate::search::SHARD_DIR);
    std::fs::create_dir_all(&shards).map_err(|e| format!("creating {}: {e}", shards.display()))?;
    for (k, shard) in index.shards.iter().enumerate() {
        write(&dir.join(crate::search::shard_file(k as u32)), shard)?;
    }
    if crate::embedded::SEARCH_MODULE.is_empty() {
        eprintln!(
            "note: this closecodes was built without its in-browser search module (see the build's warning), so on a static host the site searches numbers and mdBook's English index only (rustup target add wasm32-unknown-unknown, then rebuild closecodes)"
        );
    } else {
        write(&dir.join(SEARCH_MODULE), crate::embedded::SEARCH_MODULE)?;
        mark_search_module(dir)?;
    }
    write(&dir.join("codes.json"), closecodes::json::to_json(reg))?;
    write(&dir.join("404.html"), not_found_page(reg, Lang::En))?;
    write(&dir.join("zh/404.html"), not_found_page(reg, Lang::Zh))?;
    describe_pages(reg, root, dir, site_url)?;
    write(&dir.join("robots.txt"), robots(site_url))?;
    match site_url {
        Some(site) => {
            link_absolutely(dir, site)?;
            write(&dir.join("sitemap.xml"), sitemap(dir, site)?)?;
        }
        None => eprintln!(
            "note: no site-url, so pages carry no canonical or og:url link, hreflang stays relative and there is no sitemap.xml; set `site-url` under [preprocessor.closecodes] in book.toml or pass --site-url https://…"
        ),
    }
    // Last: the compressed copies must be of the final files.
    crate::compress::precompress(dir)
}

/// `robots.txt`: everything may be crawled but the print pages (every article again on one page)
/// and the server's API and lab; the sitemap's address when the site's is known.
fn robots(site_url: Option<&str>) -> String {
    let mut out = String::from(
        "User-agent: *\nDisallow: /print.html\nDisallow: /zh/print.html\nDisallow: /api/\nDisallow: /lab/\n",
    );
    if let Some(site) = site_url {
        out.push_str(&format!("\nSitemap: {site}/sitemap.xml\n"));
    }
    out
}

/// Every file below `dir` with its path relative to it (`/`-separated), in path order.
pub(crate) fn site_files(dir: &Path) -> Result<Vec<(std::path::PathBuf, String)>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((p, rel));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Whether the file at `rel` is a page a reader can land on: HTML, but not a 404 router or the
/// sidebar's `toc.html` (`handshake/404.html` is an article like any other).
fn is_page(rel: &str) -> bool {
    rel.ends_with(".html") && !["404.html", "zh/404.html", "toc.html", "zh/toc.html"].contains(&rel)
}

/// `sitemap.xml` (sitemaps.org 0.9): every page of both languages once, each with its
/// `xhtml:link` alternates (`en`, `zh`, `x-default`) when it exists in both.
fn sitemap(dir: &Path, site: &str) -> Result<String, Error> {
    // Pages of each language, relative to its root; the print pages repeat every article.
    let (mut en, mut zh) = (Vec::new(), Vec::new());
    for (_, rel) in site_files(dir)? {
        if !is_page(&rel) || rel == "print.html" || rel == "zh/print.html" {
            continue;
        }
        match rel.strip_prefix("zh/") {
            Some(z) => zh.push(z.to_owned()),
            None => en.push(rel),
        }
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let url = |lang: Lang, rel: &str| match lang {
        Lang::En => format!("{site}/{rel}"),
        Lang::Zh => format!("{site}/zh/{rel}"),
    };
    for (lang, pages, twins) in [(Lang::En, &en, &zh), (Lang::Zh, &zh, &en)] {
        for rel in pages {
            xml.push_str(&format!(
                "  <url>\n    <loc>{}</loc>\n",
                crate::search::escape(&url(lang, rel))
            ));
            if twins.binary_search(rel).is_ok() {
                for (hreflang, l) in [("en", Lang::En), ("zh", Lang::Zh), ("x-default", Lang::En)] {
                    xml.push_str(&format!(
                        "    <xhtml:link rel=\"alternate\" hreflang=\"{hreflang}\" href=\"{}\"/>\n",
                        crate::search::escape(&url(l, rel))
                    ));
                }
            }
            xml.push_str("  </url>\n");
        }
    }
    xml.push_str("</urlset>\n");
    Ok(xml)
}

/// Write `contents` to `path`; the error names the file (a full disk says which write failed).
pub(crate) fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), Error> {
    std::fs::write(path, contents).map_err(|e| format!("writing {}: {e}", path.display()).into())
}

/// The site's address without a trailing slash; an error unless it is an absolute http(s) URL.
fn absolute_site(u: &str) -> Result<String, Error> {
    let u = u.trim().trim_end_matches('/');
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > "https://".len()
        && !u.contains(['"', '<', '>', ' ', '\'', '\\']);
    if ok {
        Ok(u.to_owned())
    } else {
        Err(format!(
            "site-url `{u}`: expected an absolute address such as https://closecodes.example"
        )
        .into())
    }
}

/// Every HTML file of the built site says that the in-browser search is there, so that its script
/// neither loads mdBook's own index nor asks for the module before the reader searches.
fn mark_search_module(site_dir: &Path) -> Result<(), Error> {
    for (p, rel) in site_files(site_dir)? {
        if !rel.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(&p)?;
        if !html.contains("</head>") {
            continue;
        }
        let html = html.replacen(
            "</head>",
            &format!("<meta name=\"closecodes-search\" content=\"{SEARCH_MODULE}\">\n</head>"),
            1,
        );
        write(&p, html)?;
    }
    Ok(())
}

/// Every page of the built site gets `<link rel="canonical">` and `og:url` with its absolute
/// address, and its `hreflang` links made absolute (search engines ignore relative ones).
fn link_absolutely(site_dir: &Path, site: &str) -> Result<(), Error> {
    for (p, rel) in site_files(site_dir)? {
        if !is_page(&rel) {
            continue;
        }
        let html = std::fs::read_to_string(&p)?;
        let Some(head_end) = html.find("</head>") else {
            continue;
        };
        let own = format!("{site}/{rel}");
        // hreflang links, relative to this page, made absolute.
        let mut out = String::with_capacity(html.len() + 256);
        let mut rest = &html[..head_end];
        let marker = "hreflang=\"";
        while let Some(i) = rest.find(marker) {
            let (before, after) = rest.split_at(i);
            out.push_str(before);
            let Some(h) = after.find("href=\"") else {
                out.push_str(after);
                rest = "";
                break;
            };
            let start = h + "href=\"".len();
            let Some(len) = after[start..].find('"') else {
                out.push_str(after);
                rest = "";
                break;
            };
            out.push_str(&after[..start]);
            out.push_str(&resolve(site, &rel, &after[start..start + len]));
            rest = &after[start + len..];
        }
        out.push_str(rest);
        out.push_str(&format!(
                "<link rel=\"canonical\" href=\"{own}\">\n<meta property=\"og:url\" content=\"{own}\">\n"
            ));
        out.push_str(&html[head_end..]);
        write(&p, out)?;
    }
    Ok(())
}

/// `href` (relative to the page at `rel`) as an absolute address on `site`.
fn resolve(site: &str, rel: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_owned();
    }
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop(); // the page's own file name
    for seg in href.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("{site}/{}", parts.join("/"))
}

/// Remove what builds killed before they finished left beside the output (`.closecodes-build-*`,
/// `.closecodes-old-*`); the output itself is never touched.
fn remove_leftovers(parent: &Path) {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if (name.starts_with(".closecodes-build-") || name.starts_with(".closecodes-old-"))
            && e.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Move the finished build into place. On Linux the new and the old folder swap places in one
/// atomic step (a kill at any moment leaves one whole site at `out`), then the old one is removed;
/// elsewhere the old output is moved aside first.
fn replace_dir(tmp: tempfile::TempDir, out: &Path) -> Result<(), Error> {
    let built = tmp.keep();
    #[cfg(target_os = "linux")]
    if out.exists() {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, &built, CWD, out, RenameFlags::EXCHANGE) {
            Ok(()) => {
                // `built` now holds the previous site.
                std::fs::remove_dir_all(&built)?;
                return Ok(());
            }
            // A file system without RENAME_EXCHANGE: the portable way below.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
    }
    if out.exists() {
        let parent = built.parent().unwrap_or(Path::new("."));
        let old = tempfile::Builder::new()
            .prefix(".closecodes-old-")
            .tempdir_in(parent)?
            .keep();
        std::fs::remove_dir(&old)?;
        std::fs::rename(out, &old)?;
        if let Err(e) = std::fs::rename(&built, out) {
            let _ = std::fs::rename(&old, out);
            return Err(e.into());
        }
        std::fs::remove_dir_all(&old)?;
    } else {
        std::fs::rename(&built, out)?;
    }
    Ok(())
}

/// The site's 404 page: it sends `/codes/4123.html` to the range article anchored at `#4123`
/// (and `/zh/…` likewise), `/codes/1006` and `/1006` to `/codes/1006.html`, and otherwise
/// links the reference table. It acts only on paths that match the code pattern.
pub fn not_found_page(reg: &Registry, lang: Lang) -> String {
    // Codes with a page of their own: documented ones and those protocols define.
    let mut codes: Vec<u16> = reg
        .entries()
        .iter()
        .filter_map(|e| match e.key {
            Key::Code(c) => Some(c),
            Key::Range(..) => None,
        })
        .chain(reg.wild_codes())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let ranges: Vec<[u16; 2]> = reg
        .entries()
        .iter()
        .filter_map(|e| match e.key {
            Key::Range(lo, hi) => Some([lo, hi]),
            Key::Code(_) => None,
        })
        .collect();
    let data = serde_json::json!({ "codes": codes, "ranges": ranges });
    let words = match lang {
        Lang::En => [
            "en",
            "Not found · WebSocket close codes",
            "Not found",
            "This page does not exist.",
            "Close code reference",
            "关闭码速查表（中文）",
        ],
        Lang::Zh => [
            "zh",
            "页面不存在 · WebSocket 关闭码",
            "页面不存在",
            "这个页面不存在。",
            "关闭码速查表",
            "Close code reference (English)",
        ],
    };
    let mut page = NOT_FOUND_TEMPLATE.to_owned();
    for (key, value) in [
        "__LANG__",
        "__TITLE__",
        "__H1__",
        "__MSG__",
        "__REF__",
        "__OTHER__",
    ]
    .iter()
    .zip(words)
    {
        page = page.replace(key, value);
    }
    let (here, there) = match lang {
        Lang::En => ("", "/zh"),
        Lang::Zh => ("/zh", ""),
    };
    page = page.replace("__HERE__", here).replace("__THERE__", there);
    page.replace("__DATA__", &data.to_string())
}

/// Longest page description written into `<meta name="description">`, in characters, per
/// language: what search engines show of a snippet (about 160 Latin or 80 Han characters).
const DESCRIPTION_CHARS: [usize; 2] = [160, 90];

/// Give every code, handshake, protocol and guide page of the built site (both languages) its
/// own `<meta name="description">` and `og:description`: the first line of its summary in the
/// page's language (the theme writes the site's description there; mdBook has no per-page one),
/// and JSON-LD structured data describing it as a reference article.
fn describe_pages(
    reg: &Registry,
    root: &Path,
    site: &Path,
    site_url: Option<&str>,
) -> Result<(), Error> {
    let guides = crate::guides::load(&root.join("src").join("guides"));
    for d in crate::docs::documents(reg, &guides) {
        for lang in Lang::ALL {
            let dir = match lang {
                Lang::En => site.to_owned(),
                Lang::Zh => site.join("zh"),
            };
            let file = dir.join(format!("{}.html", d.kind.path()));
            let Ok(html) = std::fs::read_to_string(&file) else {
                continue;
            };
            let summary = d.summary[crate::docs::Doc::slot(lang)]
                .lines()
                .next()
                .unwrap_or("")
                .trim();
            if summary.is_empty() {
                continue;
            }
            let max = DESCRIPTION_CHARS[crate::docs::Doc::slot(lang)];
            let text = crate::search::escape(&shorten(summary, max));
            let html = set_content(&html, r#"<meta name="description" content=""#, &text);
            let html = set_content(&html, r#"<meta property="og:description" content=""#, &text);
            let ld = structured_data(&html, &d, lang, &shorten(summary, max), site_url);
            let html = html.replacen("</head>", &format!("{ld}\n</head>"), 1);
            write(&file, html)?;
        }
    }
    Ok(())
}

/// `text` cut to at most `max` characters, at a word or sentence end when it is longer.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let end = cut
        .rfind([' ', '，', '；', '、', '。'])
        .filter(|i| *i > cut.len() / 2)
        .unwrap_or(cut.len());
    format!(
        "{}…",
        cut[..end].trim_end_matches([',', ';', ' ', '，', '；', '、'])
    )
}

/// Replace the attribute value that follows the first `prefix` (up to the closing quote).
/// A page's JSON-LD: a schema.org `TechArticle` with its headline, description and language, part
/// of the site (its name as the page shows it), with absolute addresses when the site's is known.
fn structured_data(
    html: &str,
    d: &crate::docs::Doc,
    lang: Lang,
    description: &str,
    site_url: Option<&str>,
) -> String {
    let site_name = html
        .split(r#"<meta property="og:site_name" content=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("WebSocket close codes");
    // The page's own title as link previews show it (`1006 Abnormal Closure`).
    let headline = html
        .split(r#"<meta property="og:title" content=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map_or_else(
            || d.heading[crate::docs::Doc::slot(lang)].clone(),
            str::to_owned,
        );
    let prefix = match lang {
        Lang::En => "",
        Lang::Zh => "zh/",
    };
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "TechArticle",
        "headline": unescape_attr(&headline),
        "description": description,
        "inLanguage": match lang { Lang::En => "en", Lang::Zh => "zh-CN" },
        "about": "WebSocket",
        "isPartOf": { "@type": "WebSite", "name": unescape_attr(site_name) },
    });
    if let Some(site) = site_url {
        let url = format!("{site}/{prefix}{}.html", d.kind.path());
        ld["url"] = url.clone().into();
        ld["mainEntityOfPage"] = url.into();
        ld["isPartOf"]["url"] = format!("{site}/{prefix}").into();
    }
    // `</` inside a script element would end it.
    format!(
        r#"<script type="application/ld+json">{}</script>"#,
        ld.to_string().replace("</", "<\\/")
    )
}

/// The text of an attribute value as the theme escaped it.
fn unescape_attr(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn set_content(html: &str, prefix: &str, value: &str) -> String {
    let Some(start) = html.find(prefix).map(|i| i + prefix.len()) else {
        return html.to_owned();
    };
    let Some(len) = html[start..].find('"') else {
        return html.to_owned();
    };
    format!("{}{value}{}", &html[..start], &html[start + len..])
}

const NOT_FOUND_TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="__LANG__">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>__TITLE__</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}</style>
</head>
<body>
<h1>__H1__</h1>
<p id="cc-msg">__MSG__</p>
<p><a id="cc-ref" href="__HERE__/codes/index.html">__REF__</a> · <a id="cc-ref-other" href="__THERE__/codes/index.html">__OTHER__</a></p>
<script id="cc-data" type="application/json">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cc-data").textContent);
  var path = location.pathname;
  // Only paths that are a close code are acted on: no open redirect.
  var m = /^(.*?)(\/zh)?\/(?:codes\/)?([0-9]{1,4})(?:\.html)?\/?$/.exec(path);
  var prefix = m ? m[1] : (/^(.*?)(\/zh)?\/[^\/]*$/.exec(path) || ["", ""])[1];
  var zh = m ? !!m[2] : /(^|\/)zh\//.test(path);
  var base = prefix + (zh ? "/zh" : "");
  document.getElementById("cc-ref").href = prefix + (zh ? "/zh" : "") + "/codes/index.html";
  document.getElementById("cc-ref-other").href = prefix + (zh ? "" : "/zh") + "/codes/index.html";
  if (!m) return;
  var code = parseInt(m[3], 10);
  if (data.codes.indexOf(code) >= 0) {
    location.replace(base + "/codes/" + code + ".html");
    return;
  }
  for (var i = 0; i < data.ranges.length; i++) {
    var r = data.ranges[i];
    if (code >= r[0] && code <= r[1]) {
      location.replace(base + "/codes/" + r[0] + "-" + r[1] + ".html#" + code);
      return;
    }
  }
  document.getElementById("cc-msg").textContent = zh
    ? code + " 不是 WebSocket 关闭码：关闭码的取值范围是 0–4999。"
    : code + " is not a WebSocket close code: close codes are 0–4999.";
})();
</script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cut_at_a_word_and_replaced_in_place() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four", 12), "one two…");
        assert_eq!(
            shorten("连接断开了，原因是代理超时，需要心跳", 12),
            "连接断开了，原因是代理…"
        );
        assert_eq!(
            resolve(
                "https://s.example",
                "zh/codes/1006.html",
                "../../codes/1006.html"
            ),
            "https://s.example/codes/1006.html"
        );
        assert_eq!(
            resolve("https://s.example", "index.html", "zh/index.html"),
            "https://s.example/zh/index.html"
        );
        assert!(absolute_site("javascript:alert(1)").is_err());
        assert_eq!(
            absolute_site("https://s.example/").unwrap(),
            "https://s.example"
        );
        let html = r#"<meta name="description" content="site"><meta name="x" content="y">"#;
        assert_eq!(
            set_content(html, r#"<meta name="description" content=""#, "page"),
            r#"<meta name="description" content="page"><meta name="x" content="y">"#
        );
    }
}
