//! The site's in-browser search: [`closecodes_search`] compiled to `wasm32-unknown-unknown`.
//!
//! `closecodes build` writes the index (built natively, once) into the site; the page's script
//! fetches this module and those bytes when the reader first reaches for the search box, opens the
//! index from memory and asks it queries. Nothing is indexed in the browser, and the ranking is
//! the very code behind `closecodes search` and `/api/search`, so the two cannot drift.
//!
//! The module is used without a bindings generator: [`abi`] exports a few functions over linear
//! memory, and `theme/closecodes-search.js` calls them. [`Session`] is the same thing in safe
//! Rust, for native tests.
#![deny(unsafe_code)]

use closecodes::registry::Lang;
use closecodes_search::search::{IndexError, SearchIndex};

/// Longest query accepted, in bytes: the same bound as `/api/search`'s URI limit leaves.
pub const MAX_QUERY: usize = 2048;

/// An opened index, as the page holds it.
pub struct Session {
    index: SearchIndex,
}

impl Session {
    /// Open the index file `closecodes build` wrote into the site (`search-index.bin`).
    pub fn open(bytes: &[u8]) -> Result<Session, IndexError> {
        Ok(Session {
            index: SearchIndex::from_bytes(bytes)?,
        })
    }

    /// Add the prose file written beside it (`search-prose.bin`): snippets from whole pages.
    pub fn attach(&mut self, bytes: &[u8]) -> Result<(), IndexError> {
        self.index.attach_prose(bytes)
    }

    /// Add a shard of the bodies' words written beside it (`search-body/007.bin`).
    pub fn attach_shard(&mut self, bytes: &[u8]) -> Result<u32, IndexError> {
        self.index.attach_shard(bytes)
    }

    /// The answer to `query` as JSON, the same object `/api/search` sends. `lang` is `zh` or
    /// anything else for English; `limit` is clamped to 1–50 as the API clamps it. When the
    /// query's words fall in shards not attached yet, `{"need":[3,17]}` instead: attach those
    /// and ask again.
    pub fn search_json(&self, query: &str, lang: &str, limit: usize) -> String {
        let lang = Lang::from_tag(lang).unwrap_or(Lang::En);
        let query = truncate(query, MAX_QUERY);
        let answer = self.index.search(query, lang, limit);
        let need = self.index.missing_shards();
        if !need.is_empty() {
            return serde_json::json!({ "need": need }).to_string();
        }
        serde_json::to_string(&answer).unwrap_or_else(|_| String::from("{\"results\":[]}"))
    }
}

/// `s` cut to at most `max` bytes, on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The functions the page calls, over the module's linear memory. Strings go in as UTF-8 bytes
/// the page writes into a buffer from [`abi::cc_alloc`]; answers come out as UTF-8 JSON that stays
/// valid until the next call.
#[allow(unsafe_code)]
pub mod abi {
    use super::Session;
    use std::cell::RefCell;

    thread_local! {
        static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
        static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    /// A buffer of `len` bytes for the page to fill; it passes it back to [`cc_open`] or
    /// [`cc_search`], which free it.
    #[unsafe(no_mangle)]
    pub extern "C" fn cc_alloc(len: usize) -> *mut u8 {
        let mut v = vec![0u8; len];
        let p = v.as_mut_ptr();
        std::mem::forget(v);
        p
    }

    /// Take back a buffer from [`cc_alloc`].
    ///
    /// # Safety
    /// `ptr` and `len` are exactly what one `cc_alloc(len)` returned, not taken back before.
    unsafe fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
        // SAFETY: the caller passes a buffer `cc_alloc` leaked with capacity `len`.
        unsafe { Vec::from_raw_parts(ptr, len, len) }
    }

