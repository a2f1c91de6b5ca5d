//! Types every entry kind shares: languages, prose, citations, error texts, code keys, page
//! references and where an entry was defined.

use super::MAX_CODE;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// A language the site is written in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, at the site root.
    En,
    /// Simplified Chinese, under `zh/`.
    Zh,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// `en` or `zh`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parse a language tag: `en`, `en-US`, `zh`, `zh-CN`, `zh-Hans`… (case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }
}

/// What a runtime calls a code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Constant {
    /// The runtime's key (`go-gorilla`).
    pub runtime: String,
    /// The identifier, or `None` when the runtime has no constant for it.
    pub name: Option<String>,
    /// URL of the runtime's source that shows it.
    pub source: String,
}

/// An exact error text a runtime prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorText {
    /// The key of the runtime that prints it (`go-gorilla`, `chromium`).
    pub runtime: String,
    /// The text, verbatim.
    pub text: String,
    /// Where the text is produced.
    pub source: String,
}

/// A citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What is cited.
    pub title: String,
    /// Where.
    pub url: String,
}

/// What the lab server received back on a scenario's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerSaw {
    /// A Close frame with this code.
    Code(u16),
    /// A Close frame without a status code.
    NoCode,
    /// No Close frame: the transport ended.
    Nothing,
}

/// In `codes.json` (human-readable): the code, `"no-code"` or `"nothing"`. In the binary archive
/// compiled into `closecodes`: one integer, the code or −1 (no code) or −2 (nothing).
impl Serialize for ServerSaw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self, s.is_human_readable()) {
            (ServerSaw::Code(c), true) => s.serialize_u16(*c),
            (ServerSaw::NoCode, true) => s.serialize_str("no-code"),
            (ServerSaw::Nothing, true) => s.serialize_str("nothing"),
            (ServerSaw::Code(c), false) => s.serialize_i32(i32::from(*c)),
            (ServerSaw::NoCode, false) => s.serialize_i32(-1),
            (ServerSaw::Nothing, false) => s.serialize_i32(-2),
        }
    }
}

/// The binary archive's form only (the data's YAML spells it `server:` and is parsed elsewhere).
impl<'de> Deserialize<'de> for ServerSaw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match i32::deserialize(d)? {
            -1 => Ok(ServerSaw::NoCode),
            -2 => Ok(ServerSaw::Nothing),
            n => u16::try_from(n)
                .map(ServerSaw::Code)
                .map_err(|_| serde::de::Error::custom(format!("{n} is not a close code"))),
        }
    }
}

/// What the browser reported for a lab scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserSaw {
    /// `CloseEvent.code`.
    pub code: u16,
    /// `CloseEvent.wasClean`.
    pub clean: bool,
}

/// One lab scenario, measured: the endpoint, the browser's `CloseEvent` and what the server got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LabObservation {
    /// The lab endpoint path, e.g. `/lab/close/1000` or `/lab/drop`.
    pub endpoint: String,
    /// What Chromium's `CloseEvent` reported.
    pub browser: BrowserSaw,
    /// What the lab server received back.
    pub server: ServerSaw,
}

/// One language's prose for an entry. Markdown except `title` and `summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Text {
    /// Page title.
    pub title: String,
    /// One-line summary.
    pub summary: String,
    /// How a reader describes the problem in their own words (shown as a list under the
    /// summary, and searched like it).
    pub symptoms: Vec<String>,
    /// What it means, who sends it.
    pub explanation: Option<String>,
    /// Common causes.
    pub causes: Option<String>,
    /// How to diagnose.
    pub diagnosis: Option<String>,
    /// What to do on the client.
    pub client: Option<String>,
    /// What to do on the server.
    pub server: Option<String>,
}

/// The code or codes an entry documents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Key {
    /// One code.
    Code(u16),
    /// An inclusive range.
    Range(u16, u16),
}

impl Key {
    /// Lowest code covered.
    pub fn lo(self) -> u16 {
        match self {
            Key::Code(c) => c,
            Key::Range(lo, _) => lo,
        }
    }

