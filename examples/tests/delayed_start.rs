//! The delayed_start example: no request reaches the site before the port it waits for
//! accepts connections; without a listener the spider closes as `not_ready`, having sent
//! nothing.

#[path = "../delayed_start.rs"]
#[allow(dead_code)]
mod delayed_start;

use std::sync::Mutex;
use std::time::Duration;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;
use crawl_core::CrawlResult;
use serde_json::Value;
use tokio::sync::oneshot;

/// Crawls waiting to be told their engine started, by `ready_port`.
static ENGINE_STARTED: Mutex<Vec<(String, oneshot::Sender<()>)>> = Mutex::new(Vec::new());

/// Tells the test its crawl is running: `engine_started` comes before `spider_opened`, so
/// before the example's handler starts waiting, and before any request.
#[on(engine_started)]
async fn tell_the_test(crawler: &Crawler) {
    let port = crawler.args().get("ready_port").unwrap_or_default();
    let mut waiting = ENGINE_STARTED.lock().unwrap();
    if let Some(at) = waiting.iter().position(|(p, _)| p == port) {
        let _ = waiting.swap_remove(at).1.send(());
    }
}

/// A port nothing listens on (bound to learn it, then released).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}

async fn crawl(
    site_url: String,
    port: u16,
    timeout: &str,
    feed: std::path::PathBuf,
) -> CrawlResult {
    let args = [
        "delayed_start".to_owned(),
        "crawl".into(),
        "delayed_start".into(),
        "-a".into(),
        format!("start_url={site_url}"),
        "-a".into(),
        format!("ready_port={port}"),
        "-a".into(),
        format!("ready_timeout={timeout}"),
        "-O".into(),
        feed.display().to_string(),
        "-L".into(),
        "WARN".into(),
    ];
    cli::run(args, CliConfig::default()).await.unwrap().unwrap()
}

fn stat(result: &CrawlResult, key: &str) -> i64 {
    result.stats.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn feed_items(feed: &std::path::Path) -> usize {
    std::fs::read_to_string(feed)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_is_sent_before_the_port_accepts_connections() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let port = free_port();
    let (started, engine_started) = oneshot::channel();
    ENGINE_STARTED
        .lock()
        .unwrap()
        .push((port.to_string(), started));
    let crawl = tokio::spawn(crawl(site.url("/"), port, "30", feed.clone()));

    engine_started.await.unwrap();
    // The outside service takes a while to come up: the port stays closed meanwhile.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!crawl.is_finished(), "the crawl waits for the port");
    assert!(
        site.requests().is_empty(),
        "no request before the port is open: {:?}",
        site.requests()
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();

    let result = crawl.await.unwrap();
    assert_eq!(result.finish_reason, "finished");
    let accepted = tokio::time::timeout(Duration::from_secs(5), listener.accept()).await;
    assert!(
        matches!(accepted, Ok(Ok(_))),
        "the handler connected to the port"
    );
    assert!(
        stat(&result, "delayed_start/refused_probes") >= 1,
        "it probed while the port was closed"
    );
    assert_eq!(feed_items(&feed), crawl_core::demo_site::data::QUOTES);
    assert_eq!(
        stat(&result, "item_scraped_count"),
        crawl_core::demo_site::data::QUOTES as i64
    );
    assert!(site.hits("/") == 1 && site.hits("/page/10/") == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_listener_the_spider_closes_as_not_ready_having_sent_nothing() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let result = crawl(site.url("/"), free_port(), "0.5", feed.clone()).await;
    assert_eq!(result.finish_reason, "not_ready");
    assert!(
        site.requests().is_empty(),
        "the server saw {:?}",
        site.requests()
    );
    assert_eq!(stat(&result, "downloader/request_count"), 0);
    assert!(stat(&result, "delayed_start/refused_probes") >= 1);
    assert_eq!(stat(&result, "item_scraped_count"), 0);
    assert_eq!(feed_items(&feed), 0);
}
