//! One record's evidence PDF: the labelled facts, the signature, then the
//! agreement text the person read.

use krilla::image::Image;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use signbook_core::record::Erasure;
use signbook_core::record::{format_offset, format_utc};
use signbook_core::verify::VerifyReport;

use super::error::EvidenceError;
use super::layout::{Flow, MARGIN, PAGE_WIDTH, Style, Weight, fully_covered};
use crate::store::{StoredAgreement, StoredRecord};

const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const LABEL_WIDTH: f32 = 150.0;
const VALUE_X: f32 = MARGIN + LABEL_WIDTH;
const VALUE_WIDTH: f32 = TEXT_WIDTH - LABEL_WIDTH;
const LABEL: Style = Style::new(9.5, Weight::Bold).grey(60);
const VALUE: Style = Style::new(10.5, Weight::Regular);
const SMALL: Style = Style::new(9.0, Weight::Regular);
/// Small enough that a 64-digit hash fits the value column on one line.
const HASH: Style = Style::new(8.0, Weight::Regular);
const BODY: Style = Style::new(10.0, Weight::Regular);
/// The signature's largest box on the page, in points.
const SIGNATURE_MAX: (f32, f32) = (300.0, 110.0);

/// Renders the evidence PDF of one record.
///
/// `agreement` is the version the record refers to, or `None` when the
/// office does not hold its text; `chain` is the office's check of the
/// record's kiosk (`IntegrityStore::verify`), so the page can say whether
/// this record is covered by an intact chain.
pub fn record_pdf(
    school: &str,
    stored: &StoredRecord,
    agreement: Option<&StoredAgreement>,
    chain: &VerifyReport,
) -> Result<Vec<u8>, EvidenceError> {
    let record = &stored.record;
    let header = &record.header;
    let reference = record.reference();
    if chain.device_id != header.device_id {
        return Err(EvidenceError::WrongChain { reference, record: header.device_id, report: chain.device_id });
    }
    if let Some(a) = agreement.filter(|a| a.hash != header.agreement_hash) {
        return Err(EvidenceError::WrongAgreement { reference, record: header.agreement_hash, given: a.hash });
    }
    let image = match &record.personal {
        Some(p) => Some(
            Image::from_png(p.signature_png.clone().into(), true)
                .map_err(|detail| EvidenceError::SignatureImage { reference: reference.clone(), detail })?,
        ),
        None => None,
    };

    let mut flow = Flow::new();
    flow.line(MARGIN, school, Style::new(11.0, Weight::Bold).grey(80));
    flow.line(MARGIN, "Signature evidence", Style::new(20.0, Weight::Bold));
    flow.gap(2.0);
    flow.line(MARGIN, &format!("Record {reference}"), Style::new(12.0, Weight::Regular).grey(60));
    flow.gap(8.0);
    flow.rule(150);
    flow.gap(8.0);

    let erased = erased_text(stored.erasure.as_ref());
    let personal = record.personal.as_ref();
    let name = personal.map_or_else(|| erased.clone(), |p| p.name.clone());
    let organisation = match personal {
        Some(p) => p.organisation.as_ref().map_or_else(|| "(none given)".to_owned(), |(o, _)| o.clone()),
        None => erased.clone(),
    };
    let local = header.signed_at_local();
    let kiosk = match &stored.kiosk_name {
        Some(n) => format!("{n} (device {})", header.device_id.hyphenated()),
        None => format!("device {}", header.device_id.hyphenated()),
    };
    let title = agreement.map_or("(the office does not hold this version)", |a| a.title.as_str());
    let fields: [(&str, String, Style); 14] = [
        ("Status", personal.map_or_else(|| capitalised(&erased), |_| "Signed".to_owned()), VALUE),
        ("Name", name.clone(), VALUE),
        ("Organisation", organisation, VALUE),
        ("Role", header.role.clone(), VALUE),
        (
            "Signed (local time)",
            format!("{} (UTC{})", local.format("%A %-d %B %Y, %H:%M:%S"), format_offset(header.utc_offset_minutes)),
            VALUE,
        ),
        ("Signed (UTC)", format_utc(&header.signed_at), VALUE),
        ("Kiosk", kiosk, VALUE),
        ("Sequence", format!("record {} in this kiosk's chain", header.seq), VALUE),
        ("Agreement", title.to_owned(), VALUE),
        ("Agreement version (SHA-256)", header.agreement_hash.to_hex(), HASH),
        ("Record hash (SHA-256)", record.hash.to_hex(), HASH),
        ("Previous record hash", header.prev_hash.to_hex(), HASH),
        ("Received by the office", stored.received_at.clone(), VALUE),
        ("Chain check", chain_text(header.seq, chain), VALUE),
    ];
    for (label, value, style) in &fields {
        field(&mut flow, label, value, *style);
        if *label == "Name" && personal.is_some() && !fully_covered(&name) {
            flow.paragraph(VALUE_X, VALUE_WIDTH, "Some characters of this name are outside this PDF's font and show as boxes; records.csv holds the exact name.", SMALL.grey(90));
            flow.gap(4.0);
        }
    }

    flow.gap(6.0);
    flow.need(LABEL.line_height() + SIGNATURE_MAX.1);
    field_label(&mut flow, "Signature", LABEL);
    match &image {
        Some(image) => {
            let (w, h) = fit(image.size(), SIGNATURE_MAX);
            flow.image(VALUE_X, w, h);
        }
        None => flow.paragraph(VALUE_X, VALUE_WIDTH, &format!("No signature image: {erased}."), VALUE),
    }

    flow.gap(18.0);
    flow.need(60.0);
    flow.rule(150);
    flow.gap(6.0);
    flow.line(MARGIN, "The agreement this person signed", Style::new(14.0, Weight::Bold));
    match agreement {
        Some(a) => {
            flow.paragraph(MARGIN, TEXT_WIDTH, &format!("{} (version {})", a.title, a.hash.to_hex()), SMALL.grey(80));
            flow.gap(6.0);
            agreement_text(&mut flow, &a.text);
        }
        None => flow.paragraph(
            MARGIN,
            TEXT_WIDTH,
            &format!(
                "The office does not hold the text of agreement version {}. The kiosk that took this signature holds it: sync that kiosk again, or compare the hash with the kiosk's `signbook agreement list`.",
                header.agreement_hash.to_hex()
            ),
            BODY,
        ),
    }

    let doc_title = format!("Signature evidence {reference} - {school}");
    let footer = |page: usize, pages: usize| {
        format!("{school}  ·  Signature evidence, record {reference}  ·  Page {page} of {pages}")
    };
    flow.render(&doc_title, image.as_ref(), footer).map_err(|detail| EvidenceError::Pdf { reference, detail })
}

