//! The shared frontier against a real `redis-server` on a free loopback port.

use std::time::Duration;

use super::server::RedisServer;
use super::*;

async fn frontier(server: &RedisServer) -> RedisFrontier {
    RedisFrontier::connect(&server.url(), "crawl:test")
        .await
        .unwrap()
}

fn request(url: &str, priority: i32) -> Request {
    let mut request = Request::get(url).unwrap();
    request.priority = priority;
    request
}

fn urls(batch: &LeaseBatch) -> Vec<&str> {
    batch
        .leases
        .iter()
        .map(|lease| lease.request.url.as_str())
        .collect()
}

fn options(per_host: u32, delay: Duration, lease: Duration) -> LeaseOptions {
    LeaseOptions {
        lease,
        delay,
        per_host,
        // Long: which workers want more must not depend on how fast the test runs.
        share_window: LONG,
    }
}

const LONG: Duration = Duration::from_secs(60);

/// A fresh crawl in a server of its own, with `requests` (URL and priority) pushed.
async fn crawl_with(requests: &[(&str, i32)]) -> (RedisServer, RedisFrontier) {
    let server = RedisServer::start().unwrap();
    let frontier = frontier(&server).await;
    let requests: Vec<Request> = requests
        .iter()
        .map(|(url, priority)| request(url, *priority))
        .collect();
    frontier.push(&requests).await.unwrap();
    (server, frontier)
}

#[tokio::test]
async fn pushes_dedup_and_leases_go_by_priority_then_fifo() {
    let server = RedisServer::start().unwrap();
    let frontier = frontier(&server).await;
    let added = frontier
        .push(&[
            request("http://a/1", 0),
            request("http://a/2", 5),
            request("http://a/3", 0),
            request("http://a/1#again", 9),
        ])
        .await
        .unwrap();
    assert_eq!(added, 3, "the fragment-only variant is a duplicate");
    let mut again = request("http://a/1", 0);
    again.dont_filter = true;
    assert_eq!(frontier.push(&[again]).await.unwrap(), 1);

    let batch = frontier
        .lease("w1", &options(8, Duration::ZERO, LONG), 10)
        .await
        .unwrap();
    assert_eq!(
        urls(&batch),
        ["http://a/2", "http://a/1", "http://a/3", "http://a/1"]
    );
    assert_eq!(batch.remaining, 4, "leased requests are not done yet");
    let ids: Vec<&str> = batch.leases.iter().map(|lease| lease.id.as_str()).collect();
    assert_eq!(frontier.ack("w1", &ids).await.unwrap(), 4);
    let batch = frontier
        .lease("w1", &LeaseOptions::default(), 10)
        .await
        .unwrap();
    assert!(batch.leases.is_empty());
    assert_eq!(batch.remaining, 0);
    assert_eq!(batch.next_ready, None, "nothing is left at all");
}

#[tokio::test]
async fn a_dead_workers_expired_leases_go_to_another_worker() {
    let (_server, frontier) = crawl_with(&[("http://a/1", 0), ("http://b/1", 0)]).await;
    // A lease of 0 ms has expired by the next call: the worker "died".
    let dead = frontier
        .lease("dead", &options(8, Duration::ZERO, Duration::ZERO), 10)
        .await
        .unwrap();
    assert_eq!(dead.leases.len(), 2);
    let alive = frontier
        .lease("alive", &options(8, Duration::ZERO, LONG), 10)
        .await
        .unwrap();
    assert_eq!(urls(&alive).len(), 2, "both requests are taken again");
    let dead_ids: Vec<&str> = dead.leases.iter().map(|lease| lease.id.as_str()).collect();
    assert_eq!(
        frontier.ack("dead", &dead_ids).await.unwrap(),
        0,
        "a lost lease is not acknowledged"
    );
    let stats = frontier.stats().await.unwrap();
    assert_eq!(stats["redis/lease_expired_count"], 2);
    assert_eq!(stats["redis/ack_lost_count"], 2);
    let ids: Vec<&str> = alive.leases.iter().map(|lease| lease.id.as_str()).collect();
    assert_eq!(frontier.ack("alive", &ids).await.unwrap(), 2);
}

