//! Headless Debian Chromium driven by chromedriver (WebDriver), for the browser tests and the
//! in-browser search bench. `.ci/run` installs `chromium` and `chromium-driver` from Debian.

use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::time::Duration;

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running chromedriver, stopped when dropped.
pub struct Driver {
    child: std::process::Child,
    /// Its WebDriver port.
    pub port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start chromedriver and one headless Chromium session with a fresh profile (a cold cache).
pub async fn start_driver() -> (Driver, Client) {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "Chromium and chromedriver are needed: apt-get install chromium chromium-driver (.ci/run does)"
    );
    let port = free_port();
    let child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver { child, port };
    let profile = tempfile::tempdir().unwrap().keep();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())]
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not start a Chromium session: {last:?}");
}

/// Give scripts `script` to finish (and page loads 30 s, element lookups 2 s).
pub async fn set_timeouts(client: &Client, script: Duration) {
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(script),
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(2)),
        ))
        .await
        .unwrap();
}
