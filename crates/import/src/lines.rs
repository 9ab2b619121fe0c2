//! Classifying one line of pasted agreement text: is it a heading, a list
//! item, body text, or debris (a page number, the paper signature block,
//! review metadata) that does not belong in the agreement?

/// What one line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Heading,
    /// A list item; `level` 0 is top level, `number` is set for "1." items.
    Item {
        level: usize,
        number: Option<u32>,
    },
    Text,
}

/// Characters that start a bullet item when followed by whitespace.
const BULLET_GLYPHS: &[char] =
    &['-', '–', '—', '•', '·', '▪', '■', '□', '◦', '○', '●', '‣', '⁃', '∙', '*', '➢', '➤', '►', '✓', '✔', 'Ø', '§'];
/// Glyphs Word uses for second-level bullets.
const NESTED_GLYPHS: &[char] = &['o', '◦', '○'];

/// Words of the paper signature block ("Print name ......", "Date:").
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
];

/// Labels of review metadata, matched at the start of a line, lowercase.
const METADATA_LABELS: &[&str] = &[
    "reviewed",
    "last reviewed",
    "date reviewed",
    "review date",
    "next review date",
    "next review",
    "date of next review",
    "date of review",
    "approved",
    "date approved",
    "adopted",
    "date adopted",
    "ratified",
    "date ratified",
    "version",
    "policy date",
];

pub(super) fn is_terminal(text: &str) -> bool {
    text.trim_end().ends_with(['.', '!', '?', ':', ';'])
}

pub(super) fn starts_lowercase(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_lowercase)
}

/// `Page 6 of 6`, `6`, `- 6 -`, `Page 6`.
pub(super) fn is_page_number(line: &str) -> bool {
    let lower = line.trim().trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace()).to_lowercase();
    let rest = lower.strip_prefix("page").map(str::trim_start).unwrap_or(&lower);
    let mut parts = rest.split_whitespace();
    let is_num =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.len() <= 3 && s.chars().all(|c| c.is_ascii_digit()));
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (first, None, None, None) => is_num(first),
        (first, Some("of"), last, None) => is_num(first) && is_num(last),
        _ => false,
    }
}

/// A line of the paper signature block: only signature-block words and
/// filler (dots, underscores, colons, tabs), with some filler or a colon.
pub(super) fn is_signature_block(line: &str) -> bool {
    let filler =
        |c: char| matches!(c, '.' | '…' | '_' | ':' | '\t' | '-' | '/' | '(' | ')' | ',' | '&') || c.is_whitespace();
    if !line.contains([':', '.', '…', '_', '\t']) {
        return false;
    }
    let lower = line.to_lowercase();
    let words: Vec<&str> = lower.split(filler).filter(|w| !w.is_empty()).collect();
    !words.is_empty() && words.len() <= 8 && words.iter().all(|w| SIGNATURE_WORDS.contains(w))
}

/// `Reviewed: November 2025` -> ("Reviewed", "November 2025"); also
/// `Adopted by the Governing Body on 3 March 2025`.
pub(super) fn metadata(line: &str) -> Option<(String, String)> {
    let trimmed = line.trim();
    if trimmed.chars().count() > 90 {
        return None;
    }
    let lower = trimmed.to_lowercase();
    if lower.starts_with("adopted by ") || lower.starts_with("approved by ") || lower.starts_with("ratified by ") {
        return lower.contains(" on ").then(|| (trimmed.to_owned(), String::new()));
    }
    let label = METADATA_LABELS.iter().filter(|l| lower.starts_with(*l)).max_by_key(|l| l.len())?;
    let rest = &trimmed[label.len()..];
    if !(rest.is_empty() || rest.starts_with([':', ' ', '\t', '-', '–'])) {
        return None;
    }
    let value = rest.trim_start_matches([':', ' ', '\t', '-', '–']).trim();
    let value_ok = value.is_empty() || looks_like_date(value) || *label == "version";
    value_ok.then(|| (trimmed[..label.len()].to_owned(), value.to_owned()))
}

