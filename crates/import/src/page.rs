//! Whole-document passes before the lines are assembled: characters a PDF
//! or Word leaves behind, page furniture (numbers, headers and footers
//! repeated on every page, a table of contents), the signature block at
//! the end, and the width the text was wrapped at.

use std::collections::HashMap;

use super::RemovedReason;
use super::debris::{
    is_contents_heading, is_page_furniture, is_page_number, is_signature_block, is_toc_entry,
    is_trailing_signature_line, metadata,
};
use super::lines::{heading_shape, is_terminal, list_marker, starts_lowercase, without_emphasis};

/// What happens to one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    Keep,
    /// Removed and reported.
    Remove(RemovedReason),
    /// A blank line beside removed furniture: not a paragraph break.
    Skip,
}

/// Characters normalised before anything else: ligatures a PDF keeps
/// (`ﬁ`), no-break spaces and hyphens, soft hyphens and zero-width
/// characters, and line endings (a form feed is a page break).
pub(super) fn normalise(input: &str) -> String {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                out.push('\n');
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            // A page break stays a line of its own: headers and footers sit beside it.
            '\u{c}' => out.push_str("\n\u{c}\n"),
            '\u{a0}' | '\u{202f}' | '\u{2007}' => out.push(' '),
            '\u{2011}' => out.push('-'),
            '\u{ad}' | '\u{200b}' | '\u{feff}' | '\u{2060}' => {}
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            c => out.push(c),
        }
    }
    out
}

/// Marks page furniture, the table of contents and the signature block at
/// the end; everything else is kept.
/// `page_breaks` counts the form feeds a PDF's pages were joined with.
pub(super) fn marks(lines: &[String], page_breaks: usize) -> Vec<Mark> {
    let mut marks = vec![Mark::Keep; lines.len()];
    let content = |i: usize| lines[i].trim();
    let mut pages = page_breaks;
    for (i, mark) in marks.iter_mut().enumerate() {
        let c = content(i);
        if c.is_empty() {
            continue;
        }
        if is_page_number(c) {
            *mark = Mark::Remove(RemovedReason::PageNumber);
            pages += 1;
        } else if is_page_furniture(c) {
            *mark = Mark::Remove(RemovedReason::PageHeaderFooter);
            pages += 1;
        } else if is_toc_entry(c)
            && metadata(c).is_none()
            && list_marker(c).is_none_or(|m| m.text.chars().any(char::is_alphabetic))
        {
            *mark = Mark::Remove(RemovedReason::TableOfContents);
        }
    }
    if pages >= 2 {
        mark_repeated(lines, &mut marks);
    }
    mark_contents_heading(lines, &mut marks);
    mark_trailing_signature(lines, &mut marks);
    mark_letterhead(lines, &mut marks);
    // Blank lines beside removed furniture are the page break, not a paragraph break.
    for i in 0..lines.len() {
        if lines[i].contains('\u{c}') {
            marks[i] = Mark::Skip;
        }
        if matches!(marks[i], Mark::Remove(r) if r != RemovedReason::SignatureBlock) {
            for j in (0..i).rev().take_while(|&j| content(j).is_empty()) {
                marks[j] = Mark::Skip;
            }
            for j in (i + 1..lines.len()).take_while(|&j| content(j).is_empty()) {
                marks[j] = Mark::Skip;
            }
        }
    }
    marks
}

