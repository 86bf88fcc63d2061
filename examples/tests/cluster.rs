//! Many workers, one crawl: worker processes of the `follow_all` example share a frontier
//! in a real `redis-server` and crawl the demo site together.

#[path = "../follow_all.rs"]
#[allow(dead_code)]
mod follow_all;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crawl_core::cli::{self, CliConfig};
use crawl_core::cluster::server::RedisServer;
use crawl_core::cluster::RedisFrontier;
use crawl_core::demo_site::{DemoSite, SeenRequest};
use serde_json::Value;

/// The `follow_all` example's binary (`cargo test` builds the examples before it runs the
/// tests; alone, this test needs `cargo build -p crawl-examples --example follow_all`).
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().unwrap().parent().unwrap();
    let binary = target.join("examples").join("follow_all");
    assert!(binary.exists(), "{} is not built", binary.display());
    binary
}

/// Starts a worker process writing its items to `feed`.
fn worker(site: &str, redis: &str, feed: &Path, extra: &[&str]) -> Child {
    let log = std::fs::File::create(feed.with_extension("log")).unwrap();
    Command::new(example_binary())
        .args(["-a", &format!("start_url={site}"), "-o"])
        .arg(feed)
        .args(["-s", "SCHEDULER=redis", "-s", &format!("REDIS_URL={redis}")])
        .args(["-s", "REDIS_LEASE_SECS=2", "-s", "CONCURRENT_REQUESTS=4"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Waits (bounded) for `child` to exit successfully.
fn wait_ok(child: &mut Child, feed: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let log = std::fs::read_to_string(feed.with_extension("log")).unwrap_or_default();
            assert!(status.success(), "worker failed: {status}\n{log}");
            return;
        }
        assert!(Instant::now() < deadline, "a worker did not finish in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The URLs of the items in `feed` (every line must be a whole JSON record).
fn urls(feed: &Path) -> Vec<String> {
    std::fs::read_to_string(feed)
        .unwrap_or_default()
        .lines()
        .map(|line| url_of(line, &feed.display()))
        .collect()
}

/// The `url` of an item written as one JSON line (a cut record fails the test).
fn url_of(line: &str, source: &dyn std::fmt::Display) -> String {
    let item: Value = serde_json::from_str(line)
        .unwrap_or_else(|error| panic!("{source}: a cut record {line:?}: {error}"));
    item["url"].as_str().unwrap().to_owned()
}

/// The URLs of an uninterrupted crawl in one process, in memory.
async fn single_process(site: &str, dir: &Path) -> Vec<String> {
    let feed = dir.join("single.jsonl");
    let args = ["follow_all", "-a", &format!("start_url={site}"), "-o"]
        .map(str::to_owned)
        .into_iter()
        .chain([feed.display().to_string(), "-L".into(), "WARN".into()]);
    cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let mut urls = urls(&feed);
    urls.sort();
    urls
}

/// Pages fetched in `log` (robots.txt aside: each worker reads it).
fn page_fetches(log: &[SeenRequest]) -> usize {
    log.iter().filter(|r| r.path != "/robots.txt").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_crawl_once_and_a_killed_one_loses_nothing() {
    let redis = RedisServer::start().unwrap();
    let site = DemoSite::start().await.unwrap();
    let start = site.url("/");
    let dir = tempfile::tempdir().unwrap();
    let expected = single_process(&start, dir.path()).await;
    let single = page_fetches(&site.requests());
    assert!(expected.len() > 50, "the demo site has pages to share");

    // Slow pages, so that the kill lands mid-crawl.
    site.set_latency(Duration::from_millis(150));
    let before = site.requests().len();
    let feeds: Vec<PathBuf> = (1..=3)
        .map(|n| dir.path().join(format!("w{n}.jsonl")))
        .collect();
    let stream = ["-s", "REDIS_ITEMS_KEY=follow_all:items"];
    let mut workers: Vec<Child> = feeds
        .iter()
        .map(|feed| worker(&start, &redis.url(), feed, &stream))
        .collect();
    // The victim: the first worker to have written items (a busy machine may start the
    // processes far apart).
    let deadline = Instant::now() + Duration::from_secs(60);
    let victim = loop {
        if let Some(n) = feeds.iter().position(|feed| urls(feed).len() >= 3) {
            break n;
        }
        assert!(Instant::now() < deadline, "no worker wrote items");
        std::thread::sleep(Duration::from_millis(10));
    };
    // The cluster's view while it runs.
    let running = stats_command(&redis.url());
    assert!(running["workers"].as_u64() >= Some(1), "{running}");
    assert!(running["requests_left"].as_u64().is_some(), "{running}");
    workers[victim].kill().unwrap();
    workers[victim].wait().unwrap();
    let at_kill = urls(&feeds[victim]).len();
    // The same command again: the worker cuts its feed to what its acks committed.
    workers[victim] = worker(&start, &redis.url(), &feeds[victim], &stream);
    for (child, feed) in workers.iter_mut().zip(&feeds) {
        wait_ok(child, feed);
    }

    let mut union: Vec<String> = feeds.iter().flat_map(|feed| urls(feed)).collect();
    union.sort();
    assert_eq!(
        union,
        expected,
        "every item exactly once across the workers (worker {} killed with {at_kill} items)",
        victim + 1
    );
    let mut streamed = stream_urls(redis.port(), "follow_all:items");
    streamed.sort();
    assert_eq!(
        streamed, expected,
        "every item exactly once in the Redis stream"
    );
    let cluster = page_fetches(&site.requests()[before..]);
    assert!(
        cluster >= single && cluster <= single + 4,
        "pages fetched again only for the dead worker's leases (at most its 4 places): \
         {cluster} fetches in the cluster, {single} in one process"
    );
    let frontier = RedisFrontier::connect(&redis.url(), "crawl:follow_all")
        .await
        .unwrap();
    let left = frontier.counts().await.unwrap();
    assert_eq!(
        (left.requests, left.workers),
        (0, 0),
        "the last worker out deleted the crawl's keys"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_delay_holds_for_the_cluster_as_a_whole() {
    let redis = RedisServer::start().unwrap();
    let site = DemoSite::start().await.unwrap();
    let start = site.url("/book/index.html");
    let dir = tempfile::tempdir().unwrap();
    let delay = [
        "-s",
        "DOWNLOAD_DELAY=0.3",
        "-s",
        "RANDOMIZE_DOWNLOAD_DELAY=false",
        "-s",
        "SCHEDULER_PERSIST=true",
        // Each worker's robots.txt fetch would shift its first page past its lease.
        "-s",
        "ROBOTSTXT_OBEY=false",
    ];
    let feeds: Vec<PathBuf> = (1..=3)
        .map(|n| dir.path().join(format!("w{n}.jsonl")))
        .collect();
    let mut workers: Vec<Child> = feeds
        .iter()
        .map(|feed| worker(&start, &redis.url(), feed, &delay))
        .collect();
    for (child, feed) in workers.iter_mut().zip(&feeds) {
        wait_ok(child, feed);
    }
    let mut arrivals: Vec<Instant> = site
        .requests()
        .iter()
        .filter(|r| r.path != "/robots.txt")
        .map(|r| r.received)
        .collect();
    arrivals.sort();
    assert!(arrivals.len() >= 5, "{} pages", arrivals.len());
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    let shortest = gaps.iter().min().unwrap();
    // Three workers each keeping their own delay would send requests 100 ms apart; the
    // shared next-allowed time keeps the whole cluster at 300 ms, less the jitter between a
    // lease and its request's arrival (a busy machine's scheduling).
    assert!(
        *shortest >= Duration::from_millis(200),
        "two requests {shortest:?} apart: {gaps:?}"
    );
    let served = feeds.iter().map(|feed| urls(feed).len()).sum::<usize>();
    assert_eq!(served, arrivals.len(), "one item per page fetched");

    // The crawl's keys were kept (SCHEDULER_PERSIST): the `stats` command adds up the
    // workers' counters.
    let report = stats_command(&redis.url());
    assert_eq!(report["requests_left"], 0, "{report}");
    assert_eq!(report["workers"], 0);
    assert_eq!(report["stats"]["item_scraped_count"], served, "{report}");
    assert_eq!(report["stats"]["response_received_count"], served);

    // Run again on the kept keys: every page was seen, nothing is crawled. Then with
    // SCHEDULER_FLUSH_ON_START: the keys go first, and the crawl starts over.
    let again = dir.path().join("again.jsonl");
    let mut child = worker(
        &start,
        &redis.url(),
        &again,
        &["-s", "SCHEDULER_PERSIST=true"],
    );
    wait_ok(&mut child, &again);
    assert_eq!(urls(&again).len(), 0, "the kept seen set holds every page");
    let fresh = dir.path().join("fresh.jsonl");
    let flush = ["-s", "SCHEDULER_FLUSH_ON_START=true"];
    let mut child = worker(&start, &redis.url(), &fresh, &flush);
    wait_ok(&mut child, &fresh);
    assert_eq!(urls(&fresh).len(), served, "a flushed crawl starts over");
}

/// The URLs of the items in the Redis stream `key` (read with `redis-cli`).
fn stream_urls(port: u16, key: &str) -> Vec<String> {
    let output = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "--raw", "XRANGE", key, "-", "+"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| url_of(line, &key))
        .collect()
}

/// The cluster's view, as printed by `follow_all stats`.
fn stats_command(redis: &str) -> Value {
    let output = Command::new(example_binary())
        .args(["stats", "-s", "SCHEDULER=redis", "-s"])
        .arg(format!("REDIS_URL={redis}"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_is_a_clear_error_at_start() {
    let mut redis = RedisServer::start().unwrap();
    let url = redis.url();
    redis.kill();
    let args = [
        "follow_all",
        "-a",
        "start_url=http://127.0.0.1:9/",
        "-s",
        "SCHEDULER=redis",
        "-s",
        &format!("REDIS_URL={url}"),
    ]
    .map(str::to_owned);
    let error = cli::run(args, CliConfig::default()).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&format!("Redis at {url}")), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_wait_out_a_redis_that_stops_answering() {
    let redis = RedisServer::start().unwrap();
    let site = DemoSite::start().await.unwrap();
    let start = site.url("/");
    let dir = tempfile::tempdir().unwrap();
    let expected = single_process(&start, dir.path()).await;
    site.set_latency(Duration::from_millis(20));
    let feed = dir.path().join("w1.jsonl");
    let mut child = worker(&start, &redis.url(), &feed, &["-s", "REDIS_LEASE_SECS=10"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while urls(&feed).len() < 5 {
        assert!(Instant::now() < deadline, "the worker wrote no items");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Redis stops answering for four seconds (the process is paused, as a stalled host),
    // longer than a worker waits for an answer.
    let pid = redis.pid().to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    std::thread::sleep(Duration::from_secs(4));
    assert!(Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    wait_ok(&mut child, &feed);
    let mut got = urls(&feed);
    got.sort();
    assert_eq!(got, expected, "nothing lost, nothing twice");
    let log = std::fs::read_to_string(feed.with_extension("log")).unwrap();
    assert!(
        log.contains("retrying"),
        "the worker said it waited:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_gives_up_on_a_redis_gone_for_good_and_keeps_its_items() {
    let mut redis = RedisServer::start().unwrap();
    let site = DemoSite::start().await.unwrap();
    site.set_latency(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("w1.jsonl");
    let mut child = worker(
        &site.url("/"),
        &redis.url(),
        &feed,
        &["-s", "REDIS_RETRY_SECS=2"],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while urls(&feed).len() < 5 {
        assert!(Instant::now() < deadline, "the worker wrote no items");
        std::thread::sleep(Duration::from_millis(10));
    }
    redis.kill();
    wait_ok(&mut child, &feed);
    let log = std::fs::read_to_string(feed.with_extension("log")).unwrap();
    assert!(log.contains("redis_unreachable"), "{log}");
    let items = urls(&feed);
    assert!(
        items.len() >= 5,
        "the items written before stay: {}",
        items.len()
    );
    let mut unique = items.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), items.len(), "each once");
}
