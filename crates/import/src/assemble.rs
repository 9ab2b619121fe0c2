//! Assembling kept lines into blocks: which line starts a heading, a list
//! item (at which level) or a paragraph, and which line carries on the one
//! before it. Nothing is dropped here: a line either starts a block or is
//! joined to the last one.

use std::collections::HashSet;

use super::lines::{
    Marker, MarkerClass, colon_heading, heading_shape, is_all_caps, is_connective, is_terminal, list_marker,
    starts_lowercase, without_emphasis,
};
use super::{Block, Removed, RemovedReason};

/// Builds the blocks of one document.
pub(super) struct Assembler {
    pub blocks: Vec<Block>,
    pub removed: Vec<Removed>,
    /// See `page::wrap_width`.
    width: Option<usize>,
    /// Words the text writes with a hyphen (`multi-factor`), lowercase, to
    /// tell them from a word hyphenated at a line end.
    hyphenated_words: HashSet<String>,
    /// The last physical line, for the wrap test.
    last_line_len: usize,
    last_line_indent: usize,
    /// The open list's markers by level: (class, indent).
    list: Vec<(MarkerClass, usize)>,
    /// Level of an item that ended with ':' and whose lowercase followers nest under it.
    lead_in: Option<usize>,
    /// The indentation of the open item's first line, when its bullet was lost.
    lost_item_indent: Option<usize>,
    /// Blank lines set paragraphs apart while wrapped lines run on (a PDF's
    /// own text layer): two heading lines with no gap are one wrapped heading.
    paragraph_gaps: bool,
    /// The last block is one line long (nothing was joined to it).
    one_line_block: bool,
    /// The open list was made of unwrapped lines with no gap between them.
    gapless_list: bool,
}

/// One line as the assembler sees it.
pub(super) struct LineIn<'a> {
    pub content: &'a str,
    pub indent: usize,
    pub blank_before: bool,
    /// Word marked this line with a table-of-contents bookmark: a heading.
    pub toc_anchor: bool,
    /// The next kept line, to tell a heading from a sentence's first line.
    pub next: Option<&'a str>,
    /// The next kept line's indentation.
    pub next_indent: usize,
}

impl Assembler {
    pub fn new(width: Option<usize>, paragraph_gaps: bool, text: &str) -> Assembler {
        Assembler {
            blocks: Vec::new(),
            removed: Vec::new(),
            width,
            hyphenated_words: hyphenated_words(text),
            last_line_len: 0,
            last_line_indent: 0,
            list: Vec::new(),
            lead_in: None,
            lost_item_indent: None,
            paragraph_gaps,
            one_line_block: false,
            gapless_list: false,
        }
    }

    pub fn push(&mut self, line: LineIn<'_>) {
        let LineIn { content, indent, blank_before, toc_anchor, next, next_indent } = line;
        let previous_indent = std::mem::replace(&mut self.last_line_indent, indent);
        let wraps = self.wraps(content, blank_before, next);
        self.last_line_len = content.chars().count();
        if let Some(hashes) = content.strip_prefix('#') {
            return self.heading(hashes.trim_start_matches('#').trim(), blank_before);
        }
        let plain = without_emphasis(content);
        // "o" is a bullet in text pasted out of a PDF, but also a word (Welsh
        // "o", "from"): on a line a wrapped sentence runs onto, in a list that
        // does not already use "o" bullets, it is the sentence going on.
        let o_is_a_word = |marker: &Marker| {
            marker.class == MarkerClass::Bullet('o')
                && wraps
                && !blank_before
                && !self.ends_with_colon()
                && !self.list.iter().any(|(class, _)| *class == MarkerClass::Bullet('o'))
        };
        if let Some(marker) = list_marker(content).filter(|m| !o_is_a_word(m)) {
            // "2. Scope" heads a section; "2. keep it safe" or a "2." whose
            // sentence wraps onto the next line is an item.
            let numbered_heading = matches!(marker.class, MarkerClass::Number(_))
                && heading_shape(content)
                && marker.text.chars().next().is_some_and(char::is_uppercase)
                && !next.is_some_and(starts_lowercase)
                && !self.continues_numbering(&marker, next);
            return if numbered_heading {
                self.heading(content, blank_before)
            } else {
                self.item(marker, indent, blank_before)
            };
        }
        if toc_anchor && !content.ends_with(':') {
            return self.heading(content, blank_before);
        }
        // A bullet lost in a copy out of a PDF leaves its item indented
        // while the item's wrapped lines start flush.
        // Or a run of indented lines under a paragraph: a list whose bullets were lost.
        let indented_run = indent > 0 && next_indent == indent && previous_indent == 0 && !starts_lowercase(content);
        let lost_bullet = indent > 0 && (self.in_list_or_lead_in() || indented_run);
        // An item that lost its bullet starts indented and wraps flush: back
        // at its indentation, the next item starts.
        let next_lost_item = self.lost_item_indent == Some(indent);
        if lost_bullet
            && (next_lost_item
                || (!blank_before && previous_indent == 0 && (self.ends_with_colon() || !starts_lowercase(content))))
        {
            return self.item(
                Marker { class: MarkerClass::Lost, number: None, label: None, text: content.to_owned() },
                indent,
                blank_before,
            );
        }
        if wraps {
            return self.append(content);
        }
        if lost_bullet {
            return self.item(
                Marker { class: MarkerClass::Lost, number: None, label: None, text: content.to_owned() },
                indent,
                blank_before,
            );
        }
        if let Some(label) = colon_heading(plain) {
            return self.heading(label, blank_before);
        }
        if heading_shape(plain) && !next.is_some_and(|n| starts_lowercase(n) && list_marker(n).is_none()) {
            return self.heading(plain, blank_before);
        }
        if self.paragraph_gaps && !blank_before && self.gapless_list_goes_on() {
            return self.item(
                Marker { class: MarkerClass::Lost, number: None, label: None, text: content.to_owned() },
                0,
                blank_before,
            );
        }
        self.paragraph(content);
    }

