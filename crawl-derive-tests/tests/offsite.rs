//! OffsiteMiddleware: links and redirects off the allowed domains are not requested.

mod builtins;
mod common;

use builtins::*;
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;

// ---- offsite ----

/// Follows every link of its start page.
#[derive(Default)]
struct Offsite;

#[spider(name = "ba_offsite", allowed_domains = ["127.0.0.1"])]
impl Offsite {
    async fn parse(&self, response: Response) {
        for href in response.css("a::attr(href)").getall() {
            yield_!(response.follow(href, Self::leaf));
        }
    }

    async fn leaf(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsite_links_are_not_requested() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_offsite", &site, "/offsite", &[]).await;
    assert_eq!(paths(&run), ["/page/1/"]);
    assert_eq!(seen_paths(&site), ["/robots.txt", "/offsite", "/page/1/"]);
    assert_eq!(run.stat("offsite/domains"), 1);
    assert_eq!(run.stat("offsite/filtered"), 1);
    // The followed link carries the page it came from as its referer.
    let followed = site
        .requests()
        .into_iter()
        .find(|r| r.path == "/page/1/")
        .unwrap();
    assert_eq!(
        followed.header("referer"),
        Some(site.url("/offsite").as_str())
    );
}

/// Its start URL redirects off the allowed domains.
#[derive(Default)]
struct OffsiteHop;

#[spider(name = "ba_offsite_hop", allowed_domains = ["127.0.0.1"])]
impl OffsiteHop {
    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_off_the_allowed_domains_is_dropped() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_offsite_hop",
        &site,
        "/redirect?to=http://offsite.invalid/",
        &[],
    )
    .await;
    assert!(run.items.is_empty());
    assert_eq!(run.stat("offsite/filtered"), 1);
    assert_eq!(run.stat("offsite/domains"), 1);
    // Dropped before any lookup or download.
    assert_eq!(run.stat("downloader/exception_count"), 0);
    assert_eq!(run.stat("downloader/request_count"), 2);
}
