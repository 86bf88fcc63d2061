//! A crawl of the demo site by a crate that names crawl-core `my_crawl`: the spider, its
//! handler method, the derived item, the derived settings, the pipeline, the middleware fn and the free handler all
//! run.

use crawl_renamed_core::Title;
use my_crawl::cli::{self, CliConfig};
use my_crawl::demo_site::DemoSite;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_macro_expands_against_the_renamed_crate() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("titles.jsonl");
    let args = [
        "test".to_owned(),
        "crawl".into(),
        "renamed_titles".into(),
        "-a".into(),
        format!("start_url={}", site.url("/")),
        "-O".into(),
        feed.display().to_string(),
        "-s".into(),
        "LOG_LEVEL=WARN".into(),
    ];
    let result = cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let titles: Vec<String> = std::fs::read_to_string(&feed)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Title>(line).unwrap().title)
        .collect();
    assert!(titles.len() > 1, "pagination was followed: {titles:?}");
    assert!(
        titles
            .iter()
            .all(|t| t.len() > 1 && *t == t.to_uppercase() && t.ends_with('!')),
        "the pipeline ran, with the spider's setting: {titles:?}"
    );
    let stat = |key: &str| result.stats.get(key).and_then(Value::as_u64);
    assert_eq!(stat("renamed/opened"), Some(1));
    assert_eq!(stat("renamed/requests"), stat("downloader/request_count"));
    assert_eq!(
        *crawl_renamed_core::CLOSED_REASON.lock().unwrap(),
        "finished"
    );
}
