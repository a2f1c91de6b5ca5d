//! `codes.json`: the registry as one JSON document for other tools (schema in `data/README.md`).

use crate::registry::{Entry, ErrorText, Key, LabObservation, Registry, Source, Text};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the `codes.json` layout; bumped only on incompatible changes.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    entries: Vec<JsonEntry<'a>>,
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
    constants: BTreeMap<&'static str, Option<&'a str>>,
    constant_sources: BTreeMap<&'static str, &'a str>,
    errors: &'a [ErrorText],
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

fn entry(e: &Entry) -> JsonEntry<'_> {
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
            .map(|(rt, c)| (rt.key(), c.name.as_deref()))
            .collect(),
        constant_sources: e
            .constants
            .iter()
            .map(|(rt, c)| (rt.key(), c.source.as_str()))
            .collect(),
        errors: &e.errors,
        related: e.related.iter().map(|k| key_value(*k)).collect(),
        sources: &e.sources,
        lab: &e.lab,
        url: BTreeMap::from([("en", page.clone()), ("zh", format!("zh/{page}"))]),
        en: &e.en,
        zh: &e.zh,
    }
}

/// The whole registry as pretty-printed JSON.
pub fn to_json(reg: &Registry) -> String {
    let doc = Document {
        schema: SCHEMA,
        entries: reg.entries().iter().map(entry).collect(),
    };
    // Serializing plain structs, maps with string keys and strings cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// One entry as a JSON value (the shape of an element of `entries`).
pub fn entry_json(e: &Entry) -> serde_json::Value {
    serde_json::to_value(entry(e)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::load_sources;
    use std::path::Path;

    #[test]
    fn codes_and_ranges_have_their_shapes() {
        let reg = load_sources([(
            Path::new("t.yaml"),
            "- code: 1000
  name: Normal Closure
  status: rfc6455
  wire: true
  script: true
  related: [\"4000-4999\"]
  constants: {go-gorilla: {name: websocket.CloseNormalClosure, source: https://example.org/a}}
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
        )])
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