/// A month name or a year: enough to tell "Reviewed: January 2023" from prose.
pub(super) fn looks_like_date(text: &str) -> bool {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let lower = text.to_lowercase();
    text.chars().count() <= 40
        && (MONTHS.iter().any(|m| lower.split(|c: char| !c.is_alphabetic()).any(|w| w.starts_with(m)))
            || lower
                .split(|c: char| !c.is_ascii_digit())
                .any(|d| d.len() == 4 || (d.len() <= 2 && !d.is_empty() && lower.contains('/'))))
}

/// Splits a bullet or number marker off the front of a line.
pub(super) fn list_marker(content: &str, indent: usize) -> Option<(Kind, String)> {
    let mut chars = content.chars();
    let first = chars.next()?;
    let after = chars.as_str();
    let gap = after.starts_with([' ', '\t']);
    let is_private_use = ('\u{E000}'..='\u{F8FF}').contains(&first);
    if gap && (BULLET_GLYPHS.contains(&first) || NESTED_GLYPHS.contains(&first) || is_private_use) {
        let level = usize::from(NESTED_GLYPHS.contains(&first)) + usize::from(indent >= 4);
        return Some((Kind::Item { level, number: None }, after.trim().to_owned()));
    }
    let digits: String = content.chars().take_while(char::is_ascii_digit).collect();
    if (1..=2).contains(&digits.len()) {
        let rest = &content[digits.len()..];
        if let Some(text) = rest.strip_prefix(['.', ')']).filter(|t| t.starts_with([' ', '\t'])) {
            let number = digits.parse().ok();
            return Some((Kind::Item { level: usize::from(indent >= 4), number }, text.trim().to_owned()));
        }
    }
    None
}

/// A heading by its own shape (numbered, ALL CAPS, or a short title-like
/// line); context rules live in the caller.
pub(super) fn heading_shape(text: &str) -> bool {
    let words = text.split_whitespace().count();
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 2 || text.trim_end().ends_with(['.', ',', ';', ':', '!', '?']) || words > 12 {
        return false;
    }
    // "I will keep my password secret" is a statement of the agreement
    // that lost its full stop, not a section title.
    if text.starts_with("I ") || text.starts_with("We ") {
        return false;
    }
    let all_caps = letters.len() >= 3 && letters.iter().all(|c| !c.is_lowercase());
    let starts_upper =
        text.chars().find(|c| c.is_alphanumeric()).is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    all_caps || (starts_upper && words <= 8)
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
            ("2026", false),
            ("Page six", false),
            ("6 pages", false),
            ("1 of the rules", false),
        ] {
            assert_eq!(is_page_number(line), is, "{line:?}");
        }
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
            ("Signed by the head teacher", false),
            ("Date", false),
            ("I will sign in at reception.", false),
        ] {
            assert_eq!(is_signature_block(line), is, "{line:?}");
        }
    }

    #[test]
    fn review_metadata() {
        assert_eq!(metadata("Reviewed: November"), Some(("Reviewed".into(), "November".into())));
        assert_eq!(
            metadata("Next review date: November 2026"),
            Some(("Next review date".into(), "November 2026".into()))
        );
        assert_eq!(metadata("Reviewed:"), Some(("Reviewed".into(), String::new())));
        assert!(metadata("Adopted by the Governing Body on 3 March 2025").is_some());
        assert_eq!(metadata("Reviewed and agreed by all staff in the staff meeting each year."), None);
        assert_eq!(metadata("Approved software only will be installed."), None);
    }

    #[test]
    fn list_markers() {
        assert_eq!(
            list_marker("· that staff will", 0),
            Some((Kind::Item { level: 0, number: None }, "that staff will".into()))
        );
        assert_eq!(
            list_marker("o will only use AI", 0),
            Some((Kind::Item { level: 1, number: None }, "will only use AI".into()))
        );
        assert_eq!(
            list_marker("\u{F0B7}\tPrivate use bullet", 0),
            Some((Kind::Item { level: 0, number: None }, "Private use bullet".into()))
        );
        assert_eq!(list_marker("2. I will", 0), Some((Kind::Item { level: 0, number: Some(2) }, "I will".into())));
        assert_eq!(list_marker("only five", 0), None);
        assert_eq!(list_marker("2026 was a year", 0), None);
    }
}
