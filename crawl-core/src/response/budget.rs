//! The memory budget for response bodies (`DOWNLOAD_MAXMEMORY`, issue 9): every body being
//! read, decompressed or handed to a callback holds a [`BodyCharge`] as large as the memory it
//! takes, given back when the body is dropped, so the bodies in memory at once stay under one
//! bound whatever `CONCURRENT_REQUESTS` and `DOWNLOAD_MAXSIZE` allow. A body that would go past
//! the budget is refused rather than waited for: a body never waits while holding memory, so
//! bodies cannot wait on each other forever.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use crate::{Settings, Stats};

/// What every response of one crawl shares: the memory budget, the parse limits and the stats
/// that count what they refuse or cut.
pub(crate) struct ResponseLimits {
    /// `DOWNLOAD_MAXMEMORY` in bytes (0: no budget).
    budget: u64,
    /// Bytes charged by live bodies (not kept when there is no budget).
    used: AtomicU64,
    /// `HTML_MAXDEPTH`.
    pub html_maxdepth: usize,
    /// Where refusals and cuts are counted (`None` for responses made outside a crawl).
    pub stats: Option<Stats>,
}

/// The limits of responses made outside a crawl: no budget, the default nesting cap.
static UNLIMITED: LazyLock<Arc<ResponseLimits>> = LazyLock::new(|| {
    Arc::new(ResponseLimits {
        budget: 0,
        used: AtomicU64::new(0),
        html_maxdepth: crate::selector::DEFAULT_MAX_DEPTH,
        stats: None,
    })
});

impl ResponseLimits {
    /// The limits `settings` set, counting into `stats`.
    pub fn new(settings: &Settings, stats: Stats) -> Arc<ResponseLimits> {
        Arc::new(ResponseLimits {
            budget: settings.download_maxmemory,
            used: AtomicU64::new(0),
            html_maxdepth: settings.html_maxdepth,
            stats: Some(stats),
        })
    }

    /// The limits of responses made outside a crawl: no budget, the default nesting cap.
    pub fn unlimited() -> &'static Arc<ResponseLimits> {
        &UNLIMITED
    }

    /// Counts one response whose parse a limit cut, and the `dropped` parts, in the crawl's
    /// stats (none outside a crawl).
    pub fn count_cut(&self, responses: &'static str, parts: &'static str, dropped: u64) {
        if let Some(stats) = &self.stats {
            stats.inc(responses);
            stats.inc_by(parts, dropped as i64);
        }
    }

    /// An empty charge against this budget.
    pub fn charge(self: &Arc<Self>) -> BodyCharge {
        BodyCharge {
            limits: self.clone(),
            bytes: 0,
        }
    }

    /// Bytes charged by the bodies alive now (0 when there is no budget).
    #[cfg(test)]
    pub fn in_use(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// One body's share of the memory budget, given back when dropped.
pub struct BodyCharge {
    limits: Arc<ResponseLimits>,
    bytes: u64,
}

impl std::fmt::Debug for BodyCharge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BodyCharge({} B)", self.bytes)
    }
}

/// A body would take the bodies in memory past `DOWNLOAD_MAXMEMORY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bodies in memory would exceed DOWNLOAD_MAXMEMORY ({budget} B): {in_use} B in use, this body had {body} B and asked for {asked} B more")]
pub struct OverBudget {
    /// The budget in bytes.
    pub budget: u64,
    /// Bytes held by all bodies when this one asked.
    pub in_use: u64,
    /// Bytes this body already held.
    pub body: u64,
    /// Bytes it asked for.
    pub asked: u64,
}

impl BodyCharge {
    /// A charge against no budget, for responses made outside a crawl.
    pub(crate) fn unlimited() -> BodyCharge {
        ResponseLimits::unlimited().charge()
    }

    /// Takes `bytes` more from the budget, or fails (taking nothing) if that would go past it.
    pub fn grow(&mut self, bytes: u64) -> Result<(), OverBudget> {
        let budget = self.limits.budget;
        if budget > 0 {
            let before = self.limits.used.fetch_add(bytes, Ordering::Relaxed);
            if before.saturating_add(bytes) > budget {
                self.limits.used.fetch_sub(bytes, Ordering::Relaxed);
                return Err(OverBudget {
                    budget,
                    in_use: before,
                    body: self.bytes,
                    asked: bytes,
                });
            }
        }
        self.bytes += bytes;
        Ok(())
    }

    /// Gives `bytes` back (memory this body no longer takes).
    pub fn shrink(&mut self, bytes: u64) {
        let bytes = bytes.min(self.bytes);
        self.bytes -= bytes;
        if self.limits.budget > 0 {
            self.limits.used.fetch_sub(bytes, Ordering::Relaxed);
        }
    }

    /// Bytes this charge holds.
    #[cfg(test)]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The limits it counts against.
    pub(crate) fn limits(&self) -> &Arc<ResponseLimits> {
        &self.limits
    }
}

impl Drop for BodyCharge {
    fn drop(&mut self) {
        self.shrink(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(budget: u64) -> Arc<ResponseLimits> {
        let settings = Settings {
            download_maxmemory: budget,
            ..Settings::default()
        };
        ResponseLimits::new(&settings, Stats::default())
    }

    #[test]
    fn charges_add_up_and_are_given_back_when_dropped() {
        let limits = limits(100);
        let mut a = limits.charge();
        let mut b = limits.charge();
        a.grow(60).unwrap();
        let refused = b.grow(41).unwrap_err();
        assert_eq!(
            refused,
            OverBudget {
                budget: 100,
                in_use: 60,
                body: 0,
                asked: 41
            }
        );
        assert_eq!(limits.in_use(), 60, "a refused charge takes nothing");
        b.grow(40).unwrap();
        a.shrink(10);
        assert_eq!((a.bytes(), limits.in_use()), (50, 90));
        drop(a);
        assert_eq!(limits.in_use(), 40);
        drop(b);
        assert_eq!(limits.in_use(), 0);
    }

    #[test]
    fn the_default_nesting_cap_is_the_settings_default() {
        assert_eq!(
            ResponseLimits::unlimited().html_maxdepth,
            Settings::default().html_maxdepth
        );
    }

    #[test]
    fn no_budget_refuses_nothing() {
        let limits = limits(0);
        let mut charge = limits.charge();
        charge.grow(u64::MAX / 2).unwrap();
        assert_eq!(charge.bytes(), u64::MAX / 2);
        assert_eq!(limits.in_use(), 0);
    }
}
