//! CloseSpider: the crawl closes at a page count, an item count or a timeout.

mod builtins;
mod common;

use builtins::*;
use crawl_core::demo_site::{data, DemoSite};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closespider_page_and_item_counts() {
    let site = DemoSite::start().await.unwrap();
    let base = ["-s", "ROBOTSTXT_OBEY=false", "-s", "CONCURRENT_REQUESTS=1"];
    let pages = common::crawl(
        "bb_pages",
        &site,
        "/",
        &[&base[..], &["-s", "CLOSESPIDER_PAGECOUNT=3"]].concat(),
    )
    .await;
    assert_eq!(pages.result.finish_reason, "closespider_pagecount");
    assert_eq!(pages.stat("response_received_count"), 3);
    let items = common::crawl(
        "bb_pages",
        &site,
        "/",
        &[&base[..], &["-s", "CLOSESPIDER_ITEMCOUNT=3"]].concat(),
    )
    .await;
    assert_eq!(items.result.finish_reason, "closespider_itemcount");
    assert!(
        (3..=4).contains(&items.stat("item_scraped_count")),
        "{}",
        items.stat("item_scraped_count")
    );
    let errors = common::crawl(
        "bb_failing",
        &site,
        "/",
        &[&base[..], &["-s", "CLOSESPIDER_ERRORCOUNT=2"]].concat(),
    )
    .await;
    assert_eq!(errors.result.finish_reason, "closespider_errorcount");
    assert!((2..=3).contains(&errors.stat("spider_exceptions/Error")));
    let untouched = common::crawl("bb_pages", &site, "/", &base).await;
    assert_eq!(
        (
            untouched.result.finish_reason.as_str(),
            untouched.items.len()
        ),
        ("finished", data::PAGES)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closespider_timeout_closes_a_slow_crawl() {
    let site = DemoSite::start().await.unwrap();
    let steps = json!([{"path": "/slow?ms=3000", "then": [{"path": "/slow?ms=3000&again"}]}]);
    let run = plan(&site, steps, &["-s", "CLOSESPIDER_TIMEOUT=0.5"]).await;
    assert_eq!(run.result.finish_reason, "closespider_timeout");
    // The download in flight finished; the follow-up was never sent.
    assert_eq!(run.items.len(), 1);
    assert_eq!(site.hits("/slow"), 1);
    assert!(elapsed(&run) < 4.0);
}
