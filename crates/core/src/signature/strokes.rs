//! The stroke geometry the kiosk UI sends, and its limits.

use super::error::SignatureError;

/// Most strokes (pen-down to pen-up) accepted in one signature.
pub const MAX_STROKES: usize = 300;
/// Most points accepted across all strokes (a long, slow signature at
/// 120 Hz is ~3,000).
pub const MAX_POINTS: usize = 20_000;
/// Largest accepted JSON document, checked before parsing.
pub const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;
/// Largest accepted pad side, in pad units.
pub const MAX_PAD_SIDE: f64 = 10_000.0;

/// A point in pad units. Only position is kept.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Point {
    /// Pad units from the left edge.
    pub x: f64,
    /// Pad units from the top edge.
    pub y: f64,
}

/// A drawn signature: the pad size and the strokes drawn on it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Strokes {
    /// Pad width in pad units.
    pub width: f64,
    /// Pad height in pad units.
    pub height: f64,
    /// Each stroke is the points of one pen-down..pen-up.
    pub strokes: Vec<Vec<Point>>,
}

impl Strokes {
    /// Parses the UI's JSON, refusing oversized input before parsing it.
    pub fn from_json(bytes: &[u8]) -> Result<Strokes, SignatureError> {
        if bytes.len() > MAX_JSON_BYTES {
            return Err(SignatureError::TooLarge { bytes: bytes.len() });
        }
        serde_json::from_slice(bytes).map_err(|source| SignatureError::Malformed { source })
    }

    pub(super) fn points(&self) -> impl Iterator<Item = &Point> {
        self.strokes.iter().flatten()
    }
}
