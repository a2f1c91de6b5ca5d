//! The site as mdBook builds it: in-process through `mdbook-driver` on a fixture book, and with
//! the released `mdbook` 0.5.4 binary on the shipped book in both languages, asserting on the HTML.

use closecodes::book::CloseCodes;
use closecodes::registry::{self, Key, Lang};
use closecodes_tests::{
    broken_links, copy_dir, fixture, html_files, http_get, mdbook, mdbook_serve, normalize,
    repo_root,
};
use scraper::{Html, Selector};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn page(path: &Path) -> Html {
    Html::parse_document(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
}

fn text_of(html: &Html, selector: &str) -> String {
    html.select(&sel(selector))
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn in_process_build_of_the_fixture_book() {
    let tmp = tempfile::tempdir().unwrap();
    let mut md = mdbook_driver::MDBook::load(fixture("book")).unwrap();
    md.config.build.build_dir = tmp.path().join("out");
    md.config.book.language = Some("zh".into());
    md.with_preprocessor(CloseCodes);
    md.build().unwrap();
    let out = tmp.path().join("out");
    let guide = page(&out.join("guide.html"));
    assert_eq!(
        guide.select(&sel("html")).next().unwrap().attr("lang"),
        Some("zh")
    );
    let main = text_of(&guide, "main");
    assert!(main.contains("中文指南"), "{main}");
    assert!(
        !main.contains("English guide"),
        "no English prose on a zh page"
    );
    let card = guide
        .select(&sel(".cc-card a"))
        .next()
        .expect("a code card");
    assert_eq!(card.attr("href"), Some("codes/1006.html"));
    assert!(out.join("codes/4000-4999.html").is_file());
    // Sidebar titles come from the translation and the registry.
    let toc = std::fs::read_to_string(out.join("toc.html")).unwrap();
    assert!(
        toc.contains("指南") && toc.contains("1006 连接异常关闭"),
        "{toc}"
    );
}

/// The shipped book built once per test process by the released `mdbook`, English then Chinese,
/// as the README tells users to do.
fn shipped_site() -> &'static PathBuf {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("closecodes-site-")
            .tempdir()
            .unwrap()
            .keep();
        let site = dir.join("book");
        let en = mdbook()
            .args(["build", "-d"])
            .arg(&site)
            .current_dir(repo_root())
            .output()
            .unwrap();
        assert!(
            en.status.success(),
            "mdbook build (en): {}",
            String::from_utf8_lossy(&en.stderr)
        );
        let zh = mdbook()
            .env("MDBOOK_BOOK__LANGUAGE", "zh")
            .args(["build", "-d"])
            .arg(site.join("zh"))
            .current_dir(repo_root())
            .output()
            .unwrap();
        assert!(
            zh.status.success(),
            "mdbook build (zh): {}",
            String::from_utf8_lossy(&zh.stderr)
        );
        for out in [&en, &zh] {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !stderr.contains("WARN"),
                "the build emits no warnings:\n{stderr}"
            );
        }
        site
    })
}

#[test]
fn every_documented_code_and_range_has_a_page_in_both_languages() {
    let site = shipped_site();
    let reg = registry::load(&repo_root().join("data")).unwrap();
    assert!(
        reg.entries().len() >= 21,
        "1000–1015 and the five ranges at least"
    );
    for e in reg.entries() {
        for lang in Lang::ALL {
            let prefix = if lang == Lang::Zh { "zh/" } else { "" };
            let file = site.join(format!("{prefix}{}", e.page_path()));
            let html = page(&file);
            let root = html.select(&sel("html")).next().unwrap();
            assert_eq!(root.attr("lang"), Some(lang.code()), "{}", file.display());
            let h1 = text_of(&html, "main h1");
            assert!(
                h1.starts_with(&e.key.label()),
                "{}: h1 {h1}",
                file.display()
            );
            assert!(
                h1.contains(&e.text(lang).title),
                "{}: h1 {h1}",
                file.display()
            );
            // The other language's summary never shows.
            let other = if lang == Lang::En { &e.zh } else { &e.en };
            let main = text_of(&html, "main");
            assert!(
                !main.contains(&other.summary),
                "{}: other language's prose",
                file.display()
            );
        }
    }
}

