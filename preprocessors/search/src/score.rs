//! Text scores read straight from tantivy's postings, computed the way tantivy's own queries
//! compute them.
//!
//! A text query is, per query term, the best of its fields plus a fifth of the others, summed
//! over the terms: in tantivy, a `BooleanQuery` of `DisjunctionMaxQuery`s of boosted
//! `TermQuery`s. On an index of a few hundred pages, building those scorers (every union keeps a
//! 4,096-document window, every term weight a 256-entry BM25 table) cost more than scoring, so
//! this module reads each clause's postings once and adds into one array per segment. BM25 is
//! tantivy's (`query/bm25.rs`: k1 = 1.2, b = 0.75, the same `f32` operations in the same order),
//! so that every score is the one tantivy would give. In a site's index, the bodies' words come
//! from the shards a page fetched ([`Readers::cut`]): the same postings, read from a list.

use std::sync::Arc;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::InvertedIndexReader;
use tantivy::postings::{Postings, TermInfo};
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, Searcher, TERMINATED, Term};

const K1: f32 = 1.2;
const B: f32 = 0.75;
/// How much of a term's other fields adds to its best field.
const TIE_BREAKER: f32 = 0.2;

/// What scoring reads of an index, opened once: per segment and text field, the term dictionary
/// and postings (`SegmentReader::inverted_index` takes a lock and a map lookup per call) and the
/// field norms; per field, the length part of BM25. A query reads only these.
pub struct Readers {
    total_docs: u64,
    /// Per segment, by ordinal.
    segments: Vec<SegmentFields>,
    /// Per field id: the BM25 length table of [`tf_table`], for each field given to
    /// [`Readers::new`].
    tables: Vec<Option<Box<[f32; 256]>>>,
    /// In an index opened from a site's files, the body fields' words and postings, cut by term
    /// into files the browser fetches as queries need them (`serve --site` attaches them all);
    /// the index itself holds the bodies' lengths only.
    shards: Option<Shards>,
}

/// The body fields' terms and postings in `count` parts, a term's part given by [`shard_of`],
/// each attached when fetched.
struct Shards {
    fields: Vec<Field>,
    loaded: Vec<Option<Shard>>,
    /// The parts a lookup needed and did not have, since [`Readers::take_missing`].
    missing: std::sync::Mutex<std::collections::BTreeSet<u32>>,
}

/// One part of the cut fields: per term (field id, then its bytes), the documents that hold it
/// and how often, in document order: what tantivy's postings of that term say.
pub type Shard = std::collections::HashMap<(u32, Box<[u8]>), Postings32>;

/// A term's documents and term frequencies, in document order.
pub type Postings32 = Arc<[(u32, u32)]>;

/// Which of `count` parts a body term's postings are in: FNV-1a of the term's bytes (the text
/// after its field), the same in the native build that cuts them and in the browser.
pub fn shard_of(bytes: &[u8], count: u32) -> u32 {
    (fnv1a(bytes) % u64::from(count.max(1))) as u32
}

/// FNV-1a (64 bits) of `bytes`: stable across platforms and builds.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One segment's readers, by field id.
struct SegmentFields {
    max_doc: u32,
    inverted: Vec<Option<Arc<InvertedIndexReader>>>,
    /// Natively, every term of the field and where its postings are, read from the dictionary
    /// once. The dictionary is an sstable (tantivy's `quickwit` feature: it is what the site's
    /// readers download, and it compresses to half of what an FST does), whose lookups decode a
    /// block from its start: four times the time of a whole query. The browser, which opens the
    /// index once per reader and asks a few queries, reads the dictionary itself.
    terms: Vec<Option<TermMap>>,
    norms: Vec<Option<FieldNormReader>>,
}

/// A field's terms (their bytes after the field) and where their postings are.
type TermMap = std::collections::HashMap<Box<[u8]>, TermInfo>;

