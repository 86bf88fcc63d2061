//! The priority queue of pending requests.

use std::collections::{BTreeMap, VecDeque};

pub(crate) use super::compact::CompactRequest;
use crate::Request;

/// Order of requests that share a priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOrder {
    /// Last in, first out (Scrapy's default memory queue: depth-first).
    Lifo,
    /// First in, first out (breadth-first within a priority).
    Fifo,
}

impl QueueOrder {
    /// The order `SCHEDULER_MEMORY_QUEUE` names: `lifo` or `fifo`, or Scrapy's class paths
    /// for them; anything else is an error rather than a silent fallback.
    ///
    /// ```
    /// use crawl_core::scheduler::QueueOrder;
    ///
    /// assert_eq!(QueueOrder::from_setting("FIFO").unwrap(), QueueOrder::Fifo);
    /// assert!(QueueOrder::from_setting("fifi").is_err());
    /// ```
    pub fn from_setting(value: &str) -> Result<QueueOrder, crate::Error> {
        match value.trim().to_ascii_lowercase().as_str() {
            "lifo" | "scrapy.squeues.lifomemoryqueue" => Ok(QueueOrder::Lifo),
            "fifo" | "scrapy.squeues.fifomemoryqueue" => Ok(QueueOrder::Fifo),
            _ => Err(crate::Error::InvalidSetting {
                name: "SCHEDULER_MEMORY_QUEUE".into(),
                value: value.into(),
                expected: "`lifo` or `fifo` (or Scrapy's LifoMemoryQueue or FifoMemoryQueue)",
            }),
        }
    }
}

/// Pending requests by priority: the highest priority pops first.
pub struct PriorityQueue {
    order: QueueOrder,
    by_priority: BTreeMap<i32, VecDeque<CompactRequest>>,
    len: usize,
}

impl PriorityQueue {
    /// An empty queue.
    pub fn new(order: QueueOrder) -> Self {
        PriorityQueue {
            order,
            by_priority: BTreeMap::new(),
            len: 0,
        }
    }

    /// Adds a request.
    pub fn push(&mut self, request: Request) {
        self.push_packed(CompactRequest::pack(request));
    }

    /// Adds a request already packed.
    pub(crate) fn push_packed(&mut self, request: CompactRequest) {
        self.by_priority
            .entry(request.priority())
            .or_default()
            .push_back(request);
        self.len += 1;
    }

    /// The priority of the request [`pop`](Self::pop) would return.
    pub(crate) fn peek_priority(&self) -> Option<i32> {
        self.by_priority
            .last_key_value()
            .map(|(priority, _)| *priority)
    }

    /// Removes the next request, packed.
    pub(crate) fn pop_packed(&mut self) -> Option<CompactRequest> {
        let mut entry = self.by_priority.last_entry()?;
        let queue = entry.get_mut();
        let request = match self.order {
            QueueOrder::Lifo => queue.pop_back(),
            QueueOrder::Fifo => queue.pop_front(),
        };
        if queue.is_empty() {
            entry.remove();
        }
        self.len -= 1;
        request
    }

    /// Removes the next request: highest priority, then by the queue's order.
    pub fn pop(&mut self) -> Option<Request> {
        self.pop_packed().map(CompactRequest::unpack)
    }

    /// Number of pending requests.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no request is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, priority: i32) -> Request {
        Request::get(format!("http://h/{path}"))
            .unwrap()
            .with_priority(priority)
    }

    fn drain(queue: &mut PriorityQueue) -> Vec<String> {
        std::iter::from_fn(|| queue.pop())
            .map(|r| r.url.path()[1..].to_owned())
            .collect()
    }

    #[test]
    fn highest_priority_first_then_lifo() {
        let mut queue = PriorityQueue::new(QueueOrder::Lifo);
        for (path, priority) in [("a", 0), ("b", 5), ("c", 0), ("d", -1), ("e", 5)] {
            queue.push(request(path, priority));
        }
        assert_eq!(queue.len(), 5);
        assert_eq!(drain(&mut queue), ["e", "b", "c", "a", "d"]);
        assert!(queue.is_empty());
    }

    #[test]
    fn fifo_keeps_arrival_order_within_a_priority() {
        let mut queue = PriorityQueue::new(QueueOrder::Fifo);
        for (path, priority) in [("a", 0), ("b", 1), ("c", 0)] {
            queue.push(request(path, priority));
        }
        assert_eq!(drain(&mut queue), ["b", "a", "c"]);
    }
}