#[tokio::test]
async fn a_live_worker_extends_its_leases() {
    let server = RedisServer::start().unwrap();
    let frontier = frontier(&server).await;
    frontier.push(&[request("http://a/1", 0)]).await.unwrap();
    let short = options(8, Duration::ZERO, Duration::ZERO);
    let slow = frontier.lease("slow", &short, 1).await.unwrap();
    let id = slow.leases[0].id.as_str();
    let long = options(8, Duration::ZERO, LONG);
    assert_eq!(frontier.extend("slow", &long, &[id]).await.unwrap(), 1);
    let other = frontier.lease("other", &long, 1).await.unwrap();
    assert!(other.leases.is_empty(), "the extended lease is kept");
    assert_eq!(other.remaining, 1);
    assert_eq!(frontier.extend("other", &long, &[id]).await.unwrap(), 0);
    assert_eq!(frontier.ack("slow", &[id]).await.unwrap(), 1);
}

#[tokio::test]
async fn per_host_concurrency_and_delay_hold_across_workers() {
    let (_server, frontier) =
        crawl_with(&[("http://a/1", 0), ("http://a/2", 0), ("http://b/1", 0)]).await;
    let one = options(1, Duration::ZERO, LONG);
    let first = frontier.lease("w1", &one, 10).await.unwrap();
    assert_eq!(urls(&first), ["http://a/1", "http://b/1"]);
    let second = frontier.lease("w2", &one, 10).await.unwrap();
    assert!(
        second.leases.is_empty(),
        "host a is at its limit for w2 too"
    );
    frontier
        .ack("w1", &[first.leases[0].id.as_str()])
        .await
        .unwrap();
    let third = frontier.lease("w2", &one, 10).await.unwrap();
    assert_eq!(urls(&third), ["http://a/2"]);

    frontier
        .push(&[request("http://c/1", 0), request("http://c/2", 0)])
        .await
        .unwrap();
    let polite = options(8, Duration::from_secs(30), LONG);
    let c1 = frontier.lease("w1", &polite, 10).await.unwrap();
    assert_eq!(urls(&c1), ["http://c/1"]);
    let c2 = frontier.lease("w2", &polite, 10).await.unwrap();
    assert!(
        c2.leases.is_empty(),
        "host c waits DOWNLOAD_DELAY for w2 too"
    );
    let wait = c2.next_ready.unwrap();
    assert!(
        wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
}

#[tokio::test]
async fn a_nacked_request_comes_back_after_its_backoff() {
    let server = RedisServer::start().unwrap();
    let frontier = frontier(&server).await;
    frontier.push(&[request("http://a/1", 0)]).await.unwrap();
    let long = options(8, Duration::ZERO, LONG);
    let batch = frontier.lease("w1", &long, 1).await.unwrap();
    let mut retried = batch.leases[0].request.clone();
    retried.meta.insert("retry_times".into(), 1.into());
    let id = batch.leases[0].id.as_str();
    assert!(frontier
        .nack("w1", id, &retried, Duration::from_secs(30))
        .await
        .unwrap());
    let later = frontier.lease("w1", &long, 1).await.unwrap();
    assert!(later.leases.is_empty(), "backing off");
    assert!(later.next_ready.unwrap() > Duration::from_secs(25));
    assert_eq!(later.remaining, 1, "delayed, not lost");

    frontier.push(&[request("http://a/2", 0)]).await.unwrap();
    let batch = frontier.lease("w1", &long, 1).await.unwrap();
    let id = batch.leases[0].id.clone();
    assert!(frontier
        .nack("w1", &id, &batch.leases[0].request, Duration::ZERO)
        .await
        .unwrap());
    let again = frontier.lease("w2", &long, 1).await.unwrap();
    assert_eq!(urls(&again), ["http://a/2"]);
    assert!(!frontier
        .nack("w1", &id, &again.leases[0].request, Duration::ZERO)
        .await
        .unwrap());
}

#[tokio::test]
async fn stats_add_up_across_workers_and_flush_clears_the_crawl() {
    let server = RedisServer::start().unwrap();
    let frontier = frontier(&server).await;
    let other = RedisFrontier::connect(&server.url(), "crawl:other")
        .await
        .unwrap();
    other.push(&[request("http://a/1", 0)]).await.unwrap();
    for worker in 0..3 {
        let deltas = BTreeMap::from([
            ("item_scraped_count".to_owned(), 10 + worker),
            ("response_received_count".to_owned(), 1),
        ]);
        frontier.add_stats(&deltas).await.unwrap();
    }
    let stats = frontier.stats().await.unwrap();
    assert_eq!(stats["item_scraped_count"], 33);
    assert_eq!(stats["response_received_count"], 3);
    frontier.push(&[request("http://a/1", 0)]).await.unwrap();
    assert!(frontier.flush().await.unwrap() > 3);
    assert!(frontier.stats().await.unwrap().is_empty());
    assert_eq!(
        frontier.push(&[request("http://a/1", 0)]).await.unwrap(),
        1,
        "the seen set went too"
    );
    let kept = other.lease("w", &LeaseOptions::default(), 1).await.unwrap();
    assert_eq!(urls(&kept), ["http://a/1"], "another crawl's keys are kept");
}

#[tokio::test]
async fn the_seen_set_is_kept_as_integers() {
    let server = RedisServer::start().unwrap();
    let frontier = frontier(&server).await;
    let requests: Vec<Request> = (0..2000)
        .map(|n| request(&format!("http://a/{n}"), 0))
        .collect();
    assert_eq!(frontier.push(&requests).await.unwrap(), 2000);
    let mut connection = frontier.connection.clone();
    let buckets: Vec<String> = frontier.scan("crawl:test:seen:*").await.unwrap();
    assert!(!buckets.is_empty());
    for bucket in buckets.iter().take(20) {
        let encoding: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(bucket)
            .query_async(&mut connection)
            .await
            .unwrap();
        assert_eq!(encoding, "intset", "{bucket}");
    }
    assert!(frontier.seen_bytes().await.unwrap() > 0);
}

#[tokio::test]
async fn an_unreachable_redis_is_a_clear_error() {
    let mut server = RedisServer::start().unwrap();
    let url = server.url();
    server.kill();
    let error = RedisFrontier::connect(&url, "crawl:test")
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("Redis at {url}: ")),
        "{message}"
    );
}

