//! The crate's items, derived through crawl-core alone, serialize with serde's attributes, read
//! back, and go through a real crawl of the demo site into a feed; the pipeline's `DropItem`
//! drops with its reason.

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::DemoSite;
use crawl_core_only::{Page, Quote, Title};
use serde_json::{json, Value};

#[test]
fn derived_items_round_trip_with_serde_attributes() {
    let quote = Quote {
        text: "t".into(),
        author: "a".into(),
        tags: vec![],
    };
    let value = serde_json::to_value(&quote).unwrap();
    assert_eq!(value, json!({"TEXT": "t", "by": "a"}));
    assert_eq!(serde_json::from_value::<Quote>(value).unwrap(), quote);

    let page = Page::Listing {
        url: "u".into(),
        count: 3u8,
    };
    let value = serde_json::to_value(&page).unwrap();
    assert_eq!(value, json!({"kind": "Listing", "url": "u", "count": 3}));
    assert_eq!(serde_json::from_value::<Page<u8>>(value).unwrap(), page);
    assert_eq!(
        serde_json::to_value(Page::<u8>::Empty).unwrap(),
        json!({"kind": "Empty"})
    );
    assert_eq!(serde_json::to_value(Title("x".into())).unwrap(), json!("x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_writes_the_derived_items_and_drops_by_reason() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let args = [
        "test".to_owned(),
        "crawl".into(),
        "core_only_quotes".into(),
        "-a".into(),
        format!("start_url={}", site.url("/")),
        "-O".into(),
        feed.display().to_string(),
        "-s".into(),
        "LOG_LEVEL=WARN".into(),
    ];
    let result = cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let items: Vec<Value> = std::fs::read_to_string(&feed)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let listings: Vec<&Value> = items.iter().filter(|i| i["kind"] == "Listing").collect();
    let quotes: Vec<&Value> = items.iter().filter(|i| i.get("TEXT").is_some()).collect();
    assert!(listings.len() > 1, "pagination was followed: {listings:?}");
    let listed: u64 = listings.iter().map(|l| l["count"].as_u64().unwrap()).sum();
    let dropped = result.stats["item_dropped_reasons_count/few_tags"]
        .as_u64()
        .unwrap();
    assert!(dropped > 0);
    assert_eq!(quotes.len() as u64 + dropped, listed);
    assert!(quotes
        .iter()
        .all(|q| q["by"].is_string() && q["TAGS"].as_array().unwrap().len() >= 2));
}
