//! HTML rendering and handlers of the content pages (quotes, authors, tags,
//! book tree, files).

use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::data::{self, Quote};

/// Escapes text for HTML content and double-quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A full HTML document with `title` (escaped here) and an already-rendered `body`.
pub(super) fn document(title: &str, body: &str) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{body}</body></html>\n",
        escape(title)
    )
}

/// A small HTML page with `title` as `<title>` and `<h1>`, answered with `status`.
pub(super) fn simple_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!("<h1>{}</h1>\n<p>{}</p>\n", escape(title), escape(message));
    (status, Html(document(title, &body))).into_response()
}

/// The 404 page used for every unknown resource.
pub(super) fn not_found() -> Response {
    simple_page(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested page does not exist.",
    )
}

fn render_quote(quote: &Quote) -> String {
    let tags: Vec<String> = quote
        .tags
        .iter()
        .map(|t| {
            format!(
                "<a class=\"tag\" href=\"/tag/{}/page/1/\">{}</a>",
                escape(t),
                escape(t)
            )
        })
        .collect();
    format!(
        "<div class=\"quote\" itemscope>\n\
         <span class=\"text\" itemprop=\"text\">“{}”</span>\n\
         <span>by <small class=\"author\" itemprop=\"author\">{}</small>\n\
         <a href=\"/author/{}/\">(about)</a></span>\n\
         <div class=\"tags\">Tags: {}</div>\n\
         </div>\n",
        escape(&quote.text),
        escape(quote.author),
        escape(quote.author_slug),
        tags.join(" ")
    )
}

/// Renders a pager; `prefix` is the path before the page number (e.g. `/page/`).
fn render_pager(prefix: &str, page: usize, last: usize) -> String {
    let mut out = String::from("<nav><ul class=\"pager\">");
    if page > 1 {
        out.push_str(&format!(
            "<li class=\"previous\"><a href=\"{prefix}{}/\">← Previous</a></li>",
            page - 1
        ));
    }
    if page < last {
        out.push_str(&format!(
            "<li class=\"next\"><a href=\"{prefix}{}/\">Next →</a></li>",
            page + 1
        ));
    }
    out.push_str("</ul></nav>\n");
    out
}

/// HTML of main-list page `page`, or `None` when out of range.
pub(super) fn quote_page_html(page: usize) -> Option<String> {
    let quotes = data::quotes_on_page(page)?;
    let mut body: String = quotes.iter().map(render_quote).collect();
    body.push_str(&render_pager("/page/", page, data::PAGES));
    Some(document("Quotes to Scrape", &body))
}

/// HTML of `/tag/TAG/page/N/`, or `None` for an unknown tag or page.
pub(super) fn tag_page_html(tag: &str, page: usize) -> Option<String> {
    let quotes = data::quotes_with_tag(tag);
    let last = quotes.len().div_ceil(data::QUOTES_PER_PAGE);
    if page == 0 || page > last {
        return None;
    }
    let mut body = format!("<h3>Viewing tag: {}</h3>\n", escape(tag));
    for quote in quotes
        .iter()
        .skip((page - 1) * data::QUOTES_PER_PAGE)
        .take(data::QUOTES_PER_PAGE)
    {
        body.push_str(&render_quote(quote));
    }
    body.push_str(&render_pager(
        &format!("/tag/{}/page/", escape(tag)),
        page,
        last,
    ));
    Some(document("Quotes to Scrape", &body))
}

/// HTML of `/author/SLUG/`, or `None` for an unknown slug.
pub(super) fn author_page_html(slug: &str) -> Option<String> {
    let author = data::author(slug)?;
    let body = format!(
        "<div class=\"author-details\">\n\
         <h3 class=\"author-title\">{}</h3>\n\
         <p><strong>Born:</strong> <span class=\"author-born-date\">{}</span> \
         <span class=\"author-born-location\">in {}</span></p>\n\
         <p><strong>Description:</strong></p>\n\
         <div class=\"author-description\">{}</div>\n\
         </div>\n",
        escape(author.name),
        escape(&author.born_date),
        escape(author.born_location),
        escape(&author.description)
    );
    Some(document(author.name, &body))
}

