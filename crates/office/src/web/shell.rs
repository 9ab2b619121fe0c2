//! The HTML document around every page, the error page, and the stylesheet.

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::{DOCTYPE, Markup, html};

use crate::i18n::t;

/// The document head: title, viewport and the stylesheet.
pub(super) fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            link rel="stylesheet" href="/static/dashboard.css";
        }
    }
}

/// A page that says what went wrong.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = match status.as_u16() {
        400 => t("error.status_400"),
        401 => t("error.status_401"),
        403 => t("error.status_403"),
        404 => t("error.status_404"),
        409 => t("error.status_409"),
        413 => t("error.status_413"),
        422 => t("error.status_422"),
        429 => t("error.status_429"),
        500 => t("error.status_500"),
        _ => t("error.status_other"),
    };
    html! {
        (DOCTYPE)
        html lang=(crate::i18n::current().html_lang()) {
            (head(&format!("{title} · {}", t("frame.brand"))))
            body {
                main #main {
                    h1 { (title) }
                    p.problem role="alert" { (message) }
                    p { a href="/records" { (t("error.back")) } }
                }
            }
        }
    }
}

pub(super) async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        include_str!("dashboard.css"),
    )
}
