//! Agreement import: turns a school's agreement — a PDF, a Word `.docx`, a
//! LibreOffice `.odt`, or text pasted out of any of them — into clean
//! CommonMark (a `#` title, `##` sections, `-` and `1.` lists with nesting,
//! paragraphs), and reports what it removed so an admin can check.
//!
//! What is removed: Word bookmark debris (`[bookmark: _Toc…]`), page
//! numbers (`6`, `Page 6 of 6`, and a number glued to the end of a
//! sentence), page headers and footers (a line with the page number in it,
//! a line repeated on every page, a browser's print header and footer), a
//! table of contents, the paper signature block (`Signed:`, `Print
//! name.....`, `Date:`, a table to sign in), which the kiosk replaces, and a
//! repeat of the title. Review metadata (`Reviewed: …`, `Next Review Due`,
//! `Adopted by … on …`, `Version`, `Owner`) is taken out of the body and
//! returned separately. Everything else, every word of the agreement
//! itself, is kept: hard-wrapped lines are rejoined, never dropped, and a
//! line the rules do not recognise stays a paragraph.
//!
//! For the office and the kiosk, [`import_bytes`] is the one entry point: a
//! file name (its extension says how to read it) and the bytes.

mod assemble;
#[cfg(test)]
mod code_lists;
mod debris;
mod docx;
mod error;
mod lines;
mod markdown;
mod odt;
mod page;
mod pdf;
mod report;
mod zipped;

use std::path::Path;

pub use error::ImportError;
pub use report::{Removed, RemovedReason, report_text};

use assemble::{Assembler, LineIn};
use debris::{is_signature_block, looks_like_date, metadata};
use page::Mark;

/// The result of an import: what the kiosk's preview and the office show
/// before anyone publishes (serialisable for a web page as it is).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// The agreement as CommonMark.
    pub markdown: String,
    /// The first heading, which became the `#` title.
    pub title: Option<String>,
    /// Review metadata taken out of the body: (label, value).
    pub metadata: Vec<(String, String)>,
    /// What was removed, in document order.
    pub removed: Vec<Removed>,
}

/// The kinds of file read, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Docx,
    Odt,
    Pdf,
}

impl Format {
    fn of(path: &Path) -> Result<Format, ImportError> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("docx") => Ok(Format::Docx),
            Some("odt") => Ok(Format::Odt),
            Some("pdf") => Ok(Format::Pdf),
            Some("txt" | "md" | "markdown" | "text") => Ok(Format::Text),
            _ => Err(ImportError::UnsupportedFormat { path: path.to_owned() }),
        }
    }

    /// A zipped document may carry pictures (a school crest) and a PDF its
    /// fonts, so their files may be this many times larger than the text.
    fn size_factor(self) -> u64 {
        match self {
            Format::Text => 1,
            Format::Docx | Format::Odt => zipped::MAX_ZIPPED_FACTOR,
            Format::Pdf => pdf::MAX_PDF_FACTOR,
        }
    }
}

/// Imports a `.pdf`, `.docx`, `.odt`, `.txt` or `.md` file.
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    let read = |source| ImportError::Read { path: path.to_owned(), source };
    let format = Format::of(path)?;
    let bytes_len = std::fs::metadata(path).map_err(read)?.len();
    check_size(path, format, bytes_len)?;
    import_bytes(path, &std::fs::read(path).map_err(read)?)
}

/// Imports a file's contents that arrived without a path on disk, such as a
/// file the admin picked in the kiosk or uploaded at the office. `name` is
/// the file's name: its extension says how to read it, and errors name it.
pub fn import_bytes(name: impl AsRef<Path>, bytes: &[u8]) -> Result<Imported, ImportError> {
    let path = name.as_ref();
    let format = Format::of(path)?;
    check_size(path, format, bytes.len() as u64)?;
    let text = match format {
        Format::Docx => docx::docx_to_text(std::io::Cursor::new(bytes))
            .map_err(|problem| ImportError::Docx { path: path.to_owned(), problem })?,
        Format::Odt => odt::odt_to_text(std::io::Cursor::new(bytes))
            .map_err(|problem| ImportError::Odt { path: path.to_owned(), problem })?,
        Format::Pdf => pdf::pdf_to_text(path, bytes)?,
        Format::Text => {
            std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8 { path: path.to_owned() })?.to_owned()
        }
    };
    Ok(import_text(&text))
}

/// Largest text file taken: the same 1 MiB the kiosk's store allows an
/// agreement (`signbook_core::agreement::MAX_AGREEMENT_BYTES`; the kiosk
/// crate's tests check the two agree, so this crate needs no core).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

