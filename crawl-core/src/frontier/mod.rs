//! The frontier: every request of a crawl, pending, waiting for its ready-time, or leased.
//!
//! The engine talks to the frontier only through [`Frontier`], whose backends never import
//! the engine: [`MemoryFrontier`] (the default), the job dir's journal on top of it
//! (`--job-dir`, [`DurableFrontier`]), and later a shared one on Redis (issue 11).
//!
//! A request is *pending* (queued or waiting for a ready-time), *leased* (handed to the engine
//! with a [`LeaseId`]) or *done* (acked). Waiting is data, not tasks: a retry's backoff, a
//! `Retry-After` and a host's `DOWNLOAD_DELAY` are ready-times here, so a delayed request is
//! pending, never lost, and a million of them cost memory, not timers.
//!
//! Room for a networked backend: calls never block; a backend that talks to a server keeps a
//! local buffer of leases filled by its own task (and answers [`Next::WaitUntil`] while it is
//! empty), journals pushes and acks in the background, and gives its leases deadlines that it
//! extends while the engine holds them ([`Frontier::renew`]); a lease that is never acked
//! comes back on its own once its deadline passes.

mod durable;
#[cfg(test)]
mod durable_tests;
mod hosts;
mod memory;
mod seen;
#[cfg(test)]
mod tests;

pub use durable::{DurableFrontier, Resumed};
pub use memory::{FrontierConfig, MemoryFrontier};
#[cfg(feature = "redis")]
pub(crate) use seen::SeenSet;

use std::time::Duration;

use crate::Request;

/// Request meta key: do not download before this Unix time, in seconds (retry backoff and
/// `Retry-After`). The frontier turns it into the request's ready-time.
pub const NOT_BEFORE_META: &str = "crawl_not_before";

/// Request meta key: the frontier already held this request to its host's delay (a shared
/// frontier does, for the whole cluster), so the downloader's slot does not wait again.
pub const PACED_META: &str = "crawl_paced";

/// Identifies a leased request until it is acked or nacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeaseId(pub u64);

/// A request handed to the engine.
#[derive(Debug)]
pub struct Lease {
    /// The lease, to ack or nack.
    pub id: LeaseId,
    /// The request to download.
    pub request: Request,
}

/// What [`Frontier::lease`] found.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "a lease per page: boxing it would cost an allocation each"
)]
pub enum Next {
    /// The next ready request.
    Lease(Lease),
    /// Nothing is ready; something will be at this Unix time (or sooner, when a download
    /// ends or a request arrives).
    WaitUntil(f64),
    /// Requests are pending, but every host that has some is at its concurrency: one will
    /// be ready when a download ends.
    Busy,
    /// Nothing is pending (requests may still be leased).
    Empty,
}

/// What happened to a pushed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Pending.
    Queued,
    /// Dropped: a request with the same fingerprint was pushed before.
    Duplicate,
}

/// How fast each host may be fetched: the downloader's slots answer, so `DOWNLOAD_SLOTS`,
/// randomized delays and AutoThrottle hold for leases too.
pub trait Politeness: Send + Sync {
    /// The key requests are grouped by (their download slot: the host, or the
    /// `download_slot` meta).
    fn key(&self, request: &Request) -> Box<str>;
    /// The most downloads at once for `key`.
    fn concurrency(&self, key: &str) -> usize;
    /// The delay between two downloads of `key` (zero: none).
    fn delay(&self, key: &str) -> Duration;
    /// How long until `key` may start its next download.
    fn wait(&self, key: &str) -> Duration;
}

/// Requests by host, without politeness: every key is its host, no limit, no delay.
#[derive(Debug, Default)]
pub struct NoPoliteness;

impl Politeness for NoPoliteness {
    fn key(&self, request: &Request) -> Box<str> {
        request.url.host_str().unwrap_or_default().into()
    }
    fn concurrency(&self, _key: &str) -> usize {
        usize::MAX
    }
    fn delay(&self, _key: &str) -> Duration {
        Duration::ZERO
    }
    fn wait(&self, _key: &str) -> Duration {
        Duration::ZERO
    }
}

