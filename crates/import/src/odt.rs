//! Reading a LibreOffice `.odt`: headings (`text:h`, Title and Heading
//! styles), lists with their nesting and numbering (from the list styles,
//! since LibreOffice generates the numbers), and table rows, from
//! `content.xml` (and list styles from `styles.xml`). The result is handed
//! to the same rules as pasted text.

use std::collections::HashMap;
use std::io::{Read, Seek};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::docx::counter_text;
use super::zipped::{Problem, attr, entity, list_line, open, read_part};

/// One level of a list style: `None` for a bullet, else (prefix, format, suffix, start).
type Level = Option<(String, String, String, u32)>;

pub(super) fn odt_to_text(reader: impl Read + Seek) -> Result<String, Problem> {
    let mut zip = open(reader)?;
    let content = read_part(&mut zip, "content.xml")?.ok_or("it has no content.xml")?;
    let mut doc = Document::default();
    if let Some(styles) = read_part(&mut zip, "styles.xml")? {
        doc.read_styles(&styles, "styles.xml")?;
    }
    doc.read_styles(&content, "content.xml")?;
    doc.read_body(&content)?;
    Ok(doc.out)
}

#[derive(Default)]
struct Document {
    list_styles: HashMap<String, HashMap<usize, Level>>,
    /// Paragraph style -> its parent, to find Title and Heading styles.
    parents: HashMap<String, String>,
    out: String,
}

/// The state of the list being read.
struct OpenList {
    style: String,
    counters: Vec<u32>,
}

fn damaged(part: &str) -> impl Fn(quick_xml::Error) -> Problem + '_ {
    move |e| format!("{part} is damaged ({e})")
}

