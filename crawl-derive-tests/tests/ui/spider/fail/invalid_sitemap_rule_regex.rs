use crawl_core::prelude::*;
use crawl_core::sitemap::Sitemaps;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response, crawler: &Crawler) -> Result<Vec<Request>> {
        let sitemaps = Sitemaps::new(Self::parse, Self::parse_page).rule("/product/[a-", Self::parse_page)?;
        Ok(sitemaps.requests(&response, crawler.stats()).collect())
    }

    async fn parse_page(&self, _response: Response) {}
}

fn main() {}
