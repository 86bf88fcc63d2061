//! The scheduler: a priority queue of pending requests behind a duplicate filter.

mod compact;
mod dupefilter;
mod fingerprint;
#[cfg(test)]
mod props;
mod queue;

pub use dupefilter::DupeFilter;
pub(crate) use dupefilter::IdentityHasher;
pub use fingerprint::Fingerprint;
pub(crate) use queue::CompactRequest;
pub use queue::{PriorityQueue, QueueOrder};

use crate::Request;

/// What happened to a request offered to the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// Queued.
    Queued,
    /// Dropped as a duplicate of a request seen before.
    Duplicate,
}

/// Pending requests, deduplicated by fingerprint unless `dont_filter` is set.
pub struct Scheduler {
    queue: PriorityQueue,
    dupes: DupeFilter,
    filter_enabled: bool,
}

impl Scheduler {
    /// An empty scheduler.
    pub fn new(order: QueueOrder, filter_enabled: bool) -> Self {
        Scheduler {
            queue: PriorityQueue::new(order),
            dupes: DupeFilter::default(),
            filter_enabled,
        }
    }

    /// Offers a request: queued, or dropped as a duplicate.
    pub fn enqueue(&mut self, request: Request) -> Enqueued {
        if self.filter_enabled
            && !request.dont_filter
            && self.dupes.seen_before(request.fingerprint())
        {
            return Enqueued::Duplicate;
        }
        self.queue.push(request);
        Enqueued::Queued
    }

    /// The next request to download.
    pub fn next_request(&mut self) -> Option<Request> {
        self.queue.pop()
    }

    /// Number of pending requests.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no request is pending.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_dropped_unless_dont_filter() {
        let mut scheduler = Scheduler::new(QueueOrder::Fifo, true);
        let request = Request::get("http://h/a?x=1&y=2").unwrap();
        assert_eq!(scheduler.enqueue(request.clone()), Enqueued::Queued);
        let same = Request::get("http://h/a?y=2&x=1#frag").unwrap();
        assert_eq!(scheduler.enqueue(same), Enqueued::Duplicate);
        assert_eq!(
            scheduler.enqueue(request.clone().with_dont_filter()),
            Enqueued::Queued
        );
        assert_eq!(scheduler.len(), 2);
        assert!(scheduler.next_request().is_some());
        assert!(scheduler.next_request().is_some());
        assert!(scheduler.next_request().is_none());
    }

    #[test]
    fn disabled_filter_queues_everything() {
        let mut scheduler = Scheduler::new(QueueOrder::Fifo, false);
        let request = Request::get("http://h/a").unwrap();
        assert_eq!(scheduler.enqueue(request.clone()), Enqueued::Queued);
        assert_eq!(scheduler.enqueue(request), Enqueued::Queued);
    }
}
