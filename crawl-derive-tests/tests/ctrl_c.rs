//! Ctrl-C on a real crawl process: the first SIGINT stops gracefully (in-flight requests
//! finish, no new ones start, the JSON feed is closed valid); progress lines appear meanwhile.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crawl_core::demo_site::DemoSite;

mod common;
use common::{read_until, send_signal};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_ctrl_c_stops_gracefully_and_closes_the_feed() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("visits.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_slow_crawl"))
        .args([
            "-a",
            &format!("start_url={}", site.url("/")),
            "-O",
            &feed.display().to_string(),
        ])
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = stderr.lines().map_while(Result::ok);
    let mut seen = Vec::new();
    // A periodic progress line proves the crawl is under way.
    read_until(&mut lines, "pages/min), scraped", &mut seen);
    send_signal(child.id(), "INT");
    read_until(&mut lines, "shutting down gracefully", &mut seen);
    seen.extend(lines);
    let exit = child.wait().unwrap();
    let log = seen.join("\n");
    assert!(exit.success(), "{log}");
    assert!(log.contains("\"finish_reason\": \"shutdown\""), "{log}");
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&feed).unwrap()).unwrap();
    // Stopped early: fewer than the 40 pages, and every started download finished.
    let requested = site.requests().iter().filter(|r| r.path == "/slow").count();
    assert!(
        !items.is_empty() && items.len() < 40,
        "{} items",
        items.len()
    );
    assert_eq!(items.len(), requested);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_ctrl_c_stops_at_once() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("visits.jsonl");
    // Pages take 20 s, so the graceful stop cannot end before the second signal.
    let mut child = Command::new(env!("CARGO_BIN_EXE_slow_crawl"))
        .args([
            "-a",
            &format!("start_url={}", site.url("/")),
            "-a",
            "ms=20000",
        ])
        .args(["-O", &feed.display().to_string()])
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = stderr.lines().map_while(Result::ok);
    let mut seen = Vec::new();
    read_until(&mut lines, "pages/min), scraped", &mut seen);
    send_signal(child.id(), "INT");
    read_until(&mut lines, "shutting down gracefully", &mut seen);
    send_signal(child.id(), "INT");
    read_until(&mut lines, "forcing unclean shutdown", &mut seen);
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(130), "{}", seen.join("\n"));
    // It did not wait for the 20-second pages.
    assert!(std::fs::read_to_string(&feed).unwrap().is_empty());
}
