//! Close Codes: the WebSocket close-code registry and everything that renders it.
//!
//! Data flows one way: YAML ([`registry`]) → [`Registry`](registry::Registry) → Markdown pages
//! ([`render`]) placed in an mdBook ([`book`]) and JSON ([`json`]). [`lint`] finds the glossary's
//! banned variants in the Chinese prose of the data, the guides, the UI strings and the scripts.

pub mod book;
pub mod json;
pub mod lint;
pub mod registry;
pub mod render;
