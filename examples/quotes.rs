//! The quotes spider: every quote on every page, and every author's page.
//!
//! ```sh
//! cargo run --release --example quotes -- -o quotes.jsonl            # the embedded demo site
//! cargo run --release --example quotes -- -a start_url=URL -o q.jsonl # any quotes-style site
//! ```

use crawl_core::prelude::*;

/// One quote from a listing page.
#[derive(Debug, Serialize)]
pub struct Quote {
    /// The quote's text, with its curly quotes.
    pub text: String,
    /// Who said it.
    pub author: String,
    /// Its tags.
    pub tags: Vec<String>,
}

/// An author's page.
#[derive(Debug, Serialize)]
pub struct Author {
    /// The author's name.
    pub name: String,
    /// Date of birth as the page writes it.
    pub born: String,
    /// Place of birth.
    pub location: String,
}

/// Crawls the listing pages (following "Next") and each author's page.
#[derive(Default)]
pub struct Quotes;

#[spider(name = "quotes", settings(concurrent_requests = 32))]
impl Quotes {
    /// A listing page: yields its quotes, then requests for authors and the next page.
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
            });
        }
        for href in response.css(".author + a::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse_author));
        }
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }

    /// An author's page: one `Author`.
    async fn parse_author(&self, response: Response) -> Author {
        let text = |query| {
            response
                .css(query)
                .get()
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        Author {
            name: text("h3.author-title::text"),
            born: text(".author-born-date::text"),
            location: text(".author-born-location::text")
                .trim_start_matches("in ")
                .to_owned(),
        }
    }
}

crawl_core::main!(demo_site);