    /// Highest code covered.
    pub fn hi(self) -> u16 {
        match self {
            Key::Code(c) => c,
            Key::Range(_, hi) => hi,
        }
    }

    /// Whether `code` falls inside.
    pub fn contains(self, code: u16) -> bool {
        self.lo() <= code && code <= self.hi()
    }

    /// The code, for a single code.
    pub fn code(self) -> Option<u16> {
        match self {
            Key::Code(c) => Some(c),
            Key::Range(..) => None,
        }
    }

    /// `[lo, hi]`, for a range.
    pub fn range(self) -> Option<[u16; 2]> {
        match self {
            Key::Range(lo, hi) => Some([lo, hi]),
            Key::Code(_) => None,
        }
    }

    /// The page slug: `1006` or `4000-4999`.
    pub fn slug(self) -> String {
        match self {
            Key::Code(c) => c.to_string(),
            Key::Range(lo, hi) => format!("{lo}-{hi}"),
        }
    }

    /// Human label: `1006` or `4000–4999` (en dash).
    pub fn label(self) -> String {
        match self {
            Key::Code(c) => c.to_string(),
            Key::Range(lo, hi) => format!("{lo}–{hi}"),
        }
    }

    /// Parse `1006` or `4000-4999`.
    pub fn parse(s: &str) -> Option<Key> {
        let s = s.trim();
        match s.split_once(['-', '–']) {
            Some((a, b)) => Some(Key::Range(a.trim().parse().ok()?, b.trim().parse().ok()?)),
            None => Some(Key::Code(s.parse().ok()?)),
        }
    }

    /// Sort order: by lower bound, a range before a code with the same number.
    pub fn sort_key(self) -> (u16, u8) {
        match self {
            Key::Range(lo, _) => (lo, 0),
            Key::Code(c) => (c, 1),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Where an entry was defined.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    /// The YAML file.
    pub file: PathBuf,
    /// 1-based line of the entry's start.
    pub line: u64,
}

/// A reference from one page to another, as written in `related`: a code (`1006`), a range
/// (`"4000-4999"`), a handshake page (`"handshake/403"`), a protocol (`"protocols/pusher"`) or a
/// guide (`"guides/reconnect"`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum PageRef {
    /// A documented code or range.
    Code(Key),
    /// A handshake failure page, by slug (`403`, `tls`).
    Handshake(String),
    /// A protocol page, by slug.
    Protocol(String),
    /// A hand-written guide, by slug (the file `src/guides/<slug>.md`).
    Guide(String),
}

impl PageRef {
    /// Parse the string form (`"handshake/403"`, `"4000-4999"`, `"1006"`).
    pub fn parse(s: &str) -> Option<PageRef> {
        let s = s.trim();
        let slug_ok = |x: &str| {
            !x.is_empty()
                && x.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if let Some((kind, slug)) = s.split_once('/') {
            if !slug_ok(slug) {
                return None;
            }
            return match kind {
                "handshake" => Some(PageRef::Handshake(slug.to_owned())),
                "protocols" => Some(PageRef::Protocol(slug.to_owned())),
                "guides" => Some(PageRef::Guide(slug.to_owned())),
                "codes" => Key::parse(slug).map(PageRef::Code),
                _ => None,
            };
        }
        Key::parse(s)
            .filter(|k| k.hi() <= MAX_CODE && k.lo() <= k.hi())
            .map(PageRef::Code)
    }

    /// The page's path below the site root, without extension: `codes/1006`, `handshake/tls`.
    pub fn path(&self) -> String {
        match self {
            PageRef::Code(k) => format!("codes/{}", k.slug()),
            PageRef::Handshake(s) => format!("handshake/{s}"),
            PageRef::Protocol(s) => format!("protocols/{s}"),
            PageRef::Guide(s) => format!("guides/{s}"),
        }
    }
}

impl fmt::Display for PageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageRef::Code(k) => f.write_str(&k.label()),
            other => f.write_str(&other.path()),
        }
    }
}
