//! The spider toolkit from callbacks: forms, JSON, link extractors, rules, sitemaps.

use crawl_core::linkextractor::{LinkExtractor, Rule, Rules};
use crawl_core::prelude::*;
use crawl_core::sitemap::Sitemaps;

#[derive(Debug, Deserialize, Serialize)]
struct Page {
    n: u32,
}

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response, crawler: &Crawler) {
        let sitemaps = Sitemaps::new(Self::parse, Self::page)
            .rule(r"/product/\d+", Self::page)?
            .follow("products")?
            .lastmod_since("2024-01-01");
        for request in sitemaps.requests(&response, crawler.stats()) {
            yield_!(request);
        }
        let extractor = LinkExtractor::builder()
            .allow(r"/page/\d+/")
            .deny("login")
            .restrict_css("#main")
            .restrict_text("(?i)next")
            .build()?;
        for link in extractor.extract_links(&response) {
            yield_!(response.follow(link.url.as_str(), Self::page));
        }
        for request in self.rules()?.requests(&response) {
            yield_!(request);
        }
        for request in response.follow_all(response.css("a.next"), Self::page) {
            yield_!(request);
        }
        yield_!(FormRequest::from_response(&response)
            .formid("login")
            .formdata([("user", "ada")])
            .with_callback(Self::page)
            .build());
        yield_!(JsonRequest::post("http://127.0.0.1/api", &Page { n: 1 }).map(|r| r.with_callback(Self::page)));
    }

    /// Rules declared on the spider: literal regexes and callbacks checked while compiling.
    fn rules(&self) -> Result<Rules> {
        Ok(Rules::new(
            [
                Rule::new(LinkExtractor::builder().allow(r"/category/\w+").build()?),
                Rule::new(LinkExtractor::builder().allow(r"/item/\d+").deny("print").build()?)
                    .with_callback(Self::page)
                    .follow(false),
            ],
            Self::parse,
        ))
    }

    async fn page(&self, response: Response) -> Result<Page> {
        Ok(response.json()?)
    }
}

fn main() {}
