//! Scrapy 2.13's name for the start-requests hook: `start`.
use crawl_core::prelude::*;

#[derive(Default)]
struct Started;

#[spider(name = "started")]
impl Started {
    async fn start(&self, crawler: &Crawler) {
        for url in crawler.start_urls() {
            yield_!(Request::new(url.clone()).with_callback(Self::page));
        }
    }

    async fn page(&self, _response: Response) {}
}

fn main() {}
