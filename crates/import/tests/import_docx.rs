//! Importing a real Word file: a `.docx` written here part by part (content
//! types, relationships, document), as Word itself lays one out.

use std::io::Write;
use std::path::Path;

use signbook_import::{ImportError, RemovedReason, import_bytes, import_file};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

fn para(style: Option<&str>, list_level: Option<u32>, runs: &str) -> String {
    let mut props = String::new();
    if let Some(style) = style {
        props.push_str(&format!(r#"<w:pStyle w:val="{style}"/>"#));
    }
    if let Some(level) = list_level {
        props.push_str(&format!(r#"<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr>"#));
    }
    format!(r#"<w:p><w:pPr>{props}<w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>{runs}</w:p>"#)
}

fn run(text: &str) -> String {
    format!(r#"<w:r><w:t xml:space="preserve">{text}</w:t></w:r>"#)
}

fn write_docx(path: &Path, body: &str) {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in
        [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("word/document.xml", document.as_str())]
    {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_word_document_imports_with_its_headings_lists_and_nesting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aup.docx");
    let body = [
        para(Some("Title"), None, &run("Staff ICT Agreement")),
        para(None, None, &format!("{}{}", run("Technology helps us teach &amp; learn. "), run("Use it safely."))),
        para(
            Some("Heading1"),
            None,
            &format!(r#"<w:bookmarkStart w:id="0" w:name="_Toc1"/>{}<w:bookmarkEnd w:id="0"/>"#, run("Passwords")),
        ),
        para(Some("ListParagraph"), Some(0), &run("I will keep my password secret.")),
        para(Some("ListParagraph"), Some(0), &run("When I use AI tools I will:")),
        para(Some("ListParagraph"), Some(1), &run("only use tools the school approves")),
        para(Some("ListParagraph"), Some(1), &run("check what they produce")),
        para(
            Some("ListParagraph"),
            Some(0),
            &format!(
                "{}<w:del><w:r><w:delText>deleted words</w:delText></w:r></w:del>{}",
                run("I will report"),
                run(" any loss.")
            ),
        ),
        para(None, None, &format!("{}<w:r><w:tab/></w:r>{}", run("Signed:"), run("........"))),
        para(None, None, &run("Date:")),
        para(None, None, ""),
    ]
    .concat();
    write_docx(&path, &body);

    let imported = import_file(&path).unwrap();
    assert_eq!(
        imported.markdown,
        "# Staff ICT Agreement\n\nTechnology helps us teach & learn. Use it safely.\n\n## Passwords\n\n\
         - I will keep my password secret.\n- When I use AI tools I will:\n  - only use tools the school approves\n  - check what they produce\n\
         - I will report any loss.\n"
    );
    assert_eq!(imported.title.as_deref(), Some("Staff ICT Agreement"));
    assert_eq!(imported.removed.iter().filter(|r| r.reason == RemovedReason::SignatureBlock).count(), 2);

    // The kiosk admin picks a file and sends its bytes: the same result.
    let from_bytes = import_bytes("aup.docx", &std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(from_bytes, imported);
}

#[test]
fn picked_files_are_read_by_their_extension_and_refused_by_name() {
    let text = import_bytes("Pasted.TXT", "RULES\n\nI will be kind.\n".as_bytes()).unwrap();
    assert_eq!(text.markdown, "# RULES\n\nI will be kind.\n");

    let err = import_bytes("policy.doc", b"\xd0\xcf\x11\xe0").unwrap_err();
    assert!(matches!(err, ImportError::UnsupportedFormat { .. }), "{err}");
    assert!(err.to_string().starts_with("policy.doc: cannot import this kind of file"), "{err}");

    let err = import_bytes("notes.txt", &[0xff, 0xfe, 0x00]).unwrap_err();
    assert!(matches!(err, ImportError::NotUtf8 { .. }), "{err}");

    let huge = vec![b'a'; signbook_import::MAX_TEXT_BYTES + 1];
    assert!(matches!(import_bytes("huge.md", &huge), Err(ImportError::TooLarge { .. })));
}

#[test]
fn a_damaged_or_disguised_docx_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let not_zip = dir.path().join("renamed.docx");
    std::fs::write(&not_zip, "I am a text file with the wrong name").unwrap();
    let err = import_file(&not_zip).unwrap_err().to_string();
    assert!(
        err.contains("is not a readable Word document: it is not a zip archive")
            && err.contains("save it again as .docx"),
        "{err}"
    );

    let no_document = dir.path().join("empty.docx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&no_document).unwrap());
    zip.start_file("hello.txt", zip::write::SimpleFileOptions::default()).unwrap();
    zip.finish().unwrap();
    let err = import_file(&no_document).unwrap_err().to_string();
    assert!(err.contains("it has no word/document.xml"), "{err}");

    let broken_xml = dir.path().join("broken.docx");
    write_docx(&broken_xml, "<w:p><w:r><w:t>unclosed</w:r></w:p>");
    let err = import_file(&broken_xml).unwrap_err().to_string();
    assert!(err.contains("word/document.xml is damaged"), "{err}");
}

/// Word's built-in "List Bullet" and "List Number" styles keep their
/// numbering in styles.xml; a paragraph in such a style is a list item, and
/// a numbered one keeps its number (Word generates it, so we count).
#[test]
fn paragraphs_in_words_own_list_styles_are_list_items_with_their_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("styled.docx");
    let styles = r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:styleId="ListBullet"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style><w:style w:type="paragraph" w:styleId="ListNumber"><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style></w:styles>"#;
    let numbering = r#"<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>"#;
    let body = [
        para(Some("Title"), None, &run("Visitor Rules")),
        para(Some("ListBullet"), None, &run("Wear your badge.")),
        para(Some("ListBullet"), None, &run("Sign out when you leave.")),
        para(None, None, &run("If the alarm sounds:")),
        para(Some("ListNumber"), None, &run("Leave by the nearest exit.")),
        para(Some("ListNumber"), None, &run("Go to the field.")),
    ]
    .concat();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/document.xml", document.as_str()),
        ("word/styles.xml", styles),
        ("word/numbering.xml", numbering),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();

    assert_eq!(
        import_file(&path).unwrap().markdown,
        "# Visitor Rules\n\n- Wear your badge.\n- Sign out when you leave.\n\nIf the alarm sounds:\n\n1. Leave by the nearest exit.\n2. Go to the field.\n"
    );
}