/// A header or footer: the same short line beside two or more page
/// breaks (numbers aside). Where it repeats on consecutive lines, one is the
/// title itself under its own header.
fn mark_repeated(lines: &[String], marks: &mut [Mark]) {
    let key = |line: &str| -> String {
        let text: String = line.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let kept: Vec<usize> =
        (0..lines.len()).filter(|&i| marks[i] == Mark::Keep && !lines[i].trim().is_empty()).collect();
    // A page boundary: the document's ends, a page break, a page number or footer.
    let boundary = |i: usize| lines[i].contains('\u{c}') || matches!(marks[i], Mark::Remove(_));
    let near_boundary = |at: usize| {
        let i = kept[at];
        let before = if at >= 2 { kept[at - 2] } else { 0 };
        let after = kept.get(at + 2).copied().unwrap_or(lines.len() - 1);
        at < 2 || at + 2 >= kept.len() || (before..i).any(boundary) || (i + 1..=after).any(boundary)
    };
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    for (at, &i) in kept.iter().enumerate() {
        let c = lines[i].trim();
        if c.split_whitespace().count() <= 16 && list_marker(c).is_none() {
            seen.entry(key(c)).or_default().push(at);
        }
    }
    let mut furniture = Vec::new();
    for positions in seen.values().filter(|p| p.len() >= 2 && p.iter().all(|&at| near_boundary(at))) {
        let mut previous: Option<usize> = None;
        for &at in positions {
            if previous != Some(at.wrapping_sub(1)) {
                furniture.push(kept[at]);
            }
            previous = Some(at);
        }
    }
    for i in furniture {
        marks[i] = Mark::Remove(RemovedReason::PageHeaderFooter);
    }
}

/// The school's name alone at the top of page one, over the agreement's
/// own title: the page header, even where there is only one page to repeat
/// it on. The title under it becomes the agreement's title.
fn mark_letterhead(lines: &[String], marks: &mut [Mark]) {
    let mut kept = (0..lines.len()).filter(|&i| marks[i] == Mark::Keep && !lines[i].trim().is_empty());
    let (Some(first), Some(second)) = (kept.next(), kept.next()) else { return };
    let title = without_emphasis(lines[second].trim());
    let title = title.trim_start_matches('#').trim();
    if is_institution_name(lines[first].trim()) && heading_shape(title) && list_marker(title).is_none() {
        marks[first] = Mark::Remove(RemovedReason::PageHeaderFooter);
    }
}

/// `Hillside Primary School`, `Riverside Academy Trust`, `Ysgol Glan Ŵy`:
/// a name and nothing about the agreement.
fn is_institution_name(line: &str) -> bool {
    const KINDS: &[&str] = &["school", "academy", "trust", "college", "nursery", "federation"];
    const AGREEMENT: &[&str] =
        &["policy", "agreement", "code", "conduct", "rules", "use", "acceptable", "cytundeb", "polisi", "rheolau"];
    let line = without_emphasis(line.trim_start_matches('#').trim());
    let words: Vec<String> = line
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let named =
        words.last().is_some_and(|w| KINDS.contains(&w.as_str())) || words.first().is_some_and(|w| w == "ysgol");
    heading_shape(line) && words.len() <= 8 && named && !words.iter().any(|w| AGREEMENT.contains(&w.as_str()))
}

/// `Contents` just before the entries it heads.
fn mark_contents_heading(lines: &[String], marks: &mut [Mark]) {
    for i in 0..lines.len() {
        if marks[i] == Mark::Keep && is_contents_heading(&lines[i]) {
            let next = (i + 1..lines.len()).find(|&j| !lines[j].trim().is_empty());
            if next.is_some_and(|j| marks[j] == Mark::Remove(RemovedReason::TableOfContents)) {
                marks[i] = Mark::Remove(RemovedReason::TableOfContents);
            }
        }
    }
}

/// The signature block at the end: there a line of signature words needs
/// no filler (`Name Signature Date`, a table's header row). Up to two short
/// lines under it are a footer (`Greenfield Nursery School Visitor Agreement`).
fn mark_trailing_signature(lines: &[String], marks: &mut [Mark]) {
    let mut below: Vec<usize> = Vec::new();
    let mut found = false;
    for i in (0..lines.len()).rev() {
        let c = lines[i].trim();
        if marks[i] != Mark::Keep || c.is_empty() || metadata(c).is_some() {
            continue;
        }
        if is_signature_block(c) || is_trailing_signature_line(c) {
            marks[i] = Mark::Remove(RemovedReason::SignatureBlock);
            for &j in &below {
                marks[j] = Mark::Remove(RemovedReason::PageHeaderFooter);
            }
            below.clear();
            found = true;
        } else if !found && below.len() < 2 && heading_shape(c) && list_marker(c).is_none() {
            below.push(i);
        } else {
            break;
        }
    }
}

/// The width, in characters, that a PDF's text was wrapped at, from lines
/// that plainly wrap (no full stop, and the next line carries on in
/// lowercase). `None` when the text was not hard-wrapped (Word's own
/// paragraphs): then only punctuation says where a paragraph ends.
pub(super) fn wrap_width(lines: &[String], marks: &[Mark]) -> Option<usize> {
    let kept: Vec<&str> = lines
        .iter()
        .zip(marks)
        .filter(|(_, m)| **m == Mark::Keep)
        .map(|(l, _)| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let mut widths: Vec<usize> = kept
        .windows(2)
        .filter(|w| !is_terminal(w[0]) && starts_lowercase(w[1]) && list_marker(w[1]).is_none())
        .map(|w| w[0].chars().count())
        .filter(|&n| n >= 30)
        .collect();
    if widths.len() < 2 {
        return None;
    }
    widths.sort_unstable();
    // The longest wrapped line, leaving out lines far longer than most
    // (a paragraph on one line that happens to end without a full stop).
    let median = widths[widths.len() / 2];
    widths.into_iter().filter(|&w| w * 10 <= median * 13).max()
}

/// Whether blank lines set paragraphs apart (one in five kept lines or more
/// is followed by one), as in a PDF's own text layer, rather than only
/// page breaks, as in a copy out of a viewer.
pub(super) fn paragraph_gaps(lines: &[String], marks: &[Mark]) -> bool {
    let kept: Vec<bool> =
        lines.iter().zip(marks).filter(|(_, m)| **m == Mark::Keep).map(|(l, _)| l.trim().is_empty()).collect();
    let content = kept.iter().filter(|blank| !**blank).count();
    let gaps = kept.windows(2).filter(|w| !w[0] && w[1]).count();
    content > 0 && gaps * 5 >= content
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_from_pdfs_are_normalised() {
        assert_eq!(
            normalise("\u{feff}ﬁrst ﬂag\u{a0}and e\u{2011}safety, soft\u{ad}ware\r\nnext\u{c}page"),
            "first flag and e-safety, software\nnext\n\u{c}\npage"
        );
    }

    #[test]
    fn headers_repeated_on_every_page_are_marked_but_a_title_under_its_own_header_is_kept() {
        let lines: Vec<String> = "Policy\nPolicy\nText one.\nPage 1 of 2\nPolicy\nText two.\nPage 2 of 2"
            .lines()
            .map(str::to_owned)
            .collect();
        let marks = marks(&lines, 0);
        let header = Mark::Remove(RemovedReason::PageHeaderFooter);
        assert_eq!(marks[0], header);
        assert_eq!(marks[1], Mark::Keep);
        assert_eq!(marks[4], header);
        assert_eq!(marks[3], Mark::Remove(RemovedReason::PageNumber));
    }
}
