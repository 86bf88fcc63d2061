//! Middlewares written as free async fns, each named after the hook it implements.
//!
//! - A **downloader middleware**, `process_request`, sees every request before it is
//!   downloaded: it adds an `X-Crawl-Example` header to each (robots.txt included), and
//!   answers requests for [`LOCAL_PATH`] itself with a page built in memory. Returning
//!   `Some(response)` skips the download; the response still goes through the
//!   `process_response` hooks and on to the callback like any other.
//! - A **spider middleware**, `process_spider_output`, sees the stream of every callback's
//!   outputs along with their [`Origin`] (the response's URL, status, depth and meta): it
//!   stamps each quote with the page it came from and drops the quotes with fewer than
//!   [`MIN_TAGS`] tags (counted in the stat `middlewares/quotes_dropped`). Requests pass
//!   through untouched.
//!
//! The spider itself knows nothing of either: it reads the quotes of each listing page,
//! follows "Next", and asks for [`LOCAL_PATH`] once at the start.
//!
//! ```sh
//! cargo run --release --example middlewares -- -o quotes.jsonl            # the embedded demo site
//! cargo run --release --example middlewares -- -s SPIDER_MIDDLEWARES='{"StampAndFilter": null}'
//! ```
//!
//! Like every component, each middleware has a name (`ExampleHeader`, `StampAndFilter`) by
//! which `DOWNLOADER_MIDDLEWARES` / `SPIDER_MIDDLEWARES` move or disable it.

use crawl_core::prelude::*;

/// The header the downloader middleware adds to every request.
pub const HEADER: &str = "x-crawl-example";

/// Its value.
pub const HEADER_VALUE: &str = "middlewares";

/// The path the downloader middleware answers itself: never downloaded.
pub const LOCAL_PATH: &str = "/local/quote-of-the-day/";

/// The page served for [`LOCAL_PATH`]: one quote, in the listing pages' markup.
pub const LOCAL_PAGE: &str = "<html><head><meta charset=\"utf-8\"></head><body>\n\
    <div class=\"quote\"><span class=\"text\">“Answered before the network.”</span>\n\
    <small class=\"author\">A Downloader Middleware</small>\n\
    <a class=\"tag\" href=\"/tag/local/page/1/\">local</a>\n\
    <a class=\"tag\" href=\"/tag/middleware/page/1/\">middleware</a></div>\n\
    </body></html>\n";

/// Quotes with fewer tags than this are dropped by the spider middleware.
pub const MIN_TAGS: usize = 2;

/// One quote.
#[derive(Debug, Serialize)]
pub struct Quote {
    /// The quote's text, with its curly quotes.
    pub text: String,
    /// Who said it.
    pub author: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The path of the page it came from: set by the spider middleware.
    pub page: Option<String>,
}

/// Reads every listing page, and the page at [`LOCAL_PATH`].
#[derive(Default)]
pub struct Middlewares;

#[spider(name = "middlewares")]
impl Middlewares {
    /// The start URL, then [`LOCAL_PATH`] on the same site.
    async fn start_requests(&self, crawler: &Crawler) {
        let start = &crawler.start_urls()[0];
        yield_!(Request::new(start.clone()));
        yield_!(Request::new(start.join(LOCAL_PATH)?));
    }

    /// A listing page: its quotes, then the next page.
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
                page: None,
            });
        }
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }
}

/// Downloader middleware: tags every request; answers [`LOCAL_PATH`] without downloading.
/// Order 543 runs it after the built-in `RobotsTxtMiddleware` (100) and before the
/// `RetryMiddleware` (550).
#[middleware(name = "ExampleHeader", order = 543)]
async fn process_request(request: &mut Request) -> Result<Option<Response>> {
    request.headers.insert(HEADER, HEADER_VALUE.parse()?);
    if request.url.path() != LOCAL_PATH {
        return Ok(None);
    }
    // The status and header map are the `http` crate's types; they need no naming here.
    let mut response = Response::new(
        request.clone(),
        request.url.clone(),
        200u16.try_into()?,
        Default::default(),
        LOCAL_PAGE.into(),
    );
    response
        .headers
        .insert("content-type", "text/html; charset=utf-8".parse()?);
    Ok(Some(response))
}

/// Spider middleware: stamps each quote with its page, drops those with few tags.
#[middleware(name = "StampAndFilter")]
async fn process_spider_output(outputs: OutputStream, origin: &Origin, crawler: &Crawler) {
    let mut outputs = outputs;
    while let Some(output) = outputs.next().await {
        let Output::Item(item) = output else {
            yield_!(output);
            continue;
        };
        match item.downcast::<Quote>() {
            Ok(quote) if quote.tags.len() < MIN_TAGS => {
                crawler.stats().inc("middlewares/quotes_dropped");
            }
            Ok(mut quote) => {
                quote.page = Some(origin.url.path().to_owned());
                yield_!(quote);
            }
            Err(other) => yield_!(Output::Item(other)),
        }
    }
}

crawl_core::main!(demo_site);
