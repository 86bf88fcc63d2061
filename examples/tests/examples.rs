//! The examples, run through their own command line against the demo site.

#[path = "../quotes.rs"]
#[allow(dead_code)]
mod quotes;

#[path = "../follow_all.rs"]
#[allow(dead_code)]
mod follow_all;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::{data, DemoSite};
use serde_json::Value;

async fn crawl(spider: &str, start: &str) -> (crawl_core::CrawlResult, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let args = [
        "example".to_owned(),
        "crawl".into(),
        spider.into(),
        "-a".into(),
        format!("start_url={start}"),
        "-o".into(),
        feed.display().to_string(),
        "-L".into(),
        "WARN".into(),
    ];
    let result = cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let items = std::fs::read_to_string(&feed)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (result, items)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_example_scrapes_quotes_and_authors() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("quotes", &site.url("/")).await;
    let quotes: Vec<&Value> = items.iter().filter(|i| i.get("text").is_some()).collect();
    let authors: Vec<&Value> = items.iter().filter(|i| i.get("born").is_some()).collect();
    assert_eq!(quotes.len(), data::QUOTES);
    assert_eq!(authors.len(), data::AUTHOR_COUNT);
    let author = &data::authors()[0];
    let found = authors.iter().find(|a| a["name"] == author.name).unwrap();
    assert_eq!(found["born"], author.born_date);
    assert_eq!(found["location"], author.born_location);
    assert_eq!(result.finish_reason, "finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_all_stays_inside_the_start_directory() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("follow_all", &site.url("/book/index.html")).await;
    let mut pages: Vec<(String, String, u64)> = items
        .iter()
        .map(|i| {
            let url = url::Url::parse(i["url"].as_str().unwrap()).unwrap();
            assert_eq!(i["status"], 200);
            (
                url.path().to_owned(),
                i["title"].as_str().unwrap().to_owned(),
                i["links"].as_u64().unwrap(),
            )
        })
        .collect();
    pages.sort();
    let mut expected: Vec<(String, String, u64)> = data::BOOK_PAGES
        .iter()
        .map(|p| (p.path.to_owned(), p.title.to_owned(), p.links() as u64))
        .collect();
    expected.sort();
    assert_eq!(pages, expected);
    // Besides robots.txt, fetched first, the crawl never left the start directory.
    assert!(site
        .requests()
        .iter()
        .all(|r| r.path.starts_with("/book/") || r.path == "/robots.txt"));
    assert_eq!(site.hits("/robots.txt"), 1);
    assert_eq!(result.stats["item_scraped_count"], data::BOOK_PAGES.len());
}
