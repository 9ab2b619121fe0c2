//! Is this plausibly a signature? Thresholds are fractions of the pad's
//! shorter side, so they mean the same on a phone-sized or a desk-sized pad.

use super::error::SignatureError;
use super::strokes::{MAX_PAD_SIDE, MAX_POINTS, MAX_STROKES, Strokes};

/// Points may land this far outside the pad: pointer events at the very
/// edge report fractional positions just beyond it.
const EDGE_TOLERANCE: f64 = 1.0;
/// All ink within this fraction of the pad's shorter side is a dot (a tap).
const DOT_EXTENT: f64 = 0.04;
/// Ink whose larger bounding-box side is under this fraction of the
/// shorter pad side is too small (a tick or a tiny squiggle).
pub const MIN_EXTENT: f64 = 0.2;
/// Total ink under this multiple of the shorter pad side is too short: a
/// short name like "Li" written quickly is well over 1.0; a stray line is not.
pub const MIN_INK_LENGTH: f64 = 0.5;
/// More ink than this multiple of the shorter pad side is a pad scribbled
/// over, not a signature (real ones measured 1-9x). Refusing it before
/// rendering keeps a deliberate scribble from costing half a second.
pub const MAX_INK_LENGTH: f64 = 100.0;
/// A pad side shorter than this (pad units) makes the thresholds above meaningless.
pub const MIN_PAD_SIDE: f64 = 50.0;

impl Strokes {
    /// Checks the signature could be a real one; see [`SignatureError`].
    pub fn validate(&self) -> Result<(), SignatureError> {
        validate(self)
    }
}

fn validate(s: &Strokes) -> Result<(), SignatureError> {
    let pad_ok = |side: f64| side.is_finite() && (MIN_PAD_SIDE..=MAX_PAD_SIDE).contains(&side);
    if !pad_ok(s.width) || !pad_ok(s.height) {
        return Err(SignatureError::PadInvalid { width: s.width, height: s.height });
    }
    if s.strokes.len() > MAX_STROKES {
        return Err(SignatureError::TooManyStrokes { strokes: s.strokes.len() });
    }
    let points: usize = s.strokes.iter().map(Vec::len).sum();
    if points > MAX_POINTS {
        return Err(SignatureError::TooManyPoints { points });
    }
    if points == 0 {
        return Err(SignatureError::Empty);
    }
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in s.points() {
        if !p.x.is_finite() || !p.y.is_finite() {
            return Err(SignatureError::NotFinite);
        }
        let outside = |v: f64, side: f64| v < -EDGE_TOLERANCE || v > side + EDGE_TOLERANCE;
        if outside(p.x, s.width) || outside(p.y, s.height) {
            return Err(SignatureError::OutOfPad { x: p.x, y: p.y });
        }
        (min_x, min_y, max_x, max_y) = (min_x.min(p.x), min_y.min(p.y), max_x.max(p.x), max_y.max(p.y));
    }
    let scale = s.width.min(s.height);
    let extent = (max_x - min_x).max(max_y - min_y);
    if extent < DOT_EXTENT * scale {
        return Err(SignatureError::Dot);
    }
    if extent < MIN_EXTENT * scale {
        return Err(SignatureError::TooSmall);
    }
    let length: f64 = s
        .strokes
        .iter()
        .flat_map(|stroke| stroke.windows(2))
        .map(|w| ((w[1].x - w[0].x) * (w[1].x - w[0].x) + (w[1].y - w[0].y) * (w[1].y - w[0].y)).sqrt())
        .sum();
    if length < MIN_INK_LENGTH * scale {
        return Err(SignatureError::TooShort);
    }
    if length > MAX_INK_LENGTH * scale {
        return Err(SignatureError::TooMuchInk);
    }
    Ok(())
}
