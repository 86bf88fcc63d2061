//! The middlewares example, run through its own command line against the demo site: what
//! the server saw (the header on every request, never the locally answered path) and what
//! the spider middleware did to the items, exactly.

#[path = "../middlewares.rs"]
#[allow(dead_code)]
mod middlewares;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::{data, DemoSite};
use crawl_core::CrawlResult;
use serde_json::{json, Value};

use middlewares::{HEADER, HEADER_VALUE, LOCAL_PATH, MIN_TAGS};

async fn crawl(site: &DemoSite, extra: &[&str]) -> (CrawlResult, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let mut args = vec![
        "example".to_owned(),
        "-a".into(),
        format!("start_url={}", site.url("/")),
        "-o".into(),
        feed.display().to_string(),
        "-L".into(),
        "WARN".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    // One spider in the binary: its name may be left out, as with `cargo run --example`.
    let result = cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let items = std::fs::read_to_string(&feed)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(result.finish_reason, "finished");
    (result, items)
}

/// The path of listing page `page` as the crawl reaches it: the start URL `/` is page 1.
fn page_path(page: usize) -> String {
    if page == 1 {
        "/".to_owned()
    } else {
        format!("/page/{page}/")
    }
}

/// The quote of the locally answered page, as scraped.
fn local_quote(page: Option<&str>) -> Value {
    json!({
        "text": "“Answered before the network.”",
        "author": "A Downloader Middleware",
        "tags": ["local", "middleware"],
        "page": page,
    })
}

/// Every quote of the site, with the page it is on (or `None`), that has at least
/// `min_tags` tags; plus the local quote.
fn expected_items(min_tags: usize, stamped: bool) -> Vec<Value> {
    let mut items: Vec<Value> = (1..=data::PAGES)
        .flat_map(|page| {
            data::quotes_on_page(page)
                .unwrap()
                .iter()
                .filter(|q| q.tags.len() >= min_tags)
                .map(move |q| {
                    json!({
                        "text": format!("“{}”", q.text),
                        "author": q.author,
                        "tags": q.tags,
                        "page": stamped.then(|| page_path(page)),
                    })
                })
        })
        .collect();
    items.push(local_quote(stamped.then_some(LOCAL_PATH)));
    sort(items)
}

fn sort(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by_key(|item| item.to_string());
    items
}

/// The listing pages and robots.txt reached the server, once each, every one with the
/// header; the locally answered path never did.
fn check_requests(site: &DemoSite) {
    let requests = site.requests();
    let mut paths: Vec<String> = requests.iter().map(|r| r.path.clone()).collect();
    paths.sort();
    let mut expected: Vec<String> = (1..=data::PAGES).map(page_path).collect();
    expected.push("/robots.txt".to_owned());
    expected.sort();
    assert_eq!(paths, expected);
    assert_eq!(site.hits(LOCAL_PATH), 0);
    for request in &requests {
        assert_eq!(
            request.header(HEADER),
            Some(HEADER_VALUE),
            "{}",
            request.path
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn middlewares_tag_requests_answer_one_locally_and_stamp_and_filter_quotes() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl(&site, &[]).await;
    check_requests(&site);

    // Every quote with enough tags, stamped with its page; the local page's quote too.
    let expected = expected_items(MIN_TAGS, true);
    assert_eq!(sort(items.clone()), expected);
    let dropped = data::quotes()
        .iter()
        .filter(|q| q.tags.len() < MIN_TAGS)
        .count();
    assert!(dropped > 0, "the demo data has quotes with a single tag");
    assert_eq!(items.len(), data::QUOTES - dropped + 1);
    assert_eq!(result.stats["middlewares/quotes_dropped"], dropped);
    assert_eq!(result.stats["item_scraped_count"], items.len());
    // The ten listing pages from the network, the local page from the middleware.
    assert_eq!(result.stats["response_received_count"], data::PAGES + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_the_spider_middleware_by_name_keeps_every_quote_unstamped() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl(
        &site,
        &["-s", r#"SPIDER_MIDDLEWARES={"StampAndFilter": null}"#],
    )
    .await;
    // The downloader middleware still ran.
    check_requests(&site);
    assert_eq!(sort(items), expected_items(0, false));
    assert!(!result.stats.contains_key("middlewares/quotes_dropped"));
    assert_eq!(result.stats["item_scraped_count"], data::QUOTES + 1);
}
