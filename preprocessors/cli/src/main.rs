//! `closecodes`: validate, build, export, search, explain and serve the close-code registry.
//!
//! `main` only parses arguments, calls one library function and maps its result to an exit code:
//! 0 success, 1 an error in the data or the build or an unknown code (printed once, to stderr),
//! 2 bad usage.

use clap::{Parser, Subcommand, ValueEnum};
use closecodes::registry::Lang;
use closecodes_cli::{cli, site};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// The WebSocket close-code knowledge base.
#[derive(Parser)]
#[command(name = "closecodes", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

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
        /// What to look for.
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
        /// Language of titles and snippets.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// Print the results as JSON (the objects of /api/search).
        #[arg(long)]
        json: bool,
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
        /// Language of the article.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// When to style the output.
        #[arg(long, value_enum, default_value = "auto")]
        color: cli::ColorChoice,
        /// Data folder instead of the data built into this binary.
        #[arg(long)]
        data: Option<PathBuf>,
    },
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Errors of the commands a reader runs in Chinese are labelled in Chinese too.
    let zh = matches!(
        &cli.command,
        Command::Search { lang, .. } | Command::Explain { lang, .. }
            if Lang::from(*lang) == Lang::Zh
    );
    let result = match cli.command {
        Command::Check { path } => site::check(&path),
        Command::Build { out, root } => site::build(&root, &out),
        Command::Export { json: _, data } => site::export(&data),
        Command::Search {
            words,
            lang,
            json,
            limit,
            data,
        } => cli::search(
            &words.join(" "),
            lang.into(),
            json,
            usize::from(limit),
            data.as_deref(),
        ),
        Command::Explain {
            code,
            lang,
            color,
            data,
        } => cli::explain(&code, lang.into(), color, data.as_deref()),
        Command::Serve {
            addr,
            site,
            root,
            out,
        } => cli::serve(addr, site, &root, &out),
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