    /// Open the index in the buffer (`ptr`, `len`, from [`cc_alloc`]); 1 on success, 0 when the
    /// bytes are not an index this module can open.
    ///
    /// # Safety
    /// `ptr` and `len` are exactly what one `cc_alloc(len)` returned.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cc_open(ptr: *mut u8, len: usize) -> u32 {
        // SAFETY: forwarded from the caller's contract.
        let bytes = unsafe { take(ptr, len) };
        match Session::open(&bytes) {
            Ok(s) => {
                SESSION.with(|c| *c.borrow_mut() = Some(s));
                1
            }
            Err(_) => 0,
        }
    }

    /// Add the prose file in the buffer (`ptr`, `len`, from [`cc_alloc`]) to the open index; 1 on
    /// success, 0 when no index is open or the bytes are not its prose.
    ///
    /// # Safety
    /// `ptr` and `len` are exactly what one `cc_alloc(len)` returned.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cc_attach(ptr: *mut u8, len: usize) -> u32 {
        // SAFETY: forwarded from the caller's contract.
        let bytes = unsafe { take(ptr, len) };
        SESSION.with(|c| match c.borrow_mut().as_mut() {
            Some(s) => u32::from(s.attach(&bytes).is_ok()),
            None => 0,
        })
    }

    /// The shards the own words of the UTF-8 query in the buffer (`ptr`, `len`, from
    /// [`cc_alloc`]) fall in, found before any index is open, for the page to fetch while it opens
    /// one (the search may need more, and rarely fewer): a JSON array of numbers read at
    /// [`cc_out`], whose length this returns.
    ///
    /// # Safety
    /// `ptr` and `len` are exactly what one `cc_alloc(len)` returned.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cc_likely(ptr: *mut u8, len: usize) -> usize {
        // SAFETY: forwarded from the caller's contract.
        let bytes = unsafe { take(ptr, len) };
        let query = String::from_utf8_lossy(&bytes);
        let query = super::truncate(&query, super::MAX_QUERY);
        let json = serde_json::to_string(&closecodes_search::search::likely_shards(query))
            .unwrap_or_else(|_| String::from("[]"));
        OUT.with(|o| {
            let mut o = o.borrow_mut();
            *o = json.into_bytes();
            o.len()
        })
    }

    /// Add the shard file in the buffer (`ptr`, `len`, from [`cc_alloc`]) to the open index;
    /// its number plus one on success, 0 when no index is open or the bytes are not its shard.
    ///
    /// # Safety
    /// `ptr` and `len` are exactly what one `cc_alloc(len)` returned.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cc_shard(ptr: *mut u8, len: usize) -> u32 {
        // SAFETY: forwarded from the caller's contract.
        let bytes = unsafe { take(ptr, len) };
        SESSION.with(|c| match c.borrow_mut().as_mut() {
            Some(s) => s.attach_shard(&bytes).map_or(0, |k| k + 1),
            None => 0,
        })
    }

    /// Search for the UTF-8 query in the buffer (`ptr`, `len`, from [`cc_alloc`]) in `lang`
    /// (0 English, 1 Chinese), at most `limit` results. Returns the length of the JSON answer,
    /// read at [`cc_out`]; 0 when no index is open.
    ///
    /// # Safety
    /// `ptr` and `len` are exactly what one `cc_alloc(len)` returned.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cc_search(ptr: *mut u8, len: usize, lang: u32, limit: u32) -> usize {
        // SAFETY: forwarded from the caller's contract.
        let bytes = unsafe { take(ptr, len) };
        let query = String::from_utf8_lossy(&bytes);
        let lang = if lang == 1 { "zh" } else { "en" };
        let json = SESSION.with(|c| {
            c.borrow()
                .as_ref()
                .map(|s| s.search_json(&query, lang, limit as usize))
        });
        let Some(json) = json else { return 0 };
        OUT.with(|o| {
            let mut o = o.borrow_mut();
            *o = json.into_bytes();
            o.len()
        })
    }

    /// Where the last answer of [`cc_search`] starts.
    #[unsafe(no_mangle)]
    pub extern "C" fn cc_out() -> *const u8 {
        OUT.with(|o| o.borrow().as_ptr())
    }

    /// tantivy asks for random bytes when it names a segment, which opening and searching never
    /// do; `getrandom`'s custom backend on wasm32 (`.cargo/config.toml`) lands here. The bytes
    /// are not random: a fixed sequence is enough for ids in an index nobody writes.
    #[cfg(target_arch = "wasm32")]
    #[unsafe(no_mangle)]
    unsafe extern "Rust" fn __getrandom_v03_custom(
        dest: *mut u8,
        len: usize,
    ) -> Result<(), getrandom::Error> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0x9e37_79b9);
        for i in 0..len {
            let x = NEXT.fetch_add(0x6d2b_79f5, std::sync::atomic::Ordering::Relaxed);
            // SAFETY: getrandom passes a writable buffer of `len` bytes.
            unsafe { *dest.add(i) = (x >> 13) as u8 };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_index_answers_as_json_and_bad_bytes_are_refused() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let reg = closecodes::registry::load(&data).unwrap();
        let files = SearchIndex::build(reg).unwrap().to_site_files().unwrap();
        let (bytes, prose) = (files.index, files.prose);
        let mut s = Session::open(&bytes).unwrap();
        // A query whose words are in shards not attached asks for them, and then answers.
        let need: serde_json::Value =
            serde_json::from_str(&s.search_json("abnormal closure", "en", 3)).unwrap();
        let need: Vec<usize> = serde_json::from_value(need["need"].clone()).unwrap();
        assert!(!need.is_empty());
        assert!(s.attach_shard(&prose).is_err(), "prose is not a shard");
        for k in &need {
            assert_eq!(s.attach_shard(&files.shards[*k]).unwrap() as usize, *k);
        }
        let answer: serde_json::Value =
            serde_json::from_str(&s.search_json("abnormal closure", "en", 3)).unwrap();
        assert_eq!(answer["results"][0]["url"], "/codes/1006.html", "{answer}");
        for shard in &files.shards {
            s.attach_shard(shard).unwrap();
        }
        assert!(s.attach(b"not prose").is_err());
        assert!(s.attach(&prose[..prose.len() / 2]).is_err());
        s.attach(&prose).unwrap();
        assert!(s.attach(&prose).is_err(), "prose goes in once");
        let en: serde_json::Value = serde_json::from_str(&s.search_json("1006", "en", 3)).unwrap();
        assert_eq!(en["results"][0]["url"], "/codes/1006.html");
        let zh: serde_json::Value = serde_json::from_str(&s.search_json("断网", "zh", 3)).unwrap();
        assert!(
            zh["results"][0]["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("/zh/")),
            "{zh}"
        );
        let long = "断".repeat(MAX_QUERY);
        assert!(s.search_json(&long, "zh", 3).starts_with('{'));
        assert!(Session::open(&bytes[..bytes.len() / 2]).is_err());
        assert!(Session::open(b"not an index").is_err());
    }

    #[test]
    fn queries_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("断网了", 4), "断");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
