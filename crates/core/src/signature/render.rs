//! Strokes to PNG, deterministically.
//!
//! Each stroke is smoothed with a Catmull-Rom spline through its points and
//! drawn as a round-capped line by coverage from distance-to-segment, so
//! edges are anti-aliased. Only IEEE-exact arithmetic is used (+ - * / and
//! sqrt, no trigonometry, no threads), and the PNG encoder is
//! deterministic, so the same strokes give the same bytes on every machine;
//! `tests/signature.rs` pins that with a golden hash.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
// NoFilter: line art on white compresses ~5% smaller than Adaptive. Default
// rather than Best compression: 0.9 ms instead of 3 ms for 3% more bytes.
use image::{ExtendedColorType, ImageEncoder};

use super::error::SignatureError;
use super::strokes::{Point, Strokes};

/// Output pixels per pad unit: a 600-unit pad prints 8 cm wide at ~285 dpi.
/// (2.0 made PNGs ~40% larger for no visible gain on the evidence page.)
const SCALE: f64 = 1.5;
/// Never produce an image wider or taller than this (pads are ~600 units).
const MAX_SIDE_PX: f64 = 2400.0;
/// Pen width in pad units.
const PEN_WIDTH: f64 = 2.5;
/// White border around the trimmed ink, in output pixels.
const MARGIN_PX: f64 = 6.0;
/// Longest straight piece the spline is cut into, in pad units (2 px).
const STEP: f64 = 1.5;

/// Widest or tallest PNG [`render_png`] can produce: [`MAX_SIDE_PX`] of
/// ink plus the pen and the margin on both sides, rounded up.
pub const MAX_PNG_SIDE_PX: u32 = MAX_SIDE_PX as u32 + 20;
/// Largest PNG accepted from elsewhere (the office's ingest): a page-wide
/// scribble renders to well under this (see `tests/signature.rs`).
pub const MAX_PNG_BYTES: usize = 2 * 1024 * 1024;

/// Checks that `png` could have come from [`render_png`] as far as size
/// goes, reading only its header: at most [`MAX_PNG_BYTES`], a PNG, and at
/// most [`MAX_PNG_SIDE_PX`] a side. The office checks every pushed image
/// so that a 12,000-pixel-square image cannot cost it a gigabyte to draw.
pub fn check_png_size(png: &[u8]) -> Result<(u32, u32), String> {
    if png.len() > MAX_PNG_BYTES {
        return Err(format!("the signature image is {} bytes; a kiosk makes at most {MAX_PNG_BYTES}", png.len()));
    }
    let reader = image::ImageReader::with_format(std::io::Cursor::new(png), image::ImageFormat::Png);
    let (width, height) = reader.into_dimensions().map_err(|e| format!("the signature image is not a PNG ({e})"))?;
    if width > MAX_PNG_SIDE_PX || height > MAX_PNG_SIDE_PX {
        return Err(format!(
            "the signature image is {width}x{height} pixels; a kiosk makes at most {MAX_PNG_SIDE_PX} a side"
        ));
    }
    Ok((width, height))
}

