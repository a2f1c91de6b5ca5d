//! Hand-written guides as search documents: each `src/guides/<slug>.md` with its Chinese twin
//! `<slug>.zh.md`, title from the first heading, body as plain text. The shipped guides are
//! compiled in (`build.rs`); `load` reads a book's `src/guides` for `--data` users.

include!(concat!(env!("OUT_DIR"), "/guides.rs"));

use std::collections::BTreeMap;
use std::path::Path;

/// One guide in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Guide {
    /// `timeouts` for `src/guides/timeouts.md`.
    pub slug: String,
    /// English and Chinese (title, Markdown).
    pub text: [(String, String); 2],
}

/// The shipped guides (the index page of the guides is not a result).
pub fn embedded() -> Vec<Guide> {
    from_files(GUIDES.iter().map(|(n, t)| (*n, *t)))
}

/// The guides of a book's `src/guides` folder; missing folder or files give fewer guides.
pub fn load(dir: &Path) -> Vec<Guide> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let files: Vec<(String, String)> = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let text = std::fs::read_to_string(e.path()).ok()?;
            name.ends_with(".md").then_some((name, text))
        })
        .collect();
    from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
}

fn from_files<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Guide> {
    let mut en: BTreeMap<String, &str> = BTreeMap::new();
    let mut zh: BTreeMap<String, &str> = BTreeMap::new();
    for (name, text) in files {
        if let Some(slug) = name.strip_suffix(".zh.md") {
            zh.insert(slug.to_owned(), text);
        } else if let Some(slug) = name.strip_suffix(".md") {
            en.insert(slug.to_owned(), text);
        }
    }
    en.into_iter()
        .filter(|(slug, _)| slug != "index")
        .filter_map(|(slug, e)| {
            let z = zh.get(&slug)?;
            Some(Guide {
                text: [split(e), split(&closecodes::render::join_cjk_lines(z))],
                slug,
            })
        })
        .collect()
}

/// (first `# ` heading, the rest).
fn split(md: &str) -> (String, String) {
    let title = md
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("")
        .trim()
        .to_owned();
    (title, md.to_owned())
}
