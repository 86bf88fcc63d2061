//! Pages that fail, for errbacks: `/fail/` links to a 404, a 500, a response cut off
//! mid-body and a page that works.

use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::pages::document;

/// The links of `/fail/`, in order: each fails differently, but the last.
pub const FAILING_LINKS: &[&str] = &["/status/404", "/status/500", "/fail/truncated", "/page/1/"];

/// `/fail/`: links to [`FAILING_LINKS`].
pub(super) async fn index() -> Response {
    let mut body = String::from("<h1>Failures</h1>\n<ul>\n");
    for link in FAILING_LINKS {
        body.push_str(&format!("<li><a href=\"{link}\">{link}</a></li>\n"));
    }
    body.push_str("</ul>\n");
    Html(document("Failures", &body)).into_response()
}

/// `/fail/truncated`: a 200 whose chunked body breaks off (the server closes the connection
/// before the response is whole), so the download fails at once rather than hanging.
pub(super) async fn truncated() -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"<html><head><title>Cut")),
        Err(std::io::Error::other("the demo site cuts this body off")),
    ];
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html")],
        Body::from_stream(futures::stream::iter(chunks)),
    )
        .into_response()
}
