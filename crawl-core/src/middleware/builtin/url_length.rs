//! UrlLengthMiddleware: drops requests (start requests and those callbacks yield) whose
//! URL is longer than `URLLENGTH_LIMIT` characters (0 turns the check off).
//!
//! Stat: `urllength/request_ignored_count`.

use std::sync::Arc;

use futures::StreamExt;

use crate::middleware::{Origin, SpiderMiddleware, SpiderMiddlewareEntry};
use crate::{Crawler, Output, OutputStream, Stats};

pub(super) const ENTRY: SpiderMiddlewareEntry = SpiderMiddlewareEntry {
    name: "UrlLengthMiddleware",
    order: 800,
    create: |settings| {
        let limit = settings.urllength_limit;
        (limit > 0).then(|| Arc::new(UrlLength(limit)) as Arc<dyn SpiderMiddleware>)
    },
};

/// The longest URL allowed.
struct UrlLength(usize);

impl UrlLength {
    /// `outputs` without the requests whose URL is too long.
    fn filter(&self, outputs: OutputStream, stats: Stats) -> OutputStream {
        let limit = self.0;
        Box::pin(outputs.filter(move |output| {
            let keep = match output {
                Output::Request(request) if request.url.as_str().len() > limit => {
                    tracing::debug!("Ignoring link (url length > {limit}): {}", request.url);
                    stats.inc("urllength/request_ignored_count");
                    false
                }
                _ => true,
            };
            std::future::ready(keep)
        }))
    }
}

impl SpiderMiddleware for UrlLength {
    fn process_start(&self, start: OutputStream, crawler: &Crawler) -> OutputStream {
        self.filter(start, crawler.stats().clone())
    }

    fn process_spider_output(
        &self,
        _: Arc<Origin>,
        outputs: OutputStream,
        crawler: &Crawler,
    ) -> OutputStream {
        self.filter(outputs, crawler.stats().clone())
    }
}
