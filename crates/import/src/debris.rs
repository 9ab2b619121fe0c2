//! Lines that are not the agreement: page numbers, headers and footers,
//! tables of contents, the paper signature block, and review metadata.

/// Words of the paper signature block ("Print name ......", "Date:"), in
/// English and Welsh.
const SIGNATURE_WORDS: &[&str] = &[
    "signed",
    "signature",
    "sign",
    "print",
    "printed",
    "name",
    "full",
    "staff",
    "volunteer",
    "governor",
    "visitor",
    "contractor",
    "member",
    "of",
    "date",
    "school",
    "position",
    "job",
    "title",
    "role",
    "setting",
    "pupil",
    "student",
    "parent",
    "carer",
    "agency",
    "company",
    "organisation",
    "organization",
    "by",
    "in",
    "block",
    "capitals",
    "letters",
    "llofnod",
    "llofnodwyd",
    "enw",
    "dyddiad",
    "swydd",
    "rôl",
];

/// Labels of review metadata, matched at the start of a label, lowercase.
/// These say what they are even with no date after them.
const STRONG_LABELS: &[&str] = &[
    "reviewed",
    "last reviewed",
    "date reviewed",
    "review date",
    "next review date",
    "next review due",
    "next review",
    "review due",
    "date of next review",
    "date of review",
    "date approved",
    "date adopted",
    "date ratified",
    "version",
    "policy date",
    "policy owner",
    "owner",
    "approved by",
    "adopted by",
    "ratified by",
    "agreed by",
    "review cycle",
    "review frequency",
    "frequency of review",
    "adolygwyd",
    "adolygiad nesaf",
    "dyddiad adolygu",
    "mabwysiadwyd",
    "cymeradwywyd",
    "fersiwn",
];
/// Labels that are metadata only with a date or a separated value
/// (`Approved: March 2024`, not `Approved software only…`).
const WEAK_LABELS: &[&str] = &["approved", "adopted", "ratified", "date", "updated", "last updated"];

/// `Page 6 of 6`, `6`, `- 6 -`, `Page 6`, `Tudalen 2 o 3`.
pub(super) fn is_page_number(line: &str) -> bool {
    let lower = line.trim().trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace()).to_lowercase();
    let rest = ["page", "tudalen"].iter().find_map(|p| lower.strip_prefix(p)).map(str::trim_start).unwrap_or(&lower);
    let mut parts = rest.split_whitespace();
    let is_num =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.len() <= 3 && s.chars().all(|c| c.is_ascii_digit()));
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (first, None, None, None) => is_num(first),
        (first, Some("of" | "o"), last, None) => is_num(first) && is_num(last),
        _ => false,
    }
}

/// A footer or header line that carries the page number, like
/// `Version 4.1 Page 1 of 3` or `Tudalen 1 / Page 1`; also a browser's print
/// header (`11/30/26, 3:37 PM Title`) and footer (`file:///… 1/2`).
pub(super) fn is_page_furniture(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || words.len() > 30 {
        return false;
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let number = |w: &str| !w.is_empty() && w.len() <= 3 && w.chars().all(|c| c.is_ascii_digit());
    let n = lower.len();
    let ends_with_page = (n >= 2 && matches!(lower[n - 2].as_str(), "page" | "tudalen") && number(&lower[n - 1]))
        || (n >= 4
            && matches!(lower[n - 4].as_str(), "page" | "tudalen")
            && number(&lower[n - 3])
            && matches!(lower[n - 2].as_str(), "of" | "o")
            && number(&lower[n - 1]));
    // Some extractors space out the small print of a browser's header and
    // footer (`1 1 /3 0 /2 6 , 3 :3 8 PM`), so those are read without spaces.
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let address = ["file://", "http://", "https://"].iter().any(|p| compact.starts_with(p));
    let slash_page = {
        let tail: Vec<&str> = compact.rsplit('/').take(2).collect();
        tail.len() == 2 && number(tail[0]) && tail[1].ends_with(|c: char| c.is_ascii_digit())
    };
    (ends_with_page && n <= 16) || (address && n <= 6 && slash_page) || is_print_timestamp(&compact)
}

/// `11/30/26, 3:37 PM …` or `30/11/2026, 15:37 …` (spaces removed): the date
/// and time a browser prints at the top of each page.
fn is_print_timestamp(compact: &str) -> bool {
    let Some((date, rest)) = compact.split_once(',') else { return false };
    let parts: Vec<&str> = date.split('/').collect();
    let is_date =
        parts.len() == 3 && parts.iter().all(|p| (1..=4).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()));
    let hours = rest.chars().take_while(char::is_ascii_digit).count();
    let minutes = rest[hours..].strip_prefix(':').map(|m| m.chars().take_while(char::is_ascii_digit).count());
    is_date && (1..=2).contains(&hours) && minutes == Some(2)
}

