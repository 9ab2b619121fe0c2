//! Drawn signatures: the stroke geometry the kiosk UI sends, its
//! validation, and its rendering to PNG by our own code.
//!
//! The UI sends `{"width": 600, "height": 240, "strokes": [[{"x": 12.5,
//! "y": 80.0, "t": 1732300000123, "pressure": 0.5}, ...], ...]}` in pad
//! units (CSS pixels of the pad, origin top-left). `t` and `pressure` are
//! accepted and dropped while parsing: stroke timing and pressure are
//! behavioural biometrics under UK GDPR, so they never reach storage.
//! The stored image is rendered here ([`render_png`]) rather than trusted
//! from the webview, and the same strokes give the same bytes everywhere.

mod error;
mod render;
mod strokes;
mod validate;

pub use error::SignatureError;
#[cfg(test)]
pub(crate) use error::SignatureErrorDiscriminants;
pub use render::{MAX_PNG_BYTES, MAX_PNG_SIDE_PX, check_png_size, render_png};
pub use strokes::{MAX_JSON_BYTES, MAX_PAD_SIDE, MAX_POINTS, MAX_STROKES, Point, Strokes};
pub use validate::{MAX_INK_LENGTH, MIN_EXTENT, MIN_INK_LENGTH, MIN_PAD_SIDE};
