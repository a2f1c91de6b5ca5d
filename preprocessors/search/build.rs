//! Compiles the shipped guides (`src/guides/*.md` of the book) in, so that search covers them
//! without files at run time.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let guides = manifest.join("../../src/guides").canonicalize().unwrap();
    println!("cargo:rerun-if-changed={}", guides.display());
    let mut md: Vec<PathBuf> = std::fs::read_dir(&guides)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    md.retain(|p| p.extension().is_some_and(|e| e == "md"));
    md.sort();
    let mut src = String::from(
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
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("guides.rs");
    std::fs::write(out, src).unwrap();
}
