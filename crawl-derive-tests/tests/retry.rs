//! RetryMiddleware and DownloadTimeoutMiddleware: failing statuses and timeouts retried as the
//! settings and request meta say.

mod builtins;
mod common;

use builtins::*;
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;

// ---- retry and download timeout ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_statuses_are_retried_until_they_succeed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_fetch",
        &site,
        "/flaky/a?fail=2",
        &["-s", "RETRY_BACKOFF_BASE=0.01"],
    )
    .await;
    assert_eq!(paths(&run), ["/flaky/a"]);
    assert_eq!(site.hits("/flaky/a"), 3);
    assert_eq!(run.stat("retry/count"), 2);
    assert_eq!(run.stat("retry/reason_count/503 Service Unavailable"), 2);
    assert_eq!(run.stat("retry/max_reached"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_stop_at_retry_times() {
    let site = DemoSite::start().await.unwrap();
    let extra = ["-s", "RETRY_BACKOFF_BASE=0.01", "-s", "RETRY_TIMES=2"];
    let run = common::crawl("ba_fetch", &site, "/flaky/b?fail=5", &extra).await;
    assert!(run.items.is_empty());
    assert_eq!(site.hits("/flaky/b"), 3);
    assert_eq!(run.stat("retry/count"), 2);
    assert_eq!(run.stat("retry/max_reached"), 1);
    assert_eq!(run.stat("httperror/response_ignored_status_count/503"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_fetch",
        &site,
        "/throttled/c?retry_after=1",
        &["-s", "RETRY_BACKOFF_BASE=0.01"],
    )
    .await;
    assert_eq!(paths(&run), ["/throttled/c"]);
    assert_eq!(site.hits("/throttled/c"), 2);
    assert_eq!(run.stat("retry/reason_count/429 Too Many Requests"), 1);
    // The two hits were at least a second apart, so the whole crawl took that long.
    assert!(elapsed(&run) >= 1.0, "{}", elapsed(&run));
}

/// One request that must not be retried and one allowed more retries than the default.
#[derive(Default)]
struct RetryMeta;

#[spider(name = "ba_retry_meta")]
impl RetryMeta {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/flaky/once?fail=1")?).with_meta("dont_retry", true));
        yield_!(Request::new(base.join("/flaky/more?fail=4")?).with_meta("max_retry_times", 4));
    }

    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_meta_keys_override_the_settings() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_retry_meta",
        &site,
        "/",
        &["-s", "RETRY_BACKOFF_BASE=0.01"],
    )
    .await;
    assert_eq!(paths(&run), ["/flaky/more"]);
    assert_eq!((site.hits("/flaky/once"), site.hits("/flaky/more")), (1, 5));
    assert_eq!(run.stat("retry/count"), 4);
}

/// A slow page that times out, and one whose own `download_timeout` is long enough.
#[derive(Default)]
struct Timeouts;

#[spider(name = "ba_timeouts")]
impl Timeouts {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/slow?ms=2000")?));
        yield_!(Request::new(base.join("/slow?ms=500")?).with_meta("download_timeout", 5.0));
    }

    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_timeout_applies_unless_the_request_sets_one() {
    let site = DemoSite::start().await.unwrap();
    let extra = ["-s", "DOWNLOAD_TIMEOUT=0.3", "-s", "RETRY_ENABLED=false"];
    let run = common::crawl("ba_timeouts", &site, "/", &extra).await;
    assert_eq!(paths(&run), ["/slow"]);
    assert_eq!(site.hits("/slow"), 2);
    assert_eq!(run.stat("downloader/exception_type_count/TimeoutError"), 1);
    assert_eq!(run.stat("retry/count"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_retried() {
    let site = DemoSite::start().await.unwrap();
    let extra = [
        "-s",
        "DOWNLOAD_TIMEOUT=0.3",
        "-s",
        "RETRY_BACKOFF_BASE=0.01",
    ];
    let run = common::crawl("ba_fetch", &site, "/slow?ms=2000", &extra).await;
    assert!(run.items.is_empty());
    assert_eq!(site.hits("/slow"), 3);
    assert_eq!(run.stat("downloader/exception_type_count/TimeoutError"), 3);
    assert_eq!(run.stat("retry/reason_count/TimeoutError"), 2);
    assert_eq!(run.stat("retry/max_reached"), 1);
}
