//! The site's files kept in memory once served, so that a page is answered without a blocking
//! file read: `tower-http`'s `ServeDir` reads every file on tokio's blocking threads, and under
//! load the thread switches were half of the server's time (README "Search", HTTP figures).
//!
//! `ServeDir` stays the only thing that decides what a path means (percent-decoding, `..`,
//! folders, the `.br`/`.gz` copies by `Accept-Encoding`): [`FileCache::keep`] remembers the `200`
//! answers it gave, and [`FileCache::get`] gives them again to the same path and
//! `Accept-Encoding` while the file on disk keeps its length and modification time (one `stat`
//! per request, no read). A rebuilt or edited file is read again. Bounded: files up to
//! [`MAX_FILE`], [`MAX_ENTRIES`] answers and [`MAX_BYTES`] in all; a full cache is emptied
//! before the next answer is kept, so that requests made only to fill it (every spelling of
//! `Accept-Encoding`) cannot keep the site's pages out for good.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// Largest file kept, in bytes (larger ones are streamed by `ServeDir` each time).
pub const MAX_FILE: u64 = 2 * 1024 * 1024;
/// Most answers kept.
pub const MAX_ENTRIES: usize = 4096;
/// Most bytes kept in all.
pub const MAX_BYTES: usize = 96 * 1024 * 1024;
/// Longest `Accept-Encoding` value that is part of a key (longer ones are not cached).
const MAX_ACCEPT: usize = 256;

/// Which answer a request asks for: its path and its `Accept-Encoding`, as sent.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Key {
    path: String,
    accept: String,
}

impl Key {
    /// The key of `req`, or `None` when its answer must come from `ServeDir` (not a `GET`, a
    /// range, a conditional header other than `If-None-Match`, which the caller answers).
    pub fn of(req: &Request) -> Option<Key> {
        let h = req.headers();
        let conditional = [
            header::RANGE,
            header::IF_MODIFIED_SINCE,
            header::IF_UNMODIFIED_SINCE,
            header::IF_MATCH,
            header::IF_RANGE,
        ];
        if req.method() != Method::GET || conditional.iter().any(|n| h.contains_key(n)) {
            return None;
        }
        let accept = match h.get(header::ACCEPT_ENCODING) {
            Some(v) => v
                .to_str()
                .ok()
                .filter(|v| v.len() <= MAX_ACCEPT)?
                .to_owned(),
            None => String::new(),
        };
        Some(Key {
            path: req.uri().path().to_owned(),
            accept,
        })
    }
}

/// One kept answer and the file it came from.
struct Entry {
    file: PathBuf,
    len: u64,
    modified: SystemTime,
    headers: HeaderMap,
    body: axum::body::Bytes,
}

/// Answers `ServeDir` gave, by [`Key`].
pub struct FileCache {
    site: PathBuf,
    entries: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Arc<Entry>>,
    bytes: usize,
}

impl FileCache {
    /// An empty cache of the files under `site`.
    pub fn new(site: &Path) -> FileCache {
        FileCache {
            site: site.to_owned(),
            entries: RwLock::default(),
        }
    }

    /// The kept answer for `key`, if the file is unchanged on disk.
    pub fn get(&self, key: &Key) -> Option<Response> {
        let entry = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .get(key)?
            .clone();
        let meta = std::fs::metadata(&entry.file).ok()?;
        if meta.len() != entry.len || meta.modified().ok()? != entry.modified {
            return None;
        }
        let mut resp = Response::new(Body::from(entry.body.clone()));
        *resp.headers_mut() = entry.headers.clone();
        Some(resp)
    }

