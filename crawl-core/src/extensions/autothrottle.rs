//! AutoThrottle (`AUTOTHROTTLE_ENABLED`): adjusts each download slot's delay to the
//! server's latency, as Scrapy's extension does.
//!
//! New slots start at `max(DOWNLOAD_DELAY, AUTOTHROTTLE_START_DELAY)`. On each downloaded
//! response, `target = latency / AUTOTHROTTLE_TARGET_CONCURRENCY` and the slot's delay
//! becomes `max(target, (delay + target) / 2)`, kept within `[DOWNLOAD_DELAY,
//! AUTOTHROTTLE_MAX_DELAY]`; a non-200 response never lowers it. `AUTOTHROTTLE_DEBUG` logs
//! every adjustment. A slot configured with `"throttle": false` in `DOWNLOAD_SLOTS` is left
//! alone.

use std::sync::Arc;
use std::time::Duration;

use super::handler;
use crate::downloader::{Downloader, DOWNLOAD_LATENCY_META};
use crate::signals::{Signal, SignalHandler, SignalKind};
use crate::{Crawler, Response, Settings};

/// The delay policy, with its bounds in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoThrottle {
    target_concurrency: f64,
    start_delay: f64,
    min_delay: f64,
    max_delay: f64,
    debug: bool,
}

impl AutoThrottle {
    /// The policy of `settings`; `None` when disabled or when the target concurrency is not
    /// positive.
    pub fn from_settings(settings: &Settings) -> Option<Self> {
        if !settings.autothrottle_enabled {
            return None;
        }
        if settings.autothrottle_target_concurrency <= 0.0 {
            tracing::error!(
                "AutoThrottle is disabled: AUTOTHROTTLE_TARGET_CONCURRENCY must be positive, not {}",
                settings.autothrottle_target_concurrency
            );
            return None;
        }
        let min_delay = settings.download_delay.max(0.0);
        Some(AutoThrottle {
            target_concurrency: settings.autothrottle_target_concurrency,
            start_delay: settings.autothrottle_start_delay.max(min_delay),
            min_delay,
            max_delay: settings.autothrottle_max_delay,
            debug: settings.autothrottle_debug,
        })
    }

    /// The delay new slots start with.
    pub fn start_delay(&self) -> f64 {
        self.start_delay
    }

    /// The new delay of a slot whose delay is `old` after a response with `status` that
    /// took `latency` seconds; `None` when it stays as it is.
    pub fn adjusted_delay(&self, old: f64, latency: f64, status: u16) -> Option<f64> {
        let target = latency / self.target_concurrency;
        let new = target.max((old + target) / 2.0);
        let new = new.max(self.min_delay).min(self.max_delay);
        // Error pages and redirects are small and fast: they must not speed the crawl up.
        if status != 200 && new <= old {
            return None;
        }
        Some(new)
    }

    fn response_downloaded(&self, response: &Response, crawler: &Crawler) {
        let Some(latency) = response
            .meta()
            .get(DOWNLOAD_LATENCY_META)
            .and_then(|v| v.as_f64())
        else {
            return;
        };
        let key = Downloader::slot_key(&response.request);
        let Some(slot) = crawler.downloader().slots().existing(key) else {
            return;
        };
        if !slot.throttled() {
            return;
        }
        let old = slot.delay().as_secs_f64();
        let Some(new) = self.adjusted_delay(old, latency, response.status.as_u16()) else {
            return;
        };
        slot.set_delay(Duration::from_secs_f64(new.max(0.0)));
        if self.debug {
            tracing::info!(
                "slot: {key} | conc:{:2} | delay:{:5} ms ({:+}) | latency:{:5} ms | size:{:6} bytes",
                slot.transferring(),
                millis(new),
                millis(new - old),
                millis(latency),
                response.body.len(),
            );
        }
    }
}

/// Seconds as whole milliseconds, for the debug log.
fn millis(seconds: f64) -> i64 {
    (seconds * 1000.0) as i64
}

/// AutoThrottle's handlers: `spider_opened` sets the start delay, `response_received` adjusts.
pub fn handlers(settings: &Settings) -> Vec<Arc<dyn SignalHandler>> {
    let Some(throttle) = AutoThrottle::from_settings(settings).map(Arc::new) else {
        return Vec::new();
    };
    let start = throttle.start_delay;
    let opened = handler(SignalKind::SpiderOpened, move |_, crawler| {
        crawler
            .downloader()
            .slots()
            .set_default_delay(Duration::from_secs_f64(start));
    });
    let received = handler(SignalKind::ResponseReceived, move |signal, crawler| {
        if let Signal::ResponseReceived { response } = signal {
            throttle.response_downloaded(response, crawler);
        }
    });
    vec![opened, received]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(pairs: &[(&str, &str)]) -> AutoThrottle {
        let mut settings = Settings::default();
        settings
            .apply_pairs(
                [("AUTOTHROTTLE_ENABLED", "true")]
                    .iter()
                    .copied()
                    .chain(pairs.iter().copied()),
            )
            .unwrap();
        AutoThrottle::from_settings(&settings).unwrap()
    }

    #[test]
    fn scrapy_delay_arithmetic() {
        let at = throttle(&[
            ("AUTOTHROTTLE_TARGET_CONCURRENCY", "2"),
            ("AUTOTHROTTLE_MAX_DELAY", "10"),
        ]);
        // target = 3 / 2 = 1.5; mean of 5 and 1.5 = 3.25, larger than the target.
        assert_eq!(at.adjusted_delay(5.0, 3.0, 200), Some(3.25));
        // target = 8 / 2 = 4 is larger than the mean (1 + 4) / 2 = 2.5.
        assert_eq!(at.adjusted_delay(1.0, 8.0, 200), Some(4.0));
        // Capped by AUTOTHROTTLE_MAX_DELAY.
        assert_eq!(at.adjusted_delay(9.0, 40.0, 200), Some(10.0));
        // A non-200 response only ever raises the delay.
        assert_eq!(at.adjusted_delay(5.0, 3.0, 404), None);
        assert_eq!(at.adjusted_delay(1.0, 8.0, 500), Some(4.0));
        assert_eq!(at.start_delay(), 5.0);
    }

    #[test]
    fn download_delay_is_the_floor_and_start_delay_its_minimum() {
        let at = throttle(&[("DOWNLOAD_DELAY", "2"), ("AUTOTHROTTLE_START_DELAY", "1")]);
        assert_eq!(at.start_delay(), 2.0);
        assert_eq!(at.adjusted_delay(2.0, 0.1, 200), Some(2.0));
        assert!(AutoThrottle::from_settings(&Settings::default()).is_none());
        let mut zero = Settings::default();
        zero.apply_pairs([
            ("AUTOTHROTTLE_ENABLED", "1"),
            ("AUTOTHROTTLE_TARGET_CONCURRENCY", "0"),
        ])
        .unwrap();
        assert!(AutoThrottle::from_settings(&zero).is_none());
    }

    #[test]
    fn delay_converges_to_latency_over_target_concurrency() {
        let at = throttle(&[("AUTOTHROTTLE_START_DELAY", "0")]);
        let mut delay = 0.0;
        for _ in 0..5 {
            delay = at.adjusted_delay(delay, 0.2, 200).unwrap();
        }
        assert_eq!(delay, 0.2);
        // Faster responses halve the distance to the new target each time.
        assert_eq!(at.adjusted_delay(0.2, 0.1, 200), Some(0.15000000000000002));
    }
}
