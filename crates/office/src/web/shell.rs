//! The HTML document around every page, the error page, and the stylesheet.

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::{DOCTYPE, Markup, html};

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
    let title = status.canonical_reason().unwrap_or("Error");
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(&format!("{title} · Signbook office")))
            body {
                main #main {
                    h1 { (title) }
                    p.problem role="alert" { (message) }
                    p { a href="/records" { "Back to the records" } }
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
