//! The in-memory frontier's lease semantics: dedup, per-host turns, ready-times, delays and
//! per-host concurrency.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::scheduler::QueueOrder;

/// Politeness from a table: (concurrency, delay seconds) per host; the wait is the delay
/// whenever a host has been leased (the slot would say so).
#[derive(Default)]
struct Table(HashMap<&'static str, (usize, f64)>);

impl Politeness for Table {
    fn key(&self, request: &Request) -> Box<str> {
        request.url.host_str().unwrap_or_default().into()
    }
    fn concurrency(&self, key: &str) -> usize {
        self.0.get(key).map_or(usize::MAX, |entry| entry.0)
    }
    fn delay(&self, key: &str) -> Duration {
        Duration::from_secs_f64(self.0.get(key).map_or(0.0, |entry| entry.1))
    }
    fn wait(&self, _key: &str) -> Duration {
        Duration::ZERO
    }
}

fn frontier(table: Table) -> MemoryFrontier {
    MemoryFrontier::new(FrontierConfig {
        order: QueueOrder::Fifo,
        dedup: true,
        politeness: Arc::new(table),
    })
}

fn get(url: &str) -> Request {
    Request::get(url).unwrap()
}

fn lease(frontier: &mut MemoryFrontier, now: f64) -> Option<Lease> {
    match frontier.lease(now) {
        Next::Lease(lease) => Some(lease),
        _ => None,
    }
}

fn url(lease: &Lease) -> String {
    lease.request.url.to_string()
}

#[test]
fn hosts_of_one_priority_take_turns_and_priority_wins() {
    let mut f = frontier(Table::default());
    for url in ["http://a/1", "http://a/2", "http://a/3", "http://b/1"] {
        assert_eq!(f.push(get(url)), Pushed::Queued);
    }
    f.push(get("http://c/top").with_priority(5));
    let order: Vec<String> = std::iter::from_fn(|| lease(&mut f, 0.0).map(|l| url(&l))).collect();
    assert_eq!(
        order,
        [
            "http://c/top",
            "http://a/1",
            "http://b/1",
            "http://a/2",
            "http://a/3"
        ]
    );
    assert_eq!(f.leased(), 5);
    assert_eq!(f.pending(), 0);
}

#[test]
fn duplicates_are_dropped_unless_dont_filter() {
    let mut f = frontier(Table::default());
    assert_eq!(f.push(get("http://h/a?x=1&y=2")), Pushed::Queued);
    assert_eq!(f.push(get("http://h/a?y=2&x=1#f")), Pushed::Duplicate);
    assert_eq!(f.push(get("http://h/a").with_dont_filter()), Pushed::Queued);
    assert_eq!(f.push(get("http://h/a").with_dont_filter()), Pushed::Queued);
    assert_eq!(f.pending(), 3);
}

#[test]
fn a_ready_time_holds_a_request_back_until_it_comes() {
    let mut f = frontier(Table::default());
    let now = crate::clock::unix_now();
    f.push(get("http://h/later").with_meta(NOT_BEFORE_META, now + 100.0));
    f.push(get("http://h/now"));
    assert_eq!(url(&lease(&mut f, now).unwrap()), "http://h/now");
    match f.lease(now) {
        Next::WaitUntil(at) => assert!((at - (now + 100.0)).abs() < 0.001, "{at}"),
        other => panic!("{other:?}"),
    }
    let later = lease(&mut f, now + 100.0).unwrap();
    assert_eq!(url(&later), "http://h/later");
    assert!(!later.request.meta.contains_key(NOT_BEFORE_META));
    assert!(matches!(f.lease(now + 100.0), Next::Empty));
}

#[test]
fn a_host_with_a_delay_sleeps_while_others_go_on() {
    let mut f = frontier(Table(HashMap::from([("slow", (8, 2.0))])));
    for url in [
        "http://slow/1",
        "http://slow/2",
        "http://fast/1",
        "http://fast/2",
    ] {
        f.push(get(url));
    }
    let order: Vec<String> = std::iter::from_fn(|| lease(&mut f, 10.0).map(|l| url(&l))).collect();
    assert_eq!(order, ["http://slow/1", "http://fast/1", "http://fast/2"]);
    match f.lease(10.0) {
        Next::WaitUntil(at) => assert!((at - 12.0).abs() < 0.001, "{at}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(url(&lease(&mut f, 12.0).unwrap()), "http://slow/2");
}

#[test]
fn a_host_at_its_concurrency_waits_for_a_download_to_end() {
    let mut f = frontier(Table(HashMap::from([("one", (1, 0.0))])));
    f.push(get("http://one/1"));
    f.push(get("http://one/2"));
    let first = lease(&mut f, 0.0).unwrap();
    assert!(matches!(f.lease(0.0), Next::Busy));
    f.downloaded(first.id);
    assert_eq!(url(&lease(&mut f, 0.0).unwrap()), "http://one/2");
    f.ack(first.id);
    assert_eq!(f.leased(), 1);
}

#[test]
fn a_nack_brings_the_request_back_at_its_ready_time() {
    let mut f = frontier(Table(HashMap::from([("one", (1, 0.0))])));
    f.push(get("http://one/1"));
    let first = lease(&mut f, 0.0).unwrap();
    let now = crate::clock::unix_now();
    let retry = first.request.clone().with_meta("retry_times", 1);
    f.nack(first.id, retry, now + 50.0);
    assert_eq!(f.leased(), 0);
    assert_eq!(f.pending(), 1);
    assert!(matches!(f.lease(now), Next::WaitUntil(_)));
    let again = lease(&mut f, now + 50.0).unwrap();
    assert_eq!(again.request.meta["retry_times"], 1);
}
