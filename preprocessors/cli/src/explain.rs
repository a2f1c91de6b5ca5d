//! `closecodes explain`: one article for the terminal, in the spirit of `rustc --explain`.
//!
//! The article is Markdown built from the registry (the same facts and UI strings as the site).
//! Piped or with `--color never`/`NO_COLOR`, that Markdown is printed as is, so it copies cleanly;
//! on a terminal it is styled (headings, emphasis, code, wrapped lists) at the terminal's width
//! (`COLUMNS`, at most 100) and, when longer than the screen, sent through `$PAGER` (`less -R`).

use crate::search::Names;
use closecodes::registry::{Entry, Key, Lang, MAX_CODE, PageRef, Registry, RuntimeKind};
use closecodes::render::Renderer;

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
    // The article's own address: absolute when the published site's address is known.
    let base = std::env::var(SITE_URL_VAR)
        .ok()
        .or_else(|| crate::embedded::SITE_URL.map(str::to_owned))
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .unwrap_or_default();
    md.push_str(&format!(
        "\n{}{colon}{base}{prefix}{}\n",
        s("online"),
        e.page_path()
    ));
    md
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
