//! `closecodes explain`: one article for the terminal, in the spirit of `rustc --explain`.
//!
//! The article is Markdown built from the registry (the same facts and UI strings as the site).
//! Piped or with `--color never`/`NO_COLOR`, that Markdown is printed as is, so it copies cleanly;
//! on a terminal it is styled (headings, emphasis, code, wrapped lists) at the terminal's width
//! (`COLUMNS`, at most 100) and, when longer than the screen, sent through `$PAGER` (`less -R`).

use crate::search::Names;
use closecodes::registry::{Entry, Key, Lang, MAX_CODE, Registry, RuntimeKind};
use closecodes::render::explain;

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

/// The article as Markdown, ready to show: for a number that public services define inside a
/// range (`4004`), what they mean by it, under its range's rule.
pub fn markdown(reg: &Registry, e: &Entry, asked: Option<u16>, lang: Lang) -> String {
    match asked.and_then(|c| explain::wild_article(reg, c, lang)) {
        Some(wild) => explain::finish(&wild, None, lang, &site_base()),
        None => explain::finish(&explain::article(reg, e, lang), asked, lang, &site_base()),
    }
}

/// The article on a number (`1006`, `#1006`, a code inside a range) as the build script rendered
/// it from the compiled-in registry: no registry is decoded. `None` for anything else, and when no
/// registry is compiled in.
pub fn compiled(query: &str, lang: Lang) -> Option<String> {
    let digits = query.trim().trim_start_matches(['#', 'e', 'E']);
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u16 = digits.parse().ok().filter(|c| *c <= MAX_CODE)?;
    let articles = crate::embedded::ARTICLES;
    // The same order as `Registry::resolve`: the code's own entry (3000 is registered, whatever
    // services make of it), else what services define, else the first range holding it.
    let own = articles.iter().find(|a| !a.0 && a.1 == code);
    if own.is_none()
        && let Ok(at) = crate::embedded::WILD.binary_search_by_key(&code, |w| w.0)
    {
        let (_, en, zh) = crate::embedded::WILD[at];
        let article = if lang == Lang::Zh { zh } else { en };
        return Some(explain::finish(article, None, lang, &site_base()));
    }
    let (range, _, _, en, zh) =
        own.or_else(|| articles.iter().find(|a| a.0 && (a.1..=a.2).contains(&code)))?;
    let asked = range.then_some(code);
    let article = if lang == Lang::Zh { zh } else { en };
    Some(explain::finish(article, asked, lang, &site_base()))
}

/// The published site's address for an article's last line: [`SITE_URL_VAR`], else book.toml's
/// `site-url` as built in, else empty (the line then shows the path alone).
fn site_base() -> String {
    std::env::var(SITE_URL_VAR)
        .ok()
        .or_else(|| crate::embedded::SITE_URL.map(str::to_owned))
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .unwrap_or_default()
}

/// The environment variable with the published site's address (`https://closecodes.example`);
/// `explain` then ends with the article's absolute URL. Without it, book.toml's `site-url` (built
/// in) is used.
pub const SITE_URL_VAR: &str = "CLOSECODES_SITE_URL";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::{Links, strip_ansi, styled};
    use unicode_width::UnicodeWidthStr;

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

    /// `explain N` prints what `build.rs` rendered: for every number 0–4999 (and one beyond),
    /// in both languages, exactly the article the registry gives now.
    #[test]
    fn compiled_articles_are_what_the_registry_renders() {
        let reg = crate::embedded::registry();
        let mut rendered = std::collections::HashMap::new();
        for code in 0..=MAX_CODE + 1 {
            for lang in Lang::ALL {
                let q = code.to_string();
                let expected = match lookup(&reg, &q, lang) {
                    // A code services define: its own article (about 120 of them).
                    Lookup::Found(e, Some(c)) if reg.is_wild(c) => {
                        Some(markdown(&reg, e, Some(c), lang))
                    }
                    Lookup::Found(e, asked) => {
                        let article = rendered
                            .entry((e.key, lang))
                            .or_insert_with(|| explain::article(&reg, e, lang));
                        Some(explain::finish(article, asked, lang, &site_base()))
                    }
                    Lookup::NotFound(_) => None,
                };
                assert_eq!(compiled(&q, lang), expected, "{code} {lang:?}");
            }
        }
        assert!(compiled("#1006", Lang::En).is_some_and(|md| md.starts_with("# 1006 ")));
        assert!(compiled("CloseAbnormalClosure", Lang::En).is_none());
        // A code Discord defines is explained with Discord's meaning, linking its own page.
        let md = compiled("4004", Lang::En).unwrap_or_default();
        assert!(md.starts_with("# 4004 "), "{md}");
        assert!(
            md.contains("Discord Gateway: Authentication failed"),
            "{md}"
        );
        assert!(md.contains("/codes/4004.html"), "{md}");
    }

    #[test]
    fn styled_text_fits_80_columns() {
        let reg = crate::embedded::registry();
        for e in reg.entries() {
            for lang in Lang::ALL {
                let md = markdown(&reg, e, None, lang);
                let text = strip_ansi(&styled(&md, 80, Links::Numbered));
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
