//! Sitemaps: an index (`/sitemap.xml`, named by robots.txt) listing a plain sitemap, a
//! gzip-compressed one and a nested index, and a malformed sitemap for error handling.
//!
//! | path | holds |
//! | --- | --- |
//! | `/sitemap.xml` | index: `/sitemaps/pages.xml`, `/sitemaps/authors.xml.gz`, `/sitemaps/more.xml` |
//! | `/sitemaps/pages.xml` | `/page/1/` to `/page/10/`, lastmod `2024-01-NN` |
//! | `/sitemaps/authors.xml.gz` | every `/author/SLUG/`, gzip bytes (no `Content-Encoding`) |
//! | `/sitemaps/more.xml` | index: `/sitemaps/book.xml` |
//! | `/sitemaps/book.xml` | the `/book/` pages; the index page has a `hreflang="fr"` alternate |
//! | `/sitemaps/broken.xml` | one good entry, then XML cut off mid-tag (not in the index) |
//!
//! Locations are absolute, built from the request's `Host` header.

use std::io::Write;

use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::data;
use super::pages::not_found;

/// The sitemap index robots.txt names.
pub const SITEMAP_INDEX: &str = "/sitemap.xml";

/// A malformed sitemap (not listed anywhere): one `<url>`, then the document breaks off.
pub const BROKEN_SITEMAP: &str = "/sitemaps/broken.xml";

/// The one page [`BROKEN_SITEMAP`] lists before it breaks.
pub const BROKEN_SITEMAP_PAGE: &str = "/page/1/";

/// One page the demo sitemaps list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapPage {
    /// The page's path.
    pub path: String,
    /// Its `<title>`.
    pub title: String,
    /// Its `<lastmod>` (`YYYY-MM-DD`).
    pub lastmod: String,
    /// The path of an alternate-language version (`<xhtml:link rel="alternate">`), if any.
    pub alternate: Option<String>,
    /// The path of the sitemap listing it.
    pub sitemap: &'static str,
}

/// Every page the sitemaps reachable from [`SITEMAP_INDEX`] list, sitemap by sitemap.
pub fn sitemap_pages() -> Vec<SitemapPage> {
    let mut pages = Vec::new();
    for n in 1..=data::PAGES {
        pages.push(SitemapPage {
            path: format!("/page/{n}/"),
            title: "Quotes to Scrape".to_owned(),
            lastmod: format!("2024-01-{n:02}"),
            alternate: None,
            sitemap: "/sitemaps/pages.xml",
        });
    }
    for (i, author) in data::authors().iter().enumerate() {
        pages.push(SitemapPage {
            path: format!("/author/{}/", author.slug),
            title: author.name.to_owned(),
            lastmod: format!("2023-{:02}-15", i % 12 + 1),
            alternate: None,
            sitemap: "/sitemaps/authors.xml.gz",
        });
    }
    for page in data::BOOK_PAGES {
        pages.push(SitemapPage {
            path: page.path.to_owned(),
            title: page.title.to_owned(),
            lastmod: "2022-05-01".to_owned(),
            alternate: (page.path == "/book/index.html").then(|| format!("{}?hl=fr", page.path)),
            sitemap: "/sitemaps/book.xml",
        });
    }
    pages
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn index(origin: &str, children: &[&str]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for child in children {
        out.push_str(&format!(
            "  <sitemap><loc>{origin}{child}</loc><lastmod>2024-02-01</lastmod></sitemap>\n"
        ));
    }
    out.push_str("</sitemapindex>\n");
    out
}

fn urlset(origin: &str, sitemap: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for page in sitemap_pages().iter().filter(|p| p.sitemap == sitemap) {
        out.push_str(&format!(
            "  <url>\n    <loc>{origin}{}</loc>\n    <lastmod>{}</lastmod>\n",
            page.path, page.lastmod
        ));
        if let Some(alternate) = &page.alternate {
            out.push_str(&format!(
                "    <xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"{origin}{alternate}\"/>\n"
            ));
        }
        out.push_str("  </url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// `/sitemap.xml`: the sitemap index.
pub(super) async fn sitemap_index(headers: HeaderMap) -> Response {
    let children = [
        "/sitemaps/pages.xml",
        "/sitemaps/authors.xml.gz",
        "/sitemaps/more.xml",
    ];
    xml(index(&origin(&headers), &children))
}

/// `/sitemaps/{name}`: the child sitemaps and nested index described in the module docs.
pub(super) async fn sitemap(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let origin = origin(&headers);
    match name.as_str() {
        "pages.xml" => xml(urlset(&origin, "/sitemaps/pages.xml")),
        "book.xml" => xml(urlset(&origin, "/sitemaps/book.xml")),
        "more.xml" => xml(index(&origin, &["/sitemaps/book.xml"])),
        "authors.xml.gz" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-gzip")],
            gzip(urlset(&origin, "/sitemaps/authors.xml.gz").as_bytes()),
        )
            .into_response(),
        "broken.xml" => xml(format!(
            "<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
             <url><loc>{origin}{BROKEN_SITEMAP_PAGE}</loc></url>\n<url><loc>{origin}/page/2/</loc></ur\n<<<"
        )),
        _ => not_found(),
    }
}

/// `/robots.txt`: [`data::ROBOTS_TXT`] and a `Sitemap:` line naming [`SITEMAP_INDEX`].
pub(super) async fn robots(headers: HeaderMap) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "{}Sitemap: {}{SITEMAP_INDEX}\n",
            data::ROBOTS_TXT,
            origin(&headers)
        ),
    )
        .into_response()
}
