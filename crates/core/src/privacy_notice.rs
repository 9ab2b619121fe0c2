//! The privacy notice the kiosk offers on the name screen ("How we use your
//! information"), in English and Welsh. UK GDPR Article 13 requires telling
//! people, when their data is collected, who holds it, why, on what lawful
//! basis, for how long, and their rights. A school sets its own (at the
//! office, or in the kiosk's admin area); until it does, the kiosk shows a
//! sensible default naming the school, so no kiosk ever collects a name
//! without saying why.

use serde::{Deserialize, Serialize};

/// Largest notice, per language, in bytes: a long real notice is ~5 KB.
pub const MAX_NOTICE_BYTES: usize = 20 * 1024;

/// The school's own notice; an empty text means "the built-in default".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyNotice {
    /// Markdown, shown to people reading the kiosk in English.
    pub english: String,
    /// Markdown, shown to people reading the kiosk in Welsh.
    pub welsh: String,
}

impl PrivacyNotice {
    /// The notice's Markdown in each language, the default where the school
    /// set none: `(english, welsh)`.
    pub fn texts(&self, school: &str) -> (String, String) {
        let or_default = |own: &str, default: fn(&str) -> String| {
            if own.trim().is_empty() { default(school) } else { own.to_owned() }
        };
        (or_default(&self.english, default_english), or_default(&self.welsh, default_welsh))
    }

    /// Why the notice cannot be saved, if it cannot: `(language, reason)`.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        [("English", &self.english), ("Welsh", &self.welsh)].into_iter().find_map(|(language, text)| {
            if text.len() > MAX_NOTICE_BYTES {
                Some((language, format!("it is {} bytes; keep it under {MAX_NOTICE_BYTES}", text.len())))
            } else if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
                Some((language, "it contains control characters; paste it as plain text".to_owned()))
            } else {
                None
            }
        })
    }
}

