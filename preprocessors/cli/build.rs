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
    // The search index built below holds the guides too: an edited guide must rebuild it.
    println!(
        "cargo:rerun-if-changed={}",
        root.join("src/guides").display()
    );
    let mut files = Vec::new();
    collect(&data, &mut files);
    files.sort();
    let mut src = String::from(
        "/// The shipped data files: (path relative to the repository, contents).\npub const FILES: &[(&str, &str)] = &[\n",
    );
    pack_relocations();
    let reg = archive(&root, &files);
    articles(reg.as_ref());
    search_index(reg);
    search_module(&root);
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

/// A position-independent `closecodes` carries about 57,000 relative relocations (pointers in
/// the tables of its dependencies), 1.4 MB that the loader reads and applies at every start. GNU
/// ld can pack them (`DT_RELR`, glibc 2.36 and later), which takes `explain`'s peak memory from
/// 6.4 to 5.1 MiB and keeps the executable position-independent. Only where the linker says it
/// can.
fn pack_relocations() {
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    let ld_packs = std::process::Command::new("ld")
        .arg("--help")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("pack-relative-relocs"));
    if linux_gnu && ld_packs {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Load `files` with the registry's own loader (every check it makes) and write the validated
/// registry as `registry.postcard`. Invalid data writes an empty archive and a warning: the
/// binary still builds, so that `closecodes check` can say what is wrong, and the commands that
/// need the shipped registry say that it is missing.
fn archive(root: &Path, files: &[PathBuf]) -> Option<closecodes::registry::Registry> {
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
    let reg = match closecodes::registry::load_sources(
        sources
            .iter()
            .map(|(p, t)| (Path::new(p.as_str()), t.as_str())),
    ) {
        Ok(reg) => Some(reg),
        Err(e) => {
            for line in e.to_string().lines().take(20) {
                println!("cargo:warning=data/ is not valid, so it is not compiled in: {line}");
            }
            None
        }
    };
    let bytes = reg
        .as_ref()
        .map(closecodes::registry::to_archive)
        .unwrap_or_default();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("registry.postcard");
    std::fs::write(out, bytes).unwrap();
    reg
}

/// Every code's and range's `explain` article in both languages, rendered now, as
/// `articles.rs`: `explain 1006` then prints one without decoding the registry (none when the
/// data is invalid).
fn articles(reg: Option<&closecodes::registry::Registry>) {
    use closecodes::registry::{Key, Lang};
    use closecodes::render::explain::{article, wild_article};
    let mut src = String::from(
        "/// Each entry's `explain` article, in registry order: (a range?, first code, last code, English, Chinese).\npub static ARTICLES: &[(bool, u16, u16, &str, &str)] = &[\n",
    );
    for e in reg.map(|r| r.entries()).unwrap_or_default() {
        let (range, lo, hi) = match e.key {
            Key::Code(c) => (false, c, c),
            Key::Range(lo, hi) => (true, lo, hi),
        };
        let (en, zh) = (
            article(reg.unwrap(), e, Lang::En),
            article(reg.unwrap(), e, Lang::Zh),
        );
        src.push_str(&format!("    ({range}, {lo}, {hi}, {en:?}, {zh:?}),\n"));
    }
    src.push_str("];\n");
    src.push_str(
        "/// The article on each code public services define, ascending: (code, English, Chinese).\npub static WILD: &[(u16, &str, &str)] = &[\n",
    );
    if let Some(reg) = reg {
        for code in reg.wild_codes() {
            let [en, zh] = [Lang::En, Lang::Zh].map(|l| wild_article(reg, code, l));
            if let (Some(en), Some(zh)) = (en, zh) {
                src.push_str(&format!("    ({code}, {en:?}, {zh:?}),\n"));
            }
        }
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("articles.rs");
    std::fs::write(out, src).unwrap();
}

/// The registry and the shipped guides indexed now, saved as `search-index.bin`: `closecodes
/// search` opens it instead of indexing at every start (empty when the data is invalid).
fn search_index(reg: Option<closecodes::registry::Registry>) {
    use closecodes_search::{guides, search::SearchIndex};
    let bytes = reg
        .map(|reg| {
            SearchIndex::build_with(reg, &guides::embedded())
                .and_then(|ix| ix.to_bytes())
                .expect("an in-memory index builds")
        })
        .unwrap_or_default();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("search-index.bin");
    std::fs::write(out, bytes).unwrap();
}

/// The in-browser search (`preprocessors/web`) compiled to wasm32 by a nested cargo, into a target
/// folder of its own beside this build's, and saved as `closecodes-search.wasm`: `closecodes
/// build` writes it into the site. When it cannot be built (the wasm32 target is not installed:
/// `rustup target add wasm32-unknown-unknown`), or `CLOSECODES_NO_WASM` is set (the fuzz builds),
/// the file is empty and a warning says so: on a static host, such sites search numbers and
/// mdBook's English index only (`closecodes serve` is unaffected).
fn search_module(root: &Path) {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let out = out_dir.join("closecodes-search.wasm");
    for dir in [
        "preprocessors/web",
        "preprocessors/search/src",
        "preprocessors/closecodes/src",
        "preprocessors/closecodes/templates",
        "Cargo.lock",
        "Cargo.toml",
        ".cargo/config.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!("cargo:rerun-if-env-changed=CLOSECODES_NO_WASM");
    if std::env::var_os("CLOSECODES_NO_WASM").is_some() {
        std::fs::write(&out, []).unwrap();
        return;
    }
    // Installing the target later must rebuild the module: rustup lists the toolchain's
    // components in this file, which always exists (a missing path would rerun this script, and
    // recompile `closecodes`, at every build).
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if let Ok(o) = std::process::Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
    {
        let components =
            Path::new(String::from_utf8_lossy(&o.stdout).trim()).join("lib/rustlib/components");
        if components.exists() {
            println!("cargo:rerun-if-changed={}", components.display());
        }
    }
    // OUT_DIR is <target>/<profile>/build/<package>/out (or <target>/<triple>/<profile>/…).
    let target = out_dir
        .ancestors()
        .find(|a| a.join("CACHEDIR.TAG").exists())
        .map_or_else(|| out_dir.join("wasm"), Path::to_path_buf)
        .join("wasm-search");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--locked",
            "-p",
            "closecodes-web",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm",
            "--target-dir",
        ])
        .arg(&target)
        // This build's flags (a sanitizer, coverage) are not the module's.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .status();
    let built = target.join("wasm32-unknown-unknown/wasm/closecodes_web.wasm");
    match status {
        Ok(s) if s.success() && built.exists() => {
            std::fs::copy(&built, &out).unwrap();
        }
        other => {
            println!(
                "cargo:warning=the in-browser search module was not built ({}); on a static host, sites built by this closecodes search numbers and mdBook's English index only. Install the target with `rustup target add wasm32-unknown-unknown`.",
                match other {
                    Ok(s) => format!("cargo exited with {s}"),
                    Err(e) => e.to_string(),
                }
            );
            std::fs::write(&out, []).unwrap();
        }
    }
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
