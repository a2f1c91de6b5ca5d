//! mdBook glue: the `closecodes` preprocessor.
//!
//! For the language in `book.language` (`en` or `zh`) it
//! 1. loads and validates the registry, and checks the Chinese prose of the book for the
//!    glossary's banned variants ([`crate::lint`]); a data error or a banned term fails the build
//!    with the located message;
//! 2. fills the placeholder chapter (`codes/index.md` by default) with the reference table and
//!    nests one generated chapter per documented code and range under it (`codes/1006.md`), and
//!    one per code that only protocols define (`codes/4004.md`); likewise, when SUMMARY.md has
//!    them, `handshake/index.md` (one page per handshake failure), `protocols/index.md` (one
//!    page per protocol) and `glossary.md`;
//! 3. swaps each hand-written chapter for its translation beside it (`guides/x.zh.md`) when
//!    building Chinese, taking the sidebar title from its first heading (a missing translation is
//!    an error: a page never shows the other language's prose);
//! 4. expands `{{#closecode N}}` directives into code cards;
//! 5. gives every chapter an `.html` path, so that the theme can link each page to its twin in the
//!    other language (`{{path}}` is then the page's own URL path).
//!
//! It reads `[preprocessor.closecodes]` keys `data` (default `data`), `section` (default
//! `codes/index.md`) and `templates` (default `theme/closecodes`), all relative to the book root.

use crate::lint;
use crate::registry::{self, Lang, Registry};
use crate::render::Renderer;
use mdbook_preprocessor::book::{Book, BookItem, Chapter, SectionNumber};
use mdbook_preprocessor::errors::{Error, Result};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The preprocessor's name, as in `[preprocessor.closecodes]`.
pub const NAME: &str = "closecodes";

/// `[preprocessor.closecodes]` settings.
#[derive(Debug, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Config {
    /// The data folder (or file), relative to the book root.
    pub data: PathBuf,
    /// Path (relative to `src/`) of the placeholder chapter that receives the reference table.
    pub section: PathBuf,
    /// Folder of template overrides, relative to the book root.
    pub templates: PathBuf,
    /// The published site's address (`https://closecodes.example`): `closecodes build` makes
    /// canonical, `hreflang` and `og:url` links absolute with it, and `explain` ends with it.
    pub site_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data: "data".into(),
            section: "codes/index.md".into(),
            templates: "theme/closecodes".into(),
            site_url: None,
        }
    }
}

/// The preprocessor. Stateless: everything comes from the context.
#[derive(Debug, Default, Clone, Copy)]
pub struct CloseCodes;

impl Preprocessor for CloseCodes {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> Result<Book> {
        let cfg: Config = ctx
            .config
            .get(&format!("preprocessor.{NAME}"))
            .map_err(|e| Error::msg(format!("[preprocessor.{NAME}] in book.toml: {e}")))?
            .unwrap_or_default();
        let lang = book_language(ctx)?;
        let registry = load_for_book(&ctx.root, &cfg.data)?;
        let mut renderer = Renderer::new(Some(&ctx.root.join(&cfg.templates)))?;
        let src = ctx.root.join(&ctx.config.book.src);
        learn_guide_titles(&book, &mut renderer, lang, &src);
        expand(book, &registry, &renderer, lang, &cfg.section, &src)
    }

    fn supports_renderer(&self, renderer: &str) -> Result<bool> {
        Ok(renderer == "html")
    }
}

/// The language of this build, from `book.language` (unset means English).
pub fn book_language(ctx: &PreprocessorContext) -> Result<Lang> {
    match ctx.config.book.language.as_deref() {
        None => Ok(Lang::En),
        Some(tag) => Lang::from_tag(tag).ok_or_else(|| {
            Error::msg(format!(
                "book.language is `{tag}`; Close Codes is written in `en` and `zh`"
            ))
        }),
    }
}

/// Load the registry and check the book's Chinese prose for banned terms ([`lint::tree_files`]
/// below `root`), printing paths relative to the book root as `closecodes check` does.
pub fn load_for_book(root: &Path, data: &Path) -> Result<Registry> {
    let relative = |diags: Vec<registry::Diagnostic>| {
        let diags = diags
            .into_iter()
            .map(|mut d| {
                if let Ok(rel) = d.file.strip_prefix(root) {
                    d.file = rel.to_owned();
                }
                d
            })
            .collect();
        Error::new(registry::LoadError::Invalid(diags))
    };
    let data = root.join(data);
    let reg = registry::load(&data).map_err(|e| match e {
        registry::LoadError::Invalid(diags) => relative(diags),
        other => Error::new(other),
    })?;
    let banned = lint::BannedTerms::new(reg.glossary());
    if !banned.is_empty() {
        let files = lint::tree_files(&data, Some(root)).map_err(Error::new)?;
        let diags = banned.check_files(&files).map_err(Error::new)?;
        if !diags.is_empty() {
            return Err(relative(diags));
        }
    }
    Ok(reg)
}

