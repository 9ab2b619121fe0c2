//! Reading a Word `.docx`: paragraphs, Title/Heading styles, list
//! paragraphs with their nesting level and their numbers (from
//! `word/numbering.xml`, since Word generates them), and table rows, from
//! `word/document.xml`. The result is handed to the same rules as pasted
//! text, so debris is removed the same way.

use std::collections::HashMap;
use std::io::{Read, Seek};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::zipped::{Problem, attr, entity, list_line, open, read_part};

/// The document as lines the text importer understands: `# ` for headings,
/// a tab per level then `•` or the item's number for list items, a table
/// row's cells joined by tabs, paragraphs separated by blank lines.
pub(super) fn docx_to_text(reader: impl Read + Seek) -> Result<String, Problem> {
    let mut zip = open(reader)?;
    let document = read_part(&mut zip, "word/document.xml")?.ok_or("it has no word/document.xml")?;
    let mut numbering = match read_part(&mut zip, "word/numbering.xml")? {
        Some(xml) => Numbering::parse(&xml)?,
        None => Numbering::default(),
    };
    if let Some(styles) = read_part(&mut zip, "word/styles.xml")? {
        numbering.read_style_lists(&styles)?;
    }
    Document { numbering, ..Document::default() }.read(&document)
}

/// Each list's format per level: (`numFmt`, `lvlText`, start).
#[derive(Default)]
struct Numbering {
    abstract_levels: HashMap<String, HashMap<u32, (String, String, u32)>>,
    num_to_abstract: HashMap<String, String>,
    /// Paragraph styles that are lists themselves (Word's "List Bullet",
    /// "List Number"): style id -> (numId, level).
    style_lists: HashMap<String, (String, u32)>,
}