/// A table-of-contents entry: a title, dot leaders or a tab, a page number
/// (`2. Devices and accounts.......2`).
pub(super) fn is_toc_entry(line: &str) -> bool {
    let trimmed = line.trim_end();
    let digits = trimmed.chars().rev().take_while(char::is_ascii_digit).count();
    if !(1..=3).contains(&digits) {
        return false;
    }
    let head = &trimmed[..trimmed.len() - digits];
    let leader_len = head.len() - head.trim_end_matches(['.', '…', ' ', '\t', '_']).len();
    let leader = &head[head.len() - leader_len..];
    let dots = leader.chars().filter(|c| matches!(c, '.' | '…' | '_')).count();
    let title = head.trim_end_matches(['.', '…', ' ', '\t', '_']);
    // `Version:<TAB>3` is a label and its value, not an entry.
    (dots >= 4 || leader.contains('\t'))
        && title.chars().any(char::is_alphabetic)
        && !title.ends_with(':')
        && title.split_whitespace().count() <= 12
}

/// `Contents`, `Table of contents`, `Cynnwys`.
pub(super) fn is_contents_heading(line: &str) -> bool {
    matches!(line.trim().trim_end_matches(':').to_lowercase().as_str(), "contents" | "table of contents" | "cynnwys")
}

fn signature_words(line: &str) -> Option<Vec<String>> {
    let filler = |c: char| {
        matches!(c, '.' | '…' | '_' | ':' | '\t' | '-' | '/' | '(' | ')' | ',' | '&' | '*' | '|') || c.is_whitespace()
    };
    let lower = line.to_lowercase();
    let words: Vec<String> = lower.split(filler).filter(|w| !w.is_empty()).map(str::to_owned).collect();
    (words.len() <= 8 && words.iter().all(|w| SIGNATURE_WORDS.contains(&w.as_str()))).then_some(words)
}

/// A line of the paper signature block: only signature-block words and
/// filler (dots, underscores, colons, tabs, emphasis), with some filler or
/// a colon, or only filler (a line to sign on).
pub(super) fn is_signature_block(line: &str) -> bool {
    if !line.contains([':', '.', '…', '_', '\t']) {
        return false;
    }
    signature_words(line).is_some()
}

/// At the end of the document, where the block is, a line of signature
/// words needs no filler: `Name Signature Date`, the header row of a table
/// to sign in.
pub(super) fn is_trailing_signature_line(line: &str) -> bool {
    !line.trim().is_empty() && signature_words(line).is_some()
}

