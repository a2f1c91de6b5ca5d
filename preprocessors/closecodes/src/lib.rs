//! Close Codes: the WebSocket close-code registry and everything that renders it.
//!
//! Data flows one way: YAML ([`registry`]) → [`Registry`](registry::Registry) → Markdown pages
//! ([`render`]) placed in an mdBook ([`book`]) and JSON ([`json`]).

pub mod book;
pub mod json;
pub mod registry;
pub mod render;