impl Numbering {
    fn parse(xml: &str) -> Result<Numbering, Problem> {
        let mut numbering = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let (mut abstract_id, mut num_id, mut level) = (None::<String>, None::<String>, None::<u32>);
        let mut current = (String::new(), String::new(), 1u32);
        loop {
            match reader.read_event().map_err(|e| format!("word/numbering.xml is damaged ({e})"))? {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    "w:abstractNum" => abstract_id = attr(&e, "w:abstractNumId"),
                    "w:num" => num_id = attr(&e, "w:numId"),
                    "w:abstractNumId" => {
                        if let (Some(num), Some(target)) = (&num_id, attr(&e, "w:val")) {
                            numbering.num_to_abstract.insert(num.clone(), target);
                        }
                    }
                    "w:lvl" => {
                        level = attr(&e, "w:ilvl").and_then(|v| v.parse().ok());
                        current = (String::new(), String::new(), 1);
                    }
                    "w:numFmt" => current.0 = attr(&e, "w:val").unwrap_or_default(),
                    "w:lvlText" => current.1 = attr(&e, "w:val").unwrap_or_default(),
                    "w:start" => current.2 = attr(&e, "w:val").and_then(|v| v.parse().ok()).unwrap_or(1),
                    _ => {}
                },
                Event::End(e) if e.name().as_ref() == "w:lvl" => {
                    if let (Some(id), Some(level)) = (&abstract_id, level) {
                        numbering.abstract_levels.entry(id.clone()).or_default().insert(level, current.clone());
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(numbering)
    }

    /// Word's own list styles carry their numbering in `styles.xml`, not on
    /// each paragraph.
    fn read_style_lists(&mut self, xml: &str) -> Result<(), Problem> {
        let mut reader = Reader::from_str(xml);
        let mut style: Option<String> = None;
        let mut level = 0;
        loop {
            match reader.read_event().map_err(|e| format!("word/styles.xml is damaged ({e})"))? {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    "w:style" => {
                        style = attr(&e, "w:styleId");
                        level = 0;
                    }
                    "w:ilvl" => level = attr(&e, "w:val").and_then(|v| v.parse().ok()).unwrap_or(0),
                    "w:numId" => {
                        if let (Some(style), Some(num)) = (&style, attr(&e, "w:val")) {
                            self.style_lists.insert(style.clone(), (num, level));
                        }
                    }
                    _ => {}
                },
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    fn level(&self, num_id: &str, level: u32) -> Option<&(String, String, u32)> {
        self.abstract_levels.get(self.num_to_abstract.get(num_id)?)?.get(&level)
    }
}

#[derive(Default)]
struct Paragraph {
    style: String,
    level: Option<u32>,
    num_id: Option<String>,
    text: String,
}

#[derive(Default)]
struct Document {
    numbering: Numbering,
    /// Per list, the current count at each level.
    counters: HashMap<String, [u32; 9]>,
    /// Cells of the table row being read, and the cell being read.
    row: Option<Vec<String>>,
    cell: Option<String>,
    out: String,
}

impl Document {
    fn read(mut self, xml: &str) -> Result<String, Problem> {
        let mut reader = Reader::from_str(xml);
        let mut para: Option<Paragraph> = None;
        let (mut in_text, mut in_properties) = (false, 0usize);
        loop {
            let event = reader.read_event().map_err(|e| format!("word/document.xml is damaged ({e})"))?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let set = |para: &mut Option<Paragraph>, f: &dyn Fn(&mut Paragraph)| {
                        if let Some(p) = para.as_mut() {
                            f(p)
                        }
                    };
                    match e.name().as_ref() {
                        "w:p" if !empty => para = Some(Paragraph::default()),
                        "w:pPr" if !empty => in_properties += 1,
                        "w:t" if !empty => in_text = true,
                        "w:tr" if !empty => self.row = Some(Vec::new()),
                        "w:tc" if !empty => self.cell = Some(String::new()),
                        "w:pStyle" => set(&mut para, &|p| p.style = attr(e, "w:val").unwrap_or_default()),
                        "w:ilvl" => set(&mut para, &|p| p.level = attr(e, "w:val").and_then(|v| v.parse().ok())),
                        "w:numId" => set(&mut para, &|p| p.num_id = attr(e, "w:val")),
                        // A tab stop definition inside paragraph properties is not text.
                        "w:tab" if in_properties == 0 => set(&mut para, &|p| p.text.push('\t')),
                        "w:br" | "w:cr" => set(&mut para, &|p| p.text.push(' ')),
                        _ => {}
                    }
                }
                Event::Text(t) if in_text => {
                    if let Some(p) = para.as_mut() {
                        p.text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) if in_text => {
                    if let Some(p) = para.as_mut() {
                        p.text.push_str(&entity(&r));
                    }
                }
                Event::End(e) => match e.name().as_ref() {
                    "w:t" => in_text = false,
                    "w:pPr" => in_properties = in_properties.saturating_sub(1),
                    "w:p" => {
                        if let Some(p) = para.take() {
                            self.paragraph(p);
                        }
                    }
                    "w:tc" => {
                        if let (Some(row), Some(cell)) = (self.row.as_mut(), self.cell.take()) {
                            row.push(cell.trim().to_owned());
                        }
                    }
                    "w:tr" => {
                        if let Some(row) = self.row.take() {
                            // A row is one line, its cells apart by tabs, as Word pastes it.
                            let line = row.join("\t");
                            if !line.trim().is_empty() {
                                self.out.push_str(line.trim_end());
                                self.out.push_str("\n\n");
                            }
                        }
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(self.out)
    }

    fn paragraph(&mut self, p: Paragraph) {
        let text = p.text.trim();
        if let Some(cell) = self.cell.as_mut() {
            if !text.is_empty() {
                if !cell.is_empty() {
                    cell.push(' ');
                }
                cell.push_str(text);
            }
            return;
        }
        if text.is_empty() {
            return;
        }
        let style = p.style.to_ascii_lowercase();
        let line = if style == "title" || style.starts_with("heading") {
            format!("# {text}")
        } else if let Some((num_id, style_level)) = p
            .num_id
            .clone()
            .map(|id| (id, 0))
            .or_else(|| self.numbering.style_lists.get(&p.style).cloned())
            .filter(|(id, _)| id != "0")
        {
            let level = p.level.unwrap_or(style_level).min(8);
            let marker = self.marker(&num_id, level);
            list_line(level as usize, &marker, text)
        } else {
            text.to_owned()
        };
        self.out.push_str(&line);
        self.out.push_str("\n\n");
    }

    /// `•` for a bullet; for a numbered level, its label as Word would draw
    /// it (`3.`, `(b)`, `ii.`), counted here since Word does not store it.
    fn marker(&mut self, num_id: &str, level: u32) -> String {
        let Some((format, template, start)) = self.numbering.level(num_id, level).cloned() else {
            return "•".to_owned();
        };
        if format == "bullet" || format == "none" || format.is_empty() {
            return "•".to_owned();
        }
        let counters = self.counters.entry(num_id.to_owned()).or_insert([0; 9]);
        let level = level as usize;
        counters[level] = if counters[level] == 0 { start } else { counters[level] + 1 };
        counters[level + 1..].iter_mut().for_each(|c| *c = 0);
        let mut label = template;
        for (n, count) in counters.iter().enumerate().take(level + 1) {
            let format = self.numbering.level(num_id, n as u32).map_or("decimal", |l| l.0.as_str());
            label = label.replace(&format!("%{}", n + 1), &counter_text(format, (*count).max(1)));
        }
        label
    }
}

/// A count as Word writes it for `numFmt`.
pub(super) fn counter_text(format: &str, n: u32) -> String {
    match format {
        "lowerLetter" | "a" => letter(n),
        "upperLetter" | "A" => letter(n).to_uppercase(),
        "lowerRoman" | "i" => roman(n),
        "upperRoman" | "I" => roman(n).to_uppercase(),
        _ => n.to_string(),
    }
}

fn letter(n: u32) -> String {
    let index = (n.max(1) - 1) % 26;
    char::from(b'a' + index as u8).to_string()
}

fn roman(mut n: u32) -> String {
    const NUMERALS: [(u32, &str); 9] =
        [(100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")];
    let mut out = String::new();
    n = n.min(399);
    for (value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}
