//! Agreement import: turns text pasted out of Word or a PDF into clean
//! CommonMark (a `#` title, `##` sections, `-` bullets with nesting,
//! paragraphs), and reports what it removed so an admin can check.
//!
//! What is removed: Word bookmark debris (`[bookmark: _Toc…]`), page
//! numbers (`6`, `Page 6 of 6`, and a number glued to the end of a
//! sentence), the paper signature block (`Signed:`, `Print name.....`,
//! `Date:`), which the kiosk replaces, and a repeat of the title. Review
//! metadata (`Reviewed: …`, `Next review date: …`, `Adopted by … on …`) is
//! taken out of the body and returned separately. Everything else, every
//! word of the agreement itself, is kept: hard-wrapped lines are rejoined,
//! never dropped, and a line the rules do not recognise stays a paragraph.

#[cfg(test)]
mod code_lists;
mod docx;
mod lines;
mod markdown;

use std::fmt;
use std::path::Path;

use lines::{
    Kind, is_page_number, is_signature_block, is_terminal, list_marker, looks_like_date, metadata, starts_lowercase,
};

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// One piece of text the importer removed, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Removed {
    /// Why.
    pub reason: RemovedReason,
    /// Exactly what was removed.
    pub text: String,
}

/// Kinds of debris.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(strum::EnumIter))]
#[non_exhaustive]
pub enum RemovedReason {
    /// `[bookmark: _Toc…]` left by a Word export.
    WordBookmark,
    /// A line that is only a page number.
    PageNumber,
    /// A page number glued to the end of a sentence.
    GluedPageNumber,
    /// A line of the paper signature block.
    SignatureBlock,
    /// The title, repeated as a heading.
    RepeatedTitle,
}

impl RemovedReason {
    /// Every reason as it serialises: what the kiosk UI translates (kept
    /// complete by a test).
    pub const CODES: &[&str] =
        &["word_bookmark", "page_number", "glued_page_number", "signature_block", "repeated_title"];
}

impl ImportError {
    /// Every code [`ImportError::code`] returns (kept complete by a test, so
    /// a new one cannot reach the kiosk without English and Welsh text).
    pub const CODES: &[&str] =
        &["import_unreadable", "import_not_utf8", "import_bad_docx", "import_unsupported", "import_too_large"];

    /// Stable code for the kiosk UI.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Read { .. } => "import_unreadable",
            ImportError::NotUtf8 { .. } => "import_not_utf8",
            ImportError::Docx { .. } => "import_bad_docx",
            ImportError::UnsupportedFormat { .. } => "import_unsupported",
            ImportError::TooLarge { .. } => "import_too_large",
        }
    }
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            RemovedReason::WordBookmark => "Word bookmark",
            RemovedReason::PageNumber => "page number",
            RemovedReason::GluedPageNumber => "page number at the end of a line",
            RemovedReason::SignatureBlock => "paper signature block (the kiosk captures these)",
            RemovedReason::RepeatedTitle => "repeated title",
        };
        write!(f, "{why}: {:?}", self.text)
    }
}

/// Why a file could not be imported.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum ImportError {
    /// Could not read the file.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not UTF-8 text.
    #[error("{path} is not UTF-8 text; in Word use Save As > Plain Text (.txt) with Unicode (UTF-8) encoding")]
    NotUtf8 {
        /// The file.
        path: std::path::PathBuf,
    },
    /// A `.docx` that cannot be read.
    #[error(
        "{path} is not a readable Word document: {problem}. Open it in Word and save it again as .docx, or as Plain Text (.txt)"
    )]
    Docx {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// An extension we do not read.
    #[error(
        "{path}: cannot import this kind of file; use .docx, .txt or .md (an old .doc: open it in Word and save as .docx)"
    )]
    UnsupportedFormat {
        /// The file.
        path: std::path::PathBuf,
    },
    /// Larger than an agreement could be.
    #[error("{path} is {bytes} bytes, more than an agreement could be; check you chose the right file")]
    TooLarge {
        /// The file.
        path: std::path::PathBuf,
        /// Its size.
        bytes: u64,
    },
}