/// A crawl's requests, with lease semantics. Object-safe; the engine holds a
/// `Box<dyn Frontier>`.
///
/// ```
/// use crawl_core::frontier::{Frontier, MemoryFrontier, Next, Pushed};
/// use crawl_core::Request;
///
/// let mut frontier = MemoryFrontier::new(Default::default());
/// let page = Request::get("http://127.0.0.1:8000/").unwrap();
/// assert_eq!(frontier.push(page.clone()), Pushed::Queued);
/// assert_eq!(frontier.push(page), Pushed::Duplicate);
/// let Next::Lease(lease) = frontier.lease(0.0) else { unreachable!() };
/// frontier.downloaded(lease.id);
/// frontier.ack(lease.id);
/// assert!(matches!(frontier.lease(0.0), Next::Empty));
/// ```
pub trait Frontier: Send {
    /// Offers a request, deduplicated by fingerprint unless `dont_filter` is set. A
    /// [`NOT_BEFORE_META`] in its meta is its ready-time.
    fn push(&mut self, request: Request) -> Pushed;

    /// The next ready request: the highest-priority request whose host may be fetched at
    /// `now` (Unix seconds); hosts of one priority take turns.
    fn lease(&mut self, now: f64) -> Next;

    /// The leased request's download ended: its host may take another.
    fn downloaded(&mut self, lease: LeaseId);

    /// The leased request is done: its callback finished and what it gave is committed.
    fn ack(&mut self, lease: LeaseId);

    /// The leased request goes back, as `request` (a retry: same identity, new meta), ready
    /// at `ready_at` (Unix seconds).
    fn nack(&mut self, lease: LeaseId, request: Request, ready_at: f64);

    /// Keeps `lease` alive (a backend whose leases expire extends its deadline); a no-op for
    /// backends whose leases last until acked.
    fn renew(&mut self, _lease: LeaseId) {}

    /// Whether an ack counts only once committed (a durable backend): the engine then keeps
    /// each lease's place among `CONCURRENT_REQUESTS` until the hook given to
    /// [`on_commit`](Self::on_commit) reports it.
    fn commits(&self) -> bool {
        false
    }

    /// Whether a lease keeps its place among `CONCURRENT_REQUESTS` until its ack is
    /// committed (only asked if [`commits`](Self::commits)): a job dir does, so a kill finds
    /// at most `CONCURRENT_REQUESTS` requests fetched and not committed. Otherwise a place is
    /// free once its download ends, as in memory, while the lease lasts until committed.
    fn holds_places(&self) -> bool {
        self.commits()
    }

    /// Sets what to call with the leases whose acks are committed (only if
    /// [`commits`](Self::commits)).
    fn on_commit(&mut self, _hook: Box<dyn Fn(Vec<LeaseId>) + Send + Sync>) {}

    /// The crawl's own state, to commit with the acks made so far.
    fn record(&mut self, _checkpoint: Checkpoint) {}

    /// Whether [`record`](Self::record) wants the items written since the previous
    /// checkpoint (a shared frontier appends them to a Redis stream with its acks).
    fn wants_items(&self) -> bool {
        false
    }

    /// Commits what is left and lets go of the backend's resources (the end of a crawl).
    fn close(&mut self) {}

    /// Requests pending (queued or waiting), not counting leased ones.
    fn pending(&self) -> usize;

    /// Requests leased and not yet acked or nacked.
    fn leased(&self) -> usize;
}

/// The crawl's own state committed with a frontier's acks: where each feed file had its last
/// whole record, the stats, the spider's state and how far the start requests went.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// Each feed file's length, by path.
    pub feeds: Vec<(String, u64)>,
    /// The crawl's stats, read when the checkpoint is committed (serializing them at every
    /// ack would cost more than the ack).
    pub stats: crate::Stats,
    /// The spider's state as JSON, if it changed.
    pub spider_state: Option<String>,
    /// Outputs of the start requests' stream handled so far.
    pub start_consumed: u64,
    /// The items written to the feeds since the previous checkpoint, as JSON, if the
    /// frontier keeps them too ([`Frontier::wants_items`]).
    pub items: Vec<String>,
}

impl Checkpoint {
    /// Folds `newer` into this checkpoint, both not yet committed: `newer`'s feed lengths,
    /// stats and start cursor, the spider's state as last changed, and the items of both.
    pub(crate) fn absorb(&mut self, newer: Checkpoint) {
        let Checkpoint {
            feeds,
            stats,
            spider_state,
            start_consumed,
            items,
        } = newer;
        self.feeds = feeds;
        self.stats = stats;
        if spider_state.is_some() {
            self.spider_state = spider_state;
        }
        self.start_consumed = start_consumed;
        self.items.extend(items);
    }
}

/// The ready-time in `request`'s meta, removed from it.
pub(crate) fn take_ready_at(request: &mut Request) -> f64 {
    match request.meta.remove(NOT_BEFORE_META) {
        Some(value) => value.as_f64().unwrap_or(0.0),
        None => 0.0,
    }
}