    /// Where paragraphs are set apart by gaps, whole sentences on lines of
    /// their own with no gap between are a list whose bullets were drawn,
    /// not written (a browser prints `<ul>` bullets as shapes): the line
    /// before becomes the list's first item.
    fn gapless_list_goes_on(&mut self) -> bool {
        if self.gapless_list && matches!(self.blocks.last(), Some(Block::Item { .. })) {
            return true;
        }
        let Some(Block::Paragraph(text)) = self.blocks.last() else { return false };
        if !self.one_line_block || !is_terminal(text) || text.ends_with(':') {
            return false;
        }
        let text = text.clone();
        self.blocks.pop();
        self.item(Marker { class: MarkerClass::Lost, number: None, label: None, text }, 0, true);
        self.gapless_list = true;
        true
    }

    /// Whether this line carries on the last paragraph or item.
    fn wraps(&self, content: &str, blank_before: bool, next: Option<&str>) -> bool {
        let Some(Block::Paragraph(text) | Block::Item { text, .. }) = self.blocks.last() else {
            return false;
        };
        if blank_before {
            // Across a page break, a sentence carries on in lowercase.
            return !is_terminal(text) && starts_lowercase(content);
        }
        let Some(width) = self.width.filter(|&w| self.last_line_len * 5 <= w * 6) else {
            // Not hard-wrapped (or a line longer than the wrap width, a whole
            // paragraph of its own): only punctuation says where a block ends.
            return !is_terminal(text);
        };
        let next_word = content.split_whitespace().next().map_or(0, |w| w.chars().count());
        // Had the next word fitted, the line would not have ended here.
        let full = self.last_line_len + 1 + next_word > width;
        let starts_heading = heading_shape(without_emphasis(content))
            && !next.is_some_and(|n| starts_lowercase(n) && list_marker(n).is_none());
        if is_terminal(text) {
            return full && !starts_heading;
        }
        (starts_lowercase(content) && self.last_line_len * 10 >= width * 6)
            || full
            || (self.last_line_len * 100 >= width * 85 && !starts_heading)
    }

    /// `5.` after item `4.`, or before `6.`: an item, not a numbered heading.
    fn continues_numbering(&self, marker: &Marker, next: Option<&str>) -> bool {
        let (Some(number), MarkerClass::Number(delimiter)) = (marker.number, marker.class) else { return false };
        let after_previous = matches!(self.blocks.last(),
            Some(Block::Item { number: Some(n), delimiter: d, .. }) if n + 1 == number && *d == delimiter);
        let before_next =
            next.and_then(list_marker).is_some_and(|m| m.class == marker.class && m.number == Some(number + 1));
        after_previous || before_next
    }

    /// Where an indented line is a list item whose bullet was lost: in a
    /// list, under a lead-in ending with ':', or straight under a heading.
    fn in_list_or_lead_in(&self) -> bool {
        matches!(self.blocks.last(), Some(Block::Item { .. } | Block::Heading(_))) || self.ends_with_colon()
    }

    fn ends_with_colon(&self) -> bool {
        matches!(self.blocks.last(), Some(Block::Paragraph(t) | Block::Item { text: t, .. }) if t.ends_with(':'))
    }

    fn item(&mut self, marker: Marker, indent: usize, blank_before: bool) {
        self.one_line_block = true;
        let previous = match self.blocks.last() {
            Some(Block::Item { level, text, .. }) => Some((*level, text.ends_with(':'))),
            _ => None,
        };
        if previous.is_none() {
            self.list.clear();
            self.lead_in = None;
        }
        let level = match (marker.class, previous) {
            // Only a space is left of its glyph: a sibling of the item before.
            (MarkerClass::Lost, Some((level, _))) => level,
            _ => self.level_of((marker.class, indent), blank_before),
        };
        let mut level = level.min(previous.map_or(0, |(l, _)| l + 1));
        if let Some((prev_level, true)) = previous {
            self.lead_in = Some(prev_level);
        }
        if let Some(parent) = self.lead_in {
            if starts_lowercase(&marker.text) && level <= parent {
                level = parent + 1;
            } else if level <= parent {
                self.lead_in = None;
            }
        }
        let text = match marker.label {
            Some(label) => format!("{label} {}", marker.text),
            None => marker.text,
        };
        let delimiter = match marker.class {
            MarkerClass::Number(d) => d,
            _ => '.',
        };
        self.lost_item_indent = (marker.class == MarkerClass::Lost).then_some(indent);
        self.blocks.push(Block::Item { level, number: marker.number, delimiter, text });
    }

