//! One data file of any kind, as bytes: decoding, located YAML parsing, the model's checks and the
//! checks between entries. Whatever the bytes, loading returns a registry or located errors; it
//! never panics, and every error names the file and a line and column inside it.
#![no_main]

use closecodes::registry::{self, FileText, LoadError};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// Where the file sits decides what it must hold.
const PATHS: [&str; 8] = [
    "data/codes/1006.yaml",
    "data/ranges/4000-4999.yaml",
    "data/handshake/403.yaml",
    "data/handshake/tls.yaml",
    "data/protocols/discord-gateway.yaml",
    "data/runtimes/browser.yaml",
    "data/vocabulary.yaml",
    "data/glossary.yaml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    if bytes.len() > registry::MAX_FILE_BYTES {
        return;
    }
    let path = Path::new(PATHS[which as usize % PATHS.len()]);
    let (text, encoding) = match registry::decode_text(path, bytes.to_vec()) {
        FileText::Utf8(t) => (t, None),
        FileText::Lossy(t, d) => (t, Some(d)),
        FileText::TooBig(_) => return,
    };
    if let Some(d) = &encoding {
        assert!(d.line >= 1 && d.column >= 1);
        assert!(d.line as usize <= text.lines().count().max(1));
    }
    match registry::load_sources([(path, text.as_str())]) {
        Ok(_) => {}
        Err(LoadError::Invalid(diags)) => {
            assert!(!diags.is_empty());
            for d in &diags {
                assert_eq!(d.file, path);
                assert!(d.line >= 1 && d.column >= 1, "unlocated: {d}");
                assert!(!d.message.is_empty());
            }
        }
        Err(e) => panic!("unexpected error kind: {e}"),
    }
});
