//! A generic spider: from a start URL, follow every link within its host and directory, and
//! yield one item per page.
//!
//! ```sh
//! cargo run --release --example follow_all -- -a start_url=http://host/book/index.html -o pages.jsonl
//! ```
//! From `http://host/book/index.html` it crawls everything under `http://host/book/`.
//! Without `-a start_url=` it crawls the embedded demo site.

use crawl_core::prelude::*;
use url::Url;

/// One crawled page.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The page's URL.
    pub url: String,
    /// Its HTTP status.
    pub status: u16,
    /// The text of its `<title>`.
    pub title: String,
    /// How many `<a href>` it has.
    pub links: usize,
}

/// Follows every in-scope link.
#[derive(Default)]
pub struct FollowAll;

/// The part of the web a start URL opens: its origin and directory.
fn scope(start: &Url) -> String {
    start
        .join("./")
        .map(String::from)
        .unwrap_or_else(|_| start.to_string())
}

#[spider(name = "follow_all")]
impl FollowAll {
    /// Yields the page, then a request for every link inside a start URL's directory.
    async fn parse(&self, response: Response, crawler: &Crawler) {
        let hrefs = response.css("a::attr(href)").getall();
        yield_!(Page {
            url: response.url.to_string(),
            status: response.status.as_u16(),
            title: response
                .css("title::text")
                .get()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            links: hrefs.len(),
        });
        let scopes: Vec<String> = crawler.start_urls().iter().map(scope).collect();
        for href in hrefs {
            let Ok(url) = response.urljoin(&href) else {
                continue;
            };
            if scopes
                .iter()
                .any(|scope| url.as_str().starts_with(scope.as_str()))
            {
                yield_!(Request::new(url));
            }
        }
    }
}

crawl_core::main!(demo_site);
