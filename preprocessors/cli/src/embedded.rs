//! The shipped registry, compiled into the binary (see `build.rs`).

use crate::search::SearchIndex;
use closecodes::registry::{self, Registry};

include!(concat!(env!("OUT_DIR"), "/embedded_data.rs"));
include!(concat!(env!("OUT_DIR"), "/articles.rs"));

/// The validated registry as `build.rs` archived it (empty when `data/` was invalid at build time).
static ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/registry.postcard"));

/// Why nothing is compiled in.
const NO_DATA: &str = "this closecodes was built from invalid data, so no registry is compiled in; run `closecodes check data` to see why, or pass --data DIR";

/// The shipped registry, decoded from the archive compiled in: no YAML is parsed. The build
/// script wrote it from data the loader validated; when the data was invalid at build time there
/// is none, and the error says how to see why.
pub fn try_registry() -> Result<Registry, String> {
    if ARCHIVE.is_empty() {
        return Err(NO_DATA.to_owned());
    }
    registry::from_archive(ARCHIVE)
        .map_err(|e| format!("the compiled-in registry cannot be read ({e}); rebuild closecodes"))
}

/// The validated registry and the shipped guides, indexed by `build.rs` (empty when `data/` was
/// invalid at build time).
static SEARCH_INDEX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/search-index.bin"));

/// The in-browser search (`preprocessors/web` compiled to wasm32 by `build.rs`), which `closecodes
/// build` writes into every site beside its index; empty when it could not be built.
pub static SEARCH_MODULE: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/closecodes-search.wasm"));

/// The search index of the shipped registry and guides, opened from the bytes `build.rs` saved:
/// nothing is indexed at start.
pub fn try_search_index() -> Result<SearchIndex, String> {
    if SEARCH_INDEX.is_empty() {
        return Err(NO_DATA.to_owned());
    }
    SearchIndex::from_bytes(SEARCH_INDEX).map_err(|e| {
        format!("the compiled-in search index cannot be read ({e}); rebuild closecodes")
    })
}

/// [`try_registry`] for tests and tools built from valid data.
pub fn registry() -> Registry {
    try_registry().unwrap_or_else(|e| panic!("{e}"))
}
