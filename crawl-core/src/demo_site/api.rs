//! A paged JSON API over the quotes, shaped as quotes.toscrape.com's `/api/quotes`.

use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::data;

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<String>,
}

/// `/api/quotes?page=N` (N from 1, default 1): `{"page": N, "has_next": bool, "quotes":
/// [{"text", "author": {"name", "slug"}, "tags"}], "tag": null}` with the quotes of
/// `/page/N/`; a page out of range or not a number is a 404 with `{"error": ...}`.
pub(super) async fn quotes(Query(query): Query<PageQuery>) -> Response {
    let page = match query.page.as_deref() {
        None => Some(1),
        Some(text) => text.parse::<usize>().ok(),
    };
    let Some((page, quotes)) = page.and_then(|n| Some((n, data::quotes_on_page(n)?))) else {
        return json(
            StatusCode::NOT_FOUND,
            json!({"error": "no such page", "pages": data::PAGES}),
        );
    };
    let quotes: Vec<_> = quotes
        .iter()
        .map(|q| {
            json!({
                "text": q.text,
                "author": {"name": q.author, "slug": q.author_slug},
                "tags": q.tags,
            })
        })
        .collect();
    json(
        StatusCode::OK,
        json!({"page": page, "has_next": page < data::PAGES, "quotes": quotes, "tag": null}),
    )
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}
