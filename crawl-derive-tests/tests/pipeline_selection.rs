//! `ITEM_PIPELINES` picks and orders pipelines by name: by default every registered pipeline
//! runs in its `order`; `-s ITEM_PIPELINES=...` on the command line and a spider's
//! `settings(item_pipelines = ...)` disable or move them; an unknown name is an error.
//!
//! Pipelines apply to every spider of this binary and its tests run in parallel: each test
//! has its own spider, and what is recorded is keyed by spider name.

mod common;

use std::collections::HashMap;
use std::sync::Mutex;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;

/// One item per crawl; each pipeline that runs appends its name.
#[derive(Debug, Serialize)]
struct Tick {
    ran: Vec<String>,
}

/// Lifecycle calls of the impl pipeline and enabled pipelines, by spider name.
static EVENTS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static ENABLED: Mutex<Option<HashMap<String, Vec<String>>>> = Mutex::new(None);

fn record(crawler: &Crawler, event: &str) {
    EVENTS
        .lock()
        .unwrap()
        .push((crawler.spider_name().to_owned(), event.to_owned()));
}

fn events(spider: &str) -> Vec<String> {
    EVENTS
        .lock()
        .unwrap()
        .iter()
        .filter(|(name, _)| name == spider)
        .map(|(_, event)| event.clone())
        .collect()
}

fn enabled(spider: &str) -> Vec<String> {
    ENABLED
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|map| map.get(spider).cloned())
        .unwrap_or_default()
}

/// A free-fn pipeline, first by default.
#[pipeline(order = 100)]
async fn stamp_first(mut item: Tick) -> Tick {
    item.ran.push("stamp_first".to_owned());
    item
}

/// An impl pipeline with lifecycle hooks, second by default.
#[derive(Default)]
struct StampSecond;

#[pipeline(order = 200)]
impl StampSecond {
    async fn open_spider(&self, crawler: &Crawler) -> Result<()> {
        record(crawler, "StampSecond:open");
        Ok(())
    }

    async fn process_item(&self, item: &mut Tick) {
        item.ran.push("StampSecond".to_owned());
    }

    async fn close_spider(&self, crawler: &Crawler) {
        record(crawler, "StampSecond:close");
    }
}

/// Which pipelines the crawl enabled, in order, as the crawler reports them.
#[on(spider_opened)]
async fn remember_enabled(crawler: &Crawler) {
    let pipelines = crawler.component_names().pipelines;
    ENABLED
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .insert(
            crawler.spider_name().to_owned(),
            pipelines.iter().map(|name| name.to_string()).collect(),
        );
}

macro_rules! tick_spider {
    ($ty:ident, $name:literal) => {
        #[derive(Default)]
        struct $ty;

        #[spider(name = $name)]
        impl $ty {
            async fn parse(&self, _response: Response) -> Tick {
                Tick { ran: Vec::new() }
            }
        }
    };
}

tick_spider!(ByDefault, "selection_default");
tick_spider!(CliDisabled, "selection_cli_disabled");
tick_spider!(CliReordered, "selection_cli_reordered");
tick_spider!(CliUnknown, "selection_cli_unknown");
tick_spider!(Companion, "selection_companion");

// Spiders with `settings(...)` are written out: see the report on `settings_fn`'s spans.
#[derive(Default)]
struct SpiderDisabled;

#[spider(
    name = "selection_spider_disabled",
    settings(item_pipelines = r#"{"StampSecond": null}"#)
)]
impl SpiderDisabled {
    async fn parse(&self, _response: Response) -> Tick {
        Tick { ran: Vec::new() }
    }
}

#[derive(Default)]
struct SpiderUnknown;

#[spider(
    name = "selection_spider_unknown",
    settings(item_pipelines = r#"{"StampSecnod": null}"#)
)]
impl SpiderUnknown {
    async fn parse(&self, _response: Response) -> Tick {
        Tick { ran: Vec::new() }
    }
}

