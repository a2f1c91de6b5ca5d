//! Precompressed copies of the built site's text files: `x.html.br` and `x.html.gz` beside
//! `x.html`, written once by `closecodes build`, served by `closecodes serve` by `Accept-Encoding`
//! (and by static hosts that look for them, such as nginx's `gzip_static` and `brotli_static`).

use std::io::Write;
use std::path::{Path, PathBuf};

/// File kinds worth compressing: text, the search module and its index. Fonts (woff2) and
/// images are compressed already.
const TEXT: [&str; 10] = [
    "html", "css", "js", "json", "svg", "xml", "txt", "map", "wasm", "bin",
];
/// Smaller files gain less than the headers cost.
const MIN_BYTES: u64 = 256;
/// Brotli quality. Measured on the shipped site's 1006 article (94,748 bytes): quality 5 gives
/// 22,397 bytes, quality 9 22,018 at three times the time (gzip -9: 24,082); 11 is slower still.
const BROTLI_QUALITY: u32 = 5;
/// Brotli quality and window for the search module and its index, the largest files a reader
/// downloads (once, when searching). Measured on the shipped site: quality 9 with a 16 MiB window
/// makes them 467 + 996 KB against 475 + 1,019 KB at quality 5, in 0.5 s; quality 11 (410 +
/// 926 KB) took 7 s, more than the rest of the build.
const BROTLI_LARGE: (i32, i32) = (9, 24);
/// gzip level, for clients without brotli. Level 9 made the 1006 article 24,082 bytes; level 6
/// makes it about 1% larger in a third of the time (gzip is the fallback; brotli is what browsers
/// take).
const GZIP_LEVEL: u32 = 6;

/// Write `.br` and `.gz` beside every text file below `dir`, on every core.
pub fn precompress(dir: &Path) -> Result<(), crate::site::Error> {
    let mut files = Vec::new();
    for (p, rel) in crate::site::site_files(dir)? {
        let text = rel
            .rsplit_once('.')
            .is_some_and(|(_, ext)| TEXT.contains(&ext));
        if text && std::fs::metadata(&p)?.len() >= MIN_BYTES {
            files.push(p);
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().try_for_each(|f| compress_one(f))))
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err("compression failed".into()))
        })
    })
}

fn compress_one(file: &Path) -> Result<(), crate::site::Error> {
    let bytes = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let sibling = |ext: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
    gz.write_all(&bytes)?;
    crate::site::write(&sibling(".gz"), gz.finish()?)?;
    let mut br = Vec::new();
    let large = matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("wasm" | "bin")
    );
    let (quality, lgwin) = if large {
        BROTLI_LARGE
    } else {
        (BROTLI_QUALITY as i32, 22)
    };
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)?;
    crate::site::write(&sibling(".br"), br)
}
