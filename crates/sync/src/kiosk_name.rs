//! A kiosk's location name ("Main reception"), as the kiosk sends it at
//! pairing and the office shows and edits it: one rule for both sides.

/// Longest location name, in characters ("Sixth-form block, east door").
pub const MAX_KIOSK_NAME_CHARS: usize = 60;

/// Why a location name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KioskNameProblem {
    /// Nothing but spaces.
    Empty,
    /// Over [`MAX_KIOSK_NAME_CHARS`] characters.
    TooLong,
    /// A control or text-direction character, which could make one kiosk's
    /// name pose as another's in a list.
    Hidden,
}

/// The name with its spaces collapsed, or why it cannot be a kiosk's name.
pub fn tidy_kiosk_name(raw: &str) -> Result<String, KioskNameProblem> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let direction = |c: char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if name.is_empty() {
        Err(KioskNameProblem::Empty)
    } else if name.chars().count() > MAX_KIOSK_NAME_CHARS {
        Err(KioskNameProblem::TooLong)
    } else if name.chars().any(|c| c.is_control() || direction(c)) {
        Err(KioskNameProblem::Hidden)
    } else {
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::{KioskNameProblem as P, tidy_kiosk_name};

    #[test]
    fn a_location_name_is_tidied_and_bounded() {
        assert_eq!(tidy_kiosk_name("  Main   reception ").as_deref(), Ok("Main reception"));
        assert_eq!(tidy_kiosk_name("Bloc y chweched dosbarth").as_deref(), Ok("Bloc y chweched dosbarth"));
        assert!(tidy_kiosk_name(&"x".repeat(60)).is_ok());
        assert_eq!(tidy_kiosk_name("   "), Err(P::Empty));
        assert_eq!(tidy_kiosk_name(&"x".repeat(61)), Err(P::TooLong));
        assert_eq!(tidy_kiosk_name("Main\u{202e}noitpecer"), Err(P::Hidden));
        assert_eq!(tidy_kiosk_name("Main\u{0}reception"), Err(P::Hidden));
    }
}
