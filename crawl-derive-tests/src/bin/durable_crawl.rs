//! A crawl of the demo site to kill and resume: the `durable` test runs it with `--job-dir`,
//! kills it with SIGKILL at random instants, and checks that the resumed crawls together
//! wrote exactly the items of one uninterrupted crawl.
//!
//! The start hook yields the ten quote pages with `dont_filter` (so only the job dir's start
//! cursor keeps them from being fetched again); pages lead to authors and tags, tags to their
//! next pages. The spider's state counts the pages parsed, across runs.

use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    page: String,
    text: String,
    author: String,
}

#[derive(Serialize)]
struct Author {
    name: String,
    born: String,
}

#[derive(Default)]
struct Durable;

#[spider(
    name = "durable",
    settings(concurrent_requests = 4, logstats_interval = 0.2)
)]
impl Durable {
    async fn start(&self, crawler: &Crawler) {
        let parsed: u64 = crawler.state().unwrap_or(0);
        crawl_core::tracing::info!("spider state: {parsed} pages parsed before");
        for page in 1..=10 {
            let url = crawler.start_urls()[0].join(&format!("/page/{page}/"))?;
            yield_!(Request::new(url).with_dont_filter());
        }
    }

    async fn parse(&self, response: Response, crawler: &Crawler) {
        let parsed: u64 = crawler.state().unwrap_or(0);
        crawler.set_state(&(parsed + 1))?;
        for quote in response.css("div.quote") {
            yield_!(Quote {
                page: response.url.path().to_owned(),
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
            });
        }
        for href in response.css(".author + a::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse_author));
        }
        for href in response.css("a.tag::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse_tag));
        }
    }

    async fn parse_tag(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                page: response.url.path().to_owned(),
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
            });
        }
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse_tag));
        }
    }

    async fn parse_author(&self, response: Response) -> Author {
        Author {
            name: response
                .css("h3.author-title::text")
                .get()
                .unwrap_or_default(),
            born: response
                .css(".author-born-date::text")
                .get()
                .unwrap_or_default(),
        }
    }
}

crawl_core::main!();
