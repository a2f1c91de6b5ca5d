//! `closecodes`: validate, build, export, search, explain and serve the close-code registry.
//!
//! `main` only parses arguments, calls one library function and maps its result to an exit code:
//! 0 success, 1 an error in the data or the build or an unknown code (printed once, to stderr),
//! 2 bad usage.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use closecodes::registry::Lang;
use closecodes_cli::{cli, site};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

// A query allocates many small strings and vectors; mimalloc serves them faster than glibc's
// malloc (README "Search").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The WebSocket close-code knowledge base: explain and search close codes, handshake failures and
/// the codes public services define, in English or Chinese; check, build and serve the site.
#[derive(Parser)]
#[command(name = "closecodes", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const AFTER_HELP: &str = "\
Examples:
  closecodes explain 1006                  the article on 1006, like rustc --explain
  closecodes explain CLOSE_ABNORMAL        a name resolves to its code
  closecodes search 'unexpected EOF'       codes, error texts, constants, words
  closecodes search 断网 --lang zh
  pbpaste | closecodes search -            a pasted multi-line error from stdin
  closecodes list                          every documented code and range
  closecodes serve                         build the site and serve it on 127.0.0.1:3000

Language: --lang, else CLOSECODES_LANG, LC_ALL, LC_MESSAGES, LANG (zh* is Chinese), else English.
Colour: --color, else NO_COLOR turns it off; styled only on a terminal.

Exit codes: 0 success; 1 an error in the data or the build, or an unknown code (one message on
stderr); 2 bad usage.";

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    Zh,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::Zh => Lang::Zh,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Validate the data (a folder of YAML files, or one file) and report every problem.
    Check {
        /// Data folder or file.
        #[arg(default_value = "data")]
        path: PathBuf,
    },
    /// Build the English and Chinese site, codes.json and the 404 router into DIR.
    Build {
        /// Output folder; replaced only when the whole build succeeded.
        #[arg(long, default_value = "book")]
        out: PathBuf,
        /// The book's root (the folder with book.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The published site's address (https://…), for canonical, hreflang and og:url links;
        /// default: `site-url` in book.toml's [preprocessor.closecodes].
        #[arg(long)]
        site_url: Option<String>,
    },
    /// Print the registry as JSON (the same document as the site's codes.json).
    Export {
        /// Print JSON (the only format for now).
        #[arg(long, required = true)]
        json: bool,
        /// Data folder or file.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Search by code, range, constant name, error text or words, in English or Chinese.
    Search {
        /// What to look for; `-` reads it from standard input.
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
        /// Language of titles and snippets [default: from the environment, else en].
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// Print the results as JSON (the objects of /api/search).
        #[arg(long)]
        json: bool,
        /// When to style the output.
        #[arg(long, value_enum, default_value = "auto")]
        color: cli::ColorChoice,
        /// Most results.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=50))]
        limit: u16,
        /// Data folder instead of the data built into this binary.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Explain one close code (or range, constant, name) in the terminal, like `rustc --explain`.
    Explain {
        /// A code (1006), a range (4000-4999), a constant (CloseAbnormalClosure) or a name.
        code: String,
        /// Language of the article [default: from the environment, else en].
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// When to style the output.
        #[arg(long, value_enum, default_value = "auto")]
        color: cli::ColorChoice,
        /// Links in styled output: OSC 8 hyperlinks (auto: on terminals known to support them) or
        /// numbered references after the article.
        #[arg(long, value_enum, default_value = "auto")]
        hyperlinks: cli::HyperlinkChoice,
        /// Data folder instead of the data built into this binary.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Print every documented code and range: name, on the wire, from script.
    List {
        /// Language of the names [default: from the environment, else en].
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// Data folder instead of the data built into this binary.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Print a shell completion script (e.g. `closecodes completions bash > ~/.local/share/bash-completion/completions/closecodes`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `closecodes man > closecodes.1; man -l closecodes.1`.
    Man,
    /// Build the site (unless --site is given) and serve it with search on ADDR.
    Serve {
        /// Address to listen on (loopback unless you say otherwise).
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Serve this already built site instead of building one.
        #[arg(long)]
        site: Option<PathBuf>,
        /// The book's root (the folder with book.toml and data/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to build the site when --site is not given.
        #[arg(long, default_value = "book")]
        out: PathBuf,
        /// The address of the reverse proxy in front (e.g. 127.0.0.1): its connections are not
        /// capped per address, and the lab caps each client by the last X-Forwarded-For entry.
        #[arg(long, value_name = "IP")]
        behind_proxy: Option<std::net::IpAddr>,
    },
}

/// `--lang`, or the environment's language.
fn lang_of(arg: Option<LangArg>) -> Lang {
    arg.map_or_else(|| cli::lang_from_env(|k| std::env::var(k).ok()), Lang::from)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Errors of the commands a reader runs in Chinese are labelled in Chinese too.
    let zh = match &cli.command {
        Command::Search { lang, .. }
        | Command::Explain { lang, .. }
        | Command::List { lang, .. } => lang_of(*lang) == Lang::Zh,
        _ => false,
    };
    let result = match cli.command {
        Command::Check { path } => site::check(&path),
        Command::Build {
            out,
            root,
            site_url,
        } => site::build_with(&root, &out, site_url.as_deref()),
        Command::Export { json: _, data } => site::export(&data),
        Command::Search {
            words,
            lang,
            json,
            color,
            limit,
            data,
        } => cli::query_from(&words).and_then(|q| {
            cli::search(
                &q,
                lang_of(lang),
                json,
                usize::from(limit),
                color,
                data.as_deref(),
            )
        }),
        Command::Explain {
            code,
            lang,
            color,
            hyperlinks,
            data,
        } => cli::explain(&code, lang_of(lang), color, hyperlinks, data.as_deref()),
        Command::List { lang, data } => cli::list(lang_of(lang), data.as_deref()),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "closecodes",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map_err(Into::into),
        Command::Serve {
            addr,
            site,
            root,
            out,
            behind_proxy,
        } => cli::serve(addr, site, &root, &out, behind_proxy),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if zh {
                eprintln!("错误：{e}");
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
