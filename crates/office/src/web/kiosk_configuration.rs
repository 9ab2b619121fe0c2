//! The Kiosks page's view of configurations: the version the office issues
//! now, and per kiosk the version it runs and what each of its roles
//! signs, marked when it differs from the office's, so staff can see at a
//! glance that every reception shows the new agreement.

use std::collections::BTreeMap;

use chrono::Utc;
use maud::{Markup, html};
use uuid::Uuid;

use super::page_error::PageError;
use super::state::SharedDashboard;
use crate::i18n::{t, tf, tm};
use crate::store::configuration::{IssuedConfiguration, KioskConfiguration};

/// The office's configuration and what each kiosk runs.
pub(super) struct Configurations {
    office: Option<IssuedConfiguration>,
    kiosks: BTreeMap<Uuid, KioskConfiguration>,
    titles: BTreeMap<signbook_core::Hash32, String>,
}

impl Configurations {
    pub(super) async fn load(dash: &SharedDashboard) -> Result<Configurations, PageError> {
        let office = dash.store.current_configuration(Utc::now()).await?;
        let kiosks = dash.store.kiosk_configurations().await?;
        let titles = dash
            .store
            .agreement_standings()
            .await?
            .into_iter()
            .map(|s| (s.agreement.hash, s.agreement.title))
            .collect();
        Ok(Configurations { office, kiosks, titles })
    }

    /// A paragraph above the kiosk list: the office's current version.
    pub(super) fn summary(&self) -> Markup {
        html! {
            @match &self.office {
                Some(office) => p {
                    (tm("configuration.summary", &[
                        ("version", html! { strong { (office.version) } }),
                        ("when", html! { (office.issued_at) }),
                        ("who", html! { (office.issued_by) }),
                    ]))
                },
                None => p.hint { (t("configuration.none")) },
            }
        }
    }

    /// What the office's configuration says now, for the settings form.
    pub(super) fn office_content(&self) -> Option<&crate::store::configuration::ConfigurationContent> {
        self.office.as_ref().map(|o| &o.content)
    }

    /// The "Configuration" cell of one kiosk.
    pub(super) fn version_cell(&self, device: &Uuid) -> Markup {
        let kiosk = self.kiosks.get(device);
        html! {
            @match (kiosk, &self.office) {
                (_, None) => "-",
                (None, Some(office)) => span.hint { (tf("configuration.not_reported", &[("office", &office.version)])) },
                (Some(kiosk), Some(office)) if kiosk.differs_from(office) => span.bad {
                    (tf("configuration.differs", &[("kiosk", &kiosk.applied), ("office", &office.version)]))
                },
                (Some(kiosk), Some(_)) => span.ok { (tf("configuration.same", &[("kiosk", &kiosk.applied)])) },
            }
        }
    }

    /// The "Signs" cell: the agreement version current per role on the kiosk.
    pub(super) fn current_cell(&self, device: &Uuid) -> Markup {
        let Some(kiosk) = self.kiosks.get(device) else { return html! { "-" } };
        let office = self.office.as_ref().map(|o| &o.content.current);
        html! {
            ul.per-role {
                @for (role, hash) in &kiosk.current {
                    li {
                        (super::layout::signer_role(role)) ": " (self.titles.get(hash).map_or("", String::as_str)) " "
                        code { (hash.to_hex()[..12]) }
                        @if office.is_some_and(|o| o.get(role) != Some(hash)) { " " span.bad { (t("configuration.not_office")) } }
                    }
                }
            }
        }
    }
}