/// "erased on 2026-11-22 (left the school)".
fn erased_text(erasure: Option<&Erasure>) -> String {
    match erasure {
        Some(e) => format!("erased on {} ({})", e.erased_at.format("%Y-%m-%d"), e.reason),
        None => "erased (the office holds no erasure log entry for it)".to_owned(),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What the chain check means for this record.
fn chain_text(seq: u64, chain: &VerifyReport) -> String {
    let head = chain.head_seq.unwrap_or(0);
    match &chain.problem {
        None if seq <= head => format!(
            "Intact: this kiosk's chain verifies from record 1 to record {head} ({} records, {} erased), this record included.",
            chain.records, chain.erased
        ),
        None => format!("Not yet checked: the last check of this kiosk's chain ended at record {head}."),
        Some(p) if seq < p.seq => format!("This record verifies, but this kiosk's chain is broken later: {p}."),
        Some(p) if seq == p.seq => format!("BROKEN: {p}."),
        Some(p) => format!("Cannot be verified: this kiosk's chain is broken earlier: {p}."),
    }
}

/// The label's first baseline meets the first baseline of a value in `beside`.
fn field_label(flow: &mut Flow, label: &str, beside: Style) {
    let y = flow.y + beside.line_height() - beside.size * 0.3;
    for (i, line) in super::layout::wrap(label, LABEL, LABEL_WIDTH - 10.0).iter().enumerate() {
        flow.text_at(MARGIN, y + i as f32 * LABEL.line_height(), line, LABEL);
    }
}

/// A label on the left, its wrapped value on the right.
fn field(flow: &mut Flow, label: &str, value: &str, style: Style) {
    let label_lines = super::layout::wrap(label, LABEL, LABEL_WIDTH - 10.0).len();
    let value_lines = super::layout::wrap(value, style, VALUE_WIDTH).len();
    let label_height = label_lines as f32 * LABEL.line_height();
    flow.need(label_height.max(value_lines as f32 * style.line_height()));
    let top = flow.y;
    field_label(flow, label, style);
    flow.paragraph(VALUE_X, VALUE_WIDTH, value, style);
    flow.y = flow.y.max(top + label_height);
    flow.gap(4.0);
}

/// Scales `(w, h)` pixels to fit `max` points, keeping the aspect ratio.
fn fit((w, h): (u32, u32), max: (f32, f32)) -> (f32, f32) {
    let (w, h) = (w.max(1) as f32, h.max(1) as f32);
    let scale = (max.0 / w).min(max.1 / h);
    (w * scale, h * scale)
}

/// Lays out agreement Markdown: headings, paragraphs, nested bullets and
/// numbered items. Raw HTML and links come out as their text, as on the kiosk.
fn agreement_text(flow: &mut Flow, markdown: &str) {
    let mut text = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut marker: Option<String> = None;
    let mut heading: Option<HeadingLevel> = None;
    let flush = |flow: &mut Flow,
                 text: &mut String,
                 marker: &mut Option<String>,
                 depth: usize,
                 heading: Option<HeadingLevel>| {
        let content = std::mem::take(text);
        let content = content.trim();
        if content.is_empty() && marker.is_none() {
            return;
        }
        if let Some(level) = heading {
            let style =
                if level == HeadingLevel::H1 { Style::new(13.0, Weight::Bold) } else { Style::new(11.0, Weight::Bold) };
            flow.gap(8.0);
            flow.need(style.line_height() * 3.0);
            flow.paragraph(MARGIN, TEXT_WIDTH, content, style);
            flow.gap(2.0);
            return;
        }
        let indent = MARGIN + 16.0 * depth as f32;
        match marker.take() {
            Some(m) => {
                flow.need(BODY.line_height());
                let y = flow.y + BODY.line_height() - BODY.size * 0.3;
                flow.text_at(indent - 12.0, y, &m, BODY);
                flow.paragraph(indent, PAGE_WIDTH - MARGIN - indent, content, BODY);
                flow.gap(2.0);
            }
            None => {
                flow.paragraph(indent.max(MARGIN), PAGE_WIDTH - MARGIN - indent.max(MARGIN), content, BODY);
                flow.gap(5.0);
            }
        }
    };
    for event in Parser::new(markdown) {
        let depth = lists.len();
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some(level),
            Event::End(TagEnd::Heading(_)) => {
                flush(flow, &mut text, &mut marker, depth, heading);
                heading = None;
            }
            Event::Start(Tag::List(start)) => {
                flush(flow, &mut text, &mut marker, depth, None);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(flow, &mut text, &mut marker, depth, None);
                lists.pop();
                if lists.is_empty() {
                    flow.gap(4.0);
                }
            }
            Event::Start(Tag::Item) => {
                flush(flow, &mut text, &mut marker, depth, None);
                marker = Some(match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_owned(),
                });
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::BlockQuote(_) | TagEnd::CodeBlock) => {
                flush(flow, &mut text, &mut marker, depth, None)
            }
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => text.push_str(&t),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            _ => {}
        }
    }
    flush(flow, &mut text, &mut marker, lists.len(), None);
}