/// Validates `strokes`, then renders them: dark ink on white, 8-bit
/// grayscale PNG, trimmed to the ink plus a small margin.
pub fn render_png(strokes: &Strokes) -> Result<Vec<u8>, SignatureError> {
    strokes.validate()?;
    // Trim to the smoothed path, not the raw points: the spline can swing
    // slightly beyond them at sharp turns.
    let paths: Vec<Vec<Point>> = strokes.strokes.iter().filter(|s| !s.is_empty()).map(|s| smooth(s)).collect();
    let (min_x, min_y, max_x, max_y) =
        paths.iter().flatten().fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |(a, b, c, d), p| {
            (a.min(p.x), b.min(p.y), c.max(p.x), d.max(p.y))
        });
    let extent = (max_x - min_x).max(max_y - min_y);
    let scale = SCALE.min(MAX_SIDE_PX / (extent + PEN_WIDTH + 1.0));
    let radius = PEN_WIDTH * scale / 2.0;
    let border = radius + MARGIN_PX;
    let width = ((max_x - min_x) * scale + 2.0 * border).ceil() as u32;
    let height = ((max_y - min_y) * scale + 2.0 * border).ceil() as u32;
    let to_px = |p: &Point| Point { x: (p.x - min_x) * scale + border, y: (p.y - min_y) * scale + border };

    let mut canvas = Canvas { width, height, coverage: vec![0.0; width as usize * height as usize] };
    for path in &paths {
        let path: Vec<Point> = path.iter().map(to_px).collect();
        if path.len() == 1 {
            canvas.segment(path[0], path[0], radius);
        }
        for pair in path.windows(2) {
            canvas.segment(pair[0], pair[1], radius);
        }
    }
    let pixels: Vec<u8> = canvas.coverage.iter().map(|c| 255 - (c * 255.0 + 0.5) as u8).collect();
    let mut png = Vec::with_capacity(8 * 1024);
    // Fast = fdeflate only, so the bytes never depend on which flate2 backend
    // another crate in the build selects (tests/signature.rs pins them).
    // Adaptive filtering keeps the demo signature at 8.9 KB (7.4 KB with
    // flate2's default level; 34.6 KB unfiltered).
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&pixels, width, height, ExtendedColorType::L8)
        .expect("encoding a PNG into memory cannot fail for a valid buffer");
    Ok(png)
}

struct Canvas {
    width: u32,
    height: u32,
    coverage: Vec<f32>,
}

impl Canvas {
    /// Ink coverage of a round-capped segment, kept per pixel as the max.
    fn segment(&mut self, a: Point, b: Point, radius: f64) {
        let reach = radius + 1.0;
        let x0 = (a.x.min(b.x) - reach).floor().max(0.0) as u32;
        let y0 = (a.y.min(b.y) - reach).floor().max(0.0) as u32;
        let x1 = ((a.x.max(b.x) + reach).ceil() as u32).min(self.width);
        let y1 = ((a.y.max(b.y) + reach).ceil() as u32).min(self.height);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        for y in y0..y1 {
            for x in x0..x1 {
                let (px, py) = (f64::from(x) + 0.5 - a.x, f64::from(y) + 0.5 - a.y);
                let t = if len2 > 0.0 { ((px * dx + py * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let (ex, ey) = (px - t * dx, py - t * dy);
                let cover = (radius + 0.5 - (ex * ex + ey * ey).sqrt()).clamp(0.0, 1.0) as f32;
                let cell = &mut self.coverage[(y * self.width + x) as usize];
                *cell = cell.max(cover);
            }
        }
    }
}

/// Catmull-Rom spline through `points`, cut into pieces of at most STEP.
fn smooth(points: &[Point]) -> Vec<Point> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let mut out = vec![points[0]];
    for i in 0..points.len() - 1 {
        let p0 = points[i.saturating_sub(1)];
        let (p1, p2) = (points[i], points[i + 1]);
        let p3 = points[(i + 2).min(points.len() - 1)];
        let length = ((p2.x - p1.x) * (p2.x - p1.x) + (p2.y - p1.y) * (p2.y - p1.y)).sqrt();
        let steps = (length / STEP).ceil().clamp(1.0, 64.0) as u32;
        for step in 1..=steps {
            let t = f64::from(step) / f64::from(steps);
            let (t2, t3) = (t * t, t * t * t);
            let at = |a: f64, b: f64, c: f64, d: f64| {
                0.5 * (2.0 * b
                    + (c - a) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (3.0 * b - a - 3.0 * c + d) * t3)
            };
            out.push(Point { x: at(p0.x, p1.x, p2.x, p3.x), y: at(p0.y, p1.y, p2.y, p3.y) });
        }
    }
    out
}
