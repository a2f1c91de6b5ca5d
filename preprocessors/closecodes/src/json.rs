//! `codes.json`: the registry as one JSON document for other tools (schema in `data/README.md`).

use crate::registry::{
    Entry, ErrorText, Handshake, HandshakeLab, Implementation, Key, LabObservation, Limit, PageRef,
    Protocol, ProtocolCode, ProtocolText, Registry, Runtime, RuntimeText, Source, Term, Text,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the `codes.json` layout; bumped only on incompatible changes.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    entries: Vec<JsonEntry<'a>>,
    handshake: Vec<JsonHandshake<'a>>,
    protocols: Vec<JsonProtocol<'a>>,
    runtimes: Vec<JsonRuntime<'a>>,
    vocabulary: Vec<&'a [String]>,
    glossary: &'a [Term],
}

#[derive(Serialize)]
struct JsonHandshake<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    slug: String,
    name: &'a str,
    errors: Vec<ErrorText>,
    related: Vec<serde_json::Value>,
    sources: &'a [Source],
    lab: Option<&'a HandshakeLab>,
    url: BTreeMap<&'static str, String>,
    en: &'a Text,
    zh: &'a Text,
}

#[derive(Serialize)]
struct JsonProtocol<'a> {
    slug: &'a str,
    name: &'a str,
    subprotocol: Option<&'a str>,
    docs: &'a str,
    sources: &'a [Source],
    implementations: &'a [Implementation],
    codes: &'a [ProtocolCode],
    url: BTreeMap<&'static str, String>,
    en: &'a ProtocolText,
    zh: &'a ProtocolText,
}

#[derive(Serialize)]
struct JsonRuntimeError<'a> {
    on: serde_json::Value,
    text: &'a str,
    source: &'a str,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRuntime<'a> {
    runtime: &'a str,
    label: &'a str,
    label_zh: Option<&'a str>,
    kind: crate::registry::RuntimeKind,
    language: &'a str,
    repository: &'a str,
    errors: Vec<JsonRuntimeError<'a>>,
    limits: &'a [Limit],
    en: &'a RuntimeText,
    zh: &'a RuntimeText,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<[u16; 2]>,
    name: &'a str,
    status: &'static str,
    registration: Option<&'static str>,
    wire: bool,
    script: bool,
    senders: Vec<&'static str>,
    constants: BTreeMap<&'a str, Option<&'a str>>,
    constant_sources: BTreeMap<&'a str, &'a str>,
    errors: Vec<ErrorText>,
    related: Vec<serde_json::Value>,
    sources: &'a [Source],
    lab: &'a [LabObservation],
    url: BTreeMap<&'static str, String>,
    en: &'a Text,
    zh: &'a Text,
}

/// The `related` form of a key: an integer for a code, `"LO-HI"` for a range.
pub fn key_value(k: Key) -> serde_json::Value {
    match k {
        Key::Code(c) => c.into(),
        Key::Range(..) => k.slug().into(),
    }
}

/// The `related` form of a page: a code or range as [`key_value`], otherwise `"handshake/403"`.
pub fn ref_value(r: &PageRef) -> serde_json::Value {
    match r {
        PageRef::Code(k) => key_value(*k),
        other => other.path().into(),
    }
}

fn urls(page: String) -> BTreeMap<&'static str, String> {
    BTreeMap::from([("en", page.clone()), ("zh", format!("zh/{page}"))])
}

fn handshake<'a>(reg: &'a Registry, h: &'a Handshake) -> JsonHandshake<'a> {
    JsonHandshake {
        status: h.key.status(),
        slug: h.key.slug(),
        name: &h.name,
        errors: reg.errors_on(&PageRef::Handshake(h.key.slug())),
        related: h.related.iter().map(ref_value).collect(),
        sources: &h.sources,
        lab: h.lab.as_ref(),
        url: urls(h.page_path()),
        en: &h.en,
        zh: &h.zh,
    }
}

fn protocol(p: &Protocol) -> JsonProtocol<'_> {
    JsonProtocol {
        slug: &p.slug,
        name: &p.name,
        subprotocol: p.subprotocol.as_deref(),
        docs: &p.docs,
        sources: &p.sources,
        implementations: &p.implementations,
        codes: &p.codes,
        url: urls(p.page_path()),
        en: &p.en,
        zh: &p.zh,
    }
}

fn runtime(r: &Runtime) -> JsonRuntime<'_> {
    JsonRuntime {
        runtime: &r.key,
        label: &r.label,
        label_zh: r.label_zh.as_deref(),
        kind: r.kind,
        language: &r.language,
        repository: &r.repository,
        errors: r
            .errors
            .iter()
            .map(|e| JsonRuntimeError {
                on: ref_value(&e.on),
                text: &e.text,
                source: &e.source,
                note: e.note.as_deref(),
            })
            .collect(),
        limits: &r.limits,
        en: &r.en,
        zh: &r.zh,
    }
}

