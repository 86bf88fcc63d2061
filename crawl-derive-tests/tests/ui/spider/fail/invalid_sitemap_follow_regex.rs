use crawl_core::prelude::*;
use crawl_core::sitemap::Sitemaps;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response, crawler: &Crawler) -> Result<Vec<Request>> {
        let sitemaps = Sitemaps::new(Self::parse, Self::parse).follow("sitemap-(news|blog")?;
        Ok(sitemaps.requests(&response, crawler.stats()).collect())
    }
}

fn main() {}
