//! The glossary (`data/glossary.yaml`): for each concept the one Chinese term the site uses, its
//! English counterpart, why, and the variants banned in Chinese prose (with the wrong meaning each
//! carries). Rendered as a page in both languages; the banned variants are also search synonyms.

use super::Diagnostic;
use super::runtime::Bilingual;
use super::yaml::{Ctx, non_empty};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A variant the site avoids in Chinese prose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Banned {
    /// The variant.
    pub term: String,
    /// Why it is avoided (the wrong meaning it carries).
    pub why: Bilingual,
}

/// One concept and its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Term {
    /// A stable id (`close-frame`), the anchor on the glossary page.
    pub concept: String,
    /// The English term.
    pub en: String,
    /// The one Chinese term the site uses.
    pub zh: String,
    /// What it means.
    pub definition: Bilingual,
    /// Why this Chinese term.
    pub reason: Bilingual,
    /// Variants banned in Chinese prose.
    pub banned: Vec<Banned>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTerm {
    concept: Spanned<String>,
    en: Spanned<String>,
    zh: Spanned<String>,
    definition: Bilingual,
    reason: Bilingual,
    #[serde(default)]
    banned: Vec<Spanned<Banned>>,
}

/// Check the terms: ids unique, terms non-empty, a banned variant never the chosen term of any
/// concept nor banned twice.
pub(super) fn validate(
    raws: Vec<(PathBuf, (u64, Spanned<RawTerm>))>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Term> {
    let mut ids: BTreeMap<String, u64> = BTreeMap::new();
    // (file, where each banned term is, the term).
    type Located = (PathBuf, Vec<(u64, u64)>, Term);
    let mut out: Vec<Located> = Vec::new();
    for (file, (_line, raw)) in raws {
        let mut ctx = Ctx { file: &file, diags };
        let before = ctx.diags.len();
        let r = raw.value;
        let concept = non_empty(&mut ctx, &r.concept, "concept");
        if let Some(l) = ids.get(&concept) {
            ctx.err(
                &r.concept,
                "concept",
                format!("`{concept}` is defined twice (first at line {l})"),
            );
        }
        ids.insert(concept.clone(), r.concept.referenced.line());
        let en = non_empty(&mut ctx, &r.en, "en");
        let zh = non_empty(&mut ctx, &r.zh, "zh");
        for (f, b) in [("definition", &r.definition), ("reason", &r.reason)] {
            if b.en.trim().is_empty() || b.zh.trim().is_empty() {
                ctx.err(&r.concept, f, "needs non-empty `en` and `zh`");
            }
        }
        let mut at = Vec::new();
        for (i, b) in r.banned.iter().enumerate() {
            if b.value.term.trim().is_empty() {
                ctx.err(b, &format!("banned[{i}].term"), "must not be empty");
            }
            at.push((b.referenced.line(), b.referenced.column()));
        }
        if ctx.diags.len() == before {
            out.push((
                file,
                at,
                Term {
                    concept,
                    en,
                    zh,
                    definition: r.definition,
                    reason: r.reason,
                    banned: r.banned.into_iter().map(|b| b.value).collect(),
                },
            ));
        }
    }
    // A banned variant may not be a term the site uses, nor be banned by two concepts.
    let chosen: BTreeMap<&str, &str> = out
        .iter()
        .map(|(_, _, t)| (t.zh.as_str(), t.concept.as_str()))
        .collect();
    let mut banned_by: BTreeMap<String, String> = BTreeMap::new();
    for (file, at, t) in &out {
        let mut ctx = Ctx { file, diags };
        for (i, b) in t.banned.iter().enumerate() {
            let (l, c) = at[i];
            if let Some(owner) = chosen.get(b.term.as_str()) {
                ctx.at(
                    l,
                    c,
                    &format!("banned[{i}].term"),
                    format!("`{}` is the term of `{owner}`; it cannot be banned", b.term),
                );
            }
            if let Some(other) = banned_by.insert(b.term.clone(), t.concept.clone()) {
                ctx.at(
                    l,
                    c,
                    &format!("banned[{i}].term"),
                    format!("`{}` is already banned by `{other}`", b.term),
                );
            }
        }
    }
    out.into_iter().map(|(_, _, t)| t).collect()
}
