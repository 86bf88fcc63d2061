//! robots.txt: fetched once before the first page and obeyed (or not), its statuses read as RFC
//! 9309 says, its `Crawl-delay` spacing requests.

mod builtins;
mod common;

use builtins::*;
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;
use tokio::net::TcpListener;

// ---- robots.txt ----

/// Asks for a page robots.txt disallows and one it allows.
#[derive(Default)]
struct Robots;

#[spider(name = "ba_robots")]
impl Robots {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/private/secret.html")?));
        yield_!(Request::new(base.join("/page/1/")?));
    }

    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_fetched_once_first_and_obeyed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_robots", &site, "/", &[]).await;
    assert_eq!(paths(&run), ["/page/1/"]);
    let seen = seen_paths(&site);
    assert_eq!(seen, ["/robots.txt", "/page/1/"]);
    assert_eq!(site.hits("/private/secret.html"), 0);
    assert_eq!(run.stat("robotstxt/forbidden"), 1);
    assert_eq!(run.stat("robotstxt/request_count"), 1);
    assert_eq!(run.stat("robotstxt/response_count"), 1);
    assert_eq!(run.stat("robotstxt/response_status_count/200"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_ignored_when_not_obeyed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_robots", &site, "/", &["-s", "ROBOTSTXT_OBEY=false"]).await;
    assert_eq!(paths(&run), ["/page/1/", "/private/secret.html"]);
    assert_eq!(site.hits("/robots.txt"), 0);
    assert_eq!(run.stat("robotstxt/forbidden"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_statuses_follow_rfc_9309() {
    let fast = ["-s", "RETRY_BACKOFF_BASE=0.01"];
    // 5xx: disallow everything (after the retries of the fetch itself).
    let (url, seen) = tiny_server(503, "").await;
    let run = crawl_url("ba_robots", &url, &fast).await;
    assert_eq!(*seen.lock().unwrap(), ["/robots.txt"; 3]);
    assert_eq!((run.items.len(), run.stat("robotstxt/forbidden")), (0, 2));
    assert_eq!(run.stat("robotstxt/response_status_count/503"), 1);
    // 4xx: allow everything.
    let (url, seen) = tiny_server(404, "User-agent: *\nDisallow: /\n").await;
    let run = crawl_url("ba_robots", &url, &fast).await;
    assert_eq!(seen.lock().unwrap().len(), 3);
    assert_eq!((run.items.len(), run.stat("robotstxt/forbidden")), (2, 0));
    // Unreachable: disallow everything.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let run = crawl_url("ba_robots", &format!("http://{closed}/"), &fast).await;
    assert_eq!((run.items.len(), run.stat("robotstxt/forbidden")), (0, 2));
    assert_eq!(
        run.stat("robotstxt/exception_count/ConnectionRefusedError"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_crawl_delay_spaces_requests() {
    let (url, seen) = tiny_server(200, "User-agent: *\nCrawl-delay: 0.6\n").await;
    let run = crawl_url("ba_robots", &url, &[]).await;
    assert_eq!((run.items.len(), seen.lock().unwrap().len()), (2, 3));
    assert!(elapsed(&run) >= 0.6, "{}", elapsed(&run));
}
