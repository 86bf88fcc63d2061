//! Download slots: per-domain concurrency and delay, as in Scrapy, with `DOWNLOAD_SLOTS`
//! overrides per slot and a delay that AutoThrottle may change while crawling.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How long an unused slot is kept before it is forgotten (Scrapy's slot GC age).
const SLOT_IDLE_AGE: Duration = Duration::from_secs(60);

/// One entry of `DOWNLOAD_SLOTS`: what differs for that slot from the defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotConfig {
    /// Downloads at once in this slot (default `CONCURRENT_REQUESTS_PER_DOMAIN`).
    pub concurrency: Option<usize>,
    /// Seconds between two downloads (default `DOWNLOAD_DELAY`).
    pub delay: Option<f64>,
    /// Randomize the delay 0.5x–1.5x (default `RANDOMIZE_DOWNLOAD_DELAY`).
    pub randomize_delay: Option<bool>,
    /// `false` keeps AutoThrottle off this slot.
    pub throttle: Option<bool>,
}

/// Parses `DOWNLOAD_SLOTS`: `{"example.com": {"concurrency": 1, "delay": 2.0}}`; empty is none.
pub fn parse_download_slots(text: &str) -> Result<HashMap<String, SlotConfig>, String> {
    if text.trim().is_empty() {
        return Ok(HashMap::new());
    }
    serde_json::from_str(text).map_err(|error| error.to_string())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn to_nanos(delay: Duration) -> u64 {
    u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX)
}

/// One slot: at most `concurrency` downloads at once, started `delay` apart.
pub struct Slot {
    permits: Arc<Semaphore>,
    concurrency: usize,
    delay_nanos: AtomicU64,
    randomize: bool,
    throttle: bool,
    next_start: Mutex<Instant>,
    last_seen: Mutex<Instant>,
}

impl Slot {
    fn new(concurrency: usize, delay: Duration, randomize: bool, throttle: bool) -> Self {
        let concurrency = concurrency.max(1);
        Slot {
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            delay_nanos: AtomicU64::new(to_nanos(delay)),
            randomize,
            throttle,
            next_start: Mutex::new(Instant::now()),
            last_seen: Mutex::new(Instant::now()),
        }
    }

    /// Waits for a free place in the slot and for the delay since the previous start.
    pub async fn acquire(&self) -> OwnedSemaphorePermit {
        self.acquire_paced(false).await
    }

    /// Waits for a free place in the slot and, unless the frontier already `paced` the
    /// request (a shared frontier holds the delay for the whole cluster), for the delay
    /// since the previous start.
    pub async fn acquire_paced(&self, paced: bool) -> OwnedSemaphorePermit {
        let permit = match self.permits.clone().acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => unreachable!("slot semaphores are never closed"),
        };
        let delay = self.delay();
        if !delay.is_zero() && !paced {
            let start = {
                let mut next = lock(&self.next_start);
                let start = (*next).max(Instant::now());
                *next = start + self.randomized(delay);
                start
            };
            tokio::time::sleep_until(start).await;
        }
        *lock(&self.last_seen) = Instant::now();
        permit
    }

    /// How long until the next download may start here (zero: now).
    pub fn wait(&self) -> Duration {
        if self.delay_nanos.load(Ordering::Relaxed) == 0 {
            return Duration::ZERO;
        }
        lock(&self.next_start).saturating_duration_since(Instant::now())
    }

    /// The delay between two starts (before randomization).
    pub fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed))
    }

    /// Changes the delay for the downloads that start from now on.
    pub fn set_delay(&self, delay: Duration) {
        self.delay_nanos.store(to_nanos(delay), Ordering::Relaxed);
    }

    /// The most downloads at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Downloads in progress in this slot.
    pub fn transferring(&self) -> usize {
        self.concurrency - self.permits.available_permits()
    }

    /// Whether AutoThrottle may change this slot's delay (`"throttle": false` says no).
    pub fn throttled(&self) -> bool {
        self.throttle
    }

    /// The wait before the next start: Scrapy's 0.5x to 1.5x when randomized.
    fn randomized(&self, delay: Duration) -> Duration {
        if self.randomize {
            delay.mul_f64(0.5 + fastrand::f64())
        } else {
            delay
        }
    }
}

/// The frontier paces hosts by their slots: `DOWNLOAD_SLOTS`, randomized delays and
/// AutoThrottle hold for leases.
impl crate::frontier::Politeness for Slots {
    fn key(&self, request: &crate::Request) -> Box<str> {
        super::Downloader::slot_key(request).into()
    }
    fn concurrency(&self, key: &str) -> usize {
        self.get(key).concurrency()
    }
    fn delay(&self, key: &str) -> Duration {
        self.get(key).delay()
    }
    fn wait(&self, key: &str) -> Duration {
        self.get(key).wait()
    }
}

/// Every slot of a crawl, keyed by domain or by the request's `download_slot` meta.
pub struct Slots {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    overrides: HashMap<String, SlotConfig>,
    concurrency: usize,
    delay_nanos: AtomicU64,
    randomize: bool,
    last_gc: Mutex<Instant>,
}

