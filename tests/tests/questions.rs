//! Real questions, measured: every row of `tests/fixtures/questions.tsv` was copied from a public
//! thread (its URL is the last column), with the page that answers it and the decisive fact of the
//! accepted answer. For each row the first search result must be that page, and the page (in the
//! row's language) must contain the fact. Prints both rates and every miss.
//!
//! Where two pages could answer, the row names the one these rules pick (the issue's own): a
//! protocol named together with one of its codes → the protocol's page (its row); a code of the
//! wild without the protocol's name → the code's page; a close after a stated time ("after 60
//! seconds", "every 5 minutes") → the timeouts guide; a dead peer nobody notices → the keepalive
//! guide; an HTTP status → the handshake page that answers it (200 → the proxy page).
//!
//! The goal is 90% first-hit and every fact present; the test fails below the floors it asserts,
//! which record what has been reached so far and only ever go up.

use closecodes::registry::{self, Lang};
use closecodes_cli::docs::documents;
use closecodes_cli::search::SearchIndex;
use closecodes_tests::repo_root;

/// Lowest accepted first-hit rate: the goal, reached (90.2%).
const FIRST_HIT_FLOOR: f64 = 0.90;

#[test]
fn real_questions_find_the_page_that_answers_them() {
    let reg = registry::load(&repo_root().join("data")).unwrap();
    let guides = closecodes_cli::guides::load(&repo_root().join("src/guides"));
    let docs = documents(&reg, &guides);
    let ix = SearchIndex::build_with(reg, &guides).unwrap();
    let tsv = std::fs::read_to_string(repo_root().join("tests/fixtures/questions.tsv")).unwrap();
    let (mut total, mut zh, mut first, mut facts) = (0usize, 0usize, 0usize, 0usize);
    // Rows whose first result, whichever page it is, holds the decisive fact: what a reader who
    // opens only the first result gets.
    let mut first_holds = 0usize;
    let body_of = |page: &str, lang: Lang| {
        docs.iter()
            .find(|d| d.kind.path() == page)
            .map(|d| d.body[usize::from(lang == Lang::Zh)].to_lowercase())
    };
    let mut misses = Vec::new();
    let mut missing_facts = Vec::new();
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "bad line: {line}");
        let (lang, q, expected, fact, source) = (cols[0], cols[1], cols[2], cols[3], cols[4]);
        assert!(
            source.starts_with("https://"),
            "row without a source URL: {line}"
        );
        let lang = Lang::from_tag(lang).unwrap();
        total += 1;
        zh += usize::from(lang == Lang::Zh);
        let page = expected.trim_end_matches(".html");
        let answer = ix.search(q, lang, 5);
        let got: Vec<&str> = answer.results.iter().map(|h| h.page.as_str()).collect();
        if got.first() == Some(&page) {
            first += 1;
        } else {
            misses.push(format!(
                "{lang:?} {q:?}: expected {page}, got {:?}",
                &got[..got.len().min(3)]
            ));
        }
        let body = body_of(page, lang);
        if got
            .first()
            .and_then(|p| body_of(p, lang))
            .is_some_and(|b| b.contains(&fact.to_lowercase()))
        {
            first_holds += 1;
        }
        if body.is_some_and(|b| b.contains(&fact.to_lowercase())) {
            facts += 1;
        } else {
            missing_facts.push(format!("{page} ({lang:?}) lacks {fact:?}"));
        }
    }
    let rate = first as f64 / total as f64;
    let fact_rate = facts as f64 / total as f64;
    eprintln!(
        "questions: {total} ({zh} Chinese), first-hit {:.1}%, fact present {:.1}%, first result holds the fact {:.1}%",
        rate * 100.0,
        fact_rate * 100.0,
        first_holds as f64 / total as f64 * 100.0
    );
    for m in &misses {
        eprintln!("  miss: {m}");
    }
    for m in &missing_facts {
        eprintln!("  fact: {m}");
    }
    assert!(
        total >= 150 && zh >= 50,
        "at least 150 questions, 50 in Chinese"
    );
    assert!(
        rate >= FIRST_HIT_FLOOR,
        "first-hit {:.1}% under the floor",
        rate * 100.0
    );
    // Every answering page holds its row's fact: a page that lacks it does not answer.
    assert!(
        missing_facts.is_empty(),
        "facts {:.1}%: {} answering pages lack their fact",
        fact_rate * 100.0,
        missing_facts.len()
    );
}
