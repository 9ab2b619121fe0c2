//! The office's words in English and Welsh: one catalogue
//! (`messages.json`, each key with both languages side by side, so a
//! translator reads them together), compiled in and parsed once.
//!
//! * [`t`], [`tf`] and [`tm`] look a key up in the language of the request
//!   being answered (the account's, or before sign-in the browser's; see
//!   [`scope`]); [`Lang::t`] and [`Lang::tf`] in a given one (exports use
//!   the school's export language, not the reader's).
//! * Placeholders are named, `{count}`; both languages must use the same
//!   set. The tests below fail when a key lacks a language, when the
//!   placeholders differ, and when code asks for a key the catalogue lacks.
//!
//! Hand-written rather than Fluent or gettext: the dashboard needs plain
//! lookup with named values and no plural rules (Welsh counts take the
//! singular noun after a number, "3 cofnod", so one form serves).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::LazyLock;

use maud::{Markup, PreEscaped, html};

/// A language the office speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (en-GB): the default.
    #[default]
    En,
    /// Welsh.
    Cy,
}

impl Lang {
    /// Both, in the order the switch offers them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Cy];

    /// The code stored in the database and sent in forms: `en` or `cy`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Cy => "cy",
        }
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en-GB",
            Lang::Cy => "cy",
        }
    }

    /// The language's own name ("English", "Cymraeg"), as the switch shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Cy => "Cymraeg",
        }
    }

    /// From a stored or posted code; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim() {
            "en" => Some(Lang::En),
            "cy" => Some(Lang::Cy),
            _ => None,
        }
    }

    /// The first of English or Welsh an `Accept-Language` header asks for
    /// (by its q-values); English when it names neither.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Lang::from_code(primary)
                && best.is_none_or(|(best_q, _)| q > best_q)
            {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// The text of `key` in this language. A key the catalogue lacks shows
    /// as itself (the tests make sure none does).
    pub fn t(self, key: &'static str) -> &'static str {
        match CATALOGUE.get(key) {
            Some(texts) => match self {
                Lang::En => &texts.en,
                Lang::Cy => &texts.cy,
            },
            None => key,
        }
    }

    /// The text of `key` with each `{name}` replaced by its value.
    pub fn tf(self, key: &'static str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut out = String::new();
        for piece in pieces(self.t(key)) {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value(name) => match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(&value.to_string()),
                    None => out.push_str(&format!("{{{name}}}")),
                },
            }
        }
        out
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One key's texts.
#[derive(Debug, serde::Deserialize)]
struct Texts {
    en: String,
    cy: String,
}

/// The catalogue's source: see the module comment.
const SOURCE: &str = include_str!("../messages.json");

static CATALOGUE: LazyLock<HashMap<String, Texts>> =
    LazyLock::new(|| serde_json::from_str(SOURCE).expect("crates/office/messages.json is valid (its tests check)"));

enum Piece<'a> {
    Text(&'a str),
    Value(&'a str),
}

/// `text` split into literal text and `{name}` placeholders.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        let name = &rest[open + 1..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(Piece::Text(&rest[..=open]));
            rest = &rest[open + 1..];
            continue;
        }
        out.push(Piece::Text(&rest[..open]));
        out.push(Piece::Value(name));
        rest = &rest[close + 1..];
    }
    out.push(Piece::Text(rest));
    out
}

tokio::task_local! {
    /// The language of the request being answered; see [`scope`].
    static CURRENT: Cell<Lang>;
}

/// Runs `future` (one request) answering in `lang`; [`set_current`] may
/// change it once the account is known. Outside a scope (tests, the CLI)
/// the language is English.
pub async fn scope<F: Future>(lang: Lang, future: F) -> F::Output {
    CURRENT.scope(Cell::new(lang), future).await
}

/// Runs `f` (outside a request's middleware, e.g. a fallback page) in `lang`.
pub fn with_language<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    CURRENT.sync_scope(Cell::new(lang), f)
}

/// The language of the request being answered.
pub fn current() -> Lang {
    CURRENT.try_with(Cell::get).unwrap_or_default()
}

/// Answers the rest of this request in `lang` (the signed-in account's).
pub fn set_current(lang: Lang) {
    let _ = CURRENT.try_with(|c| c.set(lang));
}

