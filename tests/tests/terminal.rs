//! The terminal edition as a reader sees it: `explain 1006` and `explain 1009`, English and
//! Chinese, at 60, 80 and 100 columns, run in a real pseudo-terminal (util-linux `script`) so
//! the styled path is taken, compared byte for byte with `tests/golden/`. Every line fits the
//! width, no line starts with a closing mark, and the 1009 table's columns line up.
//!
//! After an intended change, `CLOSECODES_BLESS=1 cargo test -p closecodes-tests --test terminal`
//! rewrites the golden files; review them with `git diff`.

use closecodes_cli::terminal::strip_ansi;
use closecodes_tests::{bins, repo_root};
use std::process::Command;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `closecodes ARGS` in a pseudo-terminal of `columns`, with a clean environment (no pager: the
/// screen is taller than any article; hyperlinks off, so the references are numbered).
fn in_a_terminal(args: &str, columns: usize) -> String {
    let bin = bins().0.display().to_string();
    let out = Command::new("script")
        .args([
            "-qec",
            &format!("{bin} {args} --hyperlinks never"),
            "/dev/null",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TERM", "xterm-256color")
        .env("COLUMNS", columns.to_string())
        .env("LINES", "100000")
        .current_dir(repo_root())
        .output()
        .expect("util-linux script");
    assert!(
        out.status.success(),
        "{args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n")
}

/// Display columns at which each character of `line` starts.
fn columns(line: &str) -> Vec<(usize, char)> {
    let mut col = 0;
    line.chars()
        .map(|c| {
            let at = col;
            col += c.width().unwrap_or(0);
            (at, c)
        })
        .collect()
}

#[test]
fn explain_reads_well_at_60_80_and_100_columns() {
    let bless = std::env::var_os("CLOSECODES_BLESS").is_some();
    let mut failures = Vec::new();
    for (code, lang) in [
        ("1006", "en"),
        ("1006", "zh"),
        ("1009", "en"),
        ("1009", "zh"),
    ] {
        for width in [60, 80, 100] {
            let screen = in_a_terminal(&format!("explain {code} --lang {lang}"), width);
            let golden =
                repo_root().join(format!("tests/golden/explain-{code}-{lang}-{width}.txt"));
            if bless {
                std::fs::write(&golden, &screen).unwrap();
            }
            let want = std::fs::read_to_string(&golden).unwrap_or_default();
            if screen != want {
                failures.push(format!(
                    "{}: differs from the golden file",
                    golden.display()
                ));
            }
            let plain = strip_ansi(&screen);
            assert!(screen.contains('\u{1b}'), "styled in a terminal");
            for line in plain.lines() {
                if line.width() > width {
                    failures.push(format!(
                        "{code} {lang} {width}: {} columns: {line}",
                        line.width()
                    ));
                }
                if line
                    .trim_start()
                    .starts_with(['，', '。', '、', '；', '：', '）'])
                {
                    failures.push(format!(
                        "{code} {lang} {width}: starts with a closing mark: {line}"
                    ));
                }
            }
            if code == "1009" {
                failures.extend(table_lines_up(&plain, lang, width));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The limits table of 1009: a header, a rule, and rows whose cells start at the header's
/// columns (text never crosses into the gap before a column).
fn table_lines_up(plain: &str, lang: &str, width: usize) -> Vec<String> {
    let (first, second) = if lang == "zh" {
        ("运行时", "配置项")
    } else {
        ("Runtime", "Setting")
    };
    let lines: Vec<&str> = plain.lines().collect();
    let Some(h) = lines
        .iter()
        .position(|l| l.starts_with(first) && l.contains(second))
    else {
        // Too narrow for columns: each row is a block of `Header: value` lines.
        let label = format!("{first}: ");
        return if plain.contains(&label) {
            Vec::new()
        } else {
            vec![format!(
                "1009 {lang} {width}: neither a table nor row blocks"
            )]
        };
    };
    let head = columns(lines[h]);
    // Column starts: a non-space after two spaces (or at 0).
    let mut starts = vec![0];
    for k in 2..head.len() {
        if head[k].1 != ' ' && head[k - 1].1 == ' ' && head[k - 2].1 == ' ' {
            starts.push(head[k].0);
        }
    }
    let mut out = Vec::new();
    if starts.len() != 4 {
        out.push(format!(
            "1009 {lang} {width}: header has {} columns: {}",
            starts.len(),
            lines[h]
        ));
    }
    if !lines.get(h + 1).is_some_and(|l| l.starts_with('─')) {
        out.push(format!("1009 {lang} {width}: no rule under the header"));
    }
    let gap_text = |line: &str| -> Option<usize> {
        let cols = columns(line);
        starts.iter().skip(1).copied().find(|s| {
            cols.iter()
                .any(|(at, c)| *at + 2 >= *s && *at < *s && *c != ' ')
        })
    };
    let mut rows = 0;
    let mut blank_before = false;
    for line in lines.iter().skip(h + 2) {
        if line.trim().is_empty() {
            blank_before = true;
            continue;
        }
        if let Some(s) = gap_text(line) {
            // After a blank line, a line across the gaps is the paragraph after the table.
            if blank_before {
                break;
            }
            out.push(format!(
                "1009 {lang} {width}: text in the gap before column {s}: {line}"
            ));
        }
        blank_before = false;
        rows += 1;
    }
    if rows < 10 {
        out.push(format!("1009 {lang} {width}: only {rows} table lines"));
    }
    out
}
