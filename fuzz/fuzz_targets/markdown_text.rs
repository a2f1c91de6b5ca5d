//! Markdown to plain text (what is indexed and printed), HTML escaping and snippet text: any input
//! gives valid text without markup characters left unescaped.
#![no_main]

use closecodes_cli::search::{escape, plain_snippet, plain_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let plain = plain_text(text);
    let escaped = escape(&plain);
    assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
    let _ = plain_snippet(text);
    let _ = plain_snippet(&escaped);
});
