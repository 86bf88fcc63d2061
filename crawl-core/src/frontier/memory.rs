//! The in-memory frontier: per-host queues of compact requests, a duplicate filter, and the
//! requests waiting for a ready-time. The default backend, and the index the job dir's
//! journal keeps in RAM.

use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use super::hosts::{micros, HostId, Hosts};
use super::{take_ready_at, Frontier, Lease, LeaseId, Next, NoPoliteness, Politeness, Pushed};
use crate::clock::unix_now;
use crate::scheduler::{CompactRequest, DupeFilter, IdentityHasher, QueueOrder};
use crate::Request;

/// How a [`MemoryFrontier`] orders, filters and paces requests.
#[derive(Clone)]
pub struct FrontierConfig {
    /// Order of requests of one priority and host (`SCHEDULER_MEMORY_QUEUE`).
    pub order: QueueOrder,
    /// Drop requests whose fingerprint was seen (`DUPEFILTER_ENABLED`).
    pub dedup: bool,
    /// How fast each host may be fetched.
    pub politeness: Arc<dyn Politeness>,
}

impl Default for FrontierConfig {
    fn default() -> Self {
        FrontierConfig {
            order: QueueOrder::Lifo,
            dedup: true,
            politeness: Arc::new(NoPoliteness),
        }
    }
}

impl std::fmt::Debug for FrontierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrontierConfig")
            .field("order", &self.order)
            .field("dedup", &self.dedup)
            .finish_non_exhaustive()
    }
}

/// A request waiting for its ready-time.
struct Delayed {
    at: u64,
    seq: u64,
    key: Box<str>,
    request: CompactRequest,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    /// Reversed: the heap's top is the earliest.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A lease's host, until its download ends.
type Leases = HashMap<u64, Option<HostId>, BuildHasherDefault<IdentityHasher>>;

/// The in-memory [`Frontier`]: today's speed, nothing survives the process.
pub struct MemoryFrontier {
    dedup: bool,
    dupes: DupeFilter,
    hosts: Hosts,
    delayed: BinaryHeap<Delayed>,
    leases: Leases,
    next_lease: u64,
    seq: u64,
    queued: usize,
}

impl MemoryFrontier {
    /// An empty frontier.
    pub fn new(config: FrontierConfig) -> Self {
        MemoryFrontier {
            dedup: config.dedup,
            dupes: DupeFilter::default(),
            hosts: Hosts::new(config.order, config.politeness),
            delayed: BinaryHeap::new(),
            leases: Leases::default(),
            next_lease: 0,
            seq: 0,
            queued: 0,
        }
    }

    /// Records `fingerprint` as seen without queueing anything (a resumed crawl's seen set).
    pub fn mark_seen(&mut self, fingerprint: crate::scheduler::Fingerprint) {
        self.dupes.seen_before(fingerprint);
    }

    /// Whether `request` would be dropped as a duplicate; records it as seen if not.
    pub fn seen_before(&mut self, request: &Request) -> bool {
        self.dedup && !request.dont_filter && self.dupes.seen_before(request.fingerprint())
    }

    /// Queues `request` without the duplicate filter, ready at `ready_at` (Unix seconds).
    pub fn insert(&mut self, request: Request, ready_at: f64) {
        self.insert_tagged(request, ready_at, 0);
    }

    /// As [`insert`](Self::insert), with a backend's `tag`, given back by
    /// [`lease_tagged`](Self::lease_tagged).
    pub(crate) fn insert_tagged(&mut self, request: Request, ready_at: f64, tag: u64) {
        let key = self.hosts.politeness().key(&request);
        let request = CompactRequest::pack_tagged(request, tag);
        self.queued += 1;
        if ready_at > 0.0 && ready_at > unix_now() {
            self.seq += 1;
            self.delayed.push(Delayed {
                at: micros(ready_at),
                seq: self.seq,
                key,
                request,
            });
        } else {
            self.hosts.push(key, request);
        }
    }

    /// [`Frontier::lease`], with the leased request's tag (0 when nothing is leased).
    pub(crate) fn lease_tagged(&mut self, now: f64) -> (Next, u64) {
        if self.queued == 0 {
            return (Next::Empty, 0);
        }
        if !self.delayed.is_empty() {
            self.release_due(micros(now));
        }
        match self.hosts.pop(now) {
            Some((host, request)) => {
                self.queued -= 1;
                self.next_lease += 1;
                self.leases.insert(self.next_lease, Some(host));
                let tag = request.tag();
                let lease = Lease {
                    id: LeaseId(self.next_lease),
                    request: request.unpack(),
                };
                (Next::Lease(lease), tag)
            }
            None => {
                let delayed = self.delayed.peek().map(|d| d.at as f64 / 1e6);
                let next = match (delayed, self.hosts.next_wake()) {
                    (Some(a), Some(b)) => Next::WaitUntil(a.min(b)),
                    (Some(at), None) | (None, Some(at)) => Next::WaitUntil(at),
                    (None, None) => Next::Busy,
                };
                (next, 0)
            }
        }
    }

    /// Moves the requests whose ready-time came to their hosts' queues.
    fn release_due(&mut self, now: u64) {
        while self.delayed.peek().is_some_and(|d| d.at <= now) {
            if let Some(due) = self.delayed.pop() {
                self.hosts.push(due.key, due.request);
            }
        }
    }
}

impl Frontier for MemoryFrontier {
    fn push(&mut self, mut request: Request) -> Pushed {
        if self.seen_before(&request) {
            return Pushed::Duplicate;
        }
        let ready_at = take_ready_at(&mut request);
        self.insert(request, ready_at);
        Pushed::Queued
    }

    fn lease(&mut self, now: f64) -> Next {
        self.lease_tagged(now).0
    }

    fn downloaded(&mut self, lease: LeaseId) {
        if let Some(host) = self.leases.get_mut(&lease.0).and_then(Option::take) {
            self.hosts.release(host);
        }
    }

    fn ack(&mut self, lease: LeaseId) {
        self.downloaded(lease);
        self.leases.remove(&lease.0);
    }

    fn nack(&mut self, lease: LeaseId, request: Request, ready_at: f64) {
        self.ack(lease);
        self.insert(request, ready_at);
    }

    fn pending(&self) -> usize {
        self.queued
    }

    fn leased(&self) -> usize {
        self.leases.len()
    }
}
