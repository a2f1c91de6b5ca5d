//! One-edit typo correction against the words of the index's short fields (titles, summaries,
//! names): `abnromal` → `abnorm`. A symmetric-delete table (every word under itself and each of
//! its one-character deletions) finds candidates with a few hash lookups; each candidate is then
//! confirmed to be one edit away (insertion, deletion, substitution or swap of neighbours).
//!
//! This replaces tantivy's `FuzzyTermQuery`, which built a Levenshtein automaton and walked a
//! field's term dictionary per unknown word and field: most of the time of a mistyped query.

use std::collections::HashMap;

/// The known words and their one-deletion keys.
#[derive(Debug, Default)]
pub struct Typos {
    words: Vec<String>,
    by_key: HashMap<String, Vec<u32>>,
}

impl Typos {
    /// The table for `words` (ASCII words of at least 3 letters; others are ignored).
    pub fn new(words: impl IntoIterator<Item = String>) -> Typos {
        let mut t = Typos::default();
        let mut seen = std::collections::HashSet::new();
        for w in words {
            if w.len() < 3 || !w.bytes().all(|b| b.is_ascii_lowercase()) || !seen.insert(w.clone())
            {
                continue;
            }
            let id = t.words.len() as u32;
            for key in std::iter::once(w.clone()).chain(deletions(&w)) {
                let ids = t.by_key.entry(key).or_default();
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
            }
            t.words.push(w);
        }
        t
    }

    /// The known words one edit away from `word` (not `word` itself), at most `max`.
    pub fn corrections(&self, word: &str, max: usize) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for key in std::iter::once(word.to_owned()).chain(deletions(word)) {
            for &id in self.by_key.get(&key).into_iter().flatten() {
                let w = self.words[id as usize].as_str();
                if w != word && !out.contains(&w) && one_edit(word, w) {
                    out.push(w);
                }
            }
        }
        out.sort_unstable();
        out.truncate(max);
        out
    }
}

/// `w` with one character removed, at each position.
fn deletions(w: &str) -> impl Iterator<Item = String> + '_ {
    (0..w.len()).map(move |i| {
        let mut s = String::with_capacity(w.len() - 1);
        s.push_str(&w[..i]);
        s.push_str(&w[i + 1..]);
        s
    })
}

/// Whether two ASCII words are exactly one insertion, deletion, substitution or transposition
/// of neighbours apart.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match ra.len() as isize - rb.len() as isize {
        0 => {
            ra.is_empty()
                || ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        1 => ra[1..] == *rb,
        -1 => *ra == rb[1..],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_away_and_no_further() {
        let t = Typos::new(
            [
                "abnormal", "message", "restart", "policy", "going", "normal",
            ]
            .map(String::from),
        );
        assert_eq!(t.corrections("abnromal", 4), vec!["abnormal"]); // swap
        assert_eq!(t.corrections("mesage", 4), vec!["message"]); // deletion
        assert_eq!(t.corrections("restartt", 4), vec!["restart"]); // insertion
        assert_eq!(t.corrections("polcy", 4), vec!["policy"]);
        assert_eq!(t.corrections("goinf", 4), vec!["going"]); // substitution
        assert!(
            t.corrections("abnormal", 4).is_empty(),
            "a known word is not a typo"
        );
        assert!(t.corrections("xyzzyq", 4).is_empty());
        assert!(!one_edit("normal", "abnormal"));
        assert!(one_edit("ab", "ba"));
        assert!(!one_edit("abc", "cab"));
    }
}
