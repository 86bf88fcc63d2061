//! Concurrency limits and download delay, measured by a server that counts requests in
//! flight and records arrival times.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::get;
use crawl_core::cli::{self, CliConfig};
use crawl_core::prelude::*;

/// What the counting server saw.
#[derive(Default)]
struct Seen {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    arrivals: Mutex<Vec<Instant>>,
}

/// Serves every path after 100 ms, counting requests in flight.
async fn start_server() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let app = axum::Router::new()
        .fallback(get(|State(seen): State<Arc<Seen>>| async move {
            seen.arrivals.lock().unwrap().push(Instant::now());
            let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            seen.peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            seen.in_flight.fetch_sub(1, Ordering::SeqCst);
            axum::response::Html("<title>t</title>")
        }))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[derive(Serialize)]
struct Hit {
    path: String,
}

#[derive(Default)]
struct Many;

#[spider(name = "many")]
impl Many {
    async fn start_requests(&self, crawler: &Crawler) {
        for page in 0..12 {
            yield_!(Request::new(
                crawler.start_urls()[0].join(&format!("/p{page}"))?
            ));
        }
    }

    async fn parse(&self, response: Response) -> Hit {
        Hit {
            path: response.url.path().to_owned(),
        }
    }
}

async fn crawl(start: &str, settings: &[&str]) -> CrawlResultItems {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("hits.jsonl");
    let mut args = vec![
        "test".to_owned(),
        "crawl".into(),
        "many".into(),
        "-a".into(),
        format!("start_url={start}"),
        "-O".into(),
        feed.display().to_string(),
        "-s".into(),
        "ROBOTSTXT_OBEY=false".into(),
    ];
    for setting in settings {
        args.push("-s".into());
        args.push((*setting).to_owned());
    }
    cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    common::read_jsonl(&feed).len()
}

type CrawlResultItems = usize;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_concurrency_caps_requests_in_flight() {
    let (url, seen) = start_server().await;
    let items = crawl(&url, &["CONCURRENT_REQUESTS=3"]).await;
    assert_eq!(items, 12);
    assert_eq!(seen.peak.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_domain_concurrency_caps_requests_to_one_host() {
    let (url, seen) = start_server().await;
    let items = crawl(
        &url,
        &["CONCURRENT_REQUESTS=16", "CONCURRENT_REQUESTS_PER_DOMAIN=2"],
    )
    .await;
    assert_eq!(items, 12);
    assert_eq!(seen.peak.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_delay_spaces_requests_to_one_slot() {
    let (url, seen) = start_server().await;
    let items = crawl(
        &url,
        &["DOWNLOAD_DELAY=0.15", "RANDOMIZE_DOWNLOAD_DELAY=false"],
    )
    .await;
    assert_eq!(items, 12);
    let arrivals = seen.arrivals.lock().unwrap().clone();
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    // Each download starts the delay after the previous one started. Arrivals at the server
    // jitter by how late each download really started on a loaded machine, so each gap may
    // look shorter by that much, but the span of all of them cannot.
    assert!(
        gaps.iter().all(|gap| *gap >= Duration::from_millis(100)),
        "{gaps:?}"
    );
    let span: Duration = gaps.iter().sum();
    assert!(
        span >= Duration::from_millis(150) * gaps.len() as u32 - Duration::from_millis(30),
        "{span:?} for {} gaps: {gaps:?}",
        gaps.len()
    );
}