fn check_size(path: &Path, format: Format, bytes: u64) -> Result<(), ImportError> {
    if bytes > MAX_TEXT_BYTES as u64 * format.size_factor() {
        return Err(ImportError::TooLarge { path: path.to_owned(), bytes });
    }
    Ok(())
}

/// A block of the agreement as it is assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Heading(String),
    Paragraph(String),
    /// `number` is set for `1.` and `1)` items, with `delimiter` `.` or `)`.
    Item {
        level: usize,
        number: Option<u32>,
        delimiter: char,
        text: String,
    },
}

/// Imports pasted text (see the module docs).
pub fn import_text(input: &str) -> Imported {
    let text = page::normalise(input);
    let mut bookmarks = Vec::new();
    let lines: Vec<(String, bool, Vec<Removed>)> = text
        .split('\n')
        .map(|raw| {
            let (line, toc) = strip_bookmarks(raw, &mut bookmarks);
            (line, toc, std::mem::take(&mut bookmarks))
        })
        .collect();
    let plain: Vec<String> = lines.iter().map(|(l, _, _)| l.clone()).collect();
    let marks = page::marks(&plain, input.matches('\u{c}').count());
    let mut asm = Assembler::new(page::wrap_width(&plain, &marks), page::paragraph_gaps(&plain, &marks), &text);
    let mut metadata_out: Vec<(String, String)> = Vec::new();
    let mut blank_before = true;
    let mut pending_label: Option<String> = None;

    for (index, (line, toc_anchor, line_bookmarks)) in lines.iter().enumerate() {
        asm.removed.extend(line_bookmarks.iter().cloned());
        let content = line.trim();
        match marks[index] {
            Mark::Skip => continue,
            Mark::Remove(reason) => {
                asm.removed.push(Removed { reason, text: content.to_owned() });
                continue;
            }
            Mark::Keep => {}
        }
        if content.is_empty() {
            blank_before = true;
            continue;
        }
        if let Some(label) = pending_label.take() {
            if looks_like_date(content) {
                metadata_out.push((label, content.to_owned()));
                continue;
            }
            metadata_out.push((label, String::new()));
        }
        if is_signature_block(content) {
            asm.removed.push(Removed { reason: RemovedReason::SignatureBlock, text: content.to_owned() });
            continue;
        }
        if let Some((label, value)) = metadata(content) {
            if value.is_empty() && !label.contains(' ') {
                pending_label = Some(label);
            } else {
                metadata_out.push((label, value));
            }
            blank_before = true;
            continue;
        }
        let content = strip_glued_page_number(content, &mut asm.removed);
        let indent = indent_of(line);
        let next =
            (index + 1..lines.len()).filter(|&j| marks[j] == Mark::Keep).find(|&j| !lines[j].0.trim().is_empty());
        asm.push(LineIn {
            content: &content,
            indent,
            blank_before,
            toc_anchor: *toc_anchor,
            next: next.map(|j| lines[j].0.trim()),
            next_indent: next.map_or(0, |j| indent_of(&lines[j].0)),
        });
        blank_before = false;
    }
    if let Some(label) = pending_label {
        metadata_out.push((label, String::new()));
    }
    let title = match asm.blocks.first() {
        Some(Block::Heading(title)) => Some(title.clone()),
        _ => None,
    };
    Imported { markdown: markdown::render(&asm.blocks), title, metadata: metadata_out, removed: asm.removed }
}

/// Leading whitespace in columns, a tab counting four.
fn indent_of(line: &str) -> usize {
    line.chars().take_while(|c| c.is_whitespace()).map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

/// Removes `[bookmark: …]` markers; says whether one was a table-of-contents
/// anchor (`_Toc…`), which Word puts on headings.
fn strip_bookmarks(line: &str, removed: &mut Vec<Removed>) -> (String, bool) {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut toc = false;
    while let Some(start) = rest.find("[bookmark:") {
        let Some(len) = rest[start..].find(']') else { break };
        let marker = &rest[start..start + len + 1];
        toc |= marker.contains("_Toc");
        removed.push(Removed { reason: RemovedReason::WordBookmark, text: marker.to_owned() });
        out.push_str(&rest[..start]);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    (out, toc)
}

/// `…security policy. 28` -> `…security policy.`
fn strip_glued_page_number(content: &str, removed: &mut Vec<Removed>) -> String {
    let trimmed = content.trim_end();
    let digits = trimmed.chars().rev().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let head = &trimmed[..trimmed.len() - digits];
        if head.ends_with([' ', '\t']) && head.trim_end().ends_with(['.', '!', '?', ';']) && head.trim_end().len() > 1 {
            removed.push(Removed {
                reason: RemovedReason::GluedPageNumber,
                text: trimmed[trimmed.len() - digits..].to_owned(),
            });
            return head.trim_end().to_owned();
        }
    }
    content.to_owned()
}
