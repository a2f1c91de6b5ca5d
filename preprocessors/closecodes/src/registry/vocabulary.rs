//! The vocabulary (`data/vocabulary.yaml`): groups of words that mean the same to a searcher, in
//! both languages (掉线 / 断线 / disconnect), and groups of weak words (`weak: true`) that describe
//! the reader's code rather than the failure (method, 回调函数). Search expands a query word into
//! the rest of its group and counts weak words little; editors extend both without touching Rust.

use super::Diagnostic;
use super::yaml::Ctx;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One group of words that mean the same thing to a searcher.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SynonymGroup {
    /// The words, as written (at least two in a group of synonyms).
    pub words: Vec<String>,
    /// Weak words: not synonyms of each other, each counted at a fraction of a word's weight.
    #[serde(default)]
    pub weak: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    words: Vec<Spanned<String>>,
    #[serde(default)]
    weak: bool,
}

/// Check the groups: none empty, none of synonyms with one word, no word empty or in two groups
/// (case-insensitive).
pub(super) fn validate(
    raws: Vec<(PathBuf, (u64, Spanned<RawGroup>))>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<SynonymGroup> {
    let mut seen: BTreeMap<String, (PathBuf, u64)> = BTreeMap::new();
    let mut out = Vec::new();
    for (file, (_line, raw)) in raws {
        let mut ctx = Ctx { file: &file, diags };
        let before = ctx.diags.len();
        if raw.value.weak && raw.value.words.is_empty() {
            ctx.err(
                &raw,
                "words",
                "a group of weak words needs at least one word",
            );
        } else if !raw.value.weak && raw.value.words.len() < 2 {
            ctx.err(
                &raw,
                "words",
                "a vocabulary group needs at least two words that mean the same",
            );
        }
        let mut words = Vec::new();
        for (i, w) in raw.value.words.iter().enumerate() {
            let word = w.value.trim().to_owned();
            let field = format!("words[{i}]");
            if word.is_empty() {
                ctx.err(w, &field, "must not be empty");
                continue;
            }
            let folded = word.to_lowercase();
            if let Some((f, l)) = seen.get(&folded) {
                ctx.err(
                    w,
                    &field,
                    format!(
                        "`{word}` is already in the group at {}:{l}; a word belongs to one group",
                        f.display()
                    ),
                );
                continue;
            }
            seen.insert(folded, (file.clone(), w.referenced.line()));
            words.push(word);
        }
        if ctx.diags.len() == before {
            out.push(SynonymGroup {
                words,
                weak: raw.value.weak,
            });
        }
    }
    out
}
