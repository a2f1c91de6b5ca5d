//! The `closecodes` command's library: site building, search, terminal explanations, HTTP server.
//! `main.rs` only parses arguments and calls into these modules.

pub mod cli;
pub mod compress;
pub use closecodes_search::{docs, guides, search, tokenize, typos};
pub mod embedded;
pub mod explain;
pub mod files;
pub mod lab;
pub mod server;
pub mod site;
pub mod terminal;
