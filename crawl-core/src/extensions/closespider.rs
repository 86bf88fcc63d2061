//! CloseSpider: closes the spider after `CLOSESPIDER_TIMEOUT` seconds, or once
//! `CLOSESPIDER_ITEMCOUNT` items, `CLOSESPIDER_PAGECOUNT` responses or
//! `CLOSESPIDER_ERRORCOUNT` callback errors were counted, with Scrapy's finish reasons
//! (`closespider_timeout`, `closespider_itemcount`, `closespider_pagecount`,
//! `closespider_errorcount`). Downloads in flight when it closes still finish.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::AbortHandle;

use super::handler;
use crate::signals::{SignalHandler, SignalKind};
use crate::{Crawler, Settings};

/// Counts one signal kind and closes the spider when the count reaches its limit.
struct Counter {
    limit: u64,
    seen: AtomicU64,
    reason: &'static str,
}

impl Counter {
    fn count(&self, crawler: &Crawler) {
        if self.seen.fetch_add(1, Ordering::Relaxed) + 1 == self.limit {
            crawler.close_spider(self.reason);
        }
    }
}

/// CloseSpider's handlers for the limits `settings` set (none when all are 0).
pub fn handlers(settings: &Settings) -> Vec<Arc<dyn SignalHandler>> {
    let mut handlers = Vec::new();
    let limits = [
        (
            settings.closespider_itemcount,
            SignalKind::ItemScraped,
            "closespider_itemcount",
        ),
        (
            settings.closespider_pagecount,
            SignalKind::ResponseReceived,
            "closespider_pagecount",
        ),
        (
            settings.closespider_errorcount,
            SignalKind::SpiderError,
            "closespider_errorcount",
        ),
    ];
    for (limit, kind, reason) in limits {
        if limit > 0 {
            let counter = Counter {
                limit,
                seen: AtomicU64::new(0),
                reason,
            };
            handlers.push(handler(kind, move |_, crawler| counter.count(crawler)));
        }
    }
    let timeout = settings.closespider_timeout;
    if timeout > 0.0 && timeout.is_finite() {
        let timer: Arc<Mutex<Option<AbortHandle>>> = Arc::default();
        let started = timer.clone();
        handlers.push(handler(SignalKind::SpiderOpened, move |_, crawler| {
            let crawler = crawler.clone();
            let task = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs_f64(timeout)).await;
                crawler.close_spider("closespider_timeout");
            });
            *started.lock().unwrap_or_else(|p| p.into_inner()) = Some(task.abort_handle());
        }));
        handlers.push(handler(SignalKind::SpiderClosed, move |_, _| {
            if let Some(task) = timer.lock().unwrap_or_else(|p| p.into_inner()).take() {
                task.abort();
            }
        }));
    }
    handlers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_limits_have_handlers() {
        assert!(handlers(&Settings::default()).is_empty());
        let mut settings = Settings::default();
        settings
            .apply_pairs([
                ("CLOSESPIDER_PAGECOUNT", "3"),
                ("CLOSESPIDER_TIMEOUT", "1.5"),
            ])
            .unwrap();
        let kinds: Vec<SignalKind> = handlers(&settings).iter().map(|h| h.kind()).collect();
        assert_eq!(
            kinds,
            [
                SignalKind::ResponseReceived,
                SignalKind::SpiderOpened,
                SignalKind::SpiderClosed
            ]
        );
    }
}
