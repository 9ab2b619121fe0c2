//! The Kiosks page's view of configurations: the version the office issues
//! now to each school's kiosks, and per kiosk the version it runs and what
//! each of its roles signs, marked when it differs from its school's, so
//! staff can see at a glance that every reception shows the new agreement.

use std::collections::BTreeMap;

use chrono::Utc;
use maud::{Markup, html};
use uuid::Uuid;

use super::page_error::PageError;
use super::state::SharedDashboard;
use crate::i18n::{t, tf, tm};
use crate::store::configuration::{IssuedConfiguration, KioskConfiguration};
use crate::store::{Site, SiteId};

/// Each school's configuration and what each kiosk runs.
pub(super) struct Configurations {
    /// Per school shown: its name and the configuration its kiosks take.
    schools: Vec<(Site, Option<IssuedConfiguration>)>,
    kiosks: BTreeMap<Uuid, KioskConfiguration>,
    titles: BTreeMap<signbook_core::Hash32, String>,
}

impl Configurations {
    /// For the schools `sites` (those the member of staff sees).
    pub(super) async fn load(dash: &SharedDashboard, sites: &[Site]) -> Result<Configurations, PageError> {
        let mut schools = Vec::with_capacity(sites.len());
        for site in sites {
            schools.push((site.clone(), dash.store.current_configuration(site.id, Utc::now()).await?));
        }
        let kiosks = dash.store.kiosk_configurations().await?;
        let titles = dash
            .store
            .agreement_standings()
            .await?
            .into_iter()
            .map(|s| (s.agreement.hash, s.agreement.title))
            .collect();
        Ok(Configurations { schools, kiosks, titles })
    }

    fn office(&self, site: SiteId) -> Option<&IssuedConfiguration> {
        self.schools.iter().find(|(s, _)| s.id == site).and_then(|(_, issued)| issued.as_ref())
    }

    /// Above the kiosk list: the version each school's kiosks take now.
    pub(super) fn summary(&self) -> Markup {
        let several = self.schools.len() > 1;
        html! {
            @for (site, office) in &self.schools {
                @match office {
                    Some(office) => p {
                        @if several { strong { (site.name) } ": " }
                        (tm("configuration.summary", &[
                            ("version", html! { strong { (office.version) } }),
                            ("when", html! { (office.issued_at) }),
                            ("who", html! { (office.issued_by) }),
                        ]))
                    },
                    None => p.hint { @if several { (site.name) ": " } (t("configuration.none")) },
                }
            }
        }
    }

    /// The "Configuration" cell of one kiosk of school `site`.
    pub(super) fn version_cell(&self, device: &Uuid, site: SiteId) -> Markup {
        let kiosk = self.kiosks.get(device);
        html! {
            @match (kiosk, self.office(site)) {
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
    pub(super) fn current_cell(&self, device: &Uuid, site: SiteId) -> Markup {
        let Some(kiosk) = self.kiosks.get(device) else { return html! { "-" } };
        let office = self.office(site).map(|o| &o.content.current);
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
