//! Stats: Scrapy's counters under Scrapy's names, shared by every part of a crawl.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

/// A crawl's stats: named counters and values (`item_scraped_count`, `finish_reason`, ...).
///
/// Cheap to clone; every clone sees the same values.
///
/// ```
/// let stats = crawl_core::Stats::default();
/// stats.inc("item_scraped_count");
/// stats.inc_by("item_scraped_count", 2);
/// assert_eq!(stats.get_i64("item_scraped_count"), 3);
/// ```
#[derive(Clone, Default)]
pub struct Stats {
    values: Arc<Mutex<BTreeMap<Cow<'static, str>, Value>>>,
}

impl std::fmt::Debug for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.lock().iter()).finish()
    }
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<Cow<'static, str>, Value>> {
        // A panic while holding the lock leaves the counters valid: keep using them.
        self.values
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds 1 to the counter `key`.
    pub fn inc(&self, key: impl Into<Cow<'static, str>>) {
        self.inc_by(key, 1);
    }

    /// Adds `by` to the counter `key` (created at 0).
    pub fn inc_by(&self, key: impl Into<Cow<'static, str>>, by: i64) {
        let mut values = self.lock();
        let entry = values.entry(key.into()).or_insert(Value::from(0));
        *entry = Value::from(entry.as_i64().unwrap_or(0) + by);
    }

    /// Adds 1 to the counter named `prefix` then `suffix` (`"downloader/response_status_count/"`
    /// and `200`). The name is built in a reused buffer: only a counter's first count
    /// allocates it.
    ///
    /// ```
    /// let stats = crawl_core::Stats::default();
    /// stats.inc_named("retry/reason_count/", 503);
    /// stats.inc_named("retry/reason_count/", 503);
    /// assert_eq!(stats.get_i64("retry/reason_count/503"), 2);
    /// ```
    pub fn inc_named(&self, prefix: &str, suffix: impl std::fmt::Display) {
        use std::fmt::Write;
        thread_local! {
            static NAME: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        NAME.with(|name| {
            let mut name = name.borrow_mut();
            name.clear();
            name.push_str(prefix);
            let _ = write!(name, "{suffix}");
            let mut values = self.lock();
            match values.get_mut(name.as_str()) {
                Some(entry) => *entry = Value::from(entry.as_i64().unwrap_or(0) + 1),
                None => {
                    values.insert(Cow::Owned(name.clone()), Value::from(1));
                }
            }
        });
    }

    /// Sets `key` to `value`.
    pub fn set(&self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        self.lock().insert(key.into(), value.into());
    }

    /// Keeps the larger of the current value of `key` and `value`.
    pub fn max(&self, key: impl Into<Cow<'static, str>>, value: i64) {
        let mut values = self.lock();
        let entry = values.entry(key.into()).or_insert(Value::from(value));
        if entry.as_i64().is_some_and(|current| current < value) {
            *entry = Value::from(value);
        }
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.lock().get(key).cloned()
    }

    /// The integer value of `key`, 0 when unset.
    pub fn get_i64(&self, key: &str) -> i64 {
        self.get(key).and_then(|value| value.as_i64()).unwrap_or(0)
    }

    /// A copy of every value, sorted by name.
    pub fn snapshot(&self) -> BTreeMap<String, Value> {
        self.lock()
            .iter()
            .map(|(key, value)| (key.to_string(), value.clone()))
            .collect()
    }
}
