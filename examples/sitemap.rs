//! A sitemap spider (Scrapy's `SitemapSpider`): from a sitemap, a sitemap index or a
//! robots.txt, one item per page the sitemaps list, recursively; nothing else is fetched.
//!
//! ```sh
//! cargo run --release --example sitemap -- -a start_url=https://example.com/robots.txt -o pages.jsonl
//! ```
//! Without `-a start_url=` it starts from the embedded demo site's robots.txt, whose
//! `Sitemap:` line names an index with a plain, a gzip and a nested child.

use std::sync::OnceLock;

use crawl_core::prelude::*;
use crawl_core::sitemap::Sitemaps;

/// One page a sitemap lists.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The page's URL.
    pub url: String,
    /// The text of its `<title>`.
    pub title: String,
}

/// Reads sitemaps and visits the pages they list.
#[derive(Default)]
pub struct SitemapPages {
    sitemaps: OnceLock<Sitemaps>,
}

#[spider(name = "sitemap")]
impl SitemapPages {
    /// A robots.txt, a sitemap index or a sitemap: requests for what it lists, read as the
    /// sitemap streams in.
    async fn parse(&self, response: Response, crawler: &Crawler) {
        let sitemaps = self
            .sitemaps
            .get_or_init(|| Sitemaps::new(Self::parse, Self::parse_page));
        for request in sitemaps.requests(&response, crawler.stats()) {
            yield_!(request);
        }
    }

    /// A page listed in a sitemap.
    async fn parse_page(&self, response: Response) -> Page {
        Page {
            url: response.url.to_string(),
            title: response
                .css("title::text")
                .get()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }
    }
}

crawl_core::main!(demo_site = "/robots.txt");
