//! The generated command line: spider lookup, arguments, settings and feed options.

mod common;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::{data, DemoSite};
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Tagged {
    tag: String,
    url: String,
}

/// Scrapes the first page of one tag, named by `-a tag=NAME`.
#[derive(Default)]
struct ByTag;

#[spider(name = "by_tag", args = ["tag"], settings(concurrent_requests = 4))]
impl ByTag {
    async fn start_requests(&self, crawler: &Crawler) {
        let tag = crawler.args().get("tag").unwrap_or("none").to_owned();
        let url = crawler.start_urls()[0].join(&format!("/tag/{tag}/page/1/"))?;
        yield_!(Request::new(url).with_meta("tag", tag));
    }

    async fn parse(&self, response: Response, crawler: &Crawler) -> Tagged {
        Tagged {
            tag: response.meta()["tag"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            url: format!(
                "{} {}",
                response.url.path(),
                crawler.settings().concurrent_requests
            ),
        }
    }
}

async fn run(args: &[&str]) -> Result<Option<CrawlResult>, crawl_core::Error> {
    let mut all = vec!["test"];
    all.extend_from_slice(args);
    cli::run(all, CliConfig::default()).await
}

use crawl_core::CrawlResult;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_and_settings_reach_the_spider() {
    let site = DemoSite::start().await.unwrap();
    let tag = data::TAGS[0];
    let arg = format!("tag={tag}");
    let run = common::crawl(
        "by_tag",
        &site,
        "/",
        &["-a", &arg, "-s", "CONCURRENT_REQUESTS=7"],
    )
    .await;
    assert_eq!(
        run.items,
        vec![serde_json::json!({"tag": tag, "url": format!("/tag/{tag}/page/1/ 7")})]
    );
    let default = common::crawl("by_tag", &site, "/", &["-a", &arg]).await;
    assert_eq!(default.items[0]["url"], format!("/tag/{tag}/page/1/ 4"));
}

#[tokio::test]
async fn unknown_spider_argument_and_setting_are_clear_errors() {
    let err = run(&["crawl", "nope"]).await.unwrap_err().to_string();
    assert_eq!(err, "no spider named `nope`; this binary has `by_tag`");
    let err = run(&["crawl", "by_tag", "-a", "tags=x"])
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "spider `by_tag` has no argument `tags`; it takes `tag`, `start_url`"
    );
    let err = run(&["crawl", "by_tag", "-s", "CONCURENT_REQUESTS=3"])
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "unknown setting `CONCURENT_REQUESTS`, did you mean `CONCURRENT_REQUESTS`?"
    );
    let err = run(&["crawl", "by_tag", "-s", "DOWNLOAD_DELAY=later"])
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "invalid value `later` for setting `DOWNLOAD_DELAY`: expected a number"
    );
    let err = run(&["crawl", "by_tag", "-s", "SCHEDULER_MEMORY_QUEUE=fifi"])
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "invalid value `fifi` for setting `SCHEDULER_MEMORY_QUEUE`: expected `lifo` or `fifo` \
         (or Scrapy's LifoMemoryQueue or FifoMemoryQueue)"
    );
    let err = run(&["crawl", "by_tag", "-o", "items.txt"])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot tell the feed format of `items.txt`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_spider_binaries_run_it_unnamed_and_o_appends_while_capital_o_overwrites() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("out.jsonl");
    let feed_arg = format!("{}:jsonl", feed.display());
    let start = format!("start_url={}", site.url("/"));
    let tag = format!("tag={}", data::TAGS[1]);
    // No `crawl NAME`: the binary's only spider runs.
    for _ in 0..2 {
        run(&["-a", &start, "-a", &tag, "-o", &feed_arg])
            .await
            .unwrap();
    }
    assert_eq!(common::read_jsonl(&feed).len(), 2);
    run(&["-a", &start, "-a", &tag, "-O", &feed_arg])
        .await
        .unwrap();
    assert_eq!(common::read_jsonl(&feed).len(), 1);
    let listed = run(&["list"]).await.unwrap();
    assert!(listed.is_none());
}