#[test]
fn the_reference_table_has_a_linked_anchored_row_per_entry() {
    let site = shipped_site();
    let reg = registry::load(&repo_root().join("data")).unwrap();
    for prefix in ["", "zh/"] {
        let html = page(&site.join(format!("{prefix}codes/index.html")));
        for e in reg.entries() {
            let slug = e.key.slug();
            let row = html
                .select(&sel(&format!(r#"tr[id="{slug}"]"#)))
                .next()
                .unwrap_or_else(|| panic!("{prefix}codes/index.html has no row #{slug}"));
            let link = row.select(&sel("a")).next().expect("row links its article");
            assert_eq!(link.attr("href"), Some(format!("{slug}.html").as_str()));
        }
        // Every documented code number appears in the table exactly once as a row.
        let rows = html.select(&sel("tr.cc-row")).count();
        assert_eq!(rows, reg.entries().len());
    }
}

/// Every page of the built site a reader can land on, with its path below the site (the 404
/// routers and the sidebar's `toc.html` are not pages; `handshake/404.html` is).
fn content_pages(site: &Path) -> Vec<(PathBuf, String)> {
    html_files(site)
        .into_iter()
        .map(|file| {
            let rel = file
                .strip_prefix(site)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, rel)
        })
        .filter(|(_, rel)| {
            !["404.html", "zh/404.html", "toc.html", "zh/toc.html"].contains(&rel.as_str())
        })
        .collect()
}

#[test]
fn every_page_links_its_twin_and_declares_hreflang() {
    let site = shipped_site();
    let mut checked = 0;
    for (file, rel) in content_pages(site) {
        let zh = rel.starts_with("zh/");
        let html = page(&file);
        let switch = html
            .select(&sel("#cc-lang-switch"))
            .next()
            .unwrap_or_else(|| panic!("{rel}: no language switch"));
        let href = switch.attr("href").unwrap();
        let twin = normalize(&file.parent().unwrap().join(href));
        assert!(twin.is_file(), "{rel}: twin {href} does not exist");
        let twin_rel = twin
            .strip_prefix(site)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let expected = if zh {
            rel.trim_start_matches("zh/").to_owned()
        } else {
            format!("zh/{rel}")
        };
        assert_eq!(
            twin_rel, expected,
            "{rel}: the switch keeps you on the same page"
        );
        for lang in ["en", "zh"] {
            let alt = html
                .select(&sel(&format!(
                    r#"link[rel="alternate"][hreflang="{lang}"]"#
                )))
                .next()
                .unwrap_or_else(|| panic!("{rel}: no hreflang={lang}"));
            let target = normalize(&file.parent().unwrap().join(alt.attr("href").unwrap()));
            assert!(
                target.is_file(),
                "{rel}: hreflang {lang} → {}",
                target.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 40, "checked {checked} pages");
}

#[test]
fn every_page_names_itself_and_the_site_in_its_language() {
    let site = shipped_site();
    let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let mut checked = 0;
    for (file, rel) in content_pages(site) {
        let html = page(&file);
        let title = text_of(&html, "title");
        let description = html
            .select(&sel(r#"meta[name="description"]"#))
            .next()
            .and_then(|m| m.attr("content"))
            .unwrap_or_else(|| panic!("{rel}: no description"))
            .to_owned();
        if rel.starts_with("zh/") {
            assert!(title.ends_with("WebSocket 关闭码"), "{rel}: title {title}");
            assert!(han(&description), "{rel}: description not in Chinese");
        } else {
            assert!(
                title.ends_with("WebSocket close codes"),
                "{rel}: title {title}"
            );
            assert!(!han(&description), "{rel}: description not in English");
        }
        checked += 1;
    }
    assert!(checked > 40, "checked {checked} pages");
    let zh = page(&site.join("zh/codes/1006.html"));
    assert_eq!(
        text_of(&zh, "title"),
        "1006 连接异常关闭 · WebSocket 关闭码"
    );
}

#[test]
fn hand_written_chapters_and_ui_strings_are_translated() {
    let site = shipped_site();
    let en = page(&site.join("guides/capture.html"));
    let zh = page(&site.join("zh/guides/capture.html"));
    let (en_main, zh_main) = (text_of(&en, "main"), text_of(&zh, "main"));
    assert_ne!(en_main, zh_main);
    let han = zh_main
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    assert!(
        han > 200,
        "the zh chapter is Chinese ({han} Han characters)"
    );
    let placeholder = zh
        .select(&sel("#mdbook-searchbar"))
        .next()
        .map(|e| e.attr("placeholder"));
    if let Some(Some(p)) = placeholder {
        assert!(p.contains("搜索"), "{p}");
    }
    let prev = zh
        .select(&sel("a[rel='prev']"))
        .next()
        .expect("a previous-chapter link");
    assert_eq!(prev.attr("title"), Some("上一章"));
    let toc = std::fs::read_to_string(site.join("zh/toc.html")).unwrap();
    assert!(
        toc.contains("关闭码速查表"),
        "zh sidebar title of the reference"
    );
}

#[test]
fn the_built_site_has_no_broken_internal_link() {
    let broken = broken_links(shipped_site());
    assert!(
        broken.is_empty(),
        "{} broken links: {broken:#?}",
        broken.len()
    );
}

#[test]
fn generated_markdown_never_contains_a_directive() {
    let reg = registry::load(&repo_root().join("data")).unwrap();
    let r = closecodes::render::Renderer::new(Some(&repo_root().join("theme/closecodes"))).unwrap();
    for lang in Lang::ALL {
        assert!(!r.reference(&reg, lang).unwrap().contains("{{"));
        for e in reg.entries() {
            let md = r.article(&reg, e, lang).unwrap();
            assert!(
                !md.contains("{{"),
                "{} ({}) contains `{{{{`",
                e.key,
                lang.code()
            );
        }
    }
    assert!(
        reg.resolve(4123)
            .is_some_and(|e| e.key == Key::Range(4000, 4999))
    );
}

#[test]
fn mdbook_fails_with_the_located_message_on_bad_data() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("book"), tmp.path());
    std::fs::write(
        tmp.path().join("data/codes.yaml"),
        std::fs::read_to_string(fixture("book/data/codes.yaml"))
            .unwrap()
            .replace("code: 1006", "code: 6006"),
    )
    .unwrap();
    let out = mdbook()
        .arg("build")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "mdbook must fail");
    assert!(
        stderr.contains("data/codes.yaml:12:9: error in `code`: 6006 is outside 0–4999"),
        "{stderr}"
    );
}

#[test]
fn mdbook_fails_on_a_directive_naming_no_code() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("book"), tmp.path());
    std::fs::write(
        tmp.path().join("src/guide.md"),
        "# Guide\n\n{{#closecode 7000}}\n",
    )
    .unwrap();
    let out = mdbook()
        .arg("build")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("src/guide.md:3: `{{#closecode 7000}}` needs a close code 0–4999"),
        "{stderr}"
    );
}

