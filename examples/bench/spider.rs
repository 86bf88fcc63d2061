//! The benchmark's spider, written as a user would: every quote of every page, every link
//! followed.

use crawl_core::prelude::*;

/// One quote. The baseline writes the same struct, so both feeds hold identical lines.
#[derive(Debug, Serialize)]
pub struct Quote {
    /// The quote's text, with its curly quotes.
    pub text: String,
    /// Who said it.
    pub author: String,
    /// Its tags.
    pub tags: Vec<String>,
}

/// Yields each `div.quote` and follows each `a[href]` of every page.
#[derive(Default)]
pub struct BenchSpider;

#[spider(name = "bench_spider")]
impl BenchSpider {
    /// A page: its quotes, then a request per link.
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
            });
        }
        for href in response.css("a::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse));
        }
    }
}
