//! Search over the Close Codes site, one crate for every place that searches: `closecodes search`,
//! `closecodes serve`'s `/api/search` and the index that `closecodes build` writes into the site.
//!
//! [`docs`] turns every page (codes, handshake failures, protocols, [`guides`]) into a document;
//! [`tokenize`] is the one analyzer for English and Chinese; [`search`] builds the tantivy index,
//! reads queries (numbers, names, pasted error texts, words, [`typos`]) and ranks and snippets the
//! hits, with text scores from [`score`]. An index is built once and saved as bytes
//! ([`search::SearchIndex::to_bytes`]); opening those bytes indexes nothing.

pub mod docs;
pub mod guides;
pub mod score;
pub mod search;
pub mod tokenize;
pub mod typos;
