//! Every message the UI must be able to show for what this crate sends it:
//! a text for each error code and each label code, with the placeholders
//! the UI can fill. `crates/kiosk/tests/ui_messages.rs` checks
//! `ui/src/messages/{en,cy}.json` against this list, so a new code or label
//! cannot reach a screen untranslated.

use signbook_core::verify::ProblemKind;
use signbook_import::RemovedReason;
use signbook_sync::ConfigurationRefusal;

use crate::admin::DestinationLabel;
use crate::error::{PARAMETERISED_CODES, ui_error_codes};

/// One message the catalogues must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredMessage {
    /// Its key in `ui/src/messages/*.json`, e.g. `error.pin_wrong`.
    pub key: String,
    /// The placeholders its text may use (`{attempts_left}`): what the UI is given.
    pub placeholders: &'static [&'static str],
}

/// Every message key the UI looks up for a code from the Rust side:
/// `error.<code>` for each of [`ui_error_codes`], and the labels
/// `admin.export.destination.<code>`, `admin.verify.problem.<kind>`,
/// `admin.import.removed.<reason>` and `admin.sync.configuration.<code>` (why
/// an office configuration was refused, in the Status tab).
pub fn required_messages() -> Vec<RequiredMessage> {
    let params = |code: &str| PARAMETERISED_CODES.iter().find(|(c, _)| *c == code).map_or(&[][..], |(_, p)| *p);
    let mut out: Vec<RequiredMessage> = ui_error_codes()
        .into_iter()
        .map(|code| RequiredMessage { placeholders: params(&code), key: format!("error.{code}") })
        .collect();
    let label =
        |prefix: &str, code: &str, placeholders| RequiredMessage { key: format!("{prefix}.{code}"), placeholders };
    for code in DestinationLabel::CODES {
        let placeholders: &'static [&'static str] = if *code == "usb_drive" { &["name"] } else { &[] };
        out.push(label("admin.export.destination", code, placeholders));
    }
    out.extend(ProblemKind::KINDS.iter().map(|kind| label("admin.verify.problem", kind, &[])));
    out.extend(RemovedReason::CODES.iter().map(|reason| label("admin.import.removed", reason, &[])));
    out.extend(ConfigurationRefusal::CODES.iter().map(|code| label("admin.sync.configuration", code, &[])));
    out
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;
    use crate::admin::DestinationLabelDiscriminants as D;

    /// Exhaustive over the variants strum lists (in tests only): a new label
    /// stops this compiling until it has an example.
    fn example(kind: D) -> DestinationLabel {
        match kind {
            D::ExportsFolder => DestinationLabel::ExportsFolder,
            D::UsbDrive => DestinationLabel::UsbDrive { name: "KINGSTON".into() },
        }
    }

    #[test]
    fn every_destination_label_is_listed_with_its_parameters() {
        let required = required_messages();
        for kind in D::iter() {
            let json = serde_json::to_value(example(kind)).unwrap();
            let code = json["code"].as_str().unwrap();
            let message = required.iter().find(|m| m.key == format!("admin.export.destination.{code}"));
            let message = message.unwrap_or_else(|| panic!("add {code} to DestinationLabel::CODES"));
            let fields: Vec<&str> =
                json.as_object().unwrap().keys().map(String::as_str).filter(|k| *k != "code").collect();
            assert_eq!(fields, message.placeholders, "{code}");
        }
        assert_eq!(DestinationLabel::CODES.len(), D::iter().count());
    }
}
