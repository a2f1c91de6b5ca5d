//! `mdbook-closecodes`: the mdBook preprocessor binary. It answers `supports <renderer>` with an
//! exit code; otherwise it reads `[context, book]` from stdin and writes only the book to stdout.
//! Errors go to stderr, once, with exit 1, so that mdBook names the preprocessor and fails.

use closecodes::book::CloseCodes;
use mdbook_preprocessor::Preprocessor;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("supports") => {
            let renderer = args.next().unwrap_or_default();
            match CloseCodes.supports_renderer(&renderer) {
                Ok(true) => ExitCode::SUCCESS,
                _ => ExitCode::FAILURE,
            }
        }
        Some("--version" | "-V") => {
            println!("mdbook-closecodes {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!(
                "mdbook-closecodes: unknown argument `{other}`; mdBook runs this preprocessor with no argument or `supports <renderer>`"
            );
            ExitCode::from(2)
        }
        None => match run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn run() -> mdbook_preprocessor::errors::Result<()> {
    let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin())?;
    if minor(&ctx.mdbook_version) != minor(mdbook_preprocessor::MDBOOK_VERSION) {
        eprintln!(
            "warning: mdbook-closecodes was built for mdBook {}, but is run by mdBook {}",
            mdbook_preprocessor::MDBOOK_VERSION,
            ctx.mdbook_version
        );
    }
    let book = CloseCodes.run(&ctx, book)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &book)?;
    out.flush()?;
    Ok(())
}

/// `0.5.4` → `0.5`: Book JSON is stable within a minor version.
fn minor(version: &str) -> &str {
    version.rsplit_once('.').map_or(version, |(a, _)| a)
}
