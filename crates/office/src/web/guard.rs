//! The one place the dashboard checks what an account may do. Each route
//! sits in a group of [`super::router`] that needs one [`Permission`];
//! [`needs`] puts this guard in front of the group. A visitor who is not
//! logged in goes to the login page; an account whose role lacks the
//! permission gets a 403 page that says whom to ask, and the attempt goes
//! to the audit log. Hiding menu entries is only a courtesy on top.

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::page_error::PageError;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::store::Permission;

/// What the guard of one route group checks.
#[derive(Debug, Clone)]
struct Rule {
    dash: SharedDashboard,
    permission: Permission,
}

/// `routes`, each answered only for an account whose role has `permission`.
pub(super) fn needs(
    dash: &SharedDashboard,
    permission: Permission,
    routes: Router<SharedDashboard>,
) -> Router<SharedDashboard> {
    routes.route_layer(from_fn_with_state(Rule { dash: dash.clone(), permission }, guard))
}

/// `routes`, answered only for the trust's staff: what applies to every
/// school (agreements, the purge, the export language, adding and renaming
/// schools) is the trust's to change, and an account limited to some
/// schools is refused it. (Kiosk settings and the privacy notice are the
/// trust's or a school's own: their handlers check which.) Goes inside [`needs`], which finds the
/// account first.
pub(super) fn trust_only(routes: Router<SharedDashboard>) -> Router<SharedDashboard> {
    routes.route_layer(axum::middleware::from_fn(refuse_schools))
}

async fn refuse_schools(request: Request, next: Next) -> Response {
    match request.extensions().get::<Staff>() {
        Some(staff) if staff.scope().is_trust() => next.run(request).await,
        _ => PageError::TrustOnly.into_response(),
    }
}

async fn guard(State(rule): State<Rule>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let staff = match Staff::from_request_parts(&mut parts, &rule.dash).await {
        Ok(staff) => staff,
        Err(to_login) => return to_login,
    };
    if !staff.can(rule.permission) {
        let needs = match rule.permission {
            Permission::Publish => "the publishing permission".to_owned(),
            other => format!("the {} role", other.least_role()),
        };
        let detail = format!(
            "{} {}: needs {needs}, the account has the {} role",
            parts.method,
            parts.uri.path(),
            staff.session.role
        );
        tracing::warn!(account = %staff.name(), "refused: {detail}");
        if let Err(error) = rule.dash.store.audit(staff.name(), "refused", &detail, Utc::now()).await {
            return PageError::from(error).into_response();
        }
        return PageError::Forbidden(rule.permission).into_response();
    }
    // The handler's own `Staff` is this one: the session is looked up once.
    parts.extensions.insert(staff);
    next.run(Request::from_parts(parts, body)).await
}
