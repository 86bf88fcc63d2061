//! HttpCacheMiddleware: a second crawl with the cache sends nothing to the server.

mod builtins;
mod common;

use crawl_core::demo_site::{data, DemoSite};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_crawl_with_the_cache_sends_nothing_to_the_server() {
    let site = DemoSite::start().await.unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = format!("HTTPCACHE_DIR={}", cache.path().display());
    let settings = [
        "-s",
        "HTTPCACHE_ENABLED=true",
        "-s",
        &dir,
        "-s",
        "ROBOTSTXT_OBEY=false",
    ];
    let first = common::crawl("bb_pages", &site, "/", &settings).await;
    let sent = site.requests().len();
    assert_eq!(sent, data::PAGES);
    assert_eq!(
        (first.stat("httpcache/miss"), first.stat("httpcache/store")),
        (10, 10)
    );
    assert_eq!(
        (
            first.stat("httpcache/firsthand"),
            first.stat("httpcache/hit")
        ),
        (10, 0)
    );
    assert!(cache.path().join("bb_pages").is_dir());
    let second = common::crawl("bb_pages", &site, "/", &settings).await;
    assert_eq!(site.requests().len(), sent, "no request reached the server");
    assert_eq!(
        (second.stat("httpcache/hit"), second.stat("httpcache/miss")),
        (data::PAGES as i64, 0)
    );
    assert_eq!(second.stat("downloader/request_count"), 0);
    assert!(second.items.iter().all(|i| i["cached"] == true));
    let strip = |run: &common::Run| -> Vec<(Value, Value)> {
        run.items
            .iter()
            .map(|i| (i["path"].clone(), i["text"].clone()))
            .collect()
    };
    assert_eq!(strip(&first), strip(&second));
    // The demo pages carry no validators nor expiry: RFC 2616 does not store them.
    let rfc = tempfile::tempdir().unwrap();
    let dir = format!("HTTPCACHE_DIR={}", rfc.path().display());
    let settings = [
        "-s",
        "HTTPCACHE_ENABLED=true",
        "-s",
        &dir,
        "-s",
        "HTTPCACHE_POLICY=rfc2616",
        "-s",
        "ROBOTSTXT_OBEY=false",
    ];
    let rfc_run = common::crawl("bb_pages", &site, "/", &settings).await;
    assert_eq!(
        (
            rfc_run.stat("httpcache/uncacheable"),
            rfc_run.stat("httpcache/store")
        ),
        (10, 0)
    );
}