impl Slots {
    /// Slots with the given default concurrency and delay, and per-slot `overrides`.
    pub fn new(
        concurrency: usize,
        delay: Duration,
        randomize: bool,
        overrides: HashMap<String, SlotConfig>,
    ) -> Self {
        Slots {
            slots: Mutex::new(HashMap::new()),
            overrides,
            concurrency,
            delay_nanos: AtomicU64::new(to_nanos(delay)),
            randomize,
            last_gc: Mutex::new(Instant::now()),
        }
    }

    /// The slot for `key`, created on first use; slots unused for a minute are forgotten.
    pub fn get(&self, key: &str) -> Arc<Slot> {
        let mut slots = lock(&self.slots);
        if let Some(slot) = slots.get(key) {
            return slot.clone();
        }
        self.collect_idle(&mut slots);
        let config = self.overrides.get(key).cloned().unwrap_or_default();
        let delay = match config.delay {
            Some(seconds) => Duration::from_secs_f64(seconds.max(0.0)),
            None => self.default_delay(),
        };
        let slot = Arc::new(Slot::new(
            config.concurrency.unwrap_or(self.concurrency),
            delay,
            config.randomize_delay.unwrap_or(self.randomize),
            config.throttle.unwrap_or(true),
        ));
        slots.insert(key.to_owned(), slot.clone());
        slot
    }

    /// The slot for `key` if it exists.
    pub fn existing(&self, key: &str) -> Option<Arc<Slot>> {
        lock(&self.slots).get(key).cloned()
    }

    /// The delay of slots created from now on without a `DOWNLOAD_SLOTS` delay.
    pub fn default_delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed))
    }

    /// Changes the delay of slots created from now on (AutoThrottle's start delay).
    pub fn set_default_delay(&self, delay: Duration) {
        self.delay_nanos.store(to_nanos(delay), Ordering::Relaxed);
    }

    /// Drops slots nobody holds that were last used over a minute ago, at most once a minute.
    fn collect_idle(&self, slots: &mut HashMap<String, Arc<Slot>>) {
        let mut last_gc = lock(&self.last_gc);
        if last_gc.elapsed() < SLOT_IDLE_AGE {
            return;
        }
        *last_gc = Instant::now();
        slots.retain(|_, slot| {
            Arc::strong_count(slot) > 1 || lock(&slot.last_seen).elapsed() < SLOT_IDLE_AGE
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(concurrency: usize, delay: f64) -> Slots {
        Slots::new(
            concurrency,
            Duration::from_secs_f64(delay),
            false,
            HashMap::new(),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn delay_spaces_downloads_of_one_slot() {
        let slots = slots(8, 2.0);
        let start = Instant::now();
        let slot = slots.get("example.com");
        drop(slot.acquire().await);
        drop(slot.acquire().await);
        drop(slot.acquire().await);
        assert_eq!(start.elapsed(), Duration::from_secs(4));
        let other = slots.get("other.com");
        drop(other.acquire().await);
        assert_eq!(start.elapsed(), Duration::from_secs(4));
    }

    #[tokio::test]
    async fn concurrency_caps_permits() {
        let slots = slots(2, 0.0);
        let slot = slots.get("h");
        let a = slot.acquire().await;
        let _b = slot.acquire().await;
        assert_eq!(slot.permits.available_permits(), 0);
        assert_eq!(slot.transferring(), 2);
        drop(a);
        assert_eq!(slot.permits.available_permits(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn download_slots_override_one_slot() {
        let overrides =
            parse_download_slots(r#"{"slow.com": {"concurrency": 1, "delay": 3.0, "randomize_delay": false, "throttle": false}}"#).unwrap();
        let slots = Slots::new(8, Duration::ZERO, true, overrides);
        let slow = slots.get("slow.com");
        assert_eq!(
            (slow.concurrency(), slow.delay(), slow.throttled()),
            (1, Duration::from_secs(3), false)
        );
        let start = Instant::now();
        drop(slow.acquire().await);
        drop(slow.acquire().await);
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(3),
            "not randomized by the override"
        );
        let fast = slots.get("fast.com");
        assert_eq!(
            (fast.concurrency(), fast.delay(), fast.throttled()),
            (8, Duration::ZERO, true)
        );
        assert!(parse_download_slots(r#"{"a": {"concurency": 1}}"#).is_err());
        assert!(parse_download_slots(" ").unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn changed_delays_apply_to_later_starts_and_new_slots() {
        let slots = slots(8, 0.0);
        let slot = slots.get("h");
        slot.set_delay(Duration::from_secs(1));
        slots.set_default_delay(Duration::from_secs(5));
        let start = Instant::now();
        drop(slot.acquire().await);
        drop(slot.acquire().await);
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        assert_eq!(slots.get("new").delay(), Duration::from_secs(5));
        assert!(slots.existing("h").is_some() && slots.existing("missing").is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn idle_slots_are_forgotten() {
        let slots = slots(8, 0.0);
        drop(slots.get("old").acquire().await);
        tokio::time::advance(SLOT_IDLE_AGE + Duration::from_secs(1)).await;
        let held = slots.get("held");
        tokio::time::advance(SLOT_IDLE_AGE + Duration::from_secs(1)).await;
        let _new = slots.get("new");
        assert!(slots.existing("old").is_none());
        assert!(slots.existing("held").is_some(), "a slot in use is kept");
        drop(held);
    }
}
