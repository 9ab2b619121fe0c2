//! Reading a PDF's text layer, page by page, with a pure-Rust extractor (no
//! external program, so it works on every platform the kiosk runs on). The
//! text then goes through the same rules as text pasted out of a PDF.
//!
//! A PDF is untrusted input: the extractor runs on its own thread with a
//! large stack, so a panic becomes an error and a document that takes too
//! long is given up on; the file size is bounded before we start.

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

fn extract_pages(bytes: Vec<u8>) -> Result<Vec<String>, String> {
    let _ = bytes;
    Err("not yet".into())
}
