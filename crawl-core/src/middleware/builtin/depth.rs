//! DepthMiddleware: sets each request's depth (its response's depth + 1), drops requests
//! deeper than `DEPTH_LIMIT`, adjusts priority by `DEPTH_PRIORITY`, keeps depth stats.

use std::sync::Arc;

use futures::StreamExt;

use crate::middleware::{Origin, SpiderMiddleware, SpiderMiddlewareEntry};
use crate::{Crawler, Output, OutputStream};

pub(super) const ENTRY: SpiderMiddlewareEntry = SpiderMiddlewareEntry {
    name: "DepthMiddleware",
    order: 900,
    create: |settings| {
        Some(Arc::new(Depth {
            limit: settings.depth_limit,
            priority: settings.depth_priority,
            verbose: settings.depth_stats_verbose,
        }))
    },
};

struct Depth {
    limit: u32,
    priority: i32,
    verbose: bool,
}

impl SpiderMiddleware for Depth {
    fn process_spider_output(
        &self,
        origin: Arc<Origin>,
        outputs: OutputStream,
        crawler: &Crawler,
    ) -> OutputStream {
        let (limit, priority, verbose) = (self.limit, self.priority, self.verbose);
        let stats = crawler.stats().clone();
        let depth = origin.depth + 1;
        let mut recorded = false;
        Box::pin(outputs.filter_map(move |output| {
            let kept = match output {
                Output::Request(mut request) => {
                    request.depth = depth;
                    if limit > 0 && depth > limit {
                        tracing::debug!("Ignoring link (depth > {limit}): {}", request.url);
                        None
                    } else {
                        request.priority -= depth as i32 * priority;
                        // Every request of one response has the same depth: record it once.
                        if !recorded {
                            recorded = true;
                            stats.max("request_depth_max", i64::from(depth));
                        }
                        if verbose {
                            stats.inc_named("request_depth_count/", depth);
                        }
                        Some(Output::Request(request))
                    }
                }
                other => Some(other),
            };
            std::future::ready(kept)
        }))
    }
}