/// Imports a `.docx`, `.txt` or `.md` file.
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    let read = |source| ImportError::Read { path: path.to_owned(), source };
    kind_of(path)?;
    let bytes_len = std::fs::metadata(path).map_err(read)?.len();
    check_size(path, bytes_len)?;
    import_bytes(path, &std::fs::read(path).map_err(read)?)
}

/// Imports a file's contents that arrived without a path on disk, such as a
/// file the admin picked in the kiosk. `name` is the file's name: its
/// extension says how to read it, and errors name it.
pub fn import_bytes(name: impl AsRef<Path>, bytes: &[u8]) -> Result<Imported, ImportError> {
    let path = name.as_ref();
    let is_docx = kind_of(path)?;
    check_size(path, bytes.len() as u64)?;
    if is_docx {
        let text = docx::docx_to_text(std::io::Cursor::new(bytes))
            .map_err(|problem| ImportError::Docx { path: path.to_owned(), problem })?;
        return Ok(import_text(&text));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8 { path: path.to_owned() })?;
    Ok(import_text(text))
}

/// `true` for Word, `false` for text; anything else is refused.
fn kind_of(path: &Path) -> Result<bool, ImportError> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("docx") => Ok(true),
        Some("txt" | "md" | "markdown" | "text") => Ok(false),
        _ => Err(ImportError::UnsupportedFormat { path: path.to_owned() }),
    }
}

/// Largest text file taken: the same 1 MiB the kiosk's store allows an
/// agreement (`signbook_core::agreement::MAX_AGREEMENT_BYTES`; the kiosk
/// crate's tests check the two agree, so this crate needs no core).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// A Word file is zipped, so its limit is larger than the text's own.
fn check_size(path: &Path, bytes: u64) -> Result<(), ImportError> {
    let limit = MAX_TEXT_BYTES as u64 * if kind_of(path)? { docx::MAX_DOCX_FACTOR } else { 1 };
    if bytes > limit {
        return Err(ImportError::TooLarge { path: path.to_owned(), bytes });
    }
    Ok(())
}

/// A block of the agreement as it is assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Heading(String),
    Paragraph(String),
    Item { level: usize, number: Option<u32>, text: String },
}