/// `Reviewed: November 2025` -> ("Reviewed", "November 2025");
/// `Next Review Due<TAB>Change of Regulations`; `Owner: Deputy Head`; and
/// `Adopted by the Governing Body on 3 March 2025` (kept whole).
pub(super) fn metadata(line: &str) -> Option<(String, String)> {
    let trimmed = line.trim();
    if trimmed.chars().count() > 100 {
        return None;
    }
    // A label separated from its value by a colon or a tab.
    let split = trimmed.find([':', '\t']).map(|at| (&trimmed[..at], &trimmed[at + 1..]));
    if let Some((label, value)) = split {
        let label =
            crate::lines::without_emphasis(label.trim().trim_end_matches(['*', '_'])).trim_start_matches(['*', '_']);
        let value = value.trim().trim_start_matches([':', '*', '_']).trim();
        let words = value.split_whitespace().count();
        let is_label = label_kind(label);
        if is_label.is_some()
            && words <= 8
            && !value.ends_with('.')
            && (value.is_empty() || !value.chars().all(|c| matches!(c, '.' | '…' | '_' | ' ')))
        {
            let dated = looks_like_date(value);
            if is_label == Some(true) || dated {
                return Some((label.to_owned(), value.to_owned()));
            }
        }
    }
    let lower = trimmed.to_lowercase();
    if ["adopted by ", "approved by ", "ratified by ", "agreed by "].iter().any(|p| lower.starts_with(p)) {
        return (lower.contains(" on ") && looks_like_date(&trimmed[lower.rfind(" on ")?..]))
            .then(|| (trimmed.to_owned(), String::new()));
    }
    // No separator: `Reviewed November 2025`, `Next Review Due Change of Regulations`.
    let all = STRONG_LABELS.iter().chain(WEAK_LABELS).filter(|l| lower.starts_with(*l));
    let label = all.max_by_key(|l| l.len())?;
    let rest = &trimmed[label.len()..];
    if !(rest.is_empty() || rest.starts_with([' ', '-', '–'])) {
        return None;
    }
    let value = rest.trim_start_matches([' ', '-', '–']).trim();
    let strong_multiword = STRONG_LABELS.contains(label) && label.contains(' ');
    let value_ok = value.is_empty()
        || looks_like_date(value)
        || (*label == "version" && value.split_whitespace().count() == 1)
        || (strong_multiword && value.split_whitespace().count() <= 4 && !value.ends_with('.'));
    value_ok.then(|| (trimmed[..label.len()].to_owned(), value.to_owned()))
}

/// Some(true) for a label that is metadata whatever follows it, Some(false)
/// for one that is metadata only before a date. A bilingual label
/// (`Adolygwyd / Reviewed`) counts if either half does.
fn label_kind(label: &str) -> Option<bool> {
    if label.split_whitespace().count() > 8 || label.is_empty() {
        return None;
    }
    label.split(" / ").map(str::trim).map(str::to_lowercase).find_map(|part| {
        let starts = |l: &&str| part == **l || part.starts_with(&format!("{l} "));
        if STRONG_LABELS.iter().any(starts) {
            Some(true)
        } else if WEAK_LABELS.iter().any(starts) && part.split_whitespace().count() <= 3 {
            Some(false)
        } else {
            None
        }
    })
}

