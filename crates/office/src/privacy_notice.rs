//! The privacy notice the office sends its kiosks ("How we use your
//! information", UK GDPR Article 13): the template staff start from, and
//! the checks a notice passes before it is saved and published.
//!
//! The template is the kiosk's built-in notice (`signbook_core::privacy_notice`)
//! with what the office knows filled in: the school's name and its
//! retention periods. The one thing it cannot know, who to contact about
//! data protection, is a bracketed placeholder that must be replaced
//! before saving: a kiosk must never show an invented contact.

use crate::i18n::{t, tf};
use signbook_core::privacy_notice::{PrivacyNotice, default_english, default_welsh};

use crate::error::{OfficeError, Result};

/// Starts the placeholder for the data protection contact (English).
pub const CONTACT_PLACEHOLDER_EN: &str = "[Write here";
/// Starts the placeholder for the data protection contact (Welsh).
pub const CONTACT_PLACEHOLDER_CY: &str = "[Ysgrifennwch yma";

const HOW_LONG_EN: &str = "**How long.** The school keeps it for as long as its records retention policy sets for your role, and then erases it.";
const HOW_LONG_CY: &str = "**Am ba hyd.** Mae'r ysgol yn ei chadw cyhyd ag y mae ei pholisi cadw cofnodion yn ei nodi ar gyfer eich rôl, ac yna'n ei dileu.";
const RIGHTS_EN: &str = "**Your rights.**";
const RIGHTS_CY: &str = "**Eich hawliau.**";

/// A role's name in a sentence, in English and in Welsh (plural).
fn role_names(role: &str) -> (String, String) {
    match role {
        "visitor" => ("visitors".into(), "ymwelwyr".into()),
        "governor" => ("governors".into(), "llywodraethwyr".into()),
        "staff" => ("staff".into(), "staff".into()),
        "volunteer" => ("volunteers".into(), "gwirfoddolwyr".into()),
        "contractor" => ("contractors".into(), "contractwyr".into()),
        other => (other.to_owned(), other.to_owned()),
    }
}

/// The notice staff start from: the kiosk's default naming `school`, with
/// the retention period of each role the office set one for (`(role,
/// days)`), and a placeholder for the data protection contact.
pub fn template(school: &str, retention: &[(String, u32)]) -> PrivacyNotice {
    // It starts a sentence: an office started without `--school` is "the school".
    let mut chars = school.trim().chars();
    let school: String = chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    let (mut english, mut welsh) = (default_english(&school), default_welsh(&school));
    if !retention.is_empty() {
        let (en, cy): (Vec<String>, Vec<String>) = retention
            .iter()
            .map(|(role, days)| {
                let (en, cy) = role_names(role);
                (format!("{en}: {days} days"), format!("{cy}: {days} diwrnod"))
            })
            .unzip();
        english = english.replace(
            HOW_LONG_EN,
            &format!(
                "**How long.** The school keeps it, from the day you sign, for {}; and then erases it.",
                en.join("; ")
            ),
        );
        welsh = welsh.replace(
            HOW_LONG_CY,
            &format!(
                "**Am ba hyd.** Mae'r ysgol yn ei chadw, o'r diwrnod y byddwch yn llofnodi, am y cyfnodau hyn: {}; ac yna'n ei dileu.",
                cy.join("; ")
            ),
        );
    }
    english = english.replace(
        RIGHTS_EN,
        &format!(
            "**Data protection contact.** {CONTACT_PLACEHOLDER_EN} how to reach the school's data protection officer: name, email address, telephone.]\n\n{RIGHTS_EN}"
        ),
    );
    welsh = welsh.replace(
        RIGHTS_CY,
        &format!(
            "**Cyswllt diogelu data.** {CONTACT_PLACEHOLDER_CY} sut i gysylltu â swyddog diogelu data'r ysgol: enw, cyfeiriad e-bost, rhif ffôn.]\n\n{RIGHTS_CY}"
        ),
    );
    PrivacyNotice { english, welsh }
}

/// The notice as it will be saved (line endings made `\n`), or why it
/// cannot be: too long, control characters (the kiosk's own rules), or the
/// template's contact placeholder still in it. Both texts blank means
/// "each kiosk's built-in notice".
pub fn checked(english: &str, welsh: &str) -> Result<PrivacyNotice> {
    let notice = PrivacyNotice { english: english.replace("\r\n", "\n"), welsh: welsh.replace("\r\n", "\n") };
    // "in English" / "yn Saesneg": the language's name as it reads after "in".
    let named = |language: &str| {
        if language == "Welsh" { t("privacy_notice.in_welsh") } else { t("privacy_notice.in_english") }
    };
    if let Some((language, reason)) = notice.problem() {
        let language = named(language);
        let values: [(&str, &dyn std::fmt::Display); 2] = [("language", &language), ("reason", &reason)];
        return Err(OfficeError::InputInvalid(tf("privacy_notice.error_invalid", &values)));
    }
    for (language, text, placeholder) in
        [("English", &notice.english, CONTACT_PLACEHOLDER_EN), ("Welsh", &notice.welsh, CONTACT_PLACEHOLDER_CY)]
    {
        if text.contains(placeholder) {
            let language = named(language);
            let values: [(&str, &dyn std::fmt::Display); 2] = [("language", &language), ("placeholder", &placeholder)];
            return Err(OfficeError::InputInvalid(tf("privacy_notice.error_placeholder", &values)));
        }
    }
    Ok(notice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_names_the_school_its_retention_and_asks_for_the_contact_in_both_languages() {
        let notice = template("Ysgol Glan Llyn", &[("visitor".into(), 365), ("staff".into(), 2555)]);
        for phrase in ["Ysgol Glan Llyn holds", "visitors: 365 days; staff: 2555 days", "lawful basis", "Your rights"] {
            assert!(notice.english.contains(phrase), "{phrase:?} in {}", notice.english);
        }
        for phrase in ["Ysgol Glan Llyn sy'n dal", "ymwelwyr: 365 diwrnod; staff: 2555 diwrnod", "Eich hawliau"] {
            assert!(notice.welsh.contains(phrase), "{phrase:?} in {}", notice.welsh);
        }
        assert!(notice.english.contains(CONTACT_PLACEHOLDER_EN) && notice.welsh.contains(CONTACT_PLACEHOLDER_CY));
        let unset = template("the school", &[]);
        assert!(unset.english.contains("records retention policy"), "no periods set: the policy is named");
        assert!(unset.english.contains("**Who holds it.** The school holds"), "{}", unset.english);
    }

    #[test]
    fn a_notice_with_the_contact_placeholder_left_in_is_refused_naming_the_language() {
        let notice = template("Ysgol", &[]);
        let error = checked(&notice.english.replace(CONTACT_PLACEHOLDER_EN, "Mrs Jones"), &notice.welsh).unwrap_err();
        assert!(error.to_string().contains("in Welsh"), "{error}");
        let saved = checked("# Ours\r\n\r\nAsk Mrs Jones.", "# Ein un ni").unwrap();
        assert_eq!(saved.english, "# Ours\n\nAsk Mrs Jones.");
        assert!(checked(&"a".repeat(signbook_core::privacy_notice::MAX_NOTICE_BYTES + 1), "").is_err());
    }
}