/// The school's name as Markdown text: punctuation that Markdown reads as
/// formatting is escaped, so "St Mary's *C of E*" stays what it says.
fn literal(school: &str) -> String {
    school.chars().fold(String::new(), |mut out, c| {
        if "\\`*_[]<>#!|".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// The built-in notice in English, naming `school`.
pub fn default_english(school: &str) -> String {
    format!(
        "# How we use your information

**Who holds it.** {school} holds the information you give at this kiosk and is responsible for it (the data controller under UK GDPR).

**What we keep.** Your name, your organisation if you give one, whether you are a visitor, governor, member of staff, volunteer or contractor, your signature, when you signed, and which version of the agreement you signed.

**Why.** To show that you read and accepted the school's IT Acceptable Use Agreement before using its IT, which is part of how the school keeps pupils safe. The lawful basis is the school's public task of keeping pupils safe (UK GDPR Article 6(1)(e)).

**Where it goes.** It is kept on this kiosk and on the school office's computer. It is not shared outside the school unless the law requires it.

**How long.** The school keeps it for as long as its records retention policy sets for your role, and then erases it.

**Your rights.** You can ask to see the information held about you, to have it corrected or erased, or to restrict or object to its use. Ask at reception, or contact the school's data protection officer. If you are unhappy with how the school uses your information, you can complain to the Information Commissioner's Office: ico.org.uk, 0303 123 1113.
",
        school = literal(school.trim())
    )
}

/// The built-in notice in Welsh, naming `school`.
pub fn default_welsh(school: &str) -> String {
    format!(
        "# Sut rydym yn defnyddio eich gwybodaeth

**Pwy sy'n ei dal.** {school} sy'n dal y wybodaeth a roddwch yn y ciosg hwn ac sy'n gyfrifol amdani (y rheolydd data o dan GDPR y DU).

**Beth rydym yn ei gadw.** Eich enw, eich sefydliad os ydych yn ei roi, p'un a ydych yn ymwelydd, yn llywodraethwr, yn aelod o staff, yn wirfoddolwr neu'n gontractwr, eich llofnod, pryd y gwnaethoch lofnodi, a pha fersiwn o'r cytundeb a lofnodwyd gennych.

**Pam.** I ddangos eich bod wedi darllen a derbyn Cytundeb Defnydd Derbyniol TG yr ysgol cyn defnyddio ei TG, sy'n rhan o'r ffordd y mae'r ysgol yn cadw disgyblion yn ddiogel. Y sail gyfreithlon yw tasg gyhoeddus yr ysgol o gadw disgyblion yn ddiogel (Erthygl 6(1)(e) GDPR y DU).

**I ble mae'n mynd.** Caiff ei chadw ar y ciosg hwn ac ar gyfrifiadur swyddfa'r ysgol. Nid yw'n cael ei rhannu y tu allan i'r ysgol oni bai bod y gyfraith yn mynnu hynny.

**Am ba hyd.** Mae'r ysgol yn ei chadw cyhyd ag y mae ei pholisi cadw cofnodion yn ei nodi ar gyfer eich rôl, ac yna'n ei dileu.

**Eich hawliau.** Gallwch ofyn am gael gweld y wybodaeth a gedwir amdanoch, am ei chywiro neu ei dileu, neu am gyfyngu ar ei defnyddio neu wrthwynebu ei defnyddio. Gofynnwch yn y dderbynfa, neu cysylltwch â swyddog diogelu data'r ysgol. Os ydych yn anhapus â'r ffordd y mae'r ysgol yn defnyddio eich gwybodaeth, gallwch gwyno i Swyddfa'r Comisiynydd Gwybodaeth: ico.org.uk, 0303 123 1113.
",
        school = literal(school.trim())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::agreement_html;

    #[test]
    fn the_default_names_the_school_and_says_what_article_13_asks_in_both_languages() {
        let (english, welsh) = PrivacyNotice::default().texts("Ysgol Glan Llyn");
        for (text, needs) in [
            (
                &english,
                [
                    "Ysgol Glan Llyn holds",
                    "data controller",
                    "Why",
                    "lawful basis",
                    "How long",
                    "Your rights",
                    "ico.org.uk",
                ],
            ),
            (
                &welsh,
                [
                    "Ysgol Glan Llyn sy'n dal",
                    "rheolydd data",
                    "Pam",
                    "sail gyfreithlon",
                    "Am ba hyd",
                    "Eich hawliau",
                    "ico.org.uk",
                ],
            ),
        ] {
            for phrase in needs {
                assert!(text.contains(phrase), "{phrase:?} in {text}");
            }
        }
    }

    #[test]
    fn a_school_name_is_text_never_markup() {
        let (english, _) = PrivacyNotice::default().texts("St Mary's *C of E* <b>Primary</b>");
        let html = agreement_html(&english);
        assert!(html.contains("St Mary's *C of E* &lt;b&gt;Primary&lt;/b&gt; holds"), "{html}");
    }

    #[test]
    fn the_schools_own_text_replaces_the_default_language_by_language() {
        let own = PrivacyNotice { english: "# Our notice\n".into(), welsh: "  \n".into() };
        let (english, welsh) = own.texts("Ysgol");
        assert_eq!(english, "# Our notice\n");
        assert!(welsh.starts_with("# Sut rydym yn defnyddio eich gwybodaeth"), "a blank Welsh text is the default");
    }

    #[test]
    fn an_oversized_or_binary_notice_is_refused_naming_the_language() {
        let big = PrivacyNotice { english: String::new(), welsh: "a".repeat(MAX_NOTICE_BYTES + 1) };
        assert_eq!(big.problem().map(|p| p.0), Some("Welsh"));
        let binary = PrivacyNotice { english: "x\u{0}y".into(), welsh: String::new() };
        assert_eq!(binary.problem().map(|p| p.0), Some("English"));
        assert_eq!(PrivacyNotice { english: "# A\n\n- b\tc\r\n".into(), welsh: String::new() }.problem(), None);
    }
}