/// The pipelines the single item of `run` went through.
fn ran(run: &common::Run) -> Vec<String> {
    assert_eq!(run.items.len(), 1, "{:?}", run.items);
    assert_eq!(run.stat("item_scraped_count"), 1);
    serde_json::from_value(run.items[0]["ran"].clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_every_pipeline_runs_in_order() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("selection_default", &site, "/", &[]).await;
    assert_eq!(ran(&run), ["stamp_first", "StampSecond"]);
    assert_eq!(enabled("selection_default"), ["stamp_first", "StampSecond"]);
    assert_eq!(
        events("selection_default"),
        ["StampSecond:open", "StampSecond:close"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_disables_a_pipeline_by_name() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "selection_cli_disabled",
        &site,
        "/",
        &["-s", r#"ITEM_PIPELINES={"stamp_first": null}"#],
    )
    .await;
    assert_eq!(ran(&run), ["StampSecond"]);
    assert_eq!(enabled("selection_cli_disabled"), ["StampSecond"]);
    assert_eq!(
        events("selection_cli_disabled"),
        ["StampSecond:open", "StampSecond:close"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_reorders_pipelines() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "selection_cli_reordered",
        &site,
        "/",
        &["-s", r#"ITEM_PIPELINES={"stamp_first": 900}"#],
    )
    .await;
    assert_eq!(ran(&run), ["StampSecond", "stamp_first"]);
    assert_eq!(
        enabled("selection_cli_reordered"),
        ["StampSecond", "stamp_first"]
    );
}

/// The spider's own setting disables `StampSecond` for it alone: run at the same time, in the
/// same binary, a spider without the setting keeps both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spider_setting_disables_a_pipeline_for_that_spider_only() {
    let site = DemoSite::start().await.unwrap();
    let (disabled, default) = tokio::join!(
        common::crawl("selection_spider_disabled", &site, "/", &[]),
        common::crawl("selection_companion", &site, "/", &[]),
    );
    assert_eq!(ran(&disabled), ["stamp_first"]);
    assert_eq!(enabled("selection_spider_disabled"), ["stamp_first"]);
    // A disabled pipeline is not even opened.
    assert!(events("selection_spider_disabled").is_empty());
    assert_eq!(ran(&default), ["stamp_first", "StampSecond"]);
    assert_eq!(
        events("selection_companion"),
        ["StampSecond:open", "StampSecond:close"]
    );
}

/// `Err(message)` of a crawl of `spider` with `extra` arguments.
async fn crawl_error(spider: &str, site: &DemoSite, extra: &[&str]) -> String {
    let mut args = vec![
        "test".to_owned(),
        "crawl".into(),
        spider.into(),
        "-a".into(),
        format!("start_url={}", site.url("/")),
        "-s".into(),
        "LOG_LEVEL=WARN".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    match cli::run(args, CliConfig::default()).await {
        Ok(_) => panic!("`{spider}` should not crawl"),
        Err(error) => error.to_string(),
    }
}

/// The error names the unknown pipeline and lists the known ones (in registration order,
/// which the linker decides: compared as a set).
fn assert_unknown(message: &str, name: &str) {
    let prefix =
        format!("`ITEM_PIPELINES` names `{name}`, which is not a known component; known: ");
    let known = message
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("unexpected error: {message}"));
    let mut known: Vec<&str> = known.split(", ").collect();
    known.sort();
    assert_eq!(known, ["StampSecond", "stamp_first"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_pipeline_name_is_a_clear_error() {
    let site = DemoSite::start().await.unwrap();
    let message = crawl_error(
        "selection_cli_unknown",
        &site,
        &["-s", r#"ITEM_PIPELINES={"StampThird": 100}"#],
    )
    .await;
    assert_unknown(&message, "StampThird");
    let message = crawl_error("selection_spider_unknown", &site, &[]).await;
    assert_unknown(&message, "StampSecnod");
    // Neither crawl started: the site saw no request.
    assert!(site.requests().is_empty());
    assert!(enabled("selection_cli_unknown").is_empty());
    assert!(enabled("selection_spider_unknown").is_empty());
}
