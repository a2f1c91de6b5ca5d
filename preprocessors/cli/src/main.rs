//! `closecodes`: validate, build, export (and, later, search and explain) the close-code registry.
//!
//! `main` only parses arguments, calls one function and maps its result to an exit code:
//! 0 success, 1 an error in the data or the build (printed once, to stderr), 2 bad usage.

mod site;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The WebSocket close-code knowledge base.
#[derive(Parser)]
#[command(name = "closecodes", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { path } => site::check(&path),
        Command::Build { out, root } => site::build(&root, &out),
        Command::Export { json: _, data } => site::export(&data),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
