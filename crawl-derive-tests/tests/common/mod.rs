//! Shared by the run-time tests: run a spider through the real command line against the demo
//! site, and read back the feed it wrote.

#![allow(dead_code)]

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::DemoSite;
use crawl_core::{CrawlResult, Error};
use serde_json::Value;

/// A finished crawl: its result and the items its JSON lines feed holds.
pub struct Run {
    pub result: CrawlResult,
    pub items: Vec<Value>,
}

impl Run {
    /// The integer stat `key` (0 when absent).
    pub fn stat(&self, key: &str) -> i64 {
        self.result
            .stats
            .get(key)
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }

    /// Items having field `field`.
    pub fn with_field(&self, field: &str) -> Vec<&Value> {
        self.items
            .iter()
            .filter(|item| item.get(field).is_some())
            .collect()
    }
}

/// Runs `crawl SPIDER -a start_url=<site PATH> -O <temp>.jsonl EXTRA...`.
pub async fn crawl(spider: &str, site: &DemoSite, path: &str, extra: &[&str]) -> Run {
    crawl_url(spider, &site.url(path), extra).await
}

/// Runs `crawl SPIDER -a start_url=START -O <temp>.jsonl EXTRA...` (START: URLs separated by
/// commas).
pub async fn crawl_url(spider: &str, start: &str, extra: &[&str]) -> Run {
    try_crawl_url(spider, start, extra)
        .await
        .expect("the crawl runs")
}

/// [`crawl_url`], or the error the command line stopped with.
pub async fn try_crawl_url(spider: &str, start: &str, extra: &[&str]) -> Result<Run, Error> {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let mut args: Vec<String> = vec![
        "test".into(),
        "crawl".into(),
        spider.into(),
        "-a".into(),
        format!("start_url={start}"),
        "-O".into(),
        feed.display().to_string(),
        "-s".into(),
        "LOG_LEVEL=WARN".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let result = cli::run(args, CliConfig::default())
        .await?
        .expect("a crawl returns a result");
    let items = read_jsonl(&feed);
    Ok(Run { result, items })
}

/// Every line of a JSON lines file, parsed.
pub fn read_jsonl(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect()
}

/// Reads log lines until one contains `needle`, keeping every line read in `seen`.
///
/// # Panics
/// If the lines end first, showing what was read.
pub fn read_until(lines: &mut impl Iterator<Item = String>, needle: &str, seen: &mut Vec<String>) {
    for line in lines.by_ref() {
        let found = line.contains(needle);
        seen.push(line);
        if found {
            return;
        }
    }
    panic!(
        "the crawl ended without printing `{needle}`:\n{}",
        seen.join("\n")
    );
}

/// Sends `signal` (`INT`, `TERM`) to the process `pid` with the `kill` command.
pub fn send_signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid} failed");
}
