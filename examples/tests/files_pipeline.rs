//! The files_pipeline example against the demo site's `/files/` listing: every file is
//! downloaded through the engine, stored under `FILES_STORE/full/`, and listed in the item.

#[path = "../files_pipeline.rs"]
#[allow(dead_code)]
mod files_pipeline;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::{data, DemoSite};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_downloaded_through_the_engine_and_stored_by_url_hash() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let feed = dir.path().join("items.jsonl");
    let args = [
        "files_pipeline".to_owned(),
        "crawl".into(),
        "files".into(),
        "-a".into(),
        format!("start_url={}", site.url("/files/")),
        "-s".into(),
        format!("FILES_STORE={}", store.display()),
        "-O".into(),
        feed.display().to_string(),
        "-L".into(),
        "WARN".into(),
    ];
    let result = cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let stat = |key: &str| result.stats.get(key).and_then(Value::as_i64).unwrap_or(0);
    assert_eq!(result.finish_reason, "finished");

    // Exactly the four files are stored, each byte for byte.
    let mut stored: Vec<_> = std::fs::read_dir(store.join("full"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    stored.sort();
    assert_eq!(stored.len(), data::FILE_NAMES.len());

    // One item, listing every file with its path and checksum.
    let items: Vec<Value> = std::fs::read_to_string(&feed)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    let file_urls: Vec<String> = data::FILE_NAMES
        .iter()
        .map(|name| site.url(&format!("/files/{name}")))
        .collect();
    assert_eq!(item["file_urls"], serde_json::json!(file_urls));
    let files = item["files"].as_array().unwrap();
    assert_eq!(files.len(), data::FILE_NAMES.len());
    for (file, (name, url)) in files.iter().zip(data::FILE_NAMES.iter().zip(&file_urls)) {
        let expected = data::file(name).unwrap().bytes;
        assert_eq!(file["url"], url.as_str());
        let path = file["path"].as_str().unwrap();
        let parsed = url::Url::parse(url).unwrap();
        assert_eq!(path, files_pipeline::file_path(&parsed));
        let digest = sha1_smol::Sha1::from(url.as_str()).digest().to_string();
        let extension = name.rsplit('.').next().unwrap();
        assert_eq!(path, format!("full/{digest}.{extension}"));
        let on_disk = std::fs::read(store.join(path)).unwrap();
        assert!(
            on_disk == expected,
            "{name}: the stored bytes are the served bytes"
        );
        let checksum = sha1_smol::Sha1::from(&expected).digest().to_string();
        assert_eq!(file["checksum"], checksum.as_str(), "{name}");
    }

    // The downloads went through the engine's downloader: counted with the page and robots.txt.
    for name in data::FILE_NAMES {
        assert_eq!(
            site.hits(&format!("/files/{name}")),
            1,
            "{name} downloaded once"
        );
    }
    let requests = site.requests().len() as i64;
    assert_eq!(stat("downloader/request_count"), requests);
    assert_eq!(
        requests,
        1 + site.hits("/robots.txt") as i64 + data::FILE_NAMES.len() as i64,
        "the listing, robots.txt and the files"
    );
    assert_eq!(stat("downloader/response_status_count/200"), requests);
    assert_eq!(stat("file_count"), data::FILE_NAMES.len() as i64);
    assert_eq!(
        stat("file_status_count/downloaded"),
        data::FILE_NAMES.len() as i64
    );
    assert_eq!(stat("item_scraped_count"), 1);
}
