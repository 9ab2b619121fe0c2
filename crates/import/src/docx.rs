//! Reading a Word `.docx`: paragraphs, Title/Heading styles and list
//! paragraphs with their nesting level, from `word/document.xml`. The result
//! is handed to the same rules as pasted text, so debris is removed the
//! same way.

use std::io::{Read, Seek};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Largest XML part we unpack: real agreements are ~100 KB; this stops a zip bomb.
const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;
/// A Word file may carry pictures (a school crest); its text cannot be larger than
/// the agreement limit, but the file may be this many times larger.
pub(super) const MAX_DOCX_FACTOR: u64 = 50;

/// Why a `.docx` could not be read, in words.
pub(super) type DocxProblem = String;

/// The document as lines the text importer understands: `# ` for headings,
/// bullet glyphs (and `o` for deeper levels) for list items, paragraphs
/// separated by blank lines.
pub(super) fn docx_to_text(reader: impl Read + Seek) -> Result<String, DocxProblem> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| format!("it is not a zip archive ({e})"))?;
    let document = read_part(&mut zip, "word/document.xml")?.ok_or("it has no word/document.xml")?;
    paragraphs(&document)
}

fn read_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<Option<String>, DocxProblem> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("{name} cannot be read ({e})")),
    };
    if file.size() > MAX_PART_BYTES {
        return Err(format!("{name} is larger than any agreement could be"));
    }
    let mut xml = String::new();
    file.take(MAX_PART_BYTES).read_to_string(&mut xml).map_err(|e| format!("{name} cannot be read ({e})"))?;
    Ok(Some(xml))
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

#[derive(Default)]
struct Paragraph {
    style: String,
    level: Option<u32>,
    num_id: Option<String>,
    text: String,
}

fn paragraphs(xml: &str) -> Result<String, DocxProblem> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut para: Option<Paragraph> = None;
    let (mut in_text, mut in_properties) = (false, 0usize);
    loop {
        let event = reader.read_event().map_err(|e| format!("word/document.xml is damaged ({e})"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    "w:p" if !empty => para = Some(Paragraph::default()),
                    "w:pPr" if !empty => in_properties += 1,
                    "w:t" if !empty => in_text = true,
                    "w:pStyle" => {
                        if let Some(p) = para.as_mut() {
                            p.style = attr(e, "w:val").unwrap_or_default();
                        }
                    }
                    "w:ilvl" => {
                        if let Some(p) = para.as_mut() {
                            p.level = attr(e, "w:val").and_then(|v| v.parse().ok());
                        }
                    }
                    "w:numId" => {
                        if let Some(p) = para.as_mut() {
                            p.num_id = attr(e, "w:val");
                        }
                    }
                    // A tab stop definition inside paragraph properties is not text.
                    "w:tab" if in_properties == 0 => push_text(&mut para, "\t"),
                    "w:br" | "w:cr" => push_text(&mut para, " "),
                    _ => {}
                }
            }
            Event::Text(t) if in_text => {
                let text = t.xml10_content();
                push_text(&mut para, &text);
            }
            Event::GeneralRef(r) if in_text => {
                let text = match r.as_ref() {
                    "amp" => "&".to_owned(),
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    _ => r.resolve_char_ref().ok().flatten().map(String::from).unwrap_or_default(),
                };
                push_text(&mut para, &text);
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:pPr" => in_properties = in_properties.saturating_sub(1),
                "w:p" => {
                    if let Some(p) = para.take() {
                        emit(&mut out, p);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn push_text(para: &mut Option<Paragraph>, text: &str) {
    if let Some(p) = para.as_mut() {
        p.text.push_str(text);
    }
}

fn emit(out: &mut String, p: Paragraph) {
    let text = p.text.trim();
    if text.is_empty() {
        return;
    }
    let style = p.style.to_ascii_lowercase();
    let line = if style == "title" || style.starts_with("heading") {
        format!("# {text}")
    } else if p.num_id.is_some_and(|id| id != "0") {
        // Word generates list numbers; they are not part of the text, so
        // numbered and bulleted lists both become bullets.
        match p.level.unwrap_or(0) {
            0 => format!("• {text}"),
            1 => format!("o {text}"),
            _ => format!("    o {text}"),
        }
    } else {
        text.to_owned()
    };
    out.push_str(&line);
    out.push_str("\n\n");
}
