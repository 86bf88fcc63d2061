//! Download slots: per-domain concurrency and delay, as in Scrapy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// One slot: at most `concurrency` downloads at once, `delay` apart.
pub struct Slot {
    permits: Arc<Semaphore>,
    delay: Duration,
    randomize: bool,
    next_start: Mutex<Instant>,
}

impl Slot {
    fn new(concurrency: usize, delay: Duration, randomize: bool) -> Self {
        Slot {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            delay,
            randomize,
            next_start: Mutex::new(Instant::now()),
        }
    }

    /// Waits for a free place in the slot and for the delay since the previous download.
    pub async fn acquire(&self) -> OwnedSemaphorePermit {
        let permit = match self.permits.clone().acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => unreachable!("slot semaphores are never closed"),
        };
        if !self.delay.is_zero() {
            let start = {
                let mut next = self.next_start.lock().unwrap_or_else(|p| p.into_inner());
                let start = (*next).max(Instant::now());
                *next = start + self.next_delay();
                start
            };
            tokio::time::sleep_until(start).await;
        }
        permit
    }

    /// The delay before the next download: Scrapy's 0.5x to 1.5x when randomized.
    fn next_delay(&self) -> Duration {
        if self.randomize {
            self.delay.mul_f64(0.5 + fastrand::f64())
        } else {
            self.delay
        }
    }
}

/// Every slot of a crawl, keyed by domain or by the request's `download_slot` meta.
pub struct Slots {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    concurrency: usize,
    delay: Duration,
    randomize: bool,
}

impl Slots {
    /// Slots with the given per-slot concurrency and delay.
    pub fn new(concurrency: usize, delay: Duration, randomize: bool) -> Self {
        Slots {
            slots: Mutex::new(HashMap::new()),
            concurrency,
            delay,
            randomize,
        }
    }

    /// The slot for `key`, created on first use.
    pub fn get(&self, key: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.get(key) {
            return slot.clone();
        }
        let slot = Arc::new(Slot::new(self.concurrency, self.delay, self.randomize));
        slots.insert(key.to_owned(), slot.clone());
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn delay_spaces_downloads_of_one_slot() {
        let slots = Slots::new(8, Duration::from_secs(2), false);
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
        let slots = Slots::new(2, Duration::ZERO, false);
        let slot = slots.get("h");
        let a = slot.acquire().await;
        let _b = slot.acquire().await;
        assert_eq!(slot.permits.available_permits(), 0);
        drop(a);
        assert_eq!(slot.permits.available_permits(), 1);
    }
}
