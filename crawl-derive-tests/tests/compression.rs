//! HttpCompressionMiddleware: every coding asked for and decoded, a decompression bomb stopped
//! at `DOWNLOAD_MAXSIZE`.

mod builtins;
mod common;

use builtins::*;
use crawl_core::demo_site::{data, DemoSite};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_coding_is_asked_for_and_decoded() {
    let site = DemoSite::start().await.unwrap();
    let codings = ["gzip", "deflate", "br", "zstd"];
    let steps: Vec<Value> = codings
        .iter()
        .map(|c| json!({"path": format!("/compressed/{c}")}))
        .collect();
    let run = plan(&site, json!(steps), &[]).await;
    for coding in codings {
        let item = by_path(&run, &format!("/compressed/{coding}"));
        assert_eq!(
            (item["title"].as_str(), item["len"].as_u64()),
            (
                Some(data::COMPRESSED_TITLE),
                Some(data::compressed_page().len() as u64)
            )
        );
    }
    for seen in site.requests() {
        assert_eq!(
            seen.header("accept-encoding"),
            Some("gzip, deflate, br, zstd"),
            "{}",
            seen.path
        );
    }
    assert_eq!(run.stat("httpcompression/response_count"), 4);
    assert_eq!(
        run.stat("httpcompression/response_bytes"),
        4 * data::compressed_page().len() as i64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_dropped_at_download_maxsize_after_decoding() {
    let site = DemoSite::start().await.unwrap();
    let steps = json!([
        {"path": "/bomb/gzip?mb=2"},
        {"path": "/compressed/gzip"},
        {"path": "/bomb/gzip?mb=3", "meta": {"download_maxsize": 4 * 1024 * 1024}},
    ]);
    let run = plan(&site, steps, &["-s", "DOWNLOAD_MAXSIZE=1048576"]).await;
    let mut paths: Vec<&str> = run
        .items
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["/bomb/gzip?mb=3", "/compressed/gzip"]);
    assert_eq!(
        by_path(&run, "/bomb/gzip?mb=3")["len"],
        3 * 1024 * 1024,
        "the meta raised the limit"
    );
    assert_eq!(site.hits("/bomb/gzip"), 2);
    assert_eq!(
        run.stat("downloader/response_count"),
        3,
        "every compressed body was within the limit"
    );
    assert_eq!(run.stat("httpcompression/response_count"), 2);
    let expected = data::compressed_page().len() + 3 * 1024 * 1024;
    assert_eq!(run.stat("httpcompression/response_bytes"), expected as i64);
}
