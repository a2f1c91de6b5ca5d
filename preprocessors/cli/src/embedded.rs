//! The shipped registry, compiled into the binary (see `build.rs`).

use closecodes::registry::{self, Registry};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/embedded_data.rs"));

/// The shipped registry. The data was validated when it was committed (the tests load it), so a
/// failure here means the binary was built from invalid data: the message says where.
pub fn registry() -> Registry {
    registry::load_sources(FILES.iter().map(|(p, t)| (Path::new(*p), *t)))
        .unwrap_or_else(|e| panic!("the embedded data is invalid:\n{e}"))
}
