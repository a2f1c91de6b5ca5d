//! The `closecodes` command as a user runs it: `check` on good and bad data (every bad-data
//! fixture's exact located message and exit code, every banned glossary variant located in Chinese
//! prose), `export --json`, and `build`'s promise that a failure never leaves a half-written or
//! empty site.

use closecodes_tests::{bins, copy_dir, files_below, fixture, repo_root};
use std::path::Path;
use std::process::{Command, Output};

/// Run `closecodes` with the reader's language unset (English), whatever the test runner's is.
fn closecodes(args: &[&str], cwd: &Path) -> Output {
    closecodes_env(args, cwd, &[])
}

/// `closecodes build` of the fixture book copied to `book-src`, into `site`.
const BUILD: [&str; 5] = ["build", "--root", "book-src", "--out", "site"];

/// [`BUILD`] in `dir`; it must succeed.
fn build_ok(dir: &Path) {
    let out = closecodes(&BUILD, dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run `closecodes` with only these language variables set.
fn closecodes_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(&bins().0);
    for var in ["CLOSECODES_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run closecodes")
}

/// Run `closecodes` with `input` on standard input.
fn closecodes_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(&bins().0)
        .args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("CLOSECODES_LANG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run closecodes");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Each bad-data fixture and the message it must produce (after `tests/fixtures/bad/NAME.yaml:`).
const BAD: &[(&str, &str)] = &[
    (
        "banned-terms",
        "13:12: error in `zh.title`: `关闭代码` is banned in Chinese prose; write `关闭码` (glossary `close-code`)",
    ),
    (
        "blank-summary",
        "6:40: error in `en.summary`: must not be empty",
    ),
    (
        "code-and-range",
        "2:10: error in `range`: an entry has either `code` or `range`, not both",
    ),
    (
        "code-negative",
        "1:9: error in `code`: -1 is outside 0–4999",
    ),
    (
        "code-too-high",
        "1:9: error in `code`: 5000 is outside 0–4999",
    ),
    (
        "duplicate-code",
        "8:9: error in `code`: 1000 is documented twice (first at tests/fixtures/bad/duplicate-code.yaml:1:9)",
    ),
    (
        "runtimes/constant-empty-name",
        "9:11: error in `constants.1000.name`: must not be empty (write `name: ~` for \"no constant\")",
    ),
    (
        "runtimes/constant-unknown-field",
        "9:52: error in `constants.1000.colour`: unknown field `colour`, expected one of name, source",
    ),
    (
        "runtimes/constant-without-source",
        "9:12: error in `constants.1000`: missing field `source`",
    ),
    (
        "runtimes/constants-missing-code",
        "1:12: error in `constants`: missing 1000: a runtime names every code 1000–1015",
    ),
    (
        "handshake/bad-slug",
        "1:14: error in `handshake`: `Bad Slug` is not a handshake slug",
    ),
    (
        "handshake/index-slug",
        "1:14: error in `handshake`: `index` is the table of handshake failures; a handshake page needs another slug",
    ),
    (
        "handshake/status-claimed-twice",
        "8:14: error in `statuses`: status 302 is already answered by the page at tests/fixtures/bad/handshake/status-claimed-twice.yaml:3:14",
    ),
    (
        "handshake/status-out-of-range",
        "1:14: error in `handshake`: 700 is not an HTTP status a failed upgrade can get; expected 100–599 other than 101",
    ),
    (
        "protocols/code-outside-range",
        "7:13: error in `codes[0].code`: 1006 is outside 3000–4999",
    ),
    (
        "protocols/code-twice",
        "12:13: error in `codes[1].code`: 4001 is defined twice in this protocol (first at line 7)",
    ),
    (
        "protocols/unknown-field",
        "3:3: error in `colour`: unknown field `colour`, expected one of protocol, name, subprotocol, docs, sources, implementations, codes, en, zh",
    ),
    (
        "protocols/implementation-role",
        "8:13: error in `implementations[0].role`: unknown variant `browser`, expected one of client, server, library",
    ),
    (
        "protocols/implementation-source",
        "9:15: error in `implementations[0].source`: `the acme README` is not a URL; expected http(s)://host/path with no spaces",
    ),
    (
        "protocols/implementation-twice",
        "10:13: error in `implementations[1].name`: `Acme-JS` is listed twice in this protocol",
    ),
    (
        "vocab/vocabulary",
        "1:3: error in `words`: a vocabulary group needs at least two words that mean the same",
    ),
    (
        "vocab/vocabulary",
        "4:3: error in `words`: a group of weak words needs at least one word",
    ),
    (
        "duplicate-range",
        "8:10: error in `range`: 4000–4999 is documented twice (first at tests/fixtures/bad/duplicate-range.yaml:1:10)",
    ),
    ("empty-name", "2:9: error in `name`: must not be empty"),
    (
        "empty-title",
        "7:15: error in `zh.title`: must not be empty",
    ),
    (
        "error-text-empty",
        "9:7: error in `errors[0].text`: must not be empty",
    ),
    (
        "missing-en",
        "1:3: error in `en`: missing: every entry needs `en` text",
    ),
    (
        "missing-wire",
        "6:3: error in `(entry)`: missing field `wire`",
    ),
    (
        "missing-zh",
        "1:3: error in `zh`: missing: every entry needs `zh` text",
    ),
    (
        "no-code-no-range",
        "1:3: error in `code`: missing: an entry needs `code: N` or `range: [LO, HI]`",
    ),
    (
        "not-a-sequence",
        "1:1: error in `(file)`: expected sequence start: a data file is a YAML sequence of entries",
    ),
    (
        "not-utf8",
        "2:17: error in `(file)`: not UTF-8: byte 0xFF is not valid here; data files must be saved as UTF-8",
    ),
    (
        "overlapping-ranges",
        "8:10: error in `range`: 3500–4000 overlaps range 4000–4999",
    ),
    (
        "range-reversed",
        "1:10: error in `range`: lower bound 4999 is above upper bound 4000",
    ),
    (
        "range-three-numbers",
        "1:10: error in `range`: expected two numbers [LO, HI], found 3",
    ),
    (
        "range-too-high",
        "1:10: error in `range`: 5000 is outside 0–4999",
    ),
    (
        "related-malformed",
        "8:13: error in `related[0]`: \"abc\" is not a code 0–4999, a range \"LO-HI\" or a page such as \"handshake/403\"",
    ),
    (
        "related-missing",
        "8:13: error in `related[0]`: 1006 is not a documented code or range",
    ),
    (
        "related-range-undocumented",
        "8:13: error in `related[0]`: \"1-2\" is not a documented code or range",
    ),
    (
        "related-self",
        "8:13: error in `related[0]`: 1000 is this entry itself",
    ),
    (
        "script-not-allowed",
        "5:11: error in `script`: `script: true` is only possible for 1000 and 3000–4999",
    ),
    (
        "source-url-malformed",
        "9:7: error in `sources[0].url`: `www.rfc-editor.org/rfc/rfc6455` is not a URL",
    ),
    ("two-bad-entries", "4:9: error in `wire`: invalid boolean"),
    (
        "two-bad-entries",
        "15:3: error in `colour`: unknown field `colour`",
    ),
    (
        "unknown-field",
        "8:3: error in `colour`: unknown field `colour`, expected one of code, range",
    ),
    (
        "unknown-sender",
        "8:13: error in `senders[0]`: unknown variant `robot`",
    ),
    (
        "unknown-status",
        "3:11: error in `status`: unknown variant `deprecated`",
    ),
    (
        "unknown-text-field",
        "7:8: error in `zh.titel`: unknown field `titel`",
    ),
    ("wrong-type-bool", "4:9: error in `wire`: invalid boolean"),
    (
        "wrong-type-code",
        "1:9: error in `code`: expected an integer",
    ),
    (
        "yaml-syntax",
        "7:5: error in `en`: while parsing a flow mapping",
    ),
];

#[test]
fn every_bad_fixture_is_refused_with_its_located_message() {
    let dir = fixture("bad");
    // Fixtures of the other kinds sit in a folder named like the data's (`runtimes/`, …).
    let mut names: Vec<String> = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            let sub = p.file_name().unwrap().to_string_lossy().into_owned();
            for f in std::fs::read_dir(&p).unwrap() {
                let f = f.unwrap().file_name().to_string_lossy().into_owned();
                names.push(format!("{sub}/{f}"));
            }
        } else {
            names.push(p.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert!(
        names.len() >= 25,
        "at least 25 bad-data fixtures, found {}",
        names.len()
    );
    for name in &names {
        let stem = name.trim_end_matches(".yaml");
        assert!(
            BAD.iter().any(|(n, _)| *n == stem),
            "fixture {name} has no expected message in BAD"
        );
    }
    for (name, expected) in BAD {
        let rel = format!("tests/fixtures/bad/{name}.yaml");
        let out = closecodes(&["check", &rel], &repo_root());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: exit code; stderr:\n{stderr}"
        );
        assert!(
            stderr.contains(&format!("{rel}:{expected}")),
            "{name}: expected `{rel}:{expected}` in:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    }
}

/// One file, three located errors: a status answered twice, a status no upgrade gets, an empty
/// symptom.
#[test]
fn handshake_statuses_and_symptoms_are_checked() {
    let rel = "tests/fixtures/bad/handshake/status-claimed-twice.yaml";
    let out = closecodes(&["check", rel], &repo_root());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for expected in [
        "8:19: error in `statuses`: 101 is not an HTTP status a failed upgrade can get",
        "10:44: error in `zh.symptoms`: an empty symptom; expected one line",
    ] {
        assert!(
            stderr.contains(&format!("{rel}:{expected}")),
            "{expected} in:\n{stderr}"
        );
    }
}

#[test]
fn check_accepts_the_shipped_data() {
    let out = closecodes(&["check"], &repo_root());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.starts_with("ok: "), "{stderr}");
    // The Chinese guides, UI strings, theme scripts and CLI messages were checked too.
    assert!(stderr.contains("no banned term"), "{stderr}");
}

/// Where each banned variant sits in `tests/fixtures/bad/banned-terms.yaml`: term, line, column
/// (characters), field.
const BANNED_AT: &[(&str, u32, u32, &str)] = &[
    ("关闭代码", 13, 12, "zh.title"),
    ("应用代码", 14, 15, "zh.summary"),
    ("关闭码总表", 14, 33, "zh.summary"),
    ("Close 帧", 16, 12, "zh.explanation"),
    ("Close帧", 16, 29, "zh.explanation"),
    ("手摇", 16, 44, "zh.explanation"),
    ("打开阶段握手", 16, 50, "zh.explanation"),
    ("关闭阶段握手", 16, 59, "zh.explanation"),
    ("负载数据", 17, 11, "zh.explanation"),
    ("有效负载", 17, 16, "zh.explanation"),
    ("服务器端的", 27, 9, "zh.causes"),
    ("客户端和服务器端", 27, 21, "zh.causes"),
    ("客户机", 28, 9, "zh.causes"),
    ("对等方", 28, 14, "zh.causes"),
    ("对等端", 28, 18, "zh.causes"),
    ("线上关闭码", 29, 9, "zh.causes"),
    ("出现在线上", 29, 25, "zh.causes"),
    ("线路上", 29, 31, "zh.causes"),
    ("登记表", 31, 17, "zh.diagnosis"),
    ("登记", 31, 33, "zh.diagnosis"),
    ("私用", 32, 21, "zh.diagnosis"),
    ("号段", 32, 26, "zh.diagnosis"),
    ("段码", 32, 30, "zh.diagnosis"),
    ("自定义代码", 32, 33, "zh.diagnosis"),
    ("私有码", 32, 39, "zh.diagnosis"),
    ("应用自定义码", 32, 43, "zh.diagnosis"),
    ("心跳帧", 33, 10, "zh.diagnosis"),
    ("闲置超时", 33, 18, "zh.diagnosis"),
    ("负载平衡", 33, 24, "zh.diagnosis"),
    ("拓展", 35, 7, "zh.client"),
    ("单独成文", 35, 25, "zh.client"),
    ("单独的文章", 35, 35, "zh.client"),
    ("TLS 终结", 37, 13, "zh.server"),
    ("终结 TLS", 37, 23, "zh.server"),
    ("避让", 37, 41, "zh.server"),
    ("紧密循环", 37, 47, "zh.server"),
    ("紧密重试", 37, 52, "zh.server"),
];

#[test]
fn check_locates_every_banned_term_in_chinese_prose() {
    let glossary = closecodes::registry::load(&repo_root().join("data/glossary.yaml")).unwrap();
    let rel = "tests/fixtures/bad/banned-terms.yaml";
    let out = closecodes(&["check", rel], &repo_root());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let mut expected = 0;
    for term in glossary.glossary() {
        for b in &term.banned {
            let Some((_, line, col, field)) = BANNED_AT.iter().find(|(t, ..)| *t == b.term) else {
                panic!(
                    "`{}` (banned by `{}`) is missing from {rel} and BANNED_AT",
                    b.term, term.concept
                );
            };
            let want = format!(
                "{rel}:{line}:{col}: error in `{field}`: `{}` is banned in Chinese prose; write `{}` (glossary `{}`): {} ({})",
                b.term, term.zh, term.concept, b.why.en, b.why.zh
            );
            assert!(
                stderr.lines().any(|l| l.ends_with(&want)),
                "expected `{want}` in:\n{stderr}"
            );
            expected += 1;
        }
    }
    // Nothing else: the same words in English text, inline code, fenced code, a URL or an allowed
    // quotation are not reported.
    let reported = stderr.matches(" is banned in Chinese prose").count();
    assert_eq!(reported, expected, "{stderr}");
    assert_eq!(
        expected,
        BANNED_AT.len(),
        "BANNED_AT lists a term the glossary does not ban"
    );
    assert!(
        stderr.contains(&format!("{expected} errors in the close-code data")),
        "{stderr}"
    );
}

#[test]
fn banned_terms_in_the_book_fail_check_and_build_with_their_location() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book-src");
    copy_dir(&fixture("book"), &book);
    std::fs::copy(
        repo_root().join("data/glossary.yaml"),
        book.join("data/glossary.yaml"),
    )
    .unwrap();
    let ok = closecodes(&["check", "book-src/data"], tmp.path());
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // A guide's Chinese translation, the theme's scripts: located from the data folder's parent.
    std::fs::write(
        book.join("src/guide.zh.md"),
        "# 指南\n\n`号段` 是代码，不算。\n这个号段算。\n\n<!-- glossary: allow 号段 -->\n引用 MDN：号段。\n",
    )
    .unwrap();
    std::fs::create_dir_all(book.join("theme")).unwrap();
    std::fs::write(
        book.join("theme/x.js"),
        "// 号段 in a comment\nconst s = \"属于号段 \" + r;\n",
    )
    .unwrap();
    let guide = "src/guide.zh.md:4:3: error in `(text)`: `号段` is banned in Chinese prose; write `区间` (glossary `range`)";
    let script = "theme/x.js:2:14: error in `(string)`: `号段` is banned in Chinese prose";
    let out = closecodes(&["check", "book-src/data"], tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("book-src/{guide}")), "{stderr}");
    assert!(stderr.contains(&format!("book-src/{script}")), "{stderr}");
    assert!(
        stderr.contains("2 errors in the close-code data"),
        "{stderr}"
    );

    // One page checked alone.
    let out = closecodes(&["check", "book-src/src/guide.zh.md"], tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: book-src/{guide}")),
        "{stderr}"
    );

    // The build fails like a data error, before anything is written.
    let out = closecodes(&BUILD, tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(guide), "{stderr}");
    assert!(!tmp.path().join("site").exists());
}

