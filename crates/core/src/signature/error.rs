//! Why a drawn signature was refused.

/// Why a drawn signature was refused. Messages are for the person at the
/// kiosk; [`SignatureError::code`] is for the UI.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum SignatureError {
    /// Not the JSON shape the pad sends.
    #[error("The signature could not be read. Please clear the pad and sign again.")]
    Malformed {
        /// What the parser said.
        #[source]
        source: serde_json::Error,
    },
    /// More than [`MAX_JSON_BYTES`](super::MAX_JSON_BYTES).
    #[error("The signature is too large to store. Please clear the pad and sign again.")]
    TooLarge {
        /// Size received.
        bytes: usize,
    },
    /// Pad size zero, negative, not a number, or absurd: a fault, not the signer's.
    #[error("The signature pad is not working properly. Please ask at reception for help.")]
    PadInvalid {
        /// Width received.
        width: f64,
        /// Height received.
        height: f64,
    },
    /// Nothing drawn.
    #[error("The signature pad is empty. Please sign with your finger or a stylus.")]
    Empty,
    /// A coordinate that is NaN or infinite.
    #[error("Part of the signature could not be read. Please clear the pad and sign again.")]
    NotFinite,
    /// A point outside the pad.
    #[error("Part of the signature is outside the pad. Please clear the pad and sign inside the box.")]
    OutOfPad {
        /// The offending point.
        x: f64,
        /// The offending point.
        y: f64,
    },
    /// More than [`MAX_STROKES`](super::MAX_STROKES).
    #[error("The signature has too many separate lines to store. Please clear the pad and sign once more.")]
    TooManyStrokes {
        /// Strokes received.
        strokes: usize,
    },
    /// More than [`MAX_POINTS`](super::MAX_POINTS).
    #[error("The signature is too long to store. Please clear the pad and sign once more.")]
    TooManyPoints {
        /// Points received.
        points: usize,
    },
    /// All ink within a tiny spot.
    #[error("That looks like a dot rather than a signature. Please sign your name.")]
    Dot,
    /// Ink too small in both directions.
    #[error("That signature is very small. Please sign again, using more of the box.")]
    TooSmall,
    /// Too little ink to be a signature.
    #[error("That is too short to be a signature. Please sign your name as you normally would.")]
    TooShort,
    /// The pad scribbled over rather than signed.
    #[error("The signature covers too much of the pad. Please clear the pad and sign once more.")]
    TooMuchInk,
}

impl SignatureError {
    /// Every code [`SignatureError::code`] returns (kept complete by a test).
    pub const CODES: &[&str] = &[
        "signature_malformed",
        "signature_too_large",
        "signature_pad_invalid",
        "signature_empty",
        "signature_not_finite",
        "signature_out_of_pad",
        "signature_too_many_strokes",
        "signature_too_many_points",
        "signature_dot",
        "signature_too_small",
        "signature_too_short",
        "signature_too_much_ink",
    ];

    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Malformed { .. } => "signature_malformed",
            SignatureError::TooLarge { .. } => "signature_too_large",
            SignatureError::PadInvalid { .. } => "signature_pad_invalid",
            SignatureError::Empty => "signature_empty",
            SignatureError::NotFinite => "signature_not_finite",
            SignatureError::OutOfPad { .. } => "signature_out_of_pad",
            SignatureError::TooManyStrokes { .. } => "signature_too_many_strokes",
            SignatureError::TooManyPoints { .. } => "signature_too_many_points",
            SignatureError::Dot => "signature_dot",
            SignatureError::TooSmall => "signature_too_small",
            SignatureError::TooShort => "signature_too_short",
            SignatureError::TooMuchInk => "signature_too_much_ink",
        }
    }
}