/// `key` in the current request's language.
pub fn t(key: &'static str) -> &'static str {
    current().t(key)
}

/// `key` with values, in the current request's language.
pub fn tf(key: &'static str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    current().tf(key, values)
}

/// `key` as markup, in the current request's language: its text escaped,
/// each `{name}` replaced by the markup given (a link, a `<strong>`), so a
/// sentence keeps its word order in either language.
pub fn tm(key: &'static str, values: &[(&str, Markup)]) -> Markup {
    html! {
        @for piece in pieces(t(key)) {
            @match piece {
                Piece::Text(text) => (text),
                Piece::Value(name) => @match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => (PreEscaped(&value.0)),
                    None => { "{" (name) "}" }
                },
            }
        }
    }
}

/// A signer's role (as the kiosk records it) in the current language; a
/// role the school added itself shows as recorded.
pub fn signer_role(role: &str) -> &str {
    match role {
        "visitor" => t("signer_role.visitor"),
        "governor" => t("signer_role.governor"),
        "staff" => t("signer_role.staff"),
        "volunteer" => t("signer_role.volunteer"),
        "contractor" => t("signer_role.contractor"),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        pieces(text).into_iter().filter_map(|p| if let Piece::Value(n) = p { Some(n) } else { None }).collect()
    }

    #[test]
    fn every_key_has_both_languages_with_the_same_placeholders() {
        // Parsed as bare JSON values too, so a key with one language missing
        // is named (serde would only say "missing field").
        let raw: serde_json::Map<String, serde_json::Value> = serde_json::from_str(SOURCE).unwrap();
        let mut problems = Vec::new();
        for (key, texts) in &raw {
            let text = |lang: &str| texts.get(lang).and_then(|v| v.as_str()).map(str::trim).unwrap_or("");
            for lang in ["en", "cy"] {
                if text(lang).is_empty() {
                    problems.push(format!("{key} has no {lang} text"));
                }
            }
            if text("en") == text("cy") && !texts.get("same").is_some_and(|v| v == true) {
                problems.push(format!("{key}: the Welsh is the English (mark it \"same\": true if meant)"));
            }
            if placeholders(text("en")) != placeholders(text("cy")) {
                problems.push(format!("{key}: placeholders differ between en and cy"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert_eq!(CATALOGUE.len(), raw.len());
    }

    /// Every key the code asks for (the first argument of `t`, `tf`, `tm`,
    /// `Lang::t` and `Lang::tf`, anywhere under src/) is in the catalogue,
    /// and every key in the catalogue is asked for somewhere.
    #[test]
    fn the_code_and_the_catalogue_name_the_same_keys() {
        let mut used = BTreeSet::new();
        let mut files = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for call in ["t(\"", "tf(\"", "tm(\""] {
                    for (at, _) in source.match_indices(call) {
                        let before = source[..at].chars().next_back().unwrap_or(' ');
                        if before.is_alphanumeric() || before == '_' {
                            continue; // another function ending in t( (e.g. `set(`)
                        }
                        let rest = &source[at + call.len()..];
                        let key = &rest[..rest.find('"').unwrap()];
                        used.insert(key.to_owned());
                    }
                }
            }
        }
        let missing: Vec<_> = used.iter().filter(|k| !CATALOGUE.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "keys used in src/ but not in messages.json: {missing:?}");
        let unused: Vec<_> = CATALOGUE.keys().filter(|k| !used.contains(*k)).collect();
        assert!(unused.is_empty(), "keys in messages.json that no code uses: {unused:?}");
    }

    #[test]
    fn values_fill_placeholders_and_markup_stays_markup() {
        assert_eq!(Lang::En.tf("records.found", &[("count", &3)]), "3 records found.");
        assert_eq!(Lang::Cy.tf("records.found", &[("count", &3)]), "Daethpwyd o hyd i 3 cofnod.");
        let strong = html! { strong { "<3>" } };
        let out = scope(Lang::Cy, async { tm("records.found", &[("count", strong)]).into_string() });
        let out = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(out);
        assert_eq!(out, "Daethpwyd o hyd i <strong>&lt;3&gt;</strong> cofnod.");
        assert_eq!(t("nav.records"), "Records", "English outside a request");
    }

    #[test]
    fn accept_language_picks_welsh_only_when_preferred() {
        assert_eq!(Lang::from_accept_language("cy-GB,cy;q=0.9,en;q=0.8"), Lang::Cy);
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9,cy;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr;q=0.9,cy;q=0.5"), Lang::Cy);
        assert_eq!(Lang::from_accept_language("fr"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }
}
