//! Reading one XML part out of a zipped document (`.docx`, `.odt`) with
//! bounds, so a zip bomb or a huge part is refused rather than unpacked.

use std::io::{Read, Seek};

/// Largest XML part we unpack: real agreements are ~100 KB; this stops a zip bomb.
const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;
/// A zipped document may carry pictures (a school crest); its text cannot be
/// larger than the agreement limit, but the file may be this many times larger.
pub(super) const MAX_ZIPPED_FACTOR: u64 = 50;

/// Why a zipped document could not be read, in words.
pub(super) type Problem = String;

pub(super) fn open<R: Read + Seek>(reader: R) -> Result<zip::ZipArchive<R>, Problem> {
    zip::ZipArchive::new(reader).map_err(|e| format!("it is not a zip archive ({e})"))
}

/// The part as text, `None` if the archive has no such part.
pub(super) fn read_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<Option<String>, Problem> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("{name} cannot be read ({e})")),
    };
    if file.size() > MAX_PART_BYTES {
        return Err(format!("{name} is larger than any agreement could be"));
    }
    let mut xml = String::new();
    // The declared size can lie: `take` bounds what is really inflated.
    file.take(MAX_PART_BYTES + 1).read_to_string(&mut xml).map_err(|e| format!("{name} cannot be read ({e})"))?;
    if xml.len() as u64 > MAX_PART_BYTES {
        return Err(format!("{name} is larger than any agreement could be"));
    }
    Ok(Some(xml))
}

pub(super) fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// The text of an entity reference inside XML text (`&amp;`, `&#x2019;`).
pub(super) fn entity(r: &quick_xml::events::BytesRef<'_>) -> String {
    match r.as_ref() {
        "amp" => "&".to_owned(),
        "lt" => "<".to_owned(),
        "gt" => ">".to_owned(),
        "quot" => "\"".to_owned(),
        "apos" => "'".to_owned(),
        _ => r.resolve_char_ref().ok().flatten().map(String::from).unwrap_or_default(),
    }
}

/// One list item line the text rules read unambiguously: a tab per level
/// of nesting, then the marker (`•`, or `3.` for a numbered item).
pub(super) fn list_line(level: usize, marker: &str, text: &str) -> String {
    format!("{}{marker} {text}", "\t".repeat(level))
}
