//! PDFs and LibreOffice files that are not what they should be: a scan with
//! no text, a zip bomb, a damaged file. Each is refused with a typed error
//! that says what to do; none panics or hangs. (Good PDFs and .odt files
//! are in the corpus, `tests/corpus.rs`.)

use std::io::Write;

use proptest::prelude::*;
use signbook_import::{ImportError, RemovedReason, import_bytes};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/");

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}{name}")).unwrap()
}

#[test]
fn a_scanned_pdf_is_refused_and_told_what_to_do_instead() {
    let err = import_bytes("Staff AUP (scanned).pdf", &corpus("scanned-no-text.pdf")).unwrap_err();
    assert!(matches!(err, ImportError::ScannedPdf { .. }), "{err:?}");
    assert_eq!(err.code(), "import_scanned_pdf");
    let message = err.to_string();
    for what in [
        "Staff AUP (scanned).pdf looks like a scan",
        "no text",
        "Export the agreement to PDF from the original",
        "paste its text",
    ] {
        assert!(message.contains(what), "{what:?} missing from: {message}");
    }
}

/// A PDF whose streams inflate to far more than any agreement: 140 streams
/// of 1 MiB of zeros each, about 1 KB each compressed.
fn bomb() -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; 1024 * 1024]).unwrap();
    let packed = encoder.finish().unwrap();
    let mut pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n".to_vec();
    pdf.extend_from_slice(b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n");
    for n in 0..140 {
        pdf.extend_from_slice(
            format!("{} 0 obj << /Length {} /Filter /FlateDecode >>\nstream\n", n + 3, packed.len()).as_bytes(),
        );
        pdf.extend_from_slice(&packed);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
    }
    pdf.extend_from_slice(b"trailer << /Root 1 0 R >>\n%%EOF\n");
    pdf
}

#[test]
fn a_pdf_that_unpacks_to_a_bomb_is_refused_before_it_is_read() {
    let pdf = bomb();
    assert!(pdf.len() < 1024 * 1024, "the bomb itself is small: {} bytes", pdf.len());
    let err = import_bytes("bomb.pdf", &pdf).unwrap_err();
    assert_eq!(err.code(), "import_bad_pdf");
    assert!(err.to_string().contains("unpacks to far more than any agreement could be"), "{err}");
}

#[test]
fn damaged_pdfs_and_odts_are_refused_with_advice() {
    let err = import_bytes("policy.pdf", b"%PDF-1.7\nnot really a PDF").unwrap_err();
    assert_eq!(err.code(), "import_bad_pdf");
    assert!(err.to_string().contains("Export the agreement to PDF again from the original document"), "{err}");

    // The first half of a real PDF, as an interrupted download leaves it.
    let pdf = corpus("visitor-short.pdf");
    assert!(import_bytes("cut.pdf", &pdf[..pdf.len() / 2]).is_err());

    let err = import_bytes("policy.odt", b"not a zip").unwrap_err();
    assert_eq!(err.code(), "import_bad_odt");
    assert!(err.to_string().contains("save it again as .odt"), "{err}");
    let odt = corpus("bilingual.odt");
    assert_eq!(import_bytes("cut.odt", &odt[..odt.len() / 2]).unwrap_err().code(), "import_bad_odt");
}

#[test]
fn the_same_agreement_imports_alike_from_its_pdf_its_pasted_text_and_its_word_file() {
    let from_pdf = import_bytes("a.pdf", &corpus("numbered-lettered.pdf")).unwrap();
    let from_paste = import_bytes("a.txt", &corpus("numbered-lettered.paste.txt")).unwrap();
    let from_word = import_bytes("a.docx", &corpus("numbered-lettered.docx")).unwrap();
    assert_eq!(from_pdf.markdown, from_paste.markdown);
    assert_eq!(from_pdf.markdown, from_word.markdown);
    // The PDF's page header (the trust's name) and footer are reported; Word keeps those apart.
    assert_eq!(from_pdf.title.as_deref(), Some("ICT Code of Conduct for Staff and Governors"));
    assert_eq!(from_pdf.removed.iter().filter(|r| r.reason == RemovedReason::PageHeaderFooter).count(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// A real PDF with bytes changed here and there: an import or a typed
    /// error, never a panic (the extractor's own panics are caught).
    #[test]
    fn a_mangled_pdf_never_panics(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12)) {
        let mut pdf = corpus("visitor-short.pdf");
        for (at, byte) in edits {
            let i = at.index(pdf.len());
            pdf[i] = byte;
        }
        if let Err(e) = import_bytes("mangled.pdf", &pdf) {
            prop_assert!(matches!(e.code(), "import_bad_pdf" | "import_scanned_pdf" | "import_too_large"), "{e}");
        }
    }
}

#[test]
fn a_forty_page_pdf_loses_its_headers_and_footers_and_keeps_every_item_and_heading() {
    let pdf = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/fixtures/forty-pages.pdf")).unwrap();
    let imported = import_bytes("handbook.pdf", &pdf).unwrap();
    let lines: Vec<&str> = imported.markdown.lines().collect();
    // 32 parts, each with 7 sections and 20 list entries (5 of them the topics under a lead-in).
    assert_eq!(lines.iter().filter(|l| l.starts_with("## ")).count(), 32 * 7);
    assert_eq!(lines.iter().filter(|l| l.starts_with("- ")).count(), 32 * 20);
    for furniture in ["Page ", "Hillside Primary School Staff", "……"] {
        assert!(!imported.markdown.contains(furniture), "{furniture:?} left in the text");
    }
    let footers = imported.removed.iter().filter(|r| r.reason == RemovedReason::PageNumber).count();
    assert_eq!(footers, 40, "one 'Page N of 40' a page");
}
