//! A small page layout for the evidence PDFs: text measured with the
//! font's own advance widths, greedy word wrapping, pages of drawing
//! operations, and then krilla to write them (it subsets the font).
//!
//! Pages are laid out first and drawn second, so every footer can say
//! "Page N of M".

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph, TextDirection};

static REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

static REGULAR: LazyLock<Font> =
    LazyLock::new(|| Font::new(REGULAR_TTF.into(), 0).expect("the embedded DejaVu Sans parses"));
static BOLD: LazyLock<Font> =
    LazyLock::new(|| Font::new(BOLD_TTF.into(), 0).expect("the embedded DejaVu Sans Bold parses"));
static REGULAR_METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(REGULAR_TTF));
static BOLD_METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(BOLD_TTF));

/// Characters below this are looked up in a table, not the font's cmap
/// (it covers Latin, Greek, Cyrillic, Armenian and general punctuation).
const TABLE_END: u32 = 0x2070;

/// A face with a glyph-and-advance table for common characters: wrapping
/// and drawing a thousand pages measure millions of characters.
struct Metrics {
    face: ttf_parser::Face<'static>,
    /// (glyph id, advance in font units) by code point below [`TABLE_END`].
    table: Vec<(u16, u16)>,
    units_per_em: f32,
}

