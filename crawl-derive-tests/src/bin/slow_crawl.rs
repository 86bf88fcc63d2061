//! A crawl slow enough to interrupt: the `ctrl_c` test sends it SIGINT mid-crawl.

use crawl_core::prelude::*;

#[derive(Serialize)]
struct Visit {
    url: String,
}

#[derive(Default)]
struct Slow;

#[spider(
    name = "slow",
    args = ["ms"],
    settings(concurrent_requests = 2, logstats_interval = 0.2)
)]
impl Slow {
    async fn start_requests(&self, crawler: &Crawler) {
        let ms: u64 = crawler.args().parse("ms")?.unwrap_or(300);
        for page in 0..40 {
            yield_!(Request::new(
                crawler.start_urls()[0].join(&format!("/slow?ms={ms}&page={page}"))?
            ));
        }
    }

    async fn parse(&self, response: Response) -> Visit {
        Visit {
            url: response.url.to_string(),
        }
    }
}

crawl_core::main!();
