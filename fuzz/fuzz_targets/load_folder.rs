//! The whole shipped data folder with one file replaced by the fuzzer's bytes, or one file added:
//! the checks between entries (related, duplicates, mutual links, runtimes naming codes and pages)
//! run against the full registry. Loading never panics, and every error is located. (Each run
//! loads about 1.7 MB of YAML, so this target is slow; `load_file` covers the parser faster.)
#![no_main]

use closecodes::registry::{self, LoadError};
use closecodes_cli::embedded::FILES;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

/// The shipped folder; it loads without errors.
fn folder() -> &'static [(&'static Path, &'static str)] {
    static FOLDER: OnceLock<Vec<(&'static Path, &'static str)>> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let files: Vec<_> = FILES.iter().map(|(p, t)| (Path::new(*p), *t)).collect();
        if let Err(e) = registry::load_sources(files.iter().copied()) {
            panic!("the fuzzed folder must load cleanly:\n{e}");
        }
        files
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let which = u16::from_le_bytes([data[0], data[1]]) as usize;
    let Ok(text) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    // An index below the number of files replaces that file; the next one adds a code file.
    let added;
    let mut files: Vec<(&Path, &str)> = folder().to_vec();
    let i = which % (files.len() + 1);
    if i < files.len() {
        files[i].1 = text;
    } else {
        added = format!("data/codes/{}.yaml", 1000 + which % 4000);
        files.push((Path::new(&added), text));
    }
    match registry::load_sources(files) {
        Ok(_) => {}
        Err(LoadError::Invalid(diags)) => {
            assert!(!diags.is_empty());
            for d in &diags {
                assert!(d.line >= 1 && d.column >= 1, "unlocated: {d}");
            }
        }
        Err(e) => panic!("unexpected error kind: {e}"),
    }
});
