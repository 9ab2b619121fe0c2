//! One record's evidence PDF: the labelled facts, the signature, then the
//! agreement text the person read.

use krilla::image::Image;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use signbook_core::record::Erasure;
use signbook_core::record::{format_offset, format_utc};
use signbook_core::verify::VerifyReport;

use super::error::EvidenceError;
use super::layout::{Flow, MARGIN, PAGE_WIDTH, Style, Weight, fully_covered};
use crate::i18n::{Lang, current, signer_role, t, tf};
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

/// Renders the evidence PDF of one record, in the current language
/// ([`crate::i18n::current`]: the dashboard runs this in the school's
/// language for exports, everything else gets English).
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
    flow.line(MARGIN, t("pdf.title"), Style::new(20.0, Weight::Bold));
    flow.gap(2.0);
    flow.line(MARGIN, &tf("pdf.record", &[("reference", &reference)]), Style::new(12.0, Weight::Regular).grey(60));
    flow.gap(8.0);
    flow.rule(150);
    flow.gap(8.0);

    let erased = erased_text(stored.erasure.as_ref());
    let personal = record.personal.as_ref();
    let name = personal.map_or_else(|| erased.clone(), |p| p.name.clone());
    let organisation = match personal {
        Some(p) => p.organisation.as_ref().map_or_else(|| t("pdf.none_given").to_owned(), |(o, _)| o.clone()),
        None => erased.clone(),
    };
    let local = header.signed_at_local();
    let kiosk = match &stored.kiosk_name {
        Some(n) => tf("pdf.kiosk_named", &[("name", n), ("device", &header.device_id.hyphenated())]),
        None => tf("pdf.kiosk_device", &[("device", &header.device_id.hyphenated())]),
    };
    let title = agreement.map_or(t("pdf.no_version"), |a| a.title.as_str());
    let name_label = t("pdf.name");
    let fields: [(&str, String, Style); 14] = [
        (t("pdf.status"), personal.map_or_else(|| capitalised(&erased), |_| t("pdf.signed").to_owned()), VALUE),
        (name_label, name.clone(), VALUE),
        (t("pdf.organisation"), organisation, VALUE),
        (t("pdf.role"), signer_role(&header.role).to_owned(), VALUE),
        (
            t("pdf.signed_local"),
            format!("{} (UTC{})", long_date(local), format_offset(header.utc_offset_minutes)),
            VALUE,
        ),
        (t("pdf.signed_utc"), format_utc(&header.signed_at), VALUE),
        (t("pdf.kiosk"), kiosk, VALUE),
        (t("pdf.sequence"), tf("pdf.sequence_value", &[("seq", &header.seq)]), VALUE),
        (t("pdf.agreement"), title.to_owned(), VALUE),
        (t("pdf.agreement_version"), header.agreement_hash.to_hex(), HASH),
        (t("pdf.record_hash"), record.hash.to_hex(), HASH),
        (t("pdf.prev_hash"), header.prev_hash.to_hex(), HASH),
        (t("pdf.received"), stored.received_at.clone(), VALUE),
        (t("pdf.chain_check"), chain_text(header.seq, chain), VALUE),
    ];
    for (label, value, style) in &fields {
        field(&mut flow, label, value, *style);
        if *label == name_label && personal.is_some() && !fully_covered(&name) {
            flow.paragraph(VALUE_X, VALUE_WIDTH, t("pdf.font_boxes"), SMALL.grey(90));
            flow.gap(4.0);
        }
    }

    flow.gap(6.0);
    flow.need(LABEL.line_height() + SIGNATURE_MAX.1);
    field_label(&mut flow, t("pdf.signature"), LABEL);
    match &image {
        Some(image) => {
            let (w, h) = fit(image.size(), SIGNATURE_MAX);
            flow.image(VALUE_X, w, h);
        }
        None => flow.paragraph(VALUE_X, VALUE_WIDTH, &tf("pdf.no_signature", &[("erased", &erased)]), VALUE),
    }

    flow.gap(18.0);
    flow.need(60.0);
    flow.rule(150);
    flow.gap(6.0);
    flow.line(MARGIN, t("pdf.agreement_heading"), Style::new(14.0, Weight::Bold));
    match agreement {
        Some(a) => {
            let line = tf("pdf.agreement_line", &[("title", &a.title), ("version", &a.hash.to_hex())]);
            flow.paragraph(MARGIN, TEXT_WIDTH, &line, SMALL.grey(80));
            flow.gap(6.0);
            agreement_text(&mut flow, &a.text);
        }
        None => flow.paragraph(
            MARGIN,
            TEXT_WIDTH,
            &tf("pdf.no_text", &[("version", &header.agreement_hash.to_hex())]),
            BODY,
        ),
    }

    let doc_title = tf("pdf.document_title", &[("reference", &reference), ("school", &school)]);
    let footer = |page: usize, pages: usize| {
        tf("pdf.footer", &[("school", &school), ("reference", &reference), ("page", &page), ("pages", &pages)])
    };
    flow.render(&doc_title, image.as_ref(), footer).map_err(|detail| EvidenceError::Pdf { reference, detail })
}

/// "erased on 2026-11-22 (left the school)".
fn erased_text(erasure: Option<&Erasure>) -> String {
    match erasure {
        Some(e) => tf("pdf.erased_on", &[("date", &e.erased_at.format("%Y-%m-%d")), ("reason", &e.reason)]),
        None => t("pdf.erased_no_log").to_owned(),
    }
}

/// "Monday 23 November 2026, 09:15:03", in the current language. Welsh
/// names written out here: chrono's locales need its unstable feature.
fn long_date(at: chrono::DateTime<chrono::FixedOffset>) -> String {
    use chrono::Datelike as _;
    const DAYS: [&str; 7] =
        ["Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul"];
    const MONTHS: [&str; 12] = [
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ];
    match current() {
        Lang::En => at.format("%A %-d %B %Y, %H:%M:%S").to_string(),
        Lang::Cy => format!(
            "{} {} {} {}, {}",
            DAYS[at.weekday().num_days_from_monday() as usize],
            at.day(),
            MONTHS[at.month0() as usize],
            at.year(),
            at.format("%H:%M:%S")
        ),
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
        None if seq <= head => {
            tf("pdf.chain_intact", &[("head", &head), ("records", &chain.records), ("erased", &chain.erased)])
        }
        None => tf("pdf.chain_unchecked", &[("head", &head)]),
        Some(p) if seq < p.seq => tf("pdf.chain_broken_later", &[("problem", p)]),
        Some(p) if seq == p.seq => tf("pdf.chain_broken_here", &[("problem", p)]),
        Some(p) => tf("pdf.chain_broken_earlier", &[("problem", p)]),
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