/// Every term of a dictionary, with its postings' place; `None` in the browser (see
/// [`SegmentFields::terms`]) or when the dictionary cannot be read.
fn term_map(inverted: &InvertedIndexReader) -> Option<TermMap> {
    if cfg!(target_arch = "wasm32") {
        return None;
    }
    let dict = inverted.terms();
    let mut map = TermMap::with_capacity(dict.num_terms());
    let mut stream = dict.stream().ok()?;
    while stream.advance() {
        map.insert(stream.key().into(), stream.value().clone());
    }
    Some(map)
}

impl Readers {
    /// The readers of `fields` (the indexed text fields a query may name) in every segment.
    pub fn new(searcher: &Searcher, fields: &[Field]) -> Readers {
        let width = fields
            .iter()
            .map(|f| f.field_id() as usize + 1)
            .max()
            .unwrap_or(0);
        let total_docs = searcher.total_num_docs().unwrap_or(0);
        let segments = searcher
            .segment_readers()
            .iter()
            .map(|reader| {
                let mut inverted = vec![None; width];
                let mut terms = vec![None; width];
                let mut norms = vec![None; width];
                for &field in fields {
                    let i = field.field_id() as usize;
                    inverted[i] = reader.inverted_index(field).ok();
                    terms[i] = inverted[i].as_deref().and_then(term_map);
                    norms[i] = Some(
                        reader
                            .fieldnorms_readers()
                            .get_field(field)
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1)),
                    );
                }
                SegmentFields {
                    max_doc: reader.max_doc(),
                    inverted,
                    terms,
                    norms,
                }
            })
            .collect();
        let mut tables = vec![None; width];
        for &field in fields {
            tables[field.field_id() as usize] = Some(tf_table(searcher, field, total_docs));
        }
        Readers {
            total_docs,
            segments,
            tables,
            shards: None,
        }
    }

    /// Look `fields`' terms up in `count` parts ([`Self::attach_shard`]) instead of this
    /// index, whose single segment keeps those fields' lengths (norms and token counts) only.
    pub fn cut(&mut self, fields: &[Field], count: u32) {
        self.shards = Some(Shards {
            fields: fields.to_vec(),
            loaded: (0..count).map(|_| None).collect(),
            missing: Default::default(),
        });
    }

    /// Part `k` of the cut fields. `false` when there is no such part.
    pub fn attach_shard(&mut self, k: u32, shard: Shard) -> bool {
        match self
            .shards
            .as_mut()
            .and_then(|s| s.loaded.get_mut(k as usize))
        {
            Some(slot) => {
                *slot = Some(shard);
                true
            }
            None => false,
        }
    }

    /// The parts lookups since the last call needed and did not find attached, in order.
    pub fn take_missing(&self) -> Vec<u32> {
        self.shards
            .as_ref()
            .map(|s| {
                let mut missing = s.missing.lock().unwrap_or_else(|e| e.into_inner());
                std::mem::take(&mut *missing).into_iter().collect()
            })
            .unwrap_or_default()
    }

    /// The parts not attached yet.
    pub fn unattached(&self) -> Vec<u32> {
        self.shards
            .as_ref()
            .map(|s| {
                (0..s.loaded.len() as u32)
                    .filter(|k| s.loaded[*k as usize].is_none())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// For a term of a cut field, its part: `Some(Some(postings))` when attached (empty when the
    /// term is not there), `Some(None)` (and noted as missing) when not; `None` for a term of a
    /// field that is not cut.
    fn cut_postings(&self, term: &Term) -> Option<Option<Postings32>> {
        let shards = self.shards.as_ref()?;
        if !shards.fields.contains(&term.field()) {
            return None;
        }
        let bytes = term.serialized_value_bytes();
        let k = shard_of(bytes, shards.loaded.len() as u32);
        let Some(part) = shards.loaded.get(k as usize).and_then(Option::as_ref) else {
            shards
                .missing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(k);
            return Some(None);
        };
        let key = (term.field().field_id(), Box::<[u8]>::from(bytes));
        Some(Some(
            part.get(&key).cloned().unwrap_or_else(|| Arc::new([])),
        ))
    }

    /// The term dictionary and postings of `field` in segment `ord`, if the field was given.
    fn inverted(&self, ord: usize, field: Field) -> Option<&InvertedIndexReader> {
        self.segments
            .get(ord)?
            .inverted
            .get(field.field_id() as usize)?
            .as_deref()
    }

    /// Where `term`'s postings are in each segment, by ordinal (`None` where it is absent).
    fn term_infos<'a>(&'a self, term: &'a Term) -> impl Iterator<Item = Option<TermInfo>> + 'a {
        self.segments.iter().map(move |segment| info(segment, term))
    }

    /// How many documents of the whole index hold `term` (0 for a field not given).
    pub fn doc_freq(&self, term: &Term) -> u64 {
        if let Some(cut) = self.cut_postings(term) {
            return cut.map_or(0, |p| p.len() as u64);
        }
        self.term_infos(term)
            .flatten()
            .map(|info| u64::from(info.doc_freq))
            .sum()
    }
}

/// Where `term`'s postings are in `segment`.
fn info(segment: &SegmentFields, term: &Term) -> Option<TermInfo> {
    let id = term.field().field_id() as usize;
    match segment.terms.get(id) {
        Some(Some(map)) => map.get(term.serialized_value_bytes()).cloned(),
        _ => segment
            .inverted
            .get(id)?
            .as_deref()
            .and_then(|inverted| inverted.get_term_info(term).ok().flatten()),
    }
}

/// One term of the query: each field that holds it, with that field's boost. The term scores
/// its best field plus a fifth of the others.
pub type Group = Vec<Clause>;

/// A term in one field with its boost, and where its postings are in each segment: looked up
/// once, when the query is built (a second lookup per clause was a tenth of a long query's time).
#[derive(Debug)]
pub struct Clause {
    term: Term,
    boost: f32,
    /// Per segment, by ordinal.
    infos: Vec<Option<TermInfo>>,
    /// For a term of a cut field, its postings from its part (the index has one segment).
    cut: Option<Postings32>,
}

impl Clause {
    /// The clause for `term`, or `None` when no segment holds it (it would score nothing).
    pub fn new(readers: &Readers, term: Term, boost: f32) -> Option<Clause> {
        if let Some(cut) = readers.cut_postings(&term) {
            return cut.filter(|p| !p.is_empty()).map(|p| Clause {
                term,
                boost,
                infos: Vec::new(),
                cut: Some(p),
            });
        }
        let infos: Vec<Option<TermInfo>> = readers.term_infos(&term).collect();
        infos.iter().any(Option::is_some).then_some(Clause {
            term,
            boost,
            infos,
            cut: None,
        })
    }

    /// How many documents of the whole index hold the term, as tantivy's `Searcher` counts.
    fn doc_freq(&self) -> u64 {
        if let Some(cut) = &self.cut {
            return cut.len() as u64;
        }
        self.infos
            .iter()
            .flatten()
            .map(|info| u64::from(info.doc_freq))
            .sum()
    }
}

/// A document's place in the index: segment ordinal and document id.
pub type Address = (u32, u32);

/// The `n` best documents for `groups`, best first (ties: the lower address first), each with
/// its score; documents that match no clause are not returned.
pub fn top(readers: &Readers, groups: &[Group], n: usize) -> Vec<(f32, Address)> {
    let total_docs = readers.total_docs;
    let mut out: Vec<(f32, Address)> = Vec::new();
    for (ord, segment) in readers.segments.iter().enumerate() {
        let max_doc = segment.max_doc as usize;
        let mut total = vec![0f32; max_doc];
        let mut matched = vec![false; max_doc];
        let mut best = vec![0f32; max_doc];
        let mut sum = vec![0f32; max_doc];
        let mut in_group = vec![false; max_doc];
        let mut touched: Vec<u32> = Vec::new();
        for group in groups {
            for clause in group {
                let field = clause.term.field();
                let id = field.field_id() as usize;
                let (Some(Some(norms)), Some(Some(table))) =
                    (segment.norms.get(id), readers.tables.get(id))
                else {
                    continue;
                };
                // Statistics over the whole index, as tantivy's `Searcher` gives them.
                let weight = idf(clause.doc_freq(), total_docs) * (1.0 + K1);
                let weight = if clause.boost == 1.0 {
                    weight
                } else {
                    weight * clause.boost
                };
                let mut add = |doc: u32, tf: u32| {
                    let d = doc as usize;
                    if d >= max_doc {
                        return;
                    }
                    let tf = tf as f32;
                    let norm = table[usize::from(norms.fieldnorm_id(doc))];
                    let score = weight * (tf / (tf + norm));
                    if !in_group[d] {
                        in_group[d] = true;
                        touched.push(doc);
                    }
                    best[d] = best[d].max(score);
                    sum[d] += score;
                };
                match &clause.cut {
                    // A cut field's postings come from its part, for the index's one segment.
                    Some(cut) if ord == 0 => cut.iter().for_each(|&(doc, tf)| add(doc, tf)),
                    Some(_) => {}
                    None => {
                        let Some(info) = clause.infos.get(ord).and_then(Option::as_ref) else {
                            continue;
                        };
                        let Some(inverted) = readers.inverted(ord, field) else {
                            continue;
                        };
                        let Ok(mut postings) = inverted
                            .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)
                        else {
                            continue;
                        };
                        let mut doc = postings.doc();
                        while doc != TERMINATED {
                            add(doc, postings.term_freq());
                            doc = postings.advance();
                        }
                    }
                }
            }
            for &doc in &touched {
                let d = doc as usize;
                total[d] += best[d] + (sum[d] - best[d]) * TIE_BREAKER;
                matched[d] = true;
                in_group[d] = false;
                best[d] = 0.0;
                sum[d] = 0.0;
            }
            touched.clear();
        }
        out.extend(
            (0..max_doc)
                .filter(|d| matched[*d])
                .map(|d| (total[d], (ord as u32, d as u32))),
        );
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    out.truncate(n);
    out
}

/// tantivy's inverse document frequency.
fn idf(doc_freq: u64, doc_count: u64) -> f32 {
    let x = (doc_count.saturating_sub(doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln()
}

/// The length part of BM25 for every field-norm id of `field`.
fn tf_table(searcher: &Searcher, field: Field, total_docs: u64) -> Box<[f32; 256]> {
    let tokens = searcher.total_num_tokens(field).unwrap_or(0);
    let average = tokens as f32 / total_docs as f32;
    let mut table = Box::new([0f32; 256]);
    for (id, slot) in table.iter_mut().enumerate() {
        let fieldnorm = FieldNormReader::id_to_fieldnorm(id as u8);
        *slot = K1 * (1.0 - B + B * fieldnorm as f32 / average);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
    use tantivy::schema::{STORED, Schema, TEXT};
    use tantivy::{Index, doc};

    /// The scores are the ones tantivy's own query of the same shape gives, in the same order:
    /// several segments, fields of different lengths, repeated terms, boosts, single clauses.
    #[test]
    fn scores_are_tantivys() {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT | STORED);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let pages = [
            (
                "abnormal closure",
                "the connection closed without a close frame 1006",
            ),
            (
                "going away",
                "the server is going away or the page was closed",
            ),
            (
                "closure closure",
                "abnormal abnormal abnormal closure and a long body of words",
            ),
            (
                "policy violation",
                "closed by policy; no close frame was lost here",
            ),
            (
                "message too big",
                "the frame was too big for the server's limit",
            ),
        ];
        for (i, (t, b)) in pages.iter().enumerate() {
            writer.add_document(doc!(title => *t, body => *b)).unwrap();
            // Two segments: statistics must be the whole index's.
            if i == 2 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let term = |f: Field, t: &str| Term::from_field_text(f, t);
        let queries: Vec<Vec<Vec<(Term, f32)>>> = vec![
            vec![vec![
                (term(title, "abnormal"), 3.0),
                (term(body, "abnormal"), 1.0),
            ]],
            vec![
                vec![(term(title, "closure"), 3.0), (term(body, "closure"), 1.0)],
                vec![(term(body, "frame"), 0.6)],
                vec![(term(title, "away"), 3.0), (term(body, "away"), 0.5)],
            ],
            vec![
                vec![(term(body, "closed"), 1.0)],
                vec![(term(body, "nothing"), 2.0)],
            ],
        ];
        for groups in &queries {
            let clauses: Vec<(Occur, Box<dyn Query>)> = groups
                .iter()
                .map(|g| {
                    let per_field: Vec<Box<dyn Query>> = g
                        .iter()
                        .map(|(t, b)| -> Box<dyn Query> {
                            Box::new(BoostQuery::new(
                                Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs)),
                                *b,
                            ))
                        })
                        .collect();
                    let q: Box<dyn Query> = Box::new(DisjunctionMaxQuery::with_tie_breaker(
                        per_field,
                        TIE_BREAKER,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            let theirs: Vec<(f32, Address)> = searcher
                .search(
                    &BooleanQuery::new(clauses),
                    &TopDocs::with_limit(10).order_by_score(),
                )
                .unwrap()
                .into_iter()
                .map(|(s, a)| (s, (a.segment_ord, a.doc_id)))
                .collect();
            let readers = Readers::new(&searcher, &[title, body]);
            for (t, _) in groups.iter().flatten() {
                assert_eq!(readers.doc_freq(t), searcher.doc_freq(t).unwrap(), "{t:?}");
            }
            let ours: Vec<Group> = groups
                .iter()
                .map(|g| {
                    g.iter()
                        .filter_map(|(t, b)| Clause::new(&readers, t.clone(), *b))
                        .collect()
                })
                .collect();
            let ours = top(&readers, &ours, 10);
            assert!(!ours.is_empty());
            assert_eq!(ours.len(), theirs.len(), "{groups:?}");
            for ((s1, a1), (s2, a2)) in ours.iter().zip(&theirs) {
                assert_eq!(a1, a2, "{groups:?}");
                assert!((s1 - s2).abs() <= s2.abs() * 1e-6, "{s1} vs {s2}");
            }
        }
    }

    /// Natively, every term is answered from the map read once from the dictionary, and the
    /// answer is the dictionary's own, for present and absent terms, in every segment.
    #[test]
    fn the_term_map_answers_as_the_dictionary() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer
            .add_document(doc!(body => "abnormal closure 1006 going away"))
            .unwrap();
        writer.commit().unwrap();
        writer
            .add_document(doc!(body => "policy violation abnormal 断网"))
            .unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let readers = Readers::new(&searcher, &[body]);
        let id = body.field_id() as usize;
        let mut seen = 0;
        for (ord, segment) in readers.segments.iter().enumerate() {
            let map = segment.terms[id].as_ref().expect("a term map natively");
            let inverted = readers.inverted(ord, body).unwrap();
            let mut stream = inverted.terms().stream().unwrap();
            while stream.advance() {
                assert_eq!(map.get(stream.key()), Some(stream.value()));
                seen += 1;
            }
            assert_eq!(map.len(), inverted.terms().num_terms());
        }
        assert!(seen >= 8, "{seen}");
        for word in ["abnormal", "violation", "1006", "断网", "absent", ""] {
            let t = Term::from_field_text(body, word);
            let ours: Vec<Option<TermInfo>> = readers.term_infos(&t).collect();
            let theirs: Vec<Option<TermInfo>> = (0..readers.segments.len())
                .map(|ord| {
                    readers
                        .inverted(ord, body)
                        .unwrap()
                        .get_term_info(&t)
                        .unwrap()
                })
                .collect();
            assert_eq!(ours, theirs, "{word}");
        }
    }
}
