//! A crawl spider (Scrapy's `CrawlSpider` with one `Rule`): from a start URL, follow the
//! links within its host that match `allow` and not `deny`, one item per page reached.
//!
//! ```sh
//! cargo run --release --example rules -- -a start_url=URL -a allow='/page/\d+/' -a deny=login -o pages.jsonl
//! ```
//! Both patterns are regular expressions searched in the whole URL, and both are optional.
//! Without `-a start_url=` it crawls the embedded demo site.

use std::sync::OnceLock;

use crawl_core::linkextractor::{LinkExtractor, Rule, Rules};
use crawl_core::prelude::*;

/// One page a rule reached.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The page's URL.
    pub url: String,
    /// The text of its `<title>`.
    pub title: String,
}

/// Follows the links the rule allows.
#[derive(Default)]
pub struct RulesSpider {
    rules: OnceLock<Rules>,
}

#[spider(name = "rules", args = ["allow", "deny"])]
impl RulesSpider {
    /// A start page: its links are followed, no item.
    async fn parse(&self, response: Response, crawler: &Crawler) -> Result<Vec<Request>> {
        Ok(self.rules(crawler)?.requests(&response))
    }

    /// A page a rule reached: an item, and its links followed.
    async fn parse_page(&self, response: Response, crawler: &Crawler) {
        yield_!(Page {
            url: response.url.to_string(),
            title: response
                .css("title::text")
                .get()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        });
        match self.rules(crawler) {
            Ok(rules) => {
                for request in rules.requests(&response) {
                    yield_!(request);
                }
            }
            Err(error) => yield_!(Output::Error(error)),
        }
    }

    /// The rules, declared on the spider (so `Self::parse_page` is checked, as a literal
    /// regex would be) and built from the arguments on first use: links within the start
    /// URLs' hosts, matching `allow` (if given) and not `deny` (if given), to `parse_page`,
    /// followed further. An invalid pattern closes the spider.
    fn rules(&self, crawler: &Crawler) -> Result<&Rules> {
        if let Some(rules) = self.rules.get() {
            return Ok(rules);
        }
        let hosts: Vec<String> = crawler
            .start_urls()
            .iter()
            .filter_map(|url| url.host_str().map(str::to_owned))
            .collect();
        let mut extractor = LinkExtractor::builder().allow_domains(hosts);
        if let Some(allow) = crawler.args().get("allow") {
            extractor = extractor.allow(allow);
        }
        if let Some(deny) = crawler.args().get("deny") {
            extractor = extractor.deny(deny);
        }
        let extractor = match extractor.build() {
            Ok(extractor) => extractor,
            Err(error) => {
                crawler.close_spider("invalid_arguments");
                return Err(error.into());
            }
        };
        let rule = Rule::new(extractor)
            .with_callback(Self::parse_page)
            .follow(true);
        Ok(self.rules.get_or_init(|| Rules::new([rule], Self::parse)))
    }
}

crawl_core::main!(demo_site);
