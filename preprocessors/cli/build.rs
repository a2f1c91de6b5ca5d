//! Embeds the shipped `data/` into the binary, so `closecodes explain` and `search` need no files:
//! the registry as the loader validated it, in a binary archive that needs no YAML parse at start
//! (`registry.postcard`), and the YAML texts themselves (for the fuzz targets and `--data`-less
//! tools that want the sources).

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../..").canonicalize().unwrap();
    let data = root.join("data");
    println!("cargo:rerun-if-changed={}", data.display());
    let mut files = Vec::new();
    collect(&data, &mut files);
    files.sort();
    let mut src = String::from(
        "/// The shipped data files: (path relative to the repository, contents).\npub const FILES: &[(&str, &str)] = &[\n",
    );
    archive(&root, &files);
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        src.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    src.push_str("];\n");
    // Hand-written guides, searchable like every other page.
    let guides = root.join("src/guides");
    println!("cargo:rerun-if-changed={}", guides.display());
    let mut md: Vec<PathBuf> = std::fs::read_dir(&guides)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    md.retain(|p| p.extension().is_some_and(|e| e == "md"));
    md.sort();
    src.push_str(
        "/// The shipped guides: (file name in src/guides, contents).\npub const GUIDES: &[(&str, &str)] = &[\n",
    );
    for f in md {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        src.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    src.push_str("];\n");
    // The published site's address, `site-url` under [preprocessor.closecodes] in book.toml.
    let book = root.join("book.toml");
    println!("cargo:rerun-if-changed={}", book.display());
    let site_url = std::fs::read_to_string(&book)
        .ok()
        .and_then(|t| site_url(&t));
    src.push_str(&format!(
        "/// The published site's address from book.toml, if set.\npub const SITE_URL: Option<&str> = {site_url:?};\n"
    ));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_data.rs");
    std::fs::write(out, src).unwrap();
}

/// Load `files` with the registry's own loader (every check it makes) and write the validated
/// registry as `registry.postcard`. Invalid data writes an empty archive and a warning: the
/// binary still builds, so that `closecodes check` can say what is wrong, and the commands that
/// need the shipped registry say that it is missing.
fn archive(root: &Path, files: &[PathBuf]) {
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let rel = f
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(f).unwrap_or_default())
        })
        .collect();
    let bytes = match closecodes::registry::load_sources(
        sources
            .iter()
            .map(|(p, t)| (Path::new(p.as_str()), t.as_str())),
    ) {
        Ok(reg) => closecodes::registry::to_archive(&reg),
        Err(e) => {
            for line in e.to_string().lines().take(20) {
                println!("cargo:warning=data/ is not valid, so it is not compiled in: {line}");
            }
            Vec::new()
        }
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("registry.postcard");
    std::fs::write(out, bytes).unwrap();
}

/// `site-url = "…"` in the `[preprocessor.closecodes]` table of book.toml.
fn site_url(toml: &str) -> Option<String> {
    let mut in_table = false;
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line == "[preprocessor.closecodes]";
            continue;
        }
        if in_table
            && let Some(v) = line.strip_prefix("site-url")
            && let Some(v) = v.trim_start().strip_prefix('=')
        {
            let v = v.trim().trim_matches('"').trim();
            if !v.is_empty() {
                return Some(v.to_owned());
            }
        }
    }
    None
}