fn entry<'a>(reg: &'a Registry, e: &'a Entry) -> JsonEntry<'a> {
    let page = e.page_path();
    JsonEntry {
        code: e.key.code(),
        range: e.key.range(),
        name: &e.name,
        status: e.status.key(),
        registration: e.registration.map(|r| r.key()),
        wire: e.wire,
        script: e.script,
        senders: e.senders.iter().map(|s| s.key()).collect(),
        constants: e
            .constants
            .iter()
            .map(|c| (c.runtime.as_str(), c.name.as_deref()))
            .collect(),
        constant_sources: e
            .constants
            .iter()
            .map(|c| (c.runtime.as_str(), c.source.as_str()))
            .collect(),
        errors: reg.errors_on(&PageRef::Code(e.key)),
        related: e.related.iter().map(ref_value).collect(),
        sources: &e.sources,
        lab: &e.lab,
        url: urls(page),
        en: &e.en,
        zh: &e.zh,
    }
}

/// The whole registry as pretty-printed JSON.
pub fn to_json(reg: &Registry) -> String {
    let doc = Document {
        schema: SCHEMA,
        entries: reg.entries().iter().map(|e| entry(reg, e)).collect(),
        handshake: reg.handshakes().iter().map(|h| handshake(reg, h)).collect(),
        protocols: reg.protocols().iter().map(protocol).collect(),
        runtimes: reg.runtimes().iter().map(runtime).collect(),
        vocabulary: reg
            .vocabulary()
            .iter()
            .filter(|g| !g.weak)
            .map(|g| g.words.as_slice())
            .collect(),
        glossary: reg.glossary(),
    };
    // Serializing plain structs, maps with string keys and strings cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// One entry as a JSON value (the shape of an element of `entries`).
pub fn entry_json(reg: &Registry, e: &Entry) -> serde_json::Value {
    serde_json::to_value(entry(reg, e)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::load_sources;
    use std::path::Path;

    #[test]
    fn codes_and_ranges_have_their_shapes() {
        let reg = load_sources([
            (
                Path::new("runtimes/go-gorilla.yaml"),
                "- runtime: go-gorilla
  label: gorilla
  kind: both
  language: Go
  repository: https://example.org/g
  constants:
    1000: {name: websocket.CloseNormalClosure, source: https://example.org/a}
    1001: {name: ~, source: https://example.org/a}
    1002: {name: ~, source: https://example.org/a}
    1003: {name: ~, source: https://example.org/a}
    1004: {name: ~, source: https://example.org/a}
    1005: {name: ~, source: https://example.org/a}
    1006: {name: ~, source: https://example.org/a}
    1007: {name: ~, source: https://example.org/a}
    1008: {name: ~, source: https://example.org/a}
    1009: {name: ~, source: https://example.org/a}
    1010: {name: ~, source: https://example.org/a}
    1011: {name: ~, source: https://example.org/a}
    1012: {name: ~, source: https://example.org/a}
    1013: {name: ~, source: https://example.org/a}
    1014: {name: ~, source: https://example.org/a}
    1015: {name: ~, source: https://example.org/a}
  en: {summary: Go.}
  zh: {summary: Go。}
",
            ),
            (
                Path::new("t.yaml"),
                "- code: 1000
  name: Normal Closure
  status: rfc6455
  wire: true
  script: true
  related: [\"4000-4999\"]
  en: {title: Normal, summary: Done.}
  zh: {title: 正常, summary: 完成。}
- range: [4000, 4999]
  name: Private use
  status: private-use
  registration: private-use
  wire: true
  script: true
  en: {title: Private, summary: Yours.}
  zh: {title: 私有, summary: 自定。}
",
            ),
        ])
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&to_json(&reg)).unwrap();
        assert_eq!(v["schema"], 1);
        let e = &v["entries"];
        assert_eq!(e[0]["code"], 1000);
        assert!(e[0].get("range").is_none());
        assert_eq!(e[0]["related"][0], "4000-4999");
        assert_eq!(
            e[0]["constants"]["go-gorilla"],
            "websocket.CloseNormalClosure"
        );
        assert_eq!(e[0]["url"]["zh"], "zh/codes/1000.html");
        assert_eq!(e[0]["en"]["explanation"], serde_json::Value::Null);
        assert_eq!(e[1]["range"], serde_json::json!([4000, 4999]));
        assert_eq!(e[1]["registration"], "private-use");
    }
}