    /// The level of an item from the open list's markers: a marker seen
    /// before returns to its level; a new one, or deeper indentation, nests.
    fn level_of(&mut self, key: (MarkerClass, usize), blank_before: bool) -> usize {
        let Some(&(_, top_indent)) = self.list.last() else {
            self.list.push(key);
            return 0;
        };
        if let Some(at) = self.list.iter().position(|k| *k == key) {
            self.list.truncate(at + 1);
        } else if key.1 > top_indent {
            self.list.push(key);
        } else if key.1 < top_indent {
            while self.list.last().is_some_and(|k| k.1 > key.1) {
                self.list.pop();
            }
            match self.list.last_mut() {
                Some(top) if top.1 == key.1 => *top = key,
                _ => self.list.push(key),
            }
        } else if blank_before {
            // Another glyph after a gap: a new list, not a nested one.
            self.list.clear();
            self.list.push(key);
        } else {
            self.list.push(key);
        }
        self.list.len() - 1
    }

    fn heading(&mut self, text: &str, blank_before: bool) {
        self.gapless_list = false;
        self.list.clear();
        self.lost_item_indent = None;
        self.lead_in = None;
        // An ALL CAPS title set large wraps: "ONLINE SAFETY AGREEMENT FOR VISITORS / AND VOLUNTEERS".
        if let Some(Block::Heading(previous)) = self.blocks.last_mut() {
            let joins = |a: Option<&str>| a.is_some_and(is_connective);
            let wrapped_caps = is_all_caps(previous)
                && is_all_caps(text)
                && (joins(text.split_whitespace().next()) || joins(previous.split_whitespace().last()));
            if !blank_before && (wrapped_caps || (self.paragraph_gaps && !is_terminal(previous))) {
                previous.push(' ');
                previous.push_str(text);
                return;
            }
        }
        let title = self.blocks.iter().find_map(|b| if let Block::Heading(h) = b { Some(h) } else { None });
        if title.is_some_and(|title| same_title(title, text)) {
            self.removed.push(Removed { reason: RemovedReason::RepeatedTitle, text: text.to_owned() });
        } else {
            self.blocks.push(Block::Heading(text.to_owned()));
        }
    }

    fn paragraph(&mut self, text: &str) {
        self.gapless_list = false;
        self.one_line_block = true;
        self.list.clear();
        self.lost_item_indent = None;
        self.lead_in = None;
        self.blocks.push(Block::Paragraph(text.to_owned()));
    }

    /// Joins a wrapped line to its block; a word hyphenated at the line end
    /// is rejoined unless the text writes it with a hyphen elsewhere
    /// (`multi-factor`) or its first part is one letter (`e-safety`).
    fn append(&mut self, content: &str) {
        let Some(Block::Paragraph(text) | Block::Item { text, .. }) = self.blocks.last_mut() else {
            return self.paragraph(content);
        };
        self.one_line_block = false;
        let before: String = text.chars().rev().skip(1).take_while(|c| c.is_alphabetic()).collect();
        let after: String = content.chars().take_while(|c| c.is_alphabetic()).collect();
        let hyphenated = text.ends_with('-') && !before.is_empty() && starts_lowercase(content) && !after.is_empty();
        if hyphenated {
            let before: String = before.chars().rev().collect();
            let written_with_hyphen =
                self.hyphenated_words.contains(&format!("{}-{}", before.to_lowercase(), after.to_lowercase()));
            if !(before.chars().count() == 1 || written_with_hyphen) {
                text.pop();
            }
        } else {
            text.push(' ');
        }
        text.push_str(content);
    }
}

/// Each pair of letters-only parts joined by a hyphen within a line
/// (`multi-factor` -> "multi-factor"; `e-safety` -> "e-safety").
fn hyphenated_words(text: &str) -> HashSet<String> {
    let mut words = HashSet::new();
    for token in text.split_whitespace() {
        let parts: Vec<&str> = token.split('-').collect();
        for pair in parts.windows(2) {
            let left: String = pair[0].chars().rev().take_while(|c| c.is_alphabetic()).collect();
            let right: String = pair[1].chars().take_while(|c| c.is_alphabetic()).collect();
            if !left.is_empty() && !right.is_empty() {
                let left: String = left.chars().rev().collect();
                words.insert(format!("{}-{}", left.to_lowercase(), right.to_lowercase()));
            }
        }
    }
    words
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