/// A month name or a year: enough to tell "Reviewed: January 2023" from prose.
pub(super) fn looks_like_date(text: &str) -> bool {
    const MONTHS: [&str; 24] = [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
        "ionawr",
        "chwefror",
        "mawrth",
        "ebrill",
        "mai",
        "mehefin",
        "gorffennaf",
        "awst",
        "medi",
        "hydref",
        "tachwedd",
        "rhagfyr",
    ];
    let lower = text.to_lowercase();
    text.chars().count() <= 40
        && (MONTHS.iter().any(|m| lower.split(|c: char| !c.is_alphabetic()).any(|w| w.starts_with(m)))
            || lower
                .split(|c: char| !c.is_ascii_digit())
                .any(|d| d.len() == 4 || (d.len() <= 2 && !d.is_empty() && lower.contains('/'))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers() {
        for (line, is) in [
            ("6", true),
            ("Page 6 of 6", true),
            ("page 12", true),
            ("- 3 -", true),
            ("  14  ", true),
            ("Tudalen 2 o 3", true),
            ("2026", false),
            ("Page six", false),
            ("6 pages", false),
            ("1 of the rules", false),
        ] {
            assert_eq!(is_page_number(line), is, "{line:?}");
        }
    }

    #[test]
    fn page_furniture() {
        for (line, is) in [
            ("Version 4.1 Page 1 of 3", true),
            ("Riverside Academy Trust – ICT Code of Conduct – Page 1", true),
            ("Tudalen 1 / Page 1", true),
            ("11/30/26, 3:37 PM Parent Helper Agreement – Brookfield Junior School", true),
            ("file:///tmp/x/Parent-Helper-Agreement.html 1/1", true),
            ("1 1 /3 0 /2 6 , 3 :3 8  PM Parent Helper Agreement", true),
            ("file:///tmp/tmp9 apr3 iyp/Parent-Helper-Agreement.html 1 /1", true),
            ("I will read every page of this agreement.", false),
            ("See https://example.org for the policy.", false),
        ] {
            assert_eq!(is_page_furniture(line), is, "{line:?}");
        }
    }

    #[test]
    fn toc_entries() {
        assert!(is_toc_entry("2. Devices and accounts...................2"));
        assert!(is_toc_entry("Introduction\t3"));
        assert!(is_toc_entry("Email …………… 12"));
        assert!(!is_toc_entry("I will keep 2"));
        assert!(!is_toc_entry("Version:\t3"));
        assert!(!is_toc_entry("Report within 72"));
    }

    #[test]
    fn signature_block_lines() {
        for (line, is) in [
            ("Signed:", true),
            ("Print name.........", true),
            ("Staff/Volunteer Name:\t\t\t", true),
            ("Date:", true),
            ("School.....", true),
            ("Signed ........ Date ........", true),
            ("Name of staff member: ____", true),
            ("Signed **Print name.....**", true),
            ("**Signed:** ....................................", true),
            ("Position/Role:\t______", true),
            ("Llofnod / Signed:\t..........", true),
            ("Signed by:\t\t", true),
            ("Name (in BLOCK CAPITALS): ____", true),
            ("Signed by the head teacher", false),
            ("Date", false),
            ("I will sign in at reception.", false),
        ] {
            assert_eq!(is_signature_block(line), is, "{line:?}");
        }
        assert!(is_trailing_signature_line("Name Signature Date"));
        assert!(is_trailing_signature_line("Job title"));
        assert!(!is_trailing_signature_line("I agree to follow this agreement."));
    }

    #[test]
    fn review_metadata() {
        let m = |l: &str| metadata(l);
        assert_eq!(m("Reviewed: November"), Some(("Reviewed".into(), "November".into())));
        assert_eq!(m("Next review date: November 2026"), Some(("Next review date".into(), "November 2026".into())));
        assert_eq!(m("Reviewed:"), Some(("Reviewed".into(), String::new())));
        assert!(m("Adopted by the Governing Body on 3 March 2025").is_some());
        assert_eq!(m("Adopted by Oak Trust on\t1/6/18"), Some(("Adopted by Oak Trust on".into(), "1/6/18".into())));
        assert_eq!(
            m("Next Review Due\tChange of Regulations"),
            Some(("Next Review Due".into(), "Change of Regulations".into()))
        );
        assert_eq!(
            m("Next Review Due Change of Regulations"),
            Some(("Next Review Due".into(), "Change of Regulations".into()))
        );
        assert_eq!(m("Version\t2.3"), Some(("Version".into(), "2.3".into())));
        assert_eq!(
            m("Owner: Deputy Headteacher (Digital)"),
            Some(("Owner".into(), "Deputy Headteacher (Digital)".into()))
        );
        assert_eq!(m("Adolygwyd / Reviewed:\tMedi 2025"), Some(("Adolygwyd / Reviewed".into(), "Medi 2025".into())));
        assert_eq!(m("Approved: September 2024"), Some(("Approved".into(), "September 2024".into())));
        assert_eq!(m("Review cycle: annually"), Some(("Review cycle".into(), "annually".into())));
        assert_eq!(m("Reviewed and agreed by all staff in the staff meeting each year."), None);
        assert_eq!(m("Approved software only will be installed."), None);
        assert_eq!(m("Approved: software only."), None);
        assert_eq!(m("Date: ______"), None);
    }
}
