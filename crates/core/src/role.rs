//! Roles: who is signing ("visitor", "governor", ...). The list is
//! configurable per school, so a role is a validated identifier, not an enum.

use std::fmt;

/// The roles a fresh kiosk offers.
pub const DEFAULT_ROLES: [&str; 5] = ["visitor", "governor", "staff", "volunteer", "contractor"];

/// Roles for which the kiosk also asks for an organisation by default.
pub const ROLES_WITH_ORGANISATION: [&str; 2] = ["visitor", "contractor"];

/// A role identifier: 1 to 32 of `a-z`, `0-9`, `-`, `_`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Role(String);

/// A string that is not a valid role identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{input}\" is not a valid role: use 1 to 32 lowercase letters, digits, '-' or '_', starting with a letter (for example \"visitor\")"
)]
pub struct RoleError {
    /// What was given (cut to 40 characters).
    pub input: String,
}

impl Role {
    /// Checks `text` is a role identifier.
    pub fn new(text: &str) -> Result<Self, RoleError> {
        let ok = (1..=32).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok { Ok(Role(text.to_owned())) } else { Err(RoleError { input: text.chars().take(40).collect() }) }
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the kiosk asks this role for an organisation by default.
    pub fn asks_for_organisation(&self) -> bool {
        ROLES_WITH_ORGANISATION.contains(&self.as_str())
    }
}

impl serde::Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Role::new(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a comma-separated role list such as `visitor,governor`.
pub fn parse_role_list(text: &str) -> Result<Vec<Role>, RoleError> {
    let mut roles = Vec::new();
    for part in text.split(',').map(str::trim) {
        let role = Role::new(part)?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_identifiers() {
        for (text, ok) in [
            ("visitor", true),
            ("supply-teacher", true),
            ("a1_b", true),
            ("", false),
            ("Visitor", false),
            ("1st", false),
            ("two words", false),
            ("visitor;drop", false),
            (&"a".repeat(33), false),
        ] {
            assert_eq!(Role::new(text).is_ok(), ok, "{text:?}");
        }
    }

    #[test]
    fn role_list_dedupes_and_names_bad_entry() {
        let roles = parse_role_list("visitor, governor,visitor").unwrap();
        assert_eq!(roles.iter().map(Role::as_str).collect::<Vec<_>>(), ["visitor", "governor"]);
        let err = parse_role_list("visitor,Staff").unwrap_err();
        assert!(err.to_string().starts_with("\"Staff\" is not a valid role"), "{err}");
    }
}