/// Imports pasted text (see the module docs).
pub fn import_text(input: &str) -> Imported {
    let mut out = Imported { markdown: String::new(), title: None, metadata: Vec::new(), removed: Vec::new() };
    let mut blocks: Vec<Block> = Vec::new();
    let mut blank_before = true;
    let mut pending_label: Option<String> = None;
    // Level of an item that ended with ':' and whose lowercase followers nest under it.
    let mut lead_in_level: Option<usize> = None;

    let text = input.strip_prefix('\u{feff}').unwrap_or(input).replace("\r\n", "\n").replace('\r', "\n");
    let raw_lines: Vec<&str> = text.split('\n').collect();
    for (index, raw) in raw_lines.iter().enumerate() {
        let (line, had_toc) = strip_bookmarks(raw, &mut out.removed);
        let line: String = line
            .chars()
            .map(|c| if c == '\u{a0}' { ' ' } else { c })
            .filter(|c| !matches!(c, '\u{200b}' | '\u{feff}'))
            .collect();
        let indent =
            line.chars().take_while(|c| c.is_whitespace()).map(|c| if c == '\t' { 4 } else { 1 }).sum::<usize>();
        let content = line.trim();
        if content.is_empty() {
            blank_before = true;
            continue;
        }
        if let Some(label) = pending_label.take() {
            if looks_like_date(content) {
                out.metadata.push((label, content.to_owned()));
                continue;
            }
            out.metadata.push((label, String::new()));
        }
        if is_page_number(content) {
            out.removed.push(Removed { reason: RemovedReason::PageNumber, text: content.to_owned() });
            continue;
        }
        if is_signature_block(content) {
            out.removed.push(Removed { reason: RemovedReason::SignatureBlock, text: content.to_owned() });
            continue;
        }
        if let Some((label, value)) = metadata(content) {
            if value.is_empty() && !label.contains(' ') {
                pending_label = Some(label);
            } else {
                out.metadata.push((label, value));
            }
            blank_before = true;
            continue;
        }
        let content = strip_glued_page_number(content, &mut out.removed);
        let last_text = blocks.last().and_then(|b| match b {
            Block::Paragraph(t) | Block::Item { text: t, .. } => Some(t.as_str()),
            Block::Heading(_) => None,
        });
        let continues = !blank_before && last_text.is_some_and(|t| !is_terminal(t));

        let (kind, text) = if let Some(hashes) = content.strip_prefix('#') {
            (Kind::Heading, hashes.trim_start_matches('#').trim().to_owned())
        } else if matches!(list_marker(&content, indent), Some((Kind::Item { number: Some(_), .. }, _)))
            && lines::heading_shape(&content)
        {
            // "1) AIMS", "2. Training": a numbered heading, number kept.
            (Kind::Heading, content.clone())
        } else if let Some(marked) = list_marker(&content, indent) {
            marked
        } else if indent > 0
            && !blank_before
            && matches!(blocks.last(), Some(Block::Item { text, .. }) if is_terminal(text))
        {
            // A bullet whose glyph was lost, leaving only its leading space.
            (Kind::Item { level: 0, number: None }, content.clone())
        } else if had_toc && !content.ends_with(':') {
            // Word marks its headings with table-of-contents bookmarks.
            (Kind::Heading, content.clone())
        } else if !continues && lines::heading_shape(&content) && !next_line_continues(&raw_lines[index + 1..]) {
            (Kind::Heading, content.clone())
        } else {
            (Kind::Text, content.clone())
        };

        match kind {
            Kind::Text => match blocks.last_mut() {
                Some(Block::Paragraph(t) | Block::Item { text: t, .. })
                    if !is_terminal(t) && (!blank_before || starts_lowercase(&text)) =>
                {
                    t.push(' ');
                    t.push_str(&text);
                }
                _ => {
                    lead_in_level = None;
                    blocks.push(Block::Paragraph(text));
                }
            },
            Kind::Heading => {
                lead_in_level = None;
                let repeats_title = blocks
                    .iter()
                    .find_map(|b| if let Block::Heading(h) = b { Some(h) } else { None })
                    .is_some_and(|title| same_title(title, &text));
                if repeats_title {
                    out.removed.push(Removed { reason: RemovedReason::RepeatedTitle, text });
                } else {
                    blocks.push(Block::Heading(text));
                }
            }
            Kind::Item { level, number } => {
                let previous = match blocks.last() {
                    Some(Block::Item { level, text, .. }) => Some((*level, text.ends_with(':'))),
                    _ => None,
                };
                let mut level = level.min(previous.map_or(0, |(l, _)| l + 1));
                if let Some((prev_level, true)) = previous {
                    lead_in_level = Some(prev_level);
                }
                if let Some(parent) = lead_in_level {
                    if starts_lowercase(&text) && level <= parent {
                        level = parent + 1;
                    } else if level <= parent {
                        lead_in_level = None;
                    }
                }
                blocks.push(Block::Item { level, number, text });
            }
        }
        blank_before = false;
    }
    if let Some(label) = pending_label {
        out.metadata.push((label, String::new()));
    }
    out.title = match blocks.first() {
        Some(Block::Heading(title)) => Some(title.clone()),
        _ => None,
    };
    out.markdown = markdown::render(&blocks);
    out
}

/// Whether the next non-blank line carries on this one's sentence (starts
/// in lowercase and is not a list item): then this line is no heading.
fn next_line_continues(rest: &[&str]) -> bool {
    let mut scratch = Vec::new();
    rest.iter()
        .map(|raw| strip_bookmarks(raw, &mut scratch).0)
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| starts_lowercase(line.trim()) && list_marker(line.trim(), 0).is_none())
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

/// Titles that differ only in case, punctuation or "&" versus "and".
fn same_title(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        s.to_lowercase()
            .replace('&', " and ")
            .chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    key(a) == key(b)
}