#[tokio::test]
async fn a_hosts_own_delay_holds_for_every_worker() {
    let (_server, frontier) = crawl_with(&[("http://slow/1", 0), ("http://slow/2", 0)]).await;
    frontier
        .push(&[request("http://fast/1", 0), request("http://fast/2", 0)])
        .await
        .unwrap();
    // A worker read `Crawl-delay: 60` in slow's robots.txt; DOWNLOAD_DELAY is zero.
    frontier.set_delay("slow", 60_000).await.unwrap();
    let none = options(8, Duration::ZERO, LONG);
    let first = frontier.lease("w1", &none, 10).await.unwrap();
    let mut got = urls(&first);
    got.sort();
    assert_eq!(got, ["http://fast/1", "http://fast/2", "http://slow/1"]);
    let second = frontier.lease("w2", &none, 10).await.unwrap();
    assert!(
        second.leases.is_empty(),
        "slow waits its own delay, for w2 too"
    );
    assert!(second.next_ready.unwrap() > Duration::from_secs(50));
}

#[tokio::test]
async fn a_hosts_place_is_free_when_a_download_ends_not_when_it_is_acked() {
    let (_server, frontier) =
        crawl_with(&[("http://a/1", 0), ("http://a/2", 0), ("http://a/3", 0)]).await;
    let one = options(1, Duration::ZERO, LONG);
    let first = frontier.lease("w1", &one, 10).await.unwrap();
    assert_eq!(urls(&first), ["http://a/1"]);
    let id = first.leases[0].id.as_str();
    assert!(frontier
        .lease("w2", &one, 10)
        .await
        .unwrap()
        .leases
        .is_empty());
    // Another worker cannot free w1's place; w1 can, twice without harm.
    let stranger = frontier.lease_after("w2", &one, &[id], 10).await.unwrap();
    assert!(stranger.leases.is_empty(), "a/1 is still downloading");
    let second = frontier.lease_after("w1", &one, &[id], 10).await.unwrap();
    assert_eq!(urls(&second), ["http://a/2"], "a/1's download ended");
    let again = frontier.lease_after("w1", &one, &[id], 10).await.unwrap();
    assert!(again.leases.is_empty(), "a/2 holds the place now");
    // Acking a/1 (already counted as ended) frees nothing more.
    assert_eq!(frontier.ack("w1", &[id]).await.unwrap(), 1);
    assert!(frontier
        .lease("w2", &one, 10)
        .await
        .unwrap()
        .leases
        .is_empty());
    // Acking a/2 before its download was reported frees its place.
    let id = second.leases[0].id.as_str();
    assert_eq!(frontier.ack("w1", &[id]).await.unwrap(), 1);
    let third = frontier.lease("w2", &one, 10).await.unwrap();
    assert_eq!(urls(&third), ["http://a/3"]);
}