#[test]
fn check_of_a_missing_path_is_an_error_not_a_panic() {
    let out = closecodes(&["check", "no/such/dir"], &repo_root());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.starts_with("error: cannot read no/such/dir"),
        "{stderr}"
    );
    let empty = tempfile::tempdir().unwrap();
    let out = closecodes(&["check", empty.path().to_str().unwrap()], &repo_root());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no YAML files found"));
}

#[test]
fn export_json_is_the_whole_registry() {
    let out = closecodes(&["export", "--json"], &repo_root());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let reg = closecodes::registry::load(&repo_root().join("data")).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(entries.len(), reg.entries().len());
    for (json, e) in entries.iter().zip(reg.entries()) {
        match e.key {
            closecodes::registry::Key::Code(c) => assert_eq!(json["code"], c),
            closecodes::registry::Key::Range(lo, hi) => {
                assert_eq!(json["range"], serde_json::json!([lo, hi]))
            }
        }
        for lang in ["en", "zh"] {
            assert!(json[lang]["title"].as_str().is_some_and(|t| !t.is_empty()));
        }
        assert!(json["wire"].is_boolean() && json["script"].is_boolean());
    }
    let c1006 = entries
        .iter()
        .find(|e| e["code"] == 1006)
        .expect("1006 exported");
    assert_eq!(c1006["wire"], false);
    assert_eq!(c1006["url"]["en"], "codes/1006.html");
}