/// Tell the renderer the title of every guide (`guides/x.md`) in `lang`, so that pages linking a
/// guide show its title. A missing translation is reported later, by the chapter itself.
pub fn learn_guide_titles(book: &Book, r: &mut Renderer, lang: Lang, src: &Path) {
    for item in book.iter() {
        let BookItem::Chapter(ch) = item else {
            continue;
        };
        let Some(source) = &ch.source_path else {
            continue;
        };
        let Ok(rest) = source.strip_prefix("guides") else {
            continue;
        };
        let slug = rest.with_extension("").display().to_string();
        let title = match lang {
            Lang::En => Some(ch.name.clone()),
            _ => std::fs::read_to_string(src.join(translation_path(source, lang)))
                .ok()
                .and_then(|c| first_heading(&c)),
        };
        if let Some(t) = title {
            r.set_guide_title(lang, &slug, &t);
        }
    }
}

/// Apply steps 2–5 of the module docs to `book`.
pub fn expand(
    mut book: Book,
    reg: &Registry,
    renderer: &Renderer,
    lang: Lang,
    section: &Path,
    src: &Path,
) -> Result<Book> {
    let mut found = false;
    let mut failure: Option<Error> = None;
    book.for_each_mut(|item| {
        let BookItem::Chapter(ch) = item else { return };
        if failure.is_some() {
            return;
        }
        let path = ch.path.clone();
        let result = if path.as_deref() == Some(section) {
            found = true;
            fill_section(ch, reg, renderer, lang)
        } else if path.as_deref() == Some(Path::new("handshake/index.md")) {
            fill_handshake(ch, reg, renderer, lang)
        } else if path.as_deref() == Some(Path::new("protocols/index.md")) {
            fill_protocols(ch, reg, renderer, lang)
        } else if path.as_deref() == Some(Path::new("glossary.md")) {
            renderer
                .glossary(reg, lang)
                .map(|md| {
                    ch.name = renderer.string(lang, "glossary_title");
                    ch.content = md;
                })
                .map_err(Error::new)
        } else {
            prepare_chapter(ch, reg, renderer, lang, src)
        };
        if let Err(e) = result {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if !found {
        return Err(Error::msg(format!(
            "no chapter `{}` in SUMMARY.md: add a placeholder such as `- [Close codes]({})` where the close-code pages belong",
            section.display(),
            section.display()
        )));
    }
    // Give every chapter its page path as `.html` (see the module docs).
    book.for_each_mut(|item| {
        if let BookItem::Chapter(Chapter { path: Some(p), .. }) = item
            && p.extension().is_some_and(|e| e == "md")
        {
            p.set_extension("html");
        }
    });
    Ok(book)
}

fn fill_section(ch: &mut Chapter, reg: &Registry, r: &Renderer, lang: Lang) -> Result<()> {
    let number = placeholder_number(ch)?;
    ch.name = r.string(lang, "reference_title");
    ch.content = r.reference(reg, lang)?;
    let dir = ch
        .path
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new(""))
        .to_owned();
    // Documented codes and ranges, and the codes only protocols define, in numeric order.
    let mut pages: Vec<((u16, u8), String, String, String)> = Vec::new();
    for e in reg.entries() {
        pages.push((
            e.key.sort_key(),
            format!("{} {}", e.key.label(), e.text(lang).title),
            r.article(reg, e, lang)?,
            e.key.slug(),
        ));
    }
    for code in reg.wild_codes() {
        if reg.get(registry::Key::Code(code)).is_none() {
            pages.push((
                (code, 1),
                format!("{code} {}", r.string(lang, "wild_title")),
                r.wild(reg, code, lang)?,
                code.to_string(),
            ));
        }
    }
    pages.sort_by_key(|p| p.0);
    let pages = pages
        .into_iter()
        .map(|(_, name, content, slug)| (name, content, format!("{slug}.md")))
        .collect();
    nest(ch, &number, dir, pages);
    Ok(())
}

/// Put generated pages under a placeholder chapter, numbered after it and before its own
/// hand-written sub-chapters.
fn nest(
    ch: &mut Chapter,
    number: &SectionNumber,
    dir: PathBuf,
    pages: Vec<(String, String, String)>,
) {
    let mut parents = ch.parent_names.clone();
    parents.push(ch.name.clone());
    let mut children = Vec::new();
    for (i, (name, content, file)) in pages.into_iter().enumerate() {
        let mut n = number.clone();
        n.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        children.push(BookItem::Chapter(Chapter {
            name,
            content,
            number: Some(SectionNumber::new(n.to_vec())),
            sub_items: Vec::new(),
            path: Some(dir.join(file)),
            source_path: None,
            parent_names: parents.clone(),
        }));
    }
    children.append(&mut ch.sub_items);
    ch.sub_items = children;
}

fn placeholder_number(ch: &Chapter) -> Result<SectionNumber> {
    ch.number.clone().ok_or_else(|| {
        Error::msg(format!(
            "chapter `{}` must be a numbered chapter (`- [..](..)` in SUMMARY.md) so that generated pages nest under it",
            ch.path.as_deref().unwrap_or(Path::new("")).display()
        ))
    })
}

fn fill_handshake(ch: &mut Chapter, reg: &Registry, r: &Renderer, lang: Lang) -> Result<()> {
    let number = placeholder_number(ch)?;
    ch.name = r.string(lang, "hs_index_title");
    ch.content = r.handshake_index(reg, lang)?;
    let mut pages = Vec::new();
    for h in reg.handshakes() {
        pages.push((
            h.text(lang).title.clone(),
            r.handshake(reg, h, lang)?,
            format!("{}.md", h.key.slug()),
        ));
    }
    nest(ch, &number, PathBuf::from("handshake"), pages);
    Ok(())
}

fn fill_protocols(ch: &mut Chapter, reg: &Registry, r: &Renderer, lang: Lang) -> Result<()> {
    let number = placeholder_number(ch)?;
    ch.name = r.string(lang, "proto_index_title");
    ch.content = r.protocol_index(reg, lang)?;
    let mut pages = Vec::new();
    for p in reg.protocols() {
        pages.push((
            p.text(lang).title.clone(),
            r.protocol(reg, p, lang)?,
            format!("{}.md", p.slug),
        ));
    }
    nest(ch, &number, PathBuf::from("protocols"), pages);
    Ok(())
}

fn prepare_chapter(
    ch: &mut Chapter,
    reg: &Registry,
    r: &Renderer,
    lang: Lang,
    src: &Path,
) -> Result<()> {
    let Some(source) = ch.source_path.clone() else {
        return Ok(()); // generated elsewhere, or a draft
    };
    let label = source.display().to_string();
    if lang != Lang::En {
        let twin = translation_path(&source, lang);
        let file = src.join(&twin);
        let content = std::fs::read_to_string(&file).map_err(|e| {
            Error::msg(format!(
                "{}: no {} translation of src/{label} ({e}); every hand-written chapter needs one",
                Path::new("src").join(&twin).display(),
                lang.code()
            ))
        })?;
        if let Some(title) = first_heading(&content) {
            ch.name = title;
        }
        ch.content = crate::render::join_cjk_lines(&content);
    }
    let to_root = relative_prefix(ch.path.as_deref().unwrap_or(&source));
    ch.content = expand_directives(&ch.content, &label, |code| {
        let e = reg.resolve(code).ok_or_else(|| {
            format!("{code} is not a documented code and falls in no documented range")
        })?;
        r.card(reg, e, lang, &to_root).map_err(|e| e.to_string())
    })?;
    Ok(())
}

/// `guides/capture.md` → `guides/capture.zh.md`.
pub fn translation_path(source: &Path, lang: Lang) -> PathBuf {
    let stem = source.file_stem().unwrap_or_default().to_string_lossy();
    source.with_file_name(format!("{stem}.{}.md", lang.code()))
}

/// `../` once per folder level of `path` (relative to `src/`).
fn relative_prefix(path: &Path) -> String {
    "../".repeat(path.components().count().saturating_sub(1))
}

/// The text of the first `# ` heading, if any.
fn first_heading(md: &str) -> Option<String> {
    md.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Replace each `{{#closecode N}}` with `card(N)`; errors name the chapter and line.
fn expand_directives(
    content: &str,
    chapter: &str,
    mut card: impl FnMut(u16) -> std::result::Result<String, String>,
) -> Result<String> {
    const OPEN: &str = "{{#closecode";
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find(OPEN) {
        let line = content[..content.len() - rest.len() + start]
            .matches('\n')
            .count()
            + 1;
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find("}}") else {
            return Err(Error::msg(format!(
                "src/{chapter}:{line}: `{{{{#closecode` is not closed with `}}}}`"
            )));
        };
        let arg = after[..end].trim();
        let code: u16 = arg
            .parse()
            .ok()
            .filter(|c| *c <= registry::MAX_CODE)
            .ok_or_else(|| {
                Error::msg(format!(
                    "src/{chapter}:{line}: `{{{{#closecode {arg}}}}}` needs a close code 0–4999"
                ))
            })?;
        let html = card(code).map_err(|m| {
            Error::msg(format!(
                "src/{chapter}:{line}: `{{{{#closecode {arg}}}}}`: {m}"
            ))
        })?;
        out.push_str(&html);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_expand_and_report_their_line() {
        let out = expand_directives("a\n{{#closecode 1006}}\nb", "x.md", |c| {
            Ok(format!("[{c}]"))
        })
        .unwrap();
        assert_eq!(out, "a\n[1006]\nb");
        let err = expand_directives("a\n\n{{#closecode 99999}}", "g/x.md", |_| Ok(String::new()))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "src/g/x.md:3: `{{#closecode 99999}}` needs a close code 0–4999"
        );
        let err = expand_directives("{{#closecode 1006", "x.md", |_| Ok(String::new()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not closed"), "{err}");
    }

    #[test]
    fn paths() {
        assert_eq!(
            translation_path(Path::new("guides/capture.md"), Lang::Zh),
            PathBuf::from("guides/capture.zh.md")
        );
        assert_eq!(relative_prefix(Path::new("guides/capture.md")), "../");
        assert_eq!(relative_prefix(Path::new("README.md")), "");
        assert_eq!(first_heading("x\n# 标题 \n## b"), Some("标题".into()));
    }
}