/// The ids of `batch`'s leases.
fn ids(batch: &LeaseBatch) -> Vec<&str> {
    batch.leases.iter().map(|lease| lease.id.as_str()).collect()
}

/// Up to 10 leases for `worker`, after its downloads `ended`.
async fn take(frontier: &RedisFrontier, worker: &str, ended: &[&str]) -> LeaseBatch {
    let four = options(4, Duration::ZERO, LONG);
    frontier
        .lease_after(worker, &four, ended, 10)
        .await
        .unwrap()
}

#[tokio::test]
async fn workers_that_want_more_share_a_hosts_concurrency_evenly() {
    let pages: Vec<String> = (1..=12).map(|n| format!("http://a/{n}")).collect();
    let pages: Vec<(&str, i32)> = pages.iter().map(|url| (url.as_str(), 0)).collect();
    let (_server, frontier) = crawl_with(&pages).await;
    // Alone, w1 takes every place of the host (4).
    let first = take(&frontier, "w1", &[]).await;
    assert_eq!(first.leases.len(), 4);
    // w2 gets none: it wants more from now on.
    assert!(take(&frontier, "w2", &[]).await.leases.is_empty());
    // Two of w1's downloads end: w1 holds two, its half, so it takes none back...
    let again = take(&frontier, "w1", &ids(&first)[..2]).await;
    assert!(again.leases.is_empty(), "w1 keeps to its half");
    // ...and w2 gets the two places.
    let second = take(&frontier, "w2", &[]).await;
    assert_eq!(second.leases.len(), 2);
    assert!(take(&frontier, "w2", &[]).await.leases.is_empty());
    // Places freed by w1 go back to w1, up to its half.
    let third = take(&frontier, "w1", &ids(&first)[2..]).await;
    assert_eq!(third.leases.len(), 2);
    // A worker that got all it asked for no longer counts: w1 alone takes every place
    // that w2's ended downloads free.
    let four = options(4, Duration::ZERO, LONG);
    let done = frontier.lease_after("w2", &four, &ids(&second), 0).await;
    assert!(done.unwrap().leases.is_empty());
    assert_eq!(
        take(&frontier, "w1", &[]).await.leases.len(),
        2,
        "w2 wants no more"
    );
    // w2 wants more again: w1, holding two after reporting two, takes none...
    assert!(take(&frontier, "w2", &[]).await.leases.is_empty());
    let held = take(&frontier, "w1", &ids(&third)).await;
    assert!(held.leases.is_empty(), "w1 keeps to its half again");
    // ...until w2 leaves the crawl.
    frontier.leave("w2", LONG).await.unwrap();
    assert_eq!(take(&frontier, "w1", &[]).await.leases.len(), 2, "w2 left");
}

