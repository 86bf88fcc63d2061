//! A spider crate that depends on crawl-core under another name, `my_crawl`: each macro is
//! told so with `crate = my_crawl` (as serde's `#[serde(crate = "...")]`; on a derived item,
//! `#[crawl(crate = my_crawl)]`), and expands to paths under `my_crawl` (this crate has no
//! `crawl_core` to fall back on).

use std::sync::Mutex;

use my_crawl::prelude::*;

/// The reason the `spider_closed` handler received.
pub static CLOSED_REASON: Mutex<String> = Mutex::new(String::new());

/// A page's title, derived through the renamed crate.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[crawl(crate = my_crawl)]
pub struct Title {
    /// The `<title>` text.
    pub title: String,
}

/// Yields each demo-site page's title, following the pagination.
#[derive(Default)]
pub struct Titles;

/// The settings of the `shout` pipeline, derived through the renamed crate.
#[derive(Settings)]
#[settings(prefix = "SHOUT", crate = my_crawl)]
pub struct ShoutSettings {
    /// Appended to every title.
    pub suffix: String,
}

#[spider(
    name = "renamed_titles",
    crate = my_crawl,
    settings(ShoutSettings::suffix = "!")
)]
impl Titles {
    async fn parse(&self, response: Response) {
        yield_!(Title {
            title: response.css("title::text").get().unwrap_or_default(),
        });
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }

    #[on(spider_opened)]
    async fn opened(&self, crawler: &Crawler) {
        crawler.stats().inc("renamed/opened");
    }
}

/// Upper-cases every title, and appends its `SHOUT_SUFFIX` setting.
#[pipeline(order = 100, crate = my_crawl)]
async fn shout(mut item: Title, crawler: &Crawler) -> Title {
    let settings: ShoutSettings = crawler.settings().component();
    item.title = item.title.to_uppercase() + &settings.suffix;
    item
}

/// Counts requests, a middleware fn named freely.
#[middleware(hook = process_request, crate = my_crawl)]
async fn count_requests(request: &mut Request, crawler: &Crawler) {
    let _ = request;
    crawler.stats().inc("renamed/requests");
}

/// Keeps the close reason.
#[on(spider_closed, crate = "my_crawl")]
async fn closed(reason: &str) {
    *CLOSED_REASON.lock().unwrap() = reason.to_owned();
}
