//! The periodic progress line: "Crawled N pages (at X pages/min), scraped M items (at Y items/min)".

use std::time::Duration;

use crate::{Settings, Stats};

/// Logs progress every `LOGSTATS_INTERVAL` seconds, with rates over the last interval.
pub(super) struct Progress {
    interval: Option<tokio::time::Interval>,
    minutes: f64,
    last_pages: i64,
    last_items: i64,
}

impl Progress {
    pub(super) fn new(settings: &Settings) -> Self {
        let seconds = settings.logstats_interval;
        let interval = (seconds > 0.0).then(|| {
            let period = Duration::from_secs_f64(seconds);
            let mut interval =
                tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            interval
        });
        Progress {
            interval,
            minutes: seconds / 60.0,
            last_pages: 0,
            last_items: 0,
        }
    }

    /// Completes at the next interval; never when progress logging is off.
    pub(super) async fn tick(&mut self) {
        match &mut self.interval {
            Some(interval) => {
                interval.tick().await;
            }
            None => std::future::pending().await,
        }
    }

    pub(super) fn log(&mut self, stats: &Stats) {
        let pages = stats.get_i64("response_received_count");
        let items = stats.get_i64("item_scraped_count");
        let page_rate = (pages - self.last_pages) as f64 / self.minutes;
        let item_rate = (items - self.last_items) as f64 / self.minutes;
        self.last_pages = pages;
        self.last_items = items;
        tracing::info!(
            "Crawled {pages} pages (at {page_rate:.0} pages/min), scraped {items} items (at {item_rate:.0} items/min)"
        );
    }
}