/// HTML of a `/book/` page, or `None` for an unknown path.
pub(super) fn book_page_html(path: &str) -> Option<String> {
    let page = data::book_page(path)?;
    let mut body = format!(
        "<h1 id=\"top\">{}</h1>\n<p>A page of the demo book.</p>\n<ul>\n",
        escape(page.title)
    );
    for href in page.hrefs {
        body.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>\n",
            escape(href),
            escape(href)
        ));
    }
    body.push_str("</ul>\n");
    Some(document(page.title, &body))
}

fn parse_page(raw: &str) -> Option<usize> {
    raw.parse().ok()
}

fn html_or_404(html: Option<String>) -> Response {
    match html {
        Some(html) => Html(html).into_response(),
        None => not_found(),
    }
}

/// `/`: same as `/page/1/`.
pub(super) async fn index() -> Response {
    html_or_404(quote_page_html(1))
}

/// `/page/{n}/`: quotes page `n` (1..=PAGES), 404 otherwise.
pub(super) async fn quote_page(Path(n): Path<String>) -> Response {
    html_or_404(parse_page(&n).and_then(quote_page_html))
}

/// `/author/{slug}/`: author details, 404 for an unknown slug.
pub(super) async fn author_page(Path(slug): Path<String>) -> Response {
    html_or_404(author_page_html(&slug))
}

/// `/tag/{tag}/`: same as `/tag/{tag}/page/1/`.
pub(super) async fn tag_index(Path(tag): Path<String>) -> Response {
    html_or_404(tag_page_html(&tag, 1))
}

/// `/tag/{tag}/page/{n}/`: quotes with that tag, 404 for unknown tag or page.
pub(super) async fn tag_page(Path((tag, n)): Path<(String, String)>) -> Response {
    html_or_404(parse_page(&n).and_then(|n| tag_page_html(&tag, n)))
}

/// `/private/secret.html`: disallowed by robots.txt.
pub(super) async fn secret() -> Response {
    simple_page(
        StatusCode::OK,
        "Secret",
        "Robots-obeying crawlers must never see this page.",
    )
}

/// `/book/`: 301 to `/book/index.html`.
pub(super) async fn book_root() -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, "/book/index.html")],
    )
        .into_response()
}

/// `/book/{*rest}`: a page of the static book tree, 404 otherwise.
pub(super) async fn book(Path(rest): Path<String>) -> Response {
    html_or_404(book_page_html(&format!("/book/{rest}")))
}

/// `/files/`: lists every file as `<a class="file" href="/files/NAME">NAME</a>`.
pub(super) async fn files_index() -> Response {
    let mut body = String::from("<h1>Files</h1>\n<ul>\n");
    for name in data::FILE_NAMES {
        body.push_str(&format!(
            "<li><a class=\"file\" href=\"/files/{}\">{}</a></li>\n",
            escape(name),
            escape(name)
        ));
    }
    body.push_str("</ul>\n");
    Html(document("Files", &body)).into_response()
}

/// `/files/{name}`: the bytes of [`data::file`] with its content type, 404 otherwise.
pub(super) async fn file(Path(name): Path<String>) -> Response {
    match data::file(&name) {
        Some(file) => ([(header::CONTENT_TYPE, file.content_type)], file.bytes).into_response(),
        None => not_found(),
    }
}

#[derive(Deserialize)]
pub(super) struct BornQuery {
    author: Option<String>,
}

/// `/api/born?author=SLUG`: the author's born date as `text/plain`; 404 for a
/// missing or unknown author.
pub(super) async fn api_born(Query(q): Query<BornQuery>) -> Response {
    match q.author.as_deref().and_then(data::author) {
        Some(author) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            author.born_date.clone(),
        )
            .into_response(),
        None => not_found(),
    }
}

/// `/offsite`: links to `http://offsite.invalid/` and `/page/1/`.
pub(super) async fn offsite() -> Response {
    let body = "<h1>Offsite</h1>\n\
                <a href=\"http://offsite.invalid/\">elsewhere</a>\n\
                <a href=\"/page/1/\">first page</a>\n";
    Html(document("Offsite", body)).into_response()
}
