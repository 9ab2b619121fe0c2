//! Reading a PDF's text layer, page by page, with a pure-Rust extractor (no
//! external program, so it works on every platform the kiosk runs on). The
//! text then goes through the same rules as text pasted out of a PDF.
//!
//! Why `pdf-extract` (0.12, on `lopdf`), compared on this crate's corpus
//! (LibreOffice and Chromium PDFs, `tests/corpus/`) with the alternatives:
//! - `pdf-extract` keeps each printed line as a line, each bullet in front of
//!   its item, a blank line between paragraphs and a hyphen at the end of its
//!   line, which is what the line rules need: every corpus PDF imports to
//!   the same Markdown as its text copied out of a viewer. 40 pages: ~0.1 s
//!   on an idle machine (benches/import_pdf.rs).
//! - `lopdf`'s own `extract_text` is about twice as fast but puts every
//!   bullet and every line-end hyphen on a line of its own and keeps no
//!   paragraph gaps.
//! - `pdf_oxide` (0.3, default features off) is as fast, but joined lines
//!   without a space (`private group.The school`, `straight away:a. write`)
//!   and moved a table row below the paragraph after it; it is ~450,000
//!   lines of Rust, added ~10 MB to a release binary and took over an hour
//!   to build on the 2-core development machine.
//!
//! A PDF is untrusted input: its compressed streams are inflated first with
//! a bound (`lopdf` would inflate a zip bomb without one), the extractor
//! runs on its own thread with a large stack, so a panic becomes an error
//! and a document that takes too long is given up on; the file size is
//! bounded before we start.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use super::ImportError;

/// A PDF carries its fonts and perhaps pictures, so it may be this many
/// times larger than the text limit.
pub(super) const MAX_PDF_FACTOR: u64 = 32;
/// Longer than any real agreement takes (a 40-page one takes well under a
/// second); past this the document is refused rather than waited on.
const DEADLINE: Duration = Duration::from_secs(20);
/// Deeply nested objects recurse; a stack overflow would abort the process.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// The text of every page, pages apart by a form feed.
pub(super) fn pdf_to_text(path: &Path, bytes: &[u8]) -> Result<String, ImportError> {
    let problem = |problem: String| ImportError::Pdf { path: path.to_owned(), problem };
    let (send, receive) = mpsc::channel();
    let owned = bytes.to_vec();
    std::thread::Builder::new()
        .name("pdf-text".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let _ = send.send(extract_pages(owned));
        })
        .map_err(|e| problem(format!("it could not be read ({e})")))?;
    let pages = match receive.recv_timeout(DEADLINE) {
        Ok(result) => result.map_err(problem)?,
        // The thread panicked (the sender dropped without a result).
        Err(mpsc::RecvTimeoutError::Disconnected) => return Err(problem("it is damaged".into())),
        Err(mpsc::RecvTimeoutError::Timeout) => return Err(problem("it took too long to read".into())),
    };
    let letters = pages.iter().flat_map(|p| p.chars()).filter(|c| c.is_alphanumeric()).count();
    // A scan's pages are pictures; at most a stray mark reads as text.
    if letters < 20 * pages.len().max(1) && letters < 200 {
        return Err(ImportError::ScannedPdf { path: path.to_owned() });
    }
    if pages.iter().map(String::len).sum::<usize>() > super::MAX_TEXT_BYTES {
        return Err(ImportError::TooLarge { path: path.to_owned(), bytes: bytes.len() as u64 });
    }
    Ok(pages.join("\n\u{c}\n"))
}

/// All a PDF's streams may inflate to, together: a 40-page agreement with
/// its fonts is ~2 MB unpacked.
const MAX_UNPACKED_BYTES: u64 = 128 * 1024 * 1024;

fn extract_pages(bytes: Vec<u8>) -> Result<Vec<String>, String> {
    check_unpacked_size(&bytes)?;
    let mut doc = pdf_extract::Document::load_mem(&bytes).map_err(|e| format!("it is damaged ({e})"))?;
    if doc.is_encrypted() {
        // Many PDFs are "protected" with only an owner password (no
        // printing, say) and open without one; a reader password we cannot know.
        doc.decrypt("").map_err(|_| "it is protected with a password; save an unprotected copy".to_owned())?;
    }
    let pages = doc.get_pages().len() as u32;
    if pages == 0 {
        return Err("it has no pages".into());
    }
    (1..=pages)
        .map(|page| {
            let mut text = String::new();
            let mut output = pdf_extract::PlainTextOutput::new(&mut text);
            pdf_extract::output_doc_page(&doc, &mut output, page)
                .map_err(|e| format!("page {page} cannot be read ({e})"))?;
            Ok(text)
        })
        .collect()
}

/// Inflates every Flate stream of the file, counting, and refuses the file
/// past [`MAX_UNPACKED_BYTES`]. A scan of the raw bytes for `stream`
/// keywords finds each stream whether or not the file's tables are sound.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), String> {
    use std::io::Read;
    let mut total = 0u64;
    let mut rest = bytes;
    while let Some(at) = find(rest, b"stream") {
        let mut data = &rest[at + b"stream".len()..];
        data = data.strip_prefix(b"\r").unwrap_or(data);
        data = data.strip_prefix(b"\n").unwrap_or(data);
        let end = find(data, b"endstream").unwrap_or(data.len());
        let budget = MAX_UNPACKED_BYTES - total;
        let mut inflater = flate2::read::ZlibDecoder::new(&data[..end]).take(budget + 1);
        // A stream that is not zlib (or is cut short) is the extractor's to judge.
        total += std::io::copy(&mut inflater, &mut std::io::sink())
            .unwrap_or_else(|_| inflater.limit().abs_diff(budget + 1));
        if total > MAX_UNPACKED_BYTES {
            return Err("it unpacks to far more than any agreement could be".into());
        }
        rest = &data[(end + b"endstream".len()).min(data.len())..];
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
