//! A crawl slow enough to interrupt: the `ctrl_c` and `faults_stops` tests send it SIGINT and
//! SIGTERM mid-crawl.
//!
//! `-a ms=N`: each of the 40 pages takes N ms (default 300). `-a fast=K`: the first K pages
//! answer at once and are fetched first (a higher priority), so K items are scraped while the
//! slow pages are still in flight. `-a repeat=R`: each start request is yielded R times, so
//! the duplicate filter drops R - 1 copies of each.

use crawl_core::prelude::*;

/// A component setting of this binary, which the `settings` subcommand lists after the
/// built-in ones (`settings_cli`).
#[derive(Settings)]
#[settings(prefix = "SLOW")]
pub struct SlowSettings {
    /// Pause between two pages, in milliseconds (listed only).
    #[setting(default = 3)]
    pub pause: u32,
}

#[derive(Serialize)]
struct Visit {
    url: String,
    title: String,
    page: u32,
    tags: Vec<String>,
}

#[derive(Default)]
struct Slow;

#[spider(
    name = "slow",
    args = ["ms", "fast", "repeat"],
    settings(concurrent_requests = 2, logstats_interval = 0.2)
)]
impl Slow {
    async fn start_requests(&self, crawler: &Crawler) {
        let ms: u64 = crawler.args().parse("ms")?.unwrap_or(300);
        let fast: u32 = crawler.args().parse("fast")?.unwrap_or(0);
        let repeat: u32 = crawler.args().parse("repeat")?.unwrap_or(1);
        for page in 0..40 {
            let (wait, priority) = if page < fast { (0, 1) } else { (ms, 0) };
            let url = crawler.start_urls()[0].join(&format!("/slow?ms={wait}&page={page}"))?;
            for _ in 0..repeat {
                yield_!(Request::new(url.clone()).with_priority(priority));
            }
        }
    }

    async fn parse(&self, response: Response) -> Visit {
        let page = response
            .url
            .query_pairs()
            .find(|(key, _)| key == "page")
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or_default();
        Visit {
            url: response.url.to_string(),
            title: response.css("title::text").get().unwrap_or_default(),
            page,
            tags: vec!["slow".to_owned(), format!("p{page}")],
        }
    }
}

crawl_core::main!();