#[test]
fn build_writes_both_languages_codes_json_and_the_router() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book-src");
    copy_dir(&fixture("book"), &book);
    build_ok(tmp.path());
    let site = tmp.path().join("site");
    for f in [
        "codes/1006.html",
        "zh/codes/1006.html",
        "codes/4000-4999.html",
        "codes.json",
        "404.html",
        "zh/404.html",
    ] {
        assert!(site.join(f).is_file(), "{f} missing");
    }
    let router = std::fs::read_to_string(site.join("404.html")).unwrap();
    assert!(
        router.contains(r#"{"codes":[1000,1006],"ranges":[[4000,4999]]}"#),
        "{router}"
    );
    // The 404 page speaks the language of its folder.
    assert!(router.contains(r#"<html lang="en">"#), "{router}");
    let router_zh = std::fs::read_to_string(site.join("zh/404.html")).unwrap();
    assert!(router_zh.contains(r#"<html lang="zh">"#), "{router_zh}");
    assert!(router_zh.contains("页面不存在"), "{router_zh}");
    // Each page's description is its own summary, in its language.
    let en = std::fs::read_to_string(site.join("codes/1006.html")).unwrap();
    assert!(
        en.contains(
            r#"<meta name="description" content="The connection ended without a Close frame.">"#
        ),
        "the 1006 page's description"
    );
    let zh = std::fs::read_to_string(site.join("zh/codes/1006.html")).unwrap();
    assert!(
        zh.contains(r#"<meta name="description" content="连接在没有收到关闭帧的情况下结束。">"#),
        "the zh 1006 page's description"
    );
    // No temporary folders are left beside the output.
    let left = leftovers(tmp.path());
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_failed_build_keeps_the_previous_site_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book-src");
    copy_dir(&fixture("book"), &book);
    build_ok(tmp.path());
    let before = std::fs::read(tmp.path().join("site/codes/1006.html")).unwrap();

    // Bad data: refused before anything is written.
    std::fs::write(book.join("data/extra.yaml"), "- code: 1006\n  name: x\n").unwrap();
    let bad = closecodes(&BUILD, tmp.path());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("data/extra.yaml:2:3: error in `(entry)`: missing field `status`"),
        "{stderr}"
    );
    std::fs::remove_file(book.join("data/extra.yaml")).unwrap();

    // A failure inside mdBook (a missing translation) after validation passed.
    std::fs::remove_file(book.join("src/guide.zh.md")).unwrap();
    let bad = closecodes(&BUILD, tmp.path());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("src/guide.zh.md: no zh translation of src/guide.md"),
        "{stderr}"
    );

    assert_eq!(
        std::fs::read(tmp.path().join("site/codes/1006.html")).unwrap(),
        before
    );
    assert!(tmp.path().join("site/zh/codes/1006.html").is_file());
    assert_eq!(
        leftovers(tmp.path()),
        Vec::<String>::new(),
        "temporary build folders are removed on failure"
    );
}

#[test]
fn search_prints_json_in_rank_order() {
    let out = closecodes(
        &["search", "--json", "--limit", "3", "ABNORMAL_CLOSURE"],
        &repo_root(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = v.as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert_eq!(hits[0]["code"], 1006);
    for h in hits {
        assert!(h["title"].is_string() && h["url"].is_string() && h["snippet"].is_string());
    }
    let out = closecodes(
        &["search", "--json", "--lang", "zh", "服务器重启"],
        &repo_root(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["code"], 1012);
    assert_eq!(v[0]["url"], "/zh/codes/1012.html");
}

#[test]
fn explain_like_rustc_explain() {
    // Piped: plain Markdown, no escape codes.
    let out = closecodes(&["explain", "1006"], &repo_root());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.starts_with("# 1006 Abnormal Closure\n"), "{text}");
    assert!(!text.contains('\u{1b}'));
    // Forced colour: styled.
    let out = closecodes(&["explain", "1006", "--color", "always"], &repo_root());
    assert!(String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    // Chinese, and a code inside a range explains the range.
    let out = closecodes(&["explain", "4123", "--lang", "zh"], &repo_root());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# 4000–4999 "), "{text}");
    assert!(text.contains("4123"));
    // Unknown: one line on stderr, exit 1.
    for bad in ["9999", "NoSuchConstant"] {
        let out = closecodes(&["explain", bad], &repo_root());
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    // No data files needed at run time.
    let empty = tempfile::tempdir().unwrap();
    let out = closecodes(&["explain", "1001"], empty.path());
    assert!(out.status.success());
}

#[test]
fn the_cli_speaks_chinese_with_lang_zh() {
    let root = repo_root();
    let stderr = |args: &[&str]| {
        let out = closecodes(args, &root);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = stderr(&["explain", "9999", "--lang", "zh"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err.trim(),
        "错误：9999 不是有效的关闭码：关闭码的取值范围是 0–4999"
    );
    let (code, err) = stderr(&["explain", "NoSuchConstant", "--lang", "zh"]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("错误：没有名为 `NoSuchConstant` 的关闭码"),
        "{err}"
    );
    let (code, err) = stderr(&["search", "zzqqzzqq", "--lang", "zh"]);
    assert_eq!(code, Some(0));
    assert_eq!(err.trim(), "没有找到与 `zzqqzzqq` 相关的结果");
    let (_, err) = stderr(&["search", "5000", "--lang", "zh"]);
    assert!(err.contains("不是 WebSocket 关闭码"), "{err}");
    // The old MDN names resolve, with the warning that they were never an API.
    for (lang, name, code, warning) in [
        ("zh", "CLOSE_ABNORMAL", "# 1006 ", "并不是 API"),
        ("en", "CloseEvent.CLOSE_GOING_AWAY", "# 1001 ", "not an API"),
    ] {
        let out = closecodes(&["explain", name, "--lang", lang], &root);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}");
        assert!(text.starts_with(code), "{text}");
        let second = text.split("\n\n").nth(1).unwrap_or("");
        assert!(
            second.starts_with("> ") && second.contains(warning),
            "{text}"
        );
    }
    // A name that a real library defines gets no such warning.
    let out = closecodes(&["explain", "CloseAbnormalClosure"], &root);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("not an API"));
}

#[test]
fn the_language_follows_the_environment() {
    let root = repo_root();
    let err = |env: &[(&str, &str)]| {
        let out = closecodes_env(&["explain", "9999"], &root, env);
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(err(&[]).starts_with("error: "), "no variable: English");
    assert!(err(&[("LANG", "zh_CN.UTF-8")]).starts_with("错误："));
    assert!(err(&[("LC_MESSAGES", "zh_TW")]).starts_with("错误："));
    // The first one set wins: CLOSECODES_LANG, then LC_ALL, LC_MESSAGES, LANG.
    assert!(err(&[("CLOSECODES_LANG", "en"), ("LANG", "zh_CN.UTF-8")]).starts_with("error: "));
    assert!(err(&[("LC_ALL", "C.UTF-8"), ("LANG", "zh_CN.UTF-8")]).starts_with("error: "));
    assert!(
        err(&[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")]).starts_with("错误："),
        "empty is unset"
    );
    // --lang beats the environment.
    let out = closecodes_env(
        &["explain", "1006", "--lang", "en"],
        &root,
        &[("LANG", "zh_CN.UTF-8")],
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# 1006 Abnormal Closure"));
    let out = closecodes_env(&["explain", "1006"], &root, &[("LANG", "zh_CN.UTF-8")]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# 1006 连接异常关闭"));
}

#[test]
fn list_completions_man_and_stdin() {
    let root = repo_root();
    // list: a header and one aligned line per documented code and range.
    let out = closecodes(&["list"], &root);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Code"), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("1006") && l.contains("Abnormal Closure"))
    );
    assert!(lines.len() >= 25, "{} lines", lines.len());
    // Columns line up (English text: one column per character).
    let col = lines[0].find("On the wire").unwrap();
    for l in lines.iter().skip(1) {
        let chars: Vec<char> = l.chars().collect();
        assert!(
            chars.len() > col && chars[col - 1] == ' ' && chars[col] != ' ',
            "{l}"
        );
    }
    let out = closecodes(&["list", "--lang", "zh"], &root);
    assert!(String::from_utf8_lossy(&out.stdout).contains("连接异常关闭"));
    // Completions: the bash script parses.
    let out = closecodes(&["completions", "bash"], &root);
    assert!(out.status.success());
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &out.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(script.path())
        .status()
        .unwrap();
    assert!(check.success(), "bash -n on the completion script");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        assert!(
            closecodes(&["completions", shell], &root).status.success(),
            "{shell}"
        );
    }
    // The man page renders with groff and names every subcommand.
    let out = closecodes(&["man"], &root);
    let page = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(page.path(), &out.stdout).unwrap();
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8", "-P", "-cbou"])
        .arg(page.path())
        .output()
        .expect("groff (installed by .ci/run)");
    assert!(rendered.status.success());
    let text = String::from_utf8_lossy(&rendered.stdout);
    for word in [
        "closecodes",
        "explain",
        "search",
        "list",
        "completions",
        "serve",
    ] {
        assert!(text.contains(word), "man page lacks {word}");
    }
    // A pasted multi-line error on stdin.
    let out = closecodes_stdin(
        &["search", "-", "--json", "--limit", "1"],
        "WebSocket connection to 'wss://x/ws' failed:\nError during WebSocket handshake: Unexpected response code: 403\n",
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"page\": \"handshake/403\""));
}

#[test]
fn search_prints_one_block_per_result_at_the_width() {
    let root = repo_root();
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec!["search", "unexpected EOF", "--limit", "4"];
        args.extend_from_slice(extra);
        let out = closecodes_env(&args, &root, env);
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Piped: plain text, blocks separated by blank lines, at most two snippet lines each.
    let plain = run(&[("COLUMNS", "60")], &[]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let blocks: Vec<&str> = plain.trim_end().split("\n\n").collect();
    assert_eq!(blocks.len(), 4, "{plain}");
    for b in &blocks {
        let lines: Vec<&str> = b.lines().collect();
        assert!((2..=3).contains(&lines.len()), "{b}");
        for l in &lines[1..] {
            assert!(l.starts_with("           "), "snippet indented: {l}");
            assert!(unicode_width::UnicodeWidthStr::width(*l) <= 60, "{l}");
        }
    }
    // Styled (forced): titles bold, matched words highlighted.
    let styled = run(&[("COLUMNS", "60")], &["--color", "always"]);
    assert!(styled.contains("\u{1b}[1m"), "{styled}");
    let forced = run(&[("COLUMNS", "60"), ("CLICOLOR_FORCE", "1")], &[]);
    assert_eq!(forced, styled, "CLICOLOR_FORCE styles like --color always");
    let no = run(&[("CLICOLOR_FORCE", "1")], &["--color", "never"]);
    assert!(!no.contains('\u{1b}'));
}

#[test]
fn explain_ends_with_its_address_on_the_site() {
    let root = repo_root();
    let last = |env: &[(&str, &str)]| {
        let out = closecodes_env(&["explain", "1006", "--lang", "zh"], &root, env);
        String::from_utf8_lossy(&out.stdout)
            .trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(last(&[]), "在线阅读：/zh/codes/1006.html");
    assert_eq!(
        last(&[("CLOSECODES_SITE_URL", "https://closecodes.example/")]),
        "在线阅读：https://closecodes.example/zh/codes/1006.html"
    );
    // Not an address: ignored.
    assert_eq!(
        last(&[("CLOSECODES_SITE_URL", "javascript:alert(1)")]),
        "在线阅读：/zh/codes/1006.html"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_located_not_fatal() {
    // A Chinese guide with a stray Latin-1 byte: located, and the rest of the tree still checked.
    let tmp = tempfile::tempdir().unwrap();
    let guide = tmp.path().join("guide.zh.md");
    std::fs::write(&guide, b"# \xe6\x8c\x87\xe5\x8d\x97\n\nok\n\xe9 bad byte\n").unwrap();
    let out = closecodes(&["check", guide.to_str().unwrap()], tmp.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("guide.zh.md:4:1: error in `(file)`: not UTF-8: byte 0xE9"),
        "{err}"
    );
}

/// Hostile YAML (an alias bomb, deep nesting, an oversized file) ends in one located error,
/// quickly: the parser's budget (`registry/yaml.rs`) and the 4 MiB file cap bound time and memory.
#[test]
fn hostile_yaml_gets_a_located_error_within_budget() {
    // Build the binaries before anything is timed.
    let _ = bins();
    let tmp = tempfile::tempdir().unwrap();
    let head = "- code: 1000\n  name: x\n  status: rfc6455\n  wire: true\n  script: true\n  en: {title: T, summary: S.}\n  zh: {title: 标题, summary: 摘要。}\n";
    let mut bomb = format!("{head}  sources:\n    - &s {{title: a, url: \"https://a.example\"}}\n");
    for _ in 0..5_000 {
        bomb.push_str("    - *s\n");
    }
    let deep = format!("{head}  related: {}{}\n", "[".repeat(200), "]".repeat(200));
    let huge = format!("{head}  # {}\n", "x".repeat(5 << 20));
    for (name, text, expected) in [
        ("bomb.yaml", bomb, "error in `sources`: budget breached"),
        ("deep.yaml", deep, "deep.yaml:8:13: error in `related[0]`"),
        (
            "huge.yaml",
            huge,
            "1:1: error in `(file)`: larger than 4 MiB",
        ),
    ] {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).unwrap();
        let started = std::time::Instant::now();
        let out = closecodes(&["check", file.to_str().unwrap()], tmp.path());
        let took = started.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(
            err.contains("1 error in the close-code data"),
            "{name}: one error: {err}"
        );
        assert!(
            took < std::time::Duration::from_secs(3),
            "{name} took {took:?}"
        );
    }
}

/// One fault put into the full shipped data gives exactly one located error: the entries that
/// link to the faulty one do not each report it again.
#[test]
fn one_fault_in_the_shipped_data_is_one_error() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "codes/1006.yaml",
            "  wire: false",
            "  wire: sometimes",
            "codes/1006.yaml:4:9: error in `wire`",
        ),
        (
            "codes/1006.yaml",
            "- code: 1006",
            "- code: 1006.5",
            "codes/1006.yaml:1:9: error in `code`",
        ),
        (
            "codes/1006.yaml",
            "  status: rfc6455",
            "  status: rfc6455\n  status: iana",
            "codes/1006.yaml:4:3",
        ),
        (
            "codes/1001.yaml",
            "  en:",
            "  en: [broken",
            "codes/1001.yaml",
        ),
        (
            "ranges/4000-4999.yaml",
            "- range: [4000, 4999]",
            "- range: [4000, 5999]",
            "error in `range`: 5999 is outside",
        ),
        (
            "handshake/403.yaml",
            "- handshake: 403",
            "- handshake: 700",
            "handshake/403.yaml:1:14: error in `handshake`",
        ),
        (
            "protocols/pusher.yaml",
            "- protocol: pusher",
            "- protocol: Pusher Channels",
            "protocols/pusher.yaml:1:13",
        ),
        (
            "runtimes/go-gorilla.yaml",
            "  kind: both",
            "  kind: library",
            "runtimes/go-gorilla.yaml:3:9: error in `kind`",
        ),
    ];
    for (file, from, to, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        copy_dir(&repo_root().join("data"), &data);
        let path = data.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer has {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let out = closecodes(&["check", "data"], tmp.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(err.contains(expected), "{file} {to:?}: {err}");
        assert!(
            err.trim_end().ends_with("\n1 error in the close-code data"),
            "{file} {to:?}: exactly one error, got:\n{err}"
        );
    }
}

/// Every file below `dir` with its contents, for comparing two sites.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files_below(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// What builds left beside their output (temporary folders named `.closecodes…`).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".closecodes"))
        .collect()
}

/// `closecodes build` killed (SIGKILL) at 20 moments spread over a build leaves the published
/// folder identical to the previous good site, and the next build removes what the killed ones
/// left beside it.
#[test]
fn a_killed_build_leaves_the_site_whole() {
    let _ = bins();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("book"), &tmp.path().join("book-src"));
    let args = BUILD;
    assert!(closecodes(&args, tmp.path()).status.success());
    let site = tmp.path().join("site");
    let good = snapshot(&site);
    let started = std::time::Instant::now();
    assert!(closecodes(&args, tmp.path()).status.success());
    let took = started.elapsed();
    for i in 0..20u32 {
        let mut child = Command::new(&bins().0)
            .args(args)
            .current_dir(tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(took * (2 * i + 1) / 40);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert!(
            site.join("index.html").is_file(),
            "kill {i}: the site is gone"
        );
        assert!(snapshot(&site) == good, "kill {i}: the site changed");
    }
    assert!(closecodes(&args, tmp.path()).status.success());
    assert!(snapshot(&site) == good);
    let left = leftovers(tmp.path());
    assert!(left.is_empty(), "{left:?}");
}

/// A build that cannot write (a full disk, a file-size limit, a parent folder it may not write to)
/// fails with a clear message that names what it could not write and says the site was left as it
/// was; the published folder is byte-identical and nothing is left beside it.
#[test]
fn a_full_disk_or_a_read_only_parent_leaves_the_site_whole() {
    let (bin, _) = bins();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("book"), &tmp.path().join("book-src"));
    let args = BUILD;
    assert!(closecodes(&args, tmp.path()).status.success());
    let site = tmp.path().join("site");
    let good = snapshot(&site);
    let check = |out: &Output, what: &str, expect: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains(expect), "{what}: {err}");
        assert!(
            err.contains("site was left as it was (nothing was replaced)"),
            "{what}: {err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
    };

    // A file-size limit of 10 KiB (SIGXFSZ ignored, as a shell's `ulimit -f` leaves it): a write
    // fails with EFBIG in the middle of the build.
    let out = Command::new("bash")
        .args(["-c", r#"trap "" XFSZ; ulimit -f 10; exec "$0" "$@""#])
        .arg(bin)
        .args(args)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    check(&out, "file-size limit", "File too large");
    assert!(snapshot(&site) == good, "file-size limit: the site changed");
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());

    // A full disk: the site on a tmpfs that holds the published site but not a second one (one
    // and a half times its size; a private mount namespace, so nothing outside this test sees
    // it). The listing of the site before and after the failed build is taken inside the
    // namespace.
    let disk = tmp.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    // tmpfs gives each file whole pages: the site's size is what its files take in pages (its
    // hundreds of small search files take far more than their bytes).
    let bytes: u64 = good
        .values()
        .map(|b| (b.len() as u64).div_ceil(4096).max(1) * 4096)
        .sum();
    let size_kib = (bytes * 3 / 2).div_ceil(1024);
    let script = r#"set -e
mount -t tmpfs -o size="$3"k closecodes-test "$1"
cp -a site "$1/site"
list() { (cd "$1/site" && find . -type f -exec sha256sum {} + | sort); }
list "$1" > "$1.before"
set +e
"$2" build --root book-src --out "$1/site" 2> "$1.err"
echo $? > "$1.rc"
list "$1" > "$1.after"
ls -A "$1" > "$1.left"
"#;
    let status = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "bash",
            "-c",
            script,
            "sh",
        ])
        .arg(&disk)
        .arg(bin)
        .arg(size_kib.to_string())
        .current_dir(tmp.path())
        .status()
        .unwrap();
    assert!(status.success(), "mounting a tmpfs in a private namespace");
    let read = |ext: &str| std::fs::read_to_string(format!("{}.{ext}", disk.display())).unwrap();
    let err = read("err");
    assert_eq!(read("rc").trim(), "1", "full disk: {err}");
    assert!(err.contains("No space left on device"), "full disk: {err}");
    assert!(err.contains("site was left as it was"), "full disk: {err}");
    assert!(read("before").lines().count() > 50);
    assert_eq!(read("before"), read("after"), "full disk: the site changed");
    assert_eq!(read("left").trim(), "site", "full disk: leftovers");

    // A parent folder the build may not write to: run as `nobody` (root ignores permissions).
    let shared = tempfile::tempdir().unwrap();
    let ro = shared.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    copy_dir(&tmp.path().join("book-src"), &ro.join("book-src"));
    copy_dir(&site, &ro.join("site"));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(shared.path(), 0o755).unwrap();
    mode(&ro, 0o555).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin)
        .args(args)
        .current_dir(&ro)
        .output()
        .unwrap();
    mode(&ro, 0o755).unwrap();
    let expect = format!(
        "cannot create a build folder in {}: Permission denied",
        ro.display()
    );
    check(&out, "read-only parent", &expect);
    assert!(
        snapshot(&ro.join("site")) == good,
        "read-only parent: the site changed"
    );
    assert_eq!(leftovers(&ro), Vec::<String>::new());
}

/// With the published site's address (book.toml's `site-url`, or `--site-url`), every page links
/// itself absolutely (canonical, og:url; the shipped theme's hreflang links are made absolute the
/// same way, see `site.rs`); a bad address is refused before anything is written.
#[test]
fn build_links_pages_absolutely_with_a_site_url() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book-src");
    copy_dir(&fixture("book"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        toml.replace(
            "[preprocessor.closecodes]",
            "[preprocessor.closecodes]\nsite-url = \"https://closecodes.example/\"",
        ),
    )
    .unwrap();
    build_ok(tmp.path());
    let zh = std::fs::read_to_string(tmp.path().join("site/zh/codes/1006.html")).unwrap();
    for want in [
        r#"<link rel="canonical" href="https://closecodes.example/zh/codes/1006.html">"#,
        r#"<meta property="og:url" content="https://closecodes.example/zh/codes/1006.html">"#,
    ] {
        assert!(zh.contains(want), "{want}");
    }
    // --site-url wins over book.toml; a bad one is refused and nothing is written.
    let out = closecodes(
        &[
            "build",
            "--root",
            "book-src",
            "--out",
            "other",
            "--site-url",
            "javascript:x",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected an absolute address"));
    assert!(!tmp.path().join("other").exists());
}

/// The registry compiled into `closecodes` (an archive `build.rs` writes from the loader's output)
/// is exactly what the YAML loader makes of `data/` now: a stale or hand-made embed fails here.
#[test]
fn the_compiled_in_registry_is_what_the_loader_makes_of_data() {
    let root = repo_root();
    let sources: Vec<(String, String)> = files_below(&root.join("data"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    assert!(sources.len() > 50);
    let loaded = closecodes::registry::load_sources(
        sources
            .iter()
            .map(|(p, t)| (Path::new(p.as_str()), t.as_str())),
    )
    .unwrap();
    let embedded = closecodes_cli::embedded::registry();
    assert_eq!(embedded.entries().len(), loaded.entries().len());
    assert!(
        closecodes::registry::to_archive(&embedded) == closecodes::registry::to_archive(&loaded),
        "the compiled-in registry differs from data/: rebuild closecodes"
    );
}
