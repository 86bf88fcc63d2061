//! What a crawl's log says, read from a real crawl process: its start line names the bot
//! (`BOT_NAME`), and the duplicate filter logs the first duplicate it drops, or every one with
//! `DUPEFILTER_DEBUG`.

use std::process::Command;

use crawl_core::demo_site::DemoSite;

/// Crawls the 40 pages of `slow_crawl` at once, each start request yielded 3 times (80
/// duplicates), and returns the process's log.
fn crawl_log(site: &DemoSite, settings: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("visits.jsonl");
    let start = format!("start_url={}", site.url("/"));
    let mut args = vec![
        "-a",
        &start,
        "-a",
        "ms=0",
        "-a",
        "repeat=3",
        "-s",
        "LOG_LEVEL=DEBUG",
    ];
    for setting in settings {
        args.extend(["-s", setting]);
    }
    let feed = feed.display().to_string();
    args.extend(["-O", &feed]);
    let output = Command::new(env!("CARGO_BIN_EXE_slow_crawl"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{log}");
    assert!(log.contains("\"dupefilter/filtered\": 80"), "{log}");
    log
}

fn duplicate_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| line.contains("Filtered duplicate request: <GET http://"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_line_names_the_bot() {
    let site = DemoSite::start().await.unwrap();
    let log = crawl_log(&site, &["BOT_NAME=quotesbot"]);
    let expected = format!(
        "crawl {} started (bot: quotesbot)",
        env!("CARGO_PKG_VERSION")
    );
    let started = log.find(&expected).expect(&log);
    assert!(started < log.find("Spider opened").expect(&log), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_first_duplicate_is_logged_by_default() {
    let site = DemoSite::start().await.unwrap();
    let log = crawl_log(&site, &[]);
    let lines = duplicate_lines(&log);
    assert_eq!(lines.len(), 1, "{log}");
    assert!(
        lines[0].ends_with(
            " - no more duplicates will be shown (see DUPEFILTER_DEBUG to show all duplicates)"
        ),
        "{log}"
    );
    assert!(log.contains("started (bot: crawl)"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dupefilter_debug_logs_every_duplicate() {
    let site = DemoSite::start().await.unwrap();
    let log = crawl_log(&site, &["DUPEFILTER_DEBUG=true"]);
    let lines = duplicate_lines(&log);
    assert_eq!(lines.len(), 80, "{log}");
    assert!(lines
        .iter()
        .all(|line| !line.contains("no more duplicates")));
    // Each of the 40 pages is dropped twice.
    for page in 0..40 {
        let url = format!("page={page}>");
        assert_eq!(
            lines.iter().filter(|l| l.ends_with(&url)).count(),
            2,
            "{url}"
        );
    }
}
