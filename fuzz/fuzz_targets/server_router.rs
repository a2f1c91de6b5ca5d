//! The server's whole router on the shipped data: any path, query and `Accept-Language` is routed
//! (API, short links, the lab's plain-HTTP endpoints, static files); nothing panics, no answer is
//! a 500, and a redirect never leaves the site.
#![no_main]

use axum::body::Body;
use axum::http::Request;
use closecodes_cli::search::SearchIndex;
use closecodes_cli::server::{self, AppState};
use closecodes_cli::{embedded, guides, lab};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

fn state() -> Arc<AppState> {
    static STATE: OnceLock<(Arc<AppState>, tokio::sync::watch::Sender<bool>)> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let site = std::env::temp_dir().join("closecodes-fuzz-site");
            std::fs::create_dir_all(site.join("codes")).unwrap();
            std::fs::write(site.join("index.html"), "<!doctype html><title>t</title>").unwrap();
            std::fs::write(site.join("404.html"), "<!doctype html><title>404</title>").unwrap();
            std::fs::write(
                site.join("codes/1006.html"),
                "<!doctype html><title>1006</title>",
            )
            .unwrap();
            let (tx, rx) = tokio::sync::watch::channel(false);
            let index = SearchIndex::build_with(embedded::registry(), &guides::embedded()).unwrap();
            (
                Arc::new(AppState {
                    index,
                    site,
                    lab: lab::Lab::new(rx),
                }),
                tx,
            )
        })
        .0
        .clone()
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fuzz_target!(|input: (&str, &str)| {
    let (uri, accept_language) = input;
    let uri = if uri.starts_with('/') {
        uri.to_owned()
    } else {
        format!("/{uri}")
    };
    let Ok(req) = Request::builder()
        .uri(uri.as_str())
        .header("accept-language", accept_language)
        .body(Body::empty())
    else {
        return;
    };
    let resp = runtime()
        .block_on(server::app(state()).oneshot(req))
        .unwrap();
    assert!(resp.status().as_u16() != 500, "500 for {uri:?}");
    if let Some(loc) = resp.headers().get("location") {
        // A query string may carry bytes that are not ASCII; they are reflected as they came.
        let loc = String::from_utf8_lossy(loc.as_bytes());
        assert!(
            loc.starts_with('/') && !loc.starts_with("//"),
            "{uri:?} → {loc:?}"
        );
    }
});