    /// `resp`, `ServeDir`'s answer for `key`, kept when it is a whole file small enough and there
    /// is room. The answer sent is the same either way.
    pub async fn keep(&self, key: Key, resp: Response) -> Response {
        if resp.status() != StatusCode::OK {
            return resp;
        }
        let small = resp
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n <= MAX_FILE);
        if !small {
            return resp;
        }
        let Some(file) = self.file_of(&key.path, resp.headers()) else {
            return resp;
        };
        let (parts, body) = resp.into_parts();
        let Ok(body) = axum::body::to_bytes(body, MAX_FILE as usize).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        // The file the bytes came from, as it is now: kept only if it still matches them, in
        // length and in the `Last-Modified` `ServeDir` read from the file it opened (a rebuild
        // swaps in new files between that open and this `stat`; one of the same length must not
        // be kept with the old bytes).
        let modified_as_sent = parts.headers.get(header::LAST_MODIFIED);
        if let Ok(meta) = std::fs::metadata(&file)
            && meta.len() == body.len() as u64
            && let Ok(modified) = meta.modified()
            && modified_as_sent.is_some_and(|v| *v == httpdate::fmt_http_date(modified).as_str())
        {
            let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
            if let Some(old) = entries.map.remove(&key) {
                entries.bytes -= old.body.len();
            }
            if entries.map.len() >= MAX_ENTRIES || entries.bytes + body.len() > MAX_BYTES {
                entries.map.clear();
                entries.bytes = 0;
            }
            entries.bytes += body.len();
            entries.map.insert(
                key,
                Arc::new(Entry {
                    file,
                    len: meta.len(),
                    modified,
                    headers: parts.headers.clone(),
                    body: body.clone(),
                }),
            );
        }
        Response::from_parts(parts, Body::from(body))
    }

    /// The file `ServeDir` read for `path`: the path percent-decoded under the site, a folder's
    /// `index.html`, the `.br` or `.gz` copy its `Content-Encoding` names. `None` for anything
    /// that would leave the site (`ServeDir` refused those already; this only says which file
    /// to watch).
    fn file_of(&self, path: &str, headers: &HeaderMap) -> Option<PathBuf> {
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .ok()?;
        let mut file = self.site.clone();
        for part in Path::new(decoded.trim_start_matches('/')).components() {
            match part {
                Component::Normal(p) => file.push(p),
                Component::CurDir => {}
                _ => return None,
            }
        }
        if decoded.ends_with('/') || file.is_dir() {
            file.push("index.html");
        }
        let ext = match headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
        {
            None => return Some(file),
            Some("br") => "br",
            Some("gzip") => "gz",
            Some(_) => return None,
        };
        let mut name = file.file_name()?.to_os_string();
        name.push(".");
        name.push(ext);
        file.set_file_name(name);
        Some(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;
    use tower_http::services::ServeDir;

    /// `ServeDir`'s answer to `GET path`, through the cache as the server asks it.
    async fn fetch(cache: &FileCache, site: &Path, path: &str, accept: &str) -> (Response, bool) {
        let req = || {
            Request::builder()
                .uri(path)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap()
        };
        let key = Key::of(&req()).unwrap();
        if let Some(kept) = cache.get(&key) {
            return (kept, true);
        }
        let files = ServeDir::new(site).precompressed_br();
        let resp = files.oneshot(req()).await.unwrap().into_response();
        (cache.keep(key, resp).await, false)
    }

    async fn body(resp: Response) -> Vec<u8> {
        axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn a_file_is_kept_until_it_changes_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        std::fs::create_dir(site.join("codes")).unwrap();
        let page = site.join("codes/1006.html");
        std::fs::write(&page, "first").unwrap();
        std::fs::write(site.join("codes/1006.html.br"), "brotli").unwrap();
        let cache = FileCache::new(site);
        let (first, kept) = fetch(&cache, site, "/codes/1006.html", "").await;
        assert!(!kept);
        let headers = first.headers().clone();
        assert_eq!(body(first).await, b"first");
        // The same answer again, from memory, with the same headers.
        let (again, kept) = fetch(&cache, site, "/codes/1006.html", "").await;
        assert!(kept, "the second request is answered from memory");
        assert_eq!(again.headers(), &headers);
        assert_eq!(body(again).await, b"first");
        // Another Accept-Encoding is another answer: the `.br` copy, watched on its own.
        let (br, kept) = fetch(&cache, site, "/codes/1006.html", "br").await;
        assert!(!kept);
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(body(br).await, b"brotli");
        assert!(fetch(&cache, site, "/codes/1006.html", "br").await.1);
        // Edited in place (another length): read again, and the new text kept.
        std::fs::write(&page, "second!").unwrap();
        let (edited, kept) = fetch(&cache, site, "/codes/1006.html", "").await;
        assert!(!kept, "a changed file is read again");
        assert_eq!(body(edited).await, b"second!");
        assert!(fetch(&cache, site, "/codes/1006.html", "").await.1);
        // The same length, a later modification time: read again too.
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::write(&page, "third!!").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&page)
            .unwrap()
            .set_modified(later)
            .unwrap();
        let (edited, kept) = fetch(&cache, site, "/codes/1006.html", "").await;
        assert!(!kept);
        assert_eq!(body(edited).await, b"third!!");
        // Replaced between `ServeDir`'s read and the cache's `stat`, as a rebuild swaps files in:
        // the old bytes are sent but not kept, even at the same length.
        let files = ServeDir::new(site);
        let req = Request::builder()
            .uri("/codes/1006.html")
            .body(Body::empty())
            .unwrap();
        let read = files.oneshot(req).await.unwrap().into_response();
        let swapped = site.join("codes/swapped.html");
        std::fs::write(&swapped, "fourth!").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&swapped)
            .unwrap()
            .set_modified(later + std::time::Duration::from_secs(5))
            .unwrap();
        std::fs::rename(&swapped, &page).unwrap();
        let key = Key::of(
            &Request::builder()
                .uri("/codes/1006.html")
                .body(Body::empty())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(body(cache.keep(key.clone(), read).await).await, b"third!!");
        assert!(
            cache.get(&key).is_none(),
            "not kept with the new file's time"
        );
        assert_eq!(
            body(fetch(&cache, site, "/codes/1006.html", "").await.0).await,
            b"fourth!"
        );
        // Removed: never answered from memory again.
        std::fs::remove_file(&page).unwrap();
        let (gone, kept) = fetch(&cache, site, "/codes/1006.html", "").await;
        assert!(!kept);
        assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn only_whole_small_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        std::fs::write(site.join("big.js"), vec![b'x'; MAX_FILE as usize + 1]).unwrap();
        std::fs::write(site.join("index.html"), "home").unwrap();
        let cache = FileCache::new(site);
        let (big, _) = fetch(&cache, site, "/big.js", "").await;
        assert_eq!(body(big).await.len(), MAX_FILE as usize + 1);
        assert!(
            !fetch(&cache, site, "/big.js", "").await.1,
            "too big to keep"
        );
        // A folder is its index.html.
        fetch(&cache, site, "/", "").await;
        let (home, kept) = fetch(&cache, site, "/", "").await;
        assert!(kept);
        assert_eq!(body(home).await, b"home");
        // Not found is not kept.
        fetch(&cache, site, "/nope.html", "").await;
        assert!(!fetch(&cache, site, "/nope.html", "").await.1);
        // Requests the cache must not answer.
        for (method, name, value) in [
            (Method::HEAD, header::ACCEPT, "*/*"),
            (Method::GET, header::RANGE, "bytes=0-1"),
            (
                Method::GET,
                header::IF_MODIFIED_SINCE,
                "Thu, 03 Dec 2026 10:00:00 GMT",
            ),
        ] {
            let req = Request::builder()
                .method(method)
                .uri("/")
                .header(name, value)
                .body(Body::empty())
                .unwrap();
            assert!(Key::of(&req).is_none());
        }
        // Full: emptied, then the new answer kept.
        let cache = FileCache::new(site);
        for i in 0..MAX_ENTRIES + 1 {
            let key = Key {
                path: "/".to_owned(),
                accept: format!("gzip;q=0.{i}"),
            };
            let resp = ServeDir::new(site)
                .oneshot(Request::builder().uri("/").body(Body::empty()).unwrap())
                .await
                .unwrap()
                .into_response();
            body(cache.keep(key.clone(), resp).await).await;
            assert!(cache.get(&key).is_some());
        }
        let entries = cache.entries.read().unwrap();
        assert_eq!(entries.map.len(), 1);
        assert_eq!(entries.bytes, 4);
        drop(entries);
        // A path that leaves the site names no file to watch.
        assert!(cache.file_of("/../x", &HeaderMap::new()).is_none());
        assert!(cache.file_of("/%2e%2e/x", &HeaderMap::new()).is_none());
    }
}
