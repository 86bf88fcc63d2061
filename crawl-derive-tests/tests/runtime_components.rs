//! Pipelines, signals and middlewares written as annotated async fns, run against the demo
//! site: exact counts of items scraped, dropped and failed, the order pipelines ran in, the
//! handlers called, and what the server saw.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crawl_core::demo_site::{data, DemoSite};
use crawl_core::pipeline::DropItem;
use crawl_core::prelude::*;

#[derive(Debug, Serialize)]
struct Quote {
    text: String,
    author: String,
}

#[derive(Debug, Serialize)]
struct Page {
    url: String,
}

/// Every `process_item` call, as `pipeline:item text`.
static PIPELINE_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
static OPENED: AtomicUsize = AtomicUsize::new(0);
static TYPED_SCRAPED: AtomicUsize = AtomicUsize::new(0);
static CLOSED_REASON: Mutex<String> = Mutex::new(String::new());
static IDLE_CALLS: AtomicUsize = AtomicUsize::new(0);

#[derive(Default)]
struct Components;

#[spider(name = "components")]
impl Components {
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
            });
        }
        yield_!(Page {
            url: response.url.path().to_owned()
        });
    }

    #[on(spider_closed)]
    async fn remember_reason(&self, reason: &str) {
        *CLOSED_REASON.lock().unwrap() = reason.to_owned();
    }

    /// Keeps the spider open once: schedules page 2 when the crawl first runs dry.
    #[on(spider_idle)]
    async fn one_more_page(&self, crawler: &Crawler) -> Result<()> {
        if IDLE_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
            crawler.schedule(Request::new(crawler.start_urls()[0].join("/page/2/")?));
        }
        Ok(())
    }
}

/// Runs first: trims quote text (typed: `Page` items pass by untouched).
#[pipeline(order = 100)]
async fn trim(mut item: Quote) -> Quote {
    PIPELINE_LOG
        .lock()
        .unwrap()
        .push(format!("trim:{}", item.author));
    item.text = item.text.trim_matches(|c| c == '“' || c == '”').to_owned();
    item
}

/// Runs second: drops every quote of the first author.
#[pipeline(order = 200)]
async fn drop_first_author(item: Quote) -> Result<Quote> {
    PIPELINE_LOG
        .lock()
        .unwrap()
        .push(format!("drop:{}", item.author));
    if item.author == data::quotes()[0].author {
        return Err(DropItem::new("first_author"));
    }
    Ok(item)
}

/// An impl pipeline with state and every hook: counts pages, fails on the page `/page/2/`.
#[derive(Default)]
struct PageCounter {
    seen: AtomicUsize,
}

#[pipeline(order = 300)]
impl PageCounter {
    async fn open_spider(&self) -> Result<()> {
        OPENED.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn process_item(&self, item: &mut Page, crawler: &Crawler) -> Result<()> {
        self.seen.fetch_add(1, Ordering::SeqCst);
        crawler.stats().inc("test/pages_counted");
        if item.url == "/page/2/" {
            anyhow::bail!("page 2 is not welcome");
        }
        Ok(())
    }

    async fn close_spider(&self, crawler: &Crawler) {
        crawler
            .stats()
            .set("test/pages_seen", self.seen.load(Ordering::SeqCst) as i64);
    }
}

#[on(item_scraped)]
async fn count_quotes(_item: &Quote) {
    TYPED_SCRAPED.fetch_add(1, Ordering::SeqCst);
}

#[on(spider_opened)]
async fn mark_opened(crawler: &Crawler) {
    crawler.stats().set("test/opened_by_handler", true);
}

/// A downloader middleware as a free fn: tags every request.
#[middleware(order = 543)]
async fn process_request(request: &mut Request) {
    request
        .headers
        .insert("x-crawl-test", "tagged".parse().unwrap());
}

/// A spider middleware as a free fn: counts the outputs it passes through.
#[middleware(name = "OutputCounter", order = 10)]
async fn process_spider_output(outputs: OutputStream, origin: &Origin, crawler: &Crawler) {
    let mut outputs = outputs;
    while let Some(output) = outputs.next().await {
        crawler.stats().inc("test/outputs_seen");
        let _ = origin.status;
        yield_!(output);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelines_signals_and_middlewares_run_in_order_with_exact_counts() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("components", &site, "/", &[]).await;

    // Page 1 and, through the idle handler, page 2.
    let first_author = data::quotes()[0].author;
    let quotes: Vec<&data::Quote> = data::quotes()[..20].iter().collect();
    let dropped = quotes.iter().filter(|q| q.author == first_author).count();
    let quote_items = run.with_field("text");
    assert_eq!(quote_items.len(), quotes.len() - dropped);
    assert!(quote_items
        .iter()
        .all(|q| !q["text"].as_str().unwrap().starts_with('“')));
    assert_eq!(run.stat("item_dropped_count"), dropped as i64);
    assert_eq!(
        run.stat("item_dropped_reasons_count/first_author"),
        dropped as i64
    );
    // Pages: "/" kept, "/page/2/" failed in PageCounter.
    assert_eq!(run.with_field("url").len(), 1);
    assert_eq!(run.stat("item_error_count"), 1);
    assert_eq!(
        run.stat("item_scraped_count"),
        (quotes.len() - dropped + 1) as i64
    );
    assert_eq!(TYPED_SCRAPED.load(Ordering::SeqCst), quotes.len() - dropped);

    // Each quote went through `trim` then `drop_first_author`, in that order.
    let log = PIPELINE_LOG.lock().unwrap().clone();
    assert_eq!(log.len(), 2 * quotes.len());
    for quote in &quotes {
        let trim = log
            .iter()
            .position(|l| *l == format!("trim:{}", quote.author))
            .unwrap();
        let drop = log
            .iter()
            .position(|l| *l == format!("drop:{}", quote.author))
            .unwrap();
        assert!(trim < drop, "trim runs before drop for {}", quote.author);
    }
    assert_eq!(OPENED.load(Ordering::SeqCst), 1);
    assert_eq!(run.stat("test/pages_counted"), 2);
    assert_eq!(run.stat("test/pages_seen"), 2);
    assert_eq!(run.result.stats["test/opened_by_handler"], true);
    assert_eq!(*CLOSED_REASON.lock().unwrap(), "finished");
    assert_eq!(IDLE_CALLS.load(Ordering::SeqCst), 2);
    // Two responses, each yielding its quotes and a page.
    assert_eq!(run.stat("test/outputs_seen"), (quotes.len() + 2) as i64);

    let tagged = site
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/page") || r.path == "/")
        .all(|r| {
            r.headers
                .iter()
                .any(|(k, v)| k == "x-crawl-test" && v == "tagged")
        });
    assert!(tagged);
}
