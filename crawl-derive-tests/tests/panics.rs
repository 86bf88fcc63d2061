//! A panic in user code outside callbacks (a pipeline, a signal handler, a downloader
//! middleware, an item's `Serialize`) is logged and counted; the crawl finishes and keeps
//! every other item.

mod common;

use std::time::Duration;

use crawl_core::demo_site::{data, DemoSite};
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Page {
    #[serde(serialize_with = "fragile_path")]
    path: String,
}

/// Panics while writing page 5's item to the feed.
fn fragile_path<S: serde::Serializer>(path: &str, serializer: S) -> Result<S::Ok, S::Error> {
    assert_ne!(path, "/page/5/", "the feed cannot take page 5");
    serializer.serialize_str(path)
}

#[derive(Default)]
struct Pages;

#[spider(name = "pages")]
impl Pages {
    async fn start_requests(&self, crawler: &Crawler) {
        for page in 1..=data::PAGES {
            yield_!(Request::new(
                crawler.start_urls()[0].join(&format!("/page/{page}/"))?
            ));
        }
    }

    async fn parse(&self, response: Response) -> Page {
        Page {
            path: response.url.path().to_owned(),
        }
    }
}

/// Panics on page 2's item.
#[pipeline]
async fn fragile(item: Page) -> Page {
    assert_ne!(item.path, "/page/2/", "pipeline cannot take page 2");
    item
}

/// Panics for page 3's item, after it was written to the feed.
#[on(item_scraped)]
async fn fragile_handler(item: &Page) {
    assert_ne!(item.path, "/page/3/", "handler cannot take page 3");
}

/// Panics on the request for page 4.
#[middleware]
async fn process_request(request: &mut Request) {
    assert_ne!(
        request.url.path(),
        "/page/4/",
        "middleware cannot take page 4"
    );
}

/// Panics on the response for page 6, before its callback runs.
#[middleware]
fn process_spider_input(response: &Response) -> Result<()> {
    assert_ne!(
        response.url.path(),
        "/page/6/",
        "spider middleware cannot take page 6"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_outside_callbacks_do_not_stop_or_hang_the_crawl() {
    let site = DemoSite::start().await.unwrap();
    let crawl = common::crawl("pages", &site, "/", &[]);
    let run = tokio::time::timeout(Duration::from_secs(60), crawl)
        .await
        .expect("the crawl ends");
    let mut paths: Vec<String> = run
        .items
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    let mut expected: Vec<String> = (1..=data::PAGES)
        .filter(|p| ![2, 4, 5, 6].contains(p))
        .map(|p| format!("/page/{p}/"))
        .collect();
    expected.sort();
    // Page 2 failed in the pipeline, page 4 in the downloader middleware, page 6 in the
    // spider middleware, page 5's item while being written (after the pipelines: it counts
    // as scraped); page 3's handler panicked after its item was written.
    assert_eq!(paths, expected);
    assert_eq!(run.stat("item_error_count"), 1);
    assert_eq!(run.stat("feedexport/item_panic_count"), 1);
    assert_eq!(run.stat("item_scraped_count"), (data::PAGES - 3) as i64);
    assert_eq!(site.hits("/page/4/"), 0);
    assert_eq!(run.result.finish_reason, "finished");
}
