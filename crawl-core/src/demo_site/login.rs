//! A login form with a CSRF token, and a page only a logged-in user sees: `/login` (GET
//! shows the form, POST checks it), `/members/` (the member page, else a redirect to
//! `/login`).
//!
//! The CSRF token is both a hidden field and a `csrftoken` cookie; a POST whose field and
//! cookie differ, or whose token the site never issued, is refused with 403. A good user name
//! and password set a `session` cookie and redirect to `/members/`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::pages::{document, escape, simple_page};
use super::{lock, SiteState};

/// The user name the demo site's login form accepts.
pub const LOGIN_USERNAME: &str = "admin";
/// The password the demo site's login form accepts.
pub const LOGIN_PASSWORD: &str = "s3cret";
/// The notes `/members/` lists (as `<li class="note">`), to a logged-in user only.
pub const MEMBER_NOTES: &[&str] = &[
    "The spare key is under the third flowerpot.",
    "Quarterly numbers are up 12%.",
    "Lunch on Friday is on the house.",
];

/// A fresh token: deterministic per site (a counter, hashed), never repeated.
fn token(state: &SiteState, kind: &str) -> String {
    let n = state.tokens.fetch_add(1, Ordering::Relaxed);
    format!(
        "{kind}-{:016x}",
        xxhash_rust::xxh3::xxh3_64(&n.to_le_bytes())
    )
}

/// The value of cookie `name` in the request, if any.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    for value in headers.get_all(header::COOKIE) {
        let text = String::from_utf8_lossy(value.as_bytes());
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                if k == name {
                    return Some(v.to_owned());
                }
            }
        }
    }
    None
}

fn set_cookie(response: &mut Response, name: &str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly")) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn login_form(csrf: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Login</h1>\n{error}<form action=\"/login\" method=\"post\" id=\"login\">\n\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\n\
         <label>Username <input type=\"text\" name=\"username\"></label>\n\
         <label>Password <input type=\"password\" name=\"password\"></label>\n\
         <label><input type=\"checkbox\" name=\"remember\" value=\"yes\" checked> Remember me</label>\n\
         <input type=\"submit\" name=\"action\" value=\"Login\">\n\
         </form>\n<form action=\"/search\" method=\"get\" id=\"search\"><input name=\"q\"></form>\n"
    );
    document("Login", &body)
}

/// A login page with a fresh CSRF token, as field and cookie.
fn form_page(state: &SiteState, status: StatusCode, error: Option<&str>) -> Response {
    let csrf = token(state, "csrf");
    lock(&state.csrf_tokens).insert(csrf.clone());
    let mut response = (status, Html(login_form(&csrf, error))).into_response();
    set_cookie(&mut response, "csrftoken", &csrf);
    response
}

/// `GET /login`: the form, with a hidden `csrf_token` and a matching `csrftoken` cookie.
pub(super) async fn login_page(State(state): State<Arc<SiteState>>) -> Response {
    form_page(&state, StatusCode::OK, None)
}

/// `POST /login`: 403 without a valid CSRF token; the form again (200, with an error) for a
/// wrong user name or password; else a `session` cookie and a 302 to `/members/`.
pub(super) async fn login_submit(
    State(state): State<Arc<SiteState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut csrf = None;
    let mut username = None;
    let mut password = None;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match &*k {
            "csrf_token" => csrf = Some(v.into_owned()),
            "username" => username = Some(v.into_owned()),
            "password" => password = Some(v.into_owned()),
            _ => {}
        }
    }
    let issued = csrf
        .as_ref()
        .is_some_and(|t| lock(&state.csrf_tokens).contains(t));
    if !issued || csrf != cookie(&headers, "csrftoken") {
        return simple_page(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "CSRF token missing or incorrect.",
        );
    }
    if username.as_deref() != Some(LOGIN_USERNAME) || password.as_deref() != Some(LOGIN_PASSWORD) {
        return form_page(
            &state,
            StatusCode::OK,
            Some("Invalid username or password."),
        );
    }
    let session = token(&state, "session");
    lock(&state.sessions).insert(session.clone());
    let mut response = (StatusCode::FOUND, [(header::LOCATION, "/members/")]).into_response();
    set_cookie(&mut response, "session", &session);
    response
}

/// `GET /members/`: the member notes to a request with a valid `session` cookie, else a
/// 302 to `/login`.
pub(super) async fn members(State(state): State<Arc<SiteState>>, headers: HeaderMap) -> Response {
    let logged_in = cookie(&headers, "session").is_some_and(|s| lock(&state.sessions).contains(&s));
    if !logged_in {
        return (StatusCode::FOUND, [(header::LOCATION, "/login")]).into_response();
    }
    let mut body =
        format!("<h1>Members</h1>\n<p class=\"user\">Logged in as {LOGIN_USERNAME}</p>\n<ul>\n");
    for note in MEMBER_NOTES {
        body.push_str(&format!("<li class=\"note\">{}</li>\n", escape(note)));
    }
    body.push_str("</ul>\n");
    Html(document("Members", &body)).into_response()
}
