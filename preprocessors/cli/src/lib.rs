//! The `closecodes` command's library: site building, search, terminal explanations, HTTP server.
//! `main.rs` only parses arguments and calls into these modules.

pub mod cli;
pub mod compress;
pub mod docs;
pub mod embedded;
pub mod explain;
pub mod guides;
pub mod lab;
pub mod search;
pub mod server;
pub mod site;
pub mod terminal;
pub mod tokenize;
pub mod typos;