#[tokio::test]
async fn a_batch_from_one_host_never_passes_another_hosts_higher_priority() {
    let (_server, frontier) = crawl_with(&[
        ("http://a/1", 5),
        ("http://a/2", 5),
        ("http://a/3", 0),
        ("http://a/4", 0),
        ("http://b/1", 3),
        ("http://b/2", 0),
    ])
    .await;
    let batch = frontier
        .lease("w1", &options(8, Duration::ZERO, LONG), 10)
        .await
        .unwrap();
    assert_eq!(
        urls(&batch),
        [
            "http://a/1",
            "http://a/2",
            "http://b/1",
            "http://a/3",
            "http://a/4",
            "http://b/2",
        ],
        "by priority, then in push order, whatever the host"
    );
    // More leased at once than Lua unpacks in one call.
    let many: Vec<Request> = (0..2500)
        .map(|n| request(&format!("http://c/{n}"), 0))
        .collect();
    assert_eq!(frontier.push(&many).await.unwrap(), 2500);
    let options = options(5000, Duration::ZERO, LONG);
    let batch = frontier.lease("w1", &options, 2500).await.unwrap();
    assert_eq!(batch.leases.len(), 2500);
    assert_eq!(batch.leases[2499].request.url.as_str(), "http://c/2499");
    let ids: Vec<&str> = batch.leases.iter().map(|lease| lease.id.as_str()).collect();
    assert_eq!(frontier.ack("w1", &ids).await.unwrap(), 2500);
}

#[tokio::test]
async fn a_worker_keeps_its_own_repeats_from_redis_and_redis_drops_the_others() {
    use crate::frontier::{Frontier, Next, NoPoliteness, Pushed};
    use backend::{ClusterConfig, RedisBackend};
    let server = RedisServer::start().unwrap();
    let config = ClusterConfig {
        url: server.url(),
        prefix: "crawl:backend".to_owned(),
        worker: "w1".to_owned(),
        options: options(8, Duration::ZERO, LONG),
        concurrency: 4,
        persist: false,
        flush_on_start: false,
        give_up_after: Duration::from_secs(5),
        items_key: String::new(),
    };
    let stats = crate::Stats::default();
    let joined = RedisBackend::join(config, std::sync::Arc::new(NoPoliteness), stats.clone())
        .await
        .unwrap();
    let mut backend = joined.backend;
    let arrived = std::sync::Arc::new(tokio::sync::Notify::new());
    let wake = arrived.clone();
    backend.on_commit(Box::new(move |_| wake.notify_one()));
    // Another worker pushed b/1 already.
    let other = RedisFrontier::connect(&server.url(), "crawl:backend")
        .await
        .unwrap();
    other.push(&[request("http://b/1", 0)]).await.unwrap();

    assert_eq!(backend.push(request("http://a/1", 0)), Pushed::Queued);
    assert_eq!(backend.push(request("http://a/1", 0)), Pushed::Duplicate);
    assert_eq!(backend.push(request("http://b/1", 0)), Pushed::Queued);
    let mut leased = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while leased.len() < 2 && std::time::Instant::now() < deadline {
        match backend.lease(crate::clock::unix_now()) {
            Next::Lease(lease) => leased.push(lease.request.url.to_string()),
            _ => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                let _ = tokio::time::timeout(left, arrived.notified()).await;
            }
        }
    }
    leased.sort();
    assert_eq!(leased, ["http://a/1", "http://b/1"]);
    backend.close();
    assert_eq!(
        stats.get_i64("dupefilter/filtered"),
        1,
        "b/1 pushed again by this worker is dropped by Redis and counted"
    );
}

#[tokio::test]
async fn a_request_that_cannot_be_read_is_set_aside_not_retried_forever() {
    let (server, frontier) = crawl_with(&[("http://a/1", 5), ("http://a/2", 0)]).await;
    let first = format!("{:016x}", 1);
    let mut connection = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let () = redis::AsyncCommands::hset(&mut connection, "crawl:test:req", &first, "{not json")
        .await
        .unwrap();

    let batch = frontier
        .lease("w1", &options(8, Duration::ZERO, LONG), 10)
        .await
        .unwrap();
    assert_eq!(urls(&batch), ["http://a/2"], "the readable one still comes");
    assert_eq!(batch.remaining, 1, "the unreadable one left the frontier");
    let aside: Option<String> =
        redis::AsyncCommands::hget(&mut connection, "crawl:test:unreadable", &first)
            .await
            .unwrap();
    assert_eq!(aside.as_deref(), Some("{not json"));
    let stats = frontier.stats().await.unwrap();
    assert_eq!(stats.get("redis/unreadable_request_count"), Some(&1));
}
