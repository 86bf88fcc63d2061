//! Per-host ready queues: each host (download slot) has its own priority queue, and an index
//! of the hosts that may be fetched now, by their best request's priority. A host that is at
//! its concurrency or waiting for its delay is out of the index, so a slow or throttled host
//! never holds up the others.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::Politeness;
use crate::scheduler::{CompactRequest, PriorityQueue, QueueOrder};

/// A host's place among the hosts.
pub(super) type HostId = u32;

/// Unix seconds as whole microseconds: an ordered key.
pub(super) fn micros(unix: f64) -> u64 {
    // Saturating: NaN and negative become 0, huge values the end of time.
    (unix * 1e6) as u64
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Nothing queued.
    Idle,
    /// In the ready index under this key.
    Ready(ReadyKey),
    /// Waiting for its delay until this time (microseconds).
    Asleep(u64),
    /// At its concurrency: waits for a download to end.
    Full,
}

/// The ready index's order: highest priority last, then the host whose turn came first.
type ReadyKey = (i32, std::cmp::Reverse<u64>, HostId);

struct Host {
    key: Box<str>,
    queue: PriorityQueue,
    in_flight: usize,
    state: State,
}

/// Every host's queue and the index of those ready.
pub(super) struct Hosts {
    order: QueueOrder,
    politeness: Arc<dyn Politeness>,
    ids: HashMap<Box<str>, HostId>,
    hosts: Vec<Host>,
    ready: BTreeSet<ReadyKey>,
    sleeping: BTreeSet<(u64, HostId)>,
    turn: u64,
}

impl Hosts {
    pub(super) fn new(order: QueueOrder, politeness: Arc<dyn Politeness>) -> Self {
        Hosts {
            order,
            politeness,
            ids: HashMap::new(),
            hosts: Vec::new(),
            ready: BTreeSet::new(),
            sleeping: BTreeSet::new(),
            turn: 0,
        }
    }

    pub(super) fn politeness(&self) -> &dyn Politeness {
        &*self.politeness
    }

    /// Queues `request` under host `key`.
    pub(super) fn push(&mut self, key: Box<str>, request: CompactRequest) {
        let id = match self.ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = HostId::try_from(self.hosts.len()).unwrap_or(HostId::MAX);
                self.hosts.push(Host {
                    key: key.clone(),
                    queue: PriorityQueue::new(self.order),
                    in_flight: 0,
                    state: State::Idle,
                });
                self.ids.insert(key, id);
                id
            }
        };
        self.hosts[id as usize].queue.push_packed(request);
        self.restate(id);
    }

    /// Puts host `id` where its queue, its downloads and its sleep say it belongs (a host
    /// asleep stays asleep).
    fn restate(&mut self, id: HostId) {
        let host = &mut self.hosts[id as usize];
        let old = host.state;
        if let State::Asleep(_) = old {
            return;
        }
        let new = match host.queue.peek_priority() {
            None => State::Idle,
            Some(_) if host.in_flight >= self.politeness.concurrency(&host.key) => State::Full,
            Some(priority) => match old {
                State::Ready(key) if key.0 == priority => return,
                State::Ready(key) => State::Ready((priority, key.1, id)),
                _ => {
                    self.turn += 1;
                    State::Ready((priority, std::cmp::Reverse(self.turn), id))
                }
            },
        };
        if let State::Ready(key) = old {
            self.ready.remove(&key);
        }
        if let State::Ready(key) = new {
            self.ready.insert(key);
        }
        host.state = new;
    }

    /// Wakes the hosts whose sleep ends by `now` (microseconds).
    fn wake(&mut self, now: u64) {
        while let Some(&(until, id)) = self.sleeping.first() {
            if until > now {
                break;
            }
            self.sleeping.pop_first();
            self.hosts[id as usize].state = State::Idle;
            self.restate(id);
        }
    }

    fn sleep(&mut self, id: HostId, until: u64) {
        let host = &mut self.hosts[id as usize];
        if let State::Ready(key) = host.state {
            self.ready.remove(&key);
        }
        host.state = State::Asleep(until);
        self.sleeping.insert((until, id));
    }

    /// The next request of the best host that may be fetched at `now` (Unix seconds), with
    /// that host.
    pub(super) fn pop(&mut self, now: f64) -> Option<(HostId, CompactRequest)> {
        let now_micros = micros(now);
        self.wake(now_micros);
        while let Some(&key) = self.ready.last() {
            let id = key.2;
            let wait = self.politeness.wait(&self.hosts[id as usize].key);
            if !wait.is_zero() {
                self.sleep(id, micros(now + wait.as_secs_f64()));
                continue;
            }
            let host = &mut self.hosts[id as usize];
            let request = host.queue.pop_packed()?;
            host.in_flight += 1;
            let delay = self.politeness.delay(&host.key);
            // The slot learns of this start only when the download begins: until then the
            // host sleeps for at least its delay.
            if delay.is_zero() {
                // Another turn: hosts of one priority alternate.
                self.ready.remove(&key);
                host.state = State::Idle;
                self.restate(id);
            } else {
                self.sleep(id, micros(now + delay.as_secs_f64()));
            }
            return Some((id, request));
        }
        None
    }

    /// A download of host `id` ended.
    pub(super) fn release(&mut self, id: HostId) {
        let host = &mut self.hosts[id as usize];
        host.in_flight = host.in_flight.saturating_sub(1);
        if host.state == State::Full {
            host.state = State::Idle;
            self.restate(id);
        }
    }

    /// When the first sleeping host wakes (Unix seconds).
    pub(super) fn next_wake(&self) -> Option<f64> {
        self.sleeping.first().map(|&(until, _)| until as f64 / 1e6)
    }
}