impl Document {
    fn read_styles(&mut self, xml: &str, part: &str) -> Result<(), Problem> {
        let mut reader = Reader::from_str(xml);
        let mut list_style: Option<String> = None;
        loop {
            match reader.read_event().map_err(damaged(part))? {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    "text:list-style" => list_style = attr(&e, "style:name"),
                    "style:style" => {
                        if let (Some(name), Some(parent)) =
                            (attr(&e, "style:name"), attr(&e, "style:parent-style-name"))
                        {
                            self.parents.insert(name, parent);
                        }
                    }
                    "text:list-level-style-bullet" | "text:list-level-style-number" => {
                        let Some(style) = &list_style else { continue };
                        let level = attr(&e, "text:level").and_then(|l| l.parse::<usize>().ok()).unwrap_or(1);
                        let number = numbered(&e);
                        self.list_styles.entry(style.clone()).or_default().insert(level.saturating_sub(1), number);
                    }
                    _ => {}
                },
                Event::End(e) if e.name().as_ref() == "text:list-style" => list_style = None,
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    fn is_heading_style(&self, style: &str) -> bool {
        let mut name = style;
        for _ in 0..8 {
            let lower = name.to_ascii_lowercase();
            if lower == "title" || lower.starts_with("heading") {
                return true;
            }
            match self.parents.get(name) {
                Some(parent) => name = parent,
                None => return false,
            }
        }
        false
    }

    fn read_body(&mut self, xml: &str) -> Result<(), Problem> {
        let mut reader = Reader::from_str(xml);
        let mut lists: Vec<OpenList> = Vec::new();
        // The last top-level list's counters, for a list that continues it.
        let mut last_counters: Vec<u32> = Vec::new();
        let mut paragraph: Option<(bool, String)> = None;
        let mut depth_in_paragraph = 0usize;
        let mut row: Option<Vec<String>> = None;
        let mut cell: Option<String> = None;
        let mut skipping = 0usize;
        let mut in_body = false;
        loop {
            let event = reader.read_event().map_err(damaged("content.xml"))?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let name = e.name();
                    let name = name.as_ref();
                    if name == "office:body" {
                        in_body = true;
                    }
                    if !in_body || skipping > 0 {
                        if skipping > 0 && !empty {
                            skipping += 1;
                        }
                        continue;
                    }
                    match name {
                        // Footnotes and tracked deletions are not the agreement's running text.
                        "text:note" | "text:tracked-changes" | "office:annotation" if !empty => skipping = 1,
                        "text:list" if !empty => {
                            let style = attr(e, "text:style-name")
                                .or_else(|| lists.last().map(|l| l.style.clone()))
                                .unwrap_or_default();
                            let continues = attr(e, "text:continue-numbering").as_deref() == Some("true")
                                || attr(e, "text:continue-list").is_some();
                            let counters =
                                if lists.is_empty() && continues { last_counters.clone() } else { Vec::new() };
                            lists.push(OpenList { style, counters });
                        }
                        "text:p" | "text:h" if !empty => {
                            if paragraph.is_some() {
                                depth_in_paragraph += 1;
                            } else {
                                let style = attr(e, "text:style-name").unwrap_or_default();
                                paragraph = Some((name == "text:h" || self.is_heading_style(&style), String::new()));
                            }
                        }
                        "table:table-row" if !empty => row = Some(Vec::new()),
                        "table:table-cell" if !empty => cell = Some(String::new()),
                        "text:tab" => push(&mut paragraph, "\t"),
                        "text:line-break" => push(&mut paragraph, " "),
                        "text:s" => {
                            let n = attr(e, "text:c").and_then(|c| c.parse::<usize>().ok()).unwrap_or(1).min(100);
                            push(&mut paragraph, &" ".repeat(n));
                        }
                        _ => {}
                    }
                }
                Event::Text(t) if skipping == 0 => push(&mut paragraph, &t.xml10_content()),
                Event::GeneralRef(r) if skipping == 0 => push(&mut paragraph, &entity(&r)),
                Event::End(e) => {
                    if skipping > 0 {
                        skipping -= 1;
                        continue;
                    }
                    match e.name().as_ref() {
                        "text:list" => {
                            if let Some(list) = lists.pop()
                                && lists.is_empty()
                            {
                                last_counters = list.counters;
                            }
                        }
                        "text:p" | "text:h" if depth_in_paragraph > 0 => depth_in_paragraph -= 1,
                        "text:p" | "text:h" => {
                            let Some((heading, text)) = paragraph.take() else { continue };
                            let text = text.trim();
                            if let Some(cell) = cell.as_mut() {
                                if !cell.is_empty() && !text.is_empty() {
                                    cell.push(' ');
                                }
                                cell.push_str(text);
                                continue;
                            }
                            if text.is_empty() {
                                continue;
                            }
                            let line = if heading {
                                format!("# {text}")
                            } else if !lists.is_empty() {
                                let marker = self.marker(&mut lists);
                                list_line(lists.len() - 1, &marker, text)
                            } else {
                                text.to_owned()
                            };
                            self.out.push_str(&line);
                            self.out.push_str("\n\n");
                        }
                        "table:table-cell" => {
                            if let (Some(row), Some(cell)) = (row.as_mut(), cell.take()) {
                                row.push(cell);
                            }
                        }
                        "table:table-row" => {
                            if let Some(row) = row.take() {
                                let line = row.join("\t");
                                if !line.trim().is_empty() {
                                    self.out.push_str(line.trim_end());
                                    self.out.push_str("\n\n");
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// The marker of the next item at the innermost open list's level.
    fn marker(&self, lists: &mut [OpenList]) -> String {
        let level = lists.len() - 1;
        let style = lists[0].style.clone();
        let format = self.list_styles.get(&style).and_then(|levels| levels.get(&level)).cloned().flatten();
        let Some((prefix, format, suffix, start)) = format else { return "•".to_owned() };
        // The outermost list keeps every level's count; a deeper level restarts
        // when a shallower one moves on (`resize` drops the deeper counts).
        let counters = &mut lists[0].counters;
        counters.resize(level + 1, 0);
        counters[level] = if counters[level] == 0 { start } else { counters[level] + 1 };
        format!("{prefix}{}{suffix}", counter_text(&format, lists[0].counters[level]))
    }
}

fn numbered(e: &BytesStart<'_>) -> Level {
    if e.name().as_ref() != "text:list-level-style-number" {
        return None;
    }
    let format = attr(e, "style:num-format").unwrap_or_default();
    if format.is_empty() {
        return None;
    }
    let start = attr(e, "text:start-value").and_then(|s| s.parse().ok()).unwrap_or(1);
    Some((
        attr(e, "style:num-prefix").unwrap_or_default(),
        format,
        attr(e, "style:num-suffix").unwrap_or_default(),
        start,
    ))
}

fn push(paragraph: &mut Option<(bool, String)>, text: &str) {
    if let Some((_, p)) = paragraph.as_mut() {
        p.push_str(text);
    }
}