#[test]
fn mdbook_serve_rebuilds_when_the_data_changes() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("book"), tmp.path());
    let (mut child, port) = mdbook_serve(tmp.path());
    let fetch = |path: &str| http_get(port, path);
    let wait_for = |needle: &str, secs: u64| {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while std::time::Instant::now() < until {
            if fetch("/codes/1006.html").is_some_and(|p| p.contains(needle)) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    };
    let first = wait_for("Abnormal Closure", 30);
    let data = tmp.path().join("data/codes.yaml");
    let text = std::fs::read_to_string(&data).unwrap();
    std::fs::write(
        &data,
        text.replace("title: Abnormal Closure", "title: Edited While Serving"),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let rebuilt = wait_for("Edited While Serving", 10);
    let took = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first, "mdbook serve came up");
    let shipped = std::fs::read_to_string(repo_root().join("book.toml")).unwrap();
    assert!(
        shipped.contains(r#"extra-watch-dirs = ["data""#),
        "the shipped book watches data/"
    );
    assert!(rebuilt, "the page changed after the YAML was saved");
    eprintln!(
        "mdbook serve rebuilt after a data edit in {:.2} s",
        took.as_secs_f64()
    );
}

/// `closecodes build --site-url` on the shipped book: every page has an absolute canonical
/// address, `hreflang` links (with `x-default`) whose pages point back, a description in its own
/// language and valid JSON-LD naming the same address; `sitemap.xml` lists every page once with
/// the same alternates; `robots.txt` names the sitemap and keeps the print pages out.
#[test]
fn the_published_site_is_described_for_search_engines() {
    let site_url = "https://closecodes.example";
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    closecodes_cli::site::build_with(&repo_root(), &site, Some(site_url)).unwrap();
    let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let attr = |html: &Html, selector: &str, name: &str| {
        html.select(&sel(selector))
            .next()
            .and_then(|e| e.attr(name))
            .map(str::to_owned)
    };
    let mut canonical_of = std::collections::BTreeMap::new();
    let mut alternates = Vec::new();
    let mut listed_expected = std::collections::BTreeSet::new();
    for (file, rel) in content_pages(&site) {
        if rel.ends_with("print.html") {
            continue;
        }
        let html = page(&file);
        let own = format!("{site_url}/{rel}");
        listed_expected.insert(own.clone());
        let canonical = attr(&html, r#"link[rel="canonical"]"#, "href");
        assert_eq!(canonical.as_deref(), Some(own.as_str()), "{rel}: canonical");
        canonical_of.insert(own.clone(), rel.clone());
        let hreflang = |lang: &str| {
            attr(
                &html,
                &format!(r#"link[rel="alternate"][hreflang="{lang}"]"#),
                "href",
            )
            .unwrap_or_else(|| panic!("{rel}: no hreflang={lang}"))
        };
        let (en, zh, default) = (hreflang("en"), hreflang("zh"), hreflang("x-default"));
        assert!(
            en.starts_with(site_url) && zh.starts_with(site_url),
            "{rel}"
        );
        assert_eq!(default, en, "{rel}: x-default is the English page");
        assert!(
            own == en || own == zh,
            "{rel}: hreflang names the page itself"
        );
        alternates.push((own.clone(), en, zh));
        let zh_page = rel.starts_with("zh/");
        let description = attr(&html, r#"meta[name="description"]"#, "content").unwrap();
        assert!(!description.is_empty(), "{rel}: description");
        assert_eq!(
            han(&description),
            zh_page,
            "{rel}: description {description:?}"
        );
        // JSON-LD on every article (code, handshake, protocol, guide pages).
        if let Some(script) = html
            .select(&sel(r#"script[type="application/ld+json"]"#))
            .next()
        {
            let ld: serde_json::Value = serde_json::from_str(&script.text().collect::<String>())
                .unwrap_or_else(|e| panic!("{rel}: JSON-LD: {e}"));
            assert_eq!(ld["@context"], "https://schema.org", "{rel}");
            assert_eq!(ld["@type"], "TechArticle", "{rel}");
            assert_eq!(ld["url"], own.as_str(), "{rel}");
            assert_eq!(
                ld["inLanguage"],
                if zh_page { "zh-CN" } else { "en" },
                "{rel}"
            );
            assert!(!ld["headline"].as_str().unwrap().is_empty(), "{rel}");
            assert_eq!(ld["description"], description.as_str(), "{rel}");
        } else {
            // Articles all have it; tables and hand-written chapters outside the guides may not.
            assert!(
                rel.ends_with("index.html")
                    || !["codes/", "handshake/", "protocols/", "guides/"]
                        .iter()
                        .any(|d| rel.contains(d)),
                "{rel}: no JSON-LD"
            );
        }
    }
    // hreflang pairs point at each other: the page each names links back the same way.
    let by_url: std::collections::BTreeMap<_, _> = alternates
        .iter()
        .map(|(own, en, zh)| (own.clone(), (en.clone(), zh.clone())))
        .collect();
    for (own, en, zh) in &alternates {
        for other in [en, zh] {
            let back = by_url
                .get(other)
                .unwrap_or_else(|| panic!("{own}: hreflang {other} is not a page"));
            assert_eq!(back, &(en.clone(), zh.clone()), "{own} ↔ {other}");
        }
    }
    // The sitemap: well-formed, every page once, with the same alternates.
    let xml = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
    assert!(xml.contains(r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">"#));
    assert!(xml.trim_end().ends_with("</urlset>"));
    let mut listed = std::collections::BTreeSet::new();
    for entry in xml.split("<url>").skip(1) {
        let entry = entry.split("</url>").next().unwrap();
        let loc = entry
            .split("<loc>")
            .nth(1)
            .unwrap()
            .split("</loc>")
            .next()
            .unwrap();
        assert!(loc.len() < 2048 && loc.starts_with(site_url), "{loc}");
        assert!(listed.insert(loc.to_owned()), "{loc} listed twice");
        let (en, zh) = by_url
            .get(loc)
            .unwrap_or_else(|| panic!("{loc}: listed, but not a page of the site"));
        for (lang, href) in [("en", en), ("zh", zh), ("x-default", en)] {
            let link = format!(r#"<xhtml:link rel="alternate" hreflang="{lang}" href="{href}"/>"#);
            assert!(entry.contains(&link), "{loc}: {link}");
        }
    }
    assert_eq!(listed, listed_expected, "the sitemap lists every page");
    assert!(listed.len() > 200, "{} pages", listed.len());
    // The sitemap validates against the sitemaps.org schema (with Google's xhtml:link declared);
    // the same check refuses a copy with one <loc> misspelt, so it can fail.
    validate_sitemap(&site.join("sitemap.xml")).unwrap();
    let broken = tmp.path().join("broken-sitemap.xml");
    std::fs::write(
        &broken,
        xml.replacen("<loc>", "<lox>", 1)
            .replacen("</loc>", "</lox>", 1),
    )
    .unwrap();
    let refused = validate_sitemap(&broken).unwrap_err();
    assert!(refused.contains("lox"), "{refused}");
    let robots = std::fs::read_to_string(site.join("robots.txt")).unwrap();
    assert!(
        robots.contains(&format!("Sitemap: {site_url}/sitemap.xml")),
        "{robots}"
    );
    assert!(robots.contains("Disallow: /print.html"), "{robots}");
}

/// Runs `xmllint --schema` on `sitemap`: the sitemaps.org 0.9 schema as npm's `sitemap@9.0.1`
/// ships it (unmodified; `scripts/test-all` installs it into `CLOSECODES_TOOLS`) together with
/// `tests/schemas/xhtml-link.xsd`, which declares the `xhtml:link` alternates that the
/// sitemap schema's strict wildcard demands a declaration for. `Err` holds xmllint's report.
fn validate_sitemap(sitemap: &std::path::Path) -> Result<(), String> {
    let tools =
        std::env::var("CLOSECODES_TOOLS").unwrap_or_else(|_| "/var/tmp/closecodes-tools".into());
    let official = std::path::Path::new(&tools).join("node_modules/sitemap/schema/sitemap.xsd");
    assert!(
        official.is_file(),
        "{} is missing: run scripts/test-all (it installs sitemap@9.0.1 from npm)",
        official.display()
    );
    let xhtml = repo_root().join("tests/schemas/xhtml-link.xsd");
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("sitemap-and-xhtml-link.xsd");
    std::fs::write(
        &both,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" schemaLocation="{}"/>
  <xsd:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="{}"/>
</xsd:schema>
"#,
            official.display(),
            xhtml.display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&both)
        .arg(sitemap)
        .output()
        .expect("xmllint is missing: run scripts/test-all (it installs libxml2-utils)");
    let report = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        Ok(())
    } else {
        Err(report)
    }
}
