//! The `closecodes explain` article: one entry as Markdown for the terminal, from the same facts
//! and UI strings as its page on the site. The command's build script renders every article
//! ahead of time, so that `explain 1006` only looks one up and prints it.

use super::Renderer;
use crate::registry::{Entry, Key, Lang, PageRef, Registry};

/// Stands for the published site's address in an [`article`]: the address is known only when the
/// article is shown (it may come from the environment).
pub const SITE_MARK: &str = "\u{1}site\u{1}";

/// The article on `e` in `lang`, as Markdown, ending with the line that names its page on the
/// site, with [`SITE_MARK`] in place of the site's address in every link to the site; [`finish`]
/// makes it ready to show.
pub fn article(reg: &Registry, e: &Entry, lang: Lang) -> String {
    let r = Renderer::new(None).ok();
    let s = |k: &str| {
        r.as_ref()
            .map_or_else(|| k.to_owned(), |r| r.string(lang, k))
    };
    let colon = s("colon");
    let fact = |k: &str, v: String| format!("- {}{colon}{v}\n", s(k));
    let t = e.text(lang);
    let mut md = format!("# {} {}\n\n", e.key.label(), t.title);
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
                Lang::Zh => super::join_cjk_lines(body),
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
        "\n{}{colon}{SITE_MARK}{prefix}{}\n",
        s("online"),
        e.page_path()
    ));
    md
}

/// The article on a code that public services and protocols define for themselves (`4004`), like
/// its "in the wild" page on the site: the rule of its range, then each protocol's name for it,
/// meaning, fix and whether to reconnect. `None` when no protocol defines `code`.
pub fn wild_article(reg: &Registry, code: u16, lang: Lang) -> Option<String> {
    let defs = reg.wild(code);
    if defs.is_empty() {
        return None;
    }
    let r = Renderer::new(None).ok();
    let s = |k: &str| {
        r.as_ref()
            .map_or_else(|| k.to_owned(), |r| r.string(lang, k))
    };
    let colon = s("colon");
    let mut md = format!("# {code} {}\n\n{}\n\n", s("wild_title"), s("wild_intro"));
    if let Some(range) = reg.resolve(code).filter(|e| e.key != Key::Code(code)) {
        let t = range.text(lang);
        let see = format!("`closecodes explain {}`", range.key.slug());
        let see = match lang {
            Lang::En => format!(" ({see})"),
            Lang::Zh => format!("（{see}）"),
        };
        md.push_str(&format!(
            "> **{} {}**{colon}{}{see}\n",
            range.key.label(),
            t.title,
            t.summary.trim(),
        ));
    }
    let prefix = if lang == Lang::Zh { "/zh/" } else { "/" };
    for (p, c) in defs {
        let t = c.text(lang);
        md.push_str(&format!(
            "\n## {}: {}\n\n{}\n\n**{}**{colon}{}\n\n*{}{colon}{}* · {SITE_MARK}{prefix}{}#{code}\n",
            p.name,
            c.name,
            t.meaning.trim(),
            s("proto_fix"),
            t.fix.trim(),
            s("proto_col_reconnect"),
            s(&format!("reconnect_{}", c.reconnect.key())),
            p.page_path(),
        ));
    }
    md.push_str(&format!(
        "\n{}{colon}{SITE_MARK}{prefix}codes/{code}.html\n",
        s("online")
    ));
    Some(md)
}

/// An [`article`] as shown: `asked` (a number that falls in the article's range) noted under the
/// title, and `site` (the published site's address, or empty) in place of [`SITE_MARK`].
pub fn finish(article: &str, asked: Option<u16>, lang: Lang, site: &str) -> String {
    let mut md = article.replace(SITE_MARK, site);
    if let (Some(code), Some(at)) = (asked, md.find("\n\n")) {
        let note = match lang {
            Lang::En => format!("> {code} has no article of its own; it falls in this range.\n\n"),
            Lang::Zh => format!("> {code} 没有单独的条目，它属于本区间。\n\n"),
        };
        md.insert_str(at + 2, &note);
    }
    md
}