impl Metrics {
    fn new(ttf: &'static [u8]) -> Metrics {
        let face = ttf_parser::Face::parse(ttf, 0).expect("the embedded DejaVu Sans parses");
        let table = (0..TABLE_END)
            .map(|c| {
                let glyph = char::from_u32(c).and_then(|c| face.glyph_index(c)).unwrap_or_default();
                (glyph.0, face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .collect();
        let units_per_em = f32::from(face.units_per_em());
        Metrics { face, table, units_per_em }
    }

    fn glyph(&self, c: char) -> (u16, u16) {
        match self.table.get(c as usize) {
            Some(&entry) => entry,
            None => {
                let glyph = self.face.glyph_index(c).unwrap_or_default();
                (glyph.0, self.face.glyph_hor_advance(glyph).unwrap_or(0))
            }
        }
    }
}

/// True when a character can be drawn as its own glyph at its own advance:
/// left-to-right, no combining mark, no shaping. Lines made only of these
/// skip the shaper (most of an agreement); any other line is shaped.
fn is_simple(c: char) -> bool {
    let c = c as u32;
    (c < 0x0590 && !(0x0300..0x0370).contains(&c)) || ((0x2010..0x2028).contains(&c) || (0x2030..0x205F).contains(&c))
}

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
/// 2 cm margins; the footer sits inside the bottom margin.
pub const MARGIN: f32 = 56.7;
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN;

/// Regular or bold DejaVu Sans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size: f32,
    pub weight: Weight,
    /// 0 is black; greys for secondary text.
    pub grey: u8,
}

impl Style {
    pub const fn new(size: f32, weight: Weight) -> Style {
        Style { size, weight, grey: 0 }
    }

    pub const fn grey(self, grey: u8) -> Style {
        Style { grey, ..self }
    }

    /// Baseline-to-baseline distance.
    pub fn line_height(&self) -> f32 {
        self.size * 1.35
    }

    fn metrics(&self) -> &'static Metrics {
        match self.weight {
            Weight::Regular => &REGULAR_METRICS,
            Weight::Bold => &BOLD_METRICS,
        }
    }

    fn font(&self) -> Font {
        match self.weight {
            Weight::Regular => REGULAR.clone(),
            Weight::Bold => BOLD.clone(),
        }
    }
}

/// Width of `text` in points (advance widths, no kerning, so a measured
/// line is never narrower than the drawn one by more than the kerning).
pub fn width(text: &str, style: Style) -> f32 {
    let metrics = style.metrics();
    let units: u32 = text.chars().map(|c| u32::from(metrics.glyph(c).1)).sum();
    units as f32 * style.size / metrics.units_per_em
}

/// True when every character of `text` has a glyph in the font (controls
/// and combining marks aside, which never get a box of their own).
pub fn fully_covered(text: &str) -> bool {
    text.chars().filter(|c| !c.is_control() && !c.is_whitespace()).all(|c| REGULAR_METRICS.glyph(c).0 != 0)
}

/// Splits `text` into lines no wider than `max`: at spaces where it can,
/// inside a word (a hash, a long e-mail address) where it must. A newline
/// in `text` always starts a new line.
pub fn wrap(text: &str, style: Style, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        let space = width(" ", style);
        for word in hard_line.split_whitespace() {
            let word_width = width(word, style);
            if !line.is_empty() && line_width + space + word_width <= max {
                line.push(' ');
                line.push_str(word);
                line_width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_width <= max {
                (line, line_width) = (word.to_owned(), word_width);
                continue;
            }
            for c in word.chars() {
                line.push(c);
                if width(&line, style) > max && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
            line_width = width(&line, style);
        }
        lines.push(line);
    }
    lines
}

/// One thing drawn on a page; `y` grows downwards from the top edge, and
/// a text's `y` is its baseline.
#[derive(Debug, Clone)]
enum Op {
    Text { x: f32, y: f32, text: String, style: Style },
    Image { x: f32, y: f32, w: f32, h: f32 },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, grey: u8, width: f32 },
}

/// Content flowing down A4 pages.
#[derive(Debug)]
pub struct Flow {
    pages: Vec<Vec<Op>>,
    /// Top of the free space on the current page.
    pub y: f32,
}

impl Flow {
    pub fn new() -> Flow {
        Flow { pages: vec![Vec::new()], y: MARGIN }
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub fn need(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a flow always has a page").push(op);
    }

    /// Adds vertical space (dropped at the top of a page).
    pub fn gap(&mut self, height: f32) {
        if self.y > MARGIN {
            self.y += height;
        }
    }

    /// One line of text at `x` that is known to fit.
    pub fn line(&mut self, x: f32, text: &str, style: Style) {
        self.need(style.line_height());
        self.y += style.line_height();
        self.push(Op::Text { x, y: self.y - style.size * 0.3, text: text.to_owned(), style });
    }

    /// `text` wrapped to `width` at `x`, breaking across pages as needed.
    pub fn paragraph(&mut self, x: f32, width: f32, text: &str, style: Style) {
        for line in wrap(text, style, width) {
            self.line(x, &line, style);
        }
    }

    /// Text at a position on the current page without moving the flow
    /// (a label beside a value, a bullet beside an item).
    pub fn text_at(&mut self, x: f32, y: f32, text: &str, style: Style) {
        self.push(Op::Text { x, y, text: text.to_owned(), style });
    }

    /// A horizontal rule across the text width.
    pub fn rule(&mut self, grey: u8) {
        self.push(Op::Line { x1: MARGIN, y1: self.y, x2: PAGE_WIDTH - MARGIN, y2: self.y, grey, width: 0.6 });
    }

    /// The image at its box, with a thin frame, moving the flow below it.
    pub fn image(&mut self, x: f32, w: f32, h: f32) {
        self.need(h);
        let y = self.y;
        self.push(Op::Image { x, y, w, h });
        for (x1, y1, x2, y2) in [(x, y, x + w, y), (x + w, y, x + w, y + h), (x + w, y + h, x, y + h), (x, y + h, x, y)]
        {
            self.push(Op::Line { x1, y1, x2, y2, grey: 180, width: 0.5 });
        }
        self.y += h;
    }

    /// Draws every page with krilla; `footer(page, pages)` is each
    /// page's footer line.
    pub fn render(
        self,
        title: &str,
        image: Option<&Image>,
        footer: impl Fn(usize, usize) -> String,
    ) -> Result<Vec<u8>, String> {
        let mut document = Document::new();
        let total = self.pages.len();
        let footer_style = Style::new(8.0, Weight::Regular).grey(90);
        for (index, ops) in self.pages.iter().enumerate() {
            let mut page =
                document.start_page_with(PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a valid size"));
            let mut surface = page.surface();
            let footer_text = footer(index + 1, total);
            let footer_op =
                Op::Text { x: MARGIN, y: PAGE_HEIGHT - MARGIN / 2.0, text: footer_text, style: footer_style };
            for op in ops.iter().chain(std::iter::once(&footer_op)) {
                match op {
                    Op::Text { x, y, text, style } => {
                        let g = style.grey;
                        surface.set_fill(Some(Fill { paint: rgb::Color::new(g, g, g).into(), ..Fill::default() }));
                        let at = Point::from_xy(*x, *y);
                        if text.chars().all(is_simple) {
                            surface.draw_glyphs(
                                at,
                                &simple_glyphs(text, style.metrics()),
                                style.font(),
                                text,
                                style.size,
                                false,
                            );
                        } else {
                            surface.draw_text(at, style.font(), style.size, text, false, TextDirection::Auto);
                        }
                    }
                    Op::Image { x, y, w, h } => {
                        if let (Some(image), Some(size)) = (image, Size::from_wh(*w, *h)) {
                            surface.push_transform(&Transform::from_translate(*x, *y));
                            surface.draw_image(image.clone(), size);
                            surface.pop();
                        }
                    }
                    Op::Line { x1, y1, x2, y2, grey, width } => {
                        let mut path = PathBuilder::new();
                        path.move_to(*x1, *y1);
                        path.line_to(*x2, *y2);
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                paint: rgb::Color::new(*grey, *grey, *grey).into(),
                                width: *width,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.set_metadata(Metadata::new().title(title.to_owned()).creator("Signbook office".to_owned()));
        document.finish().map_err(|e| format!("{e:?}"))
    }
}

/// One glyph per character at its advance (see [`is_simple`]).
fn simple_glyphs(text: &str, metrics: &Metrics) -> Vec<KrillaGlyph> {
    text.char_indices()
        .map(|(i, c)| {
            let (glyph, advance) = metrics.glyph(c);
            let advance = f32::from(advance) / metrics.units_per_em;
            KrillaGlyph::new(GlyphId::new(u32::from(glyph)), advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: Style = Style::new(10.0, Weight::Regular);

    #[test]
    fn wrapped_lines_fit_and_keep_every_word_in_order() {
        let text = "I will keep my passwords secret, make them hard to guess, and change a password straight away if I think someone else knows it.";
        let lines = wrap(text, BODY, 150.0);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(lines.iter().all(|l| width(l, BODY) <= 150.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken_inside() {
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let lines = wrap(hash, BODY, 120.0);
        assert!(lines.len() >= 2);
        assert!(lines.iter().all(|l| width(l, BODY) <= 120.0));
        assert_eq!(lines.concat(), hash);
    }

    #[test]
    fn newlines_start_new_lines_and_widths_grow_with_text() {
        assert_eq!(wrap("one\ntwo", BODY, 500.0), ["one", "two"]);
        assert!(width("WWW", BODY) > width("iii", BODY));
        assert!(width("abc", Style::new(20.0, Weight::Regular)) > width("abc", BODY));
    }

    #[test]
    fn coverage_knows_welsh_greek_and_cyrillic_but_not_chinese() {
        assert!(fully_covered("Siôn Ŵyn Dafydd-ŷ Zoë Łukasz Ærøskøbing"));
        assert!(fully_covered("Αλέξανδρος Пётр Ғали"));
        assert!(fully_covered("Nguyễn Văn Đức Արամ გიორგი דוד محمد"), "the scripts the module docs promise");
        assert!(!fully_covered("王小明"));
    }
}
