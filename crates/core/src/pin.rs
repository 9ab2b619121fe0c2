//! The rules a new kiosk admin PIN must meet; the store checks them, and
//! [`crate::Error::PinRejected`] names the one broken.

/// Shortest and longest accepted PIN, in digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=12;

/// Why a new PIN was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinRule {
    /// Not 4 to 12 digits.
    #[error("use 4 to 12 digits")]
    Length,
    /// Something other than 0-9.
    #[error("use digits only")]
    NotDigits,
    /// 1111, 1234, 9876: the first guesses anyone makes.
    #[error("choose a PIN that is not all one digit or a run like 1234")]
    TooEasy,
}

/// The first rule `pin` breaks, if any.
pub(crate) fn check_new_pin(pin: &str) -> Result<(), PinRule> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinRule::NotDigits);
    }
    if !PIN_DIGITS.contains(&pin.len()) {
        return Err(PinRule::Length);
    }
    let digits: Vec<i32> = pin.bytes().map(|b| i32::from(b - b'0')).collect();
    let steps: Vec<i32> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|&s| s == 0) || steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == -1) {
        return Err(PinRule::TooEasy);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_pin_rules() {
        for (pin, result) in [
            ("2580", Ok(())),
            ("482913", Ok(())),
            ("123456789", Err(PinRule::TooEasy)),
            ("123456789012", Ok(())),
            ("123", Err(PinRule::Length)),
            ("1234567890123", Err(PinRule::Length)),
            ("12a4", Err(PinRule::NotDigits)),
            ("", Err(PinRule::Length)),
            ("0000", Err(PinRule::TooEasy)),
            ("1234", Err(PinRule::TooEasy)),
            ("9876", Err(PinRule::TooEasy)),
            ("١٢٣٤", Err(PinRule::NotDigits)),
        ] {
            assert_eq!(check_new_pin(pin), result, "{pin:?}");
        }
    }
}
