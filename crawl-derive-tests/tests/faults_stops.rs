//! Faults and stops, end to end (issues 9 and 14): signals on a real crawl process (SIGTERM
//! is a first Ctrl-C; a forced stop leaves every feed whole and closed), a feed that cannot be
//! written, plain logs on a pipe, an unreachable robots.txt, DNS failures, invalid responses,
//! redirect chains over the limit and pages with a wrong or missing charset. Every server is
//! on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;
use crawl_core::CrawlResult;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;
use common::{read_until, send_signal};

/// A `slow_crawl` process, its log read line by line.
struct Process {
    child: Child,
    lines: Box<dyn Iterator<Item = String> + Send>,
    seen: Vec<String>,
}

impl Process {
    /// Starts `slow_crawl ARGS` with stderr on a pipe (and no `NO_COLOR`: the crawl must see
    /// the pipe by itself).
    fn start(args: &[String]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slow_crawl"))
            .args(args)
            .env_remove("NO_COLOR")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        Process {
            child,
            lines: Box::new(stderr.lines().map_while(Result::ok)),
            seen: Vec::new(),
        }
    }

    fn wait_for(&mut self, needle: &str) {
        read_until(&mut self.lines, needle, &mut self.seen);
    }

    fn signal(&self, signal: &str) {
        send_signal(self.child.id(), signal);
    }

    /// Reads the rest of the log and waits for the exit.
    fn finish(mut self) -> (ExitStatus, String) {
        self.seen.extend(self.lines);
        let status = self.child.wait().unwrap();
        (status, self.seen.join("\n"))
    }
}

/// `-a start_url=URL` and the other arguments, as owned strings.
fn args(start_url: &str, rest: &[&str]) -> Vec<String> {
    let mut args = vec!["-a".to_owned(), format!("start_url={start_url}")];
    args.extend(rest.iter().map(|arg| arg.to_string()));
    args
}

/// The integer stat `key` from the stats dumped at the end of `log`.
fn logged_stat(log: &str, key: &str) -> Option<i64> {
    let at = log.find(&format!("\"{key}\": "))? + key.len() + 4;
    let digits: String = log[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// Asserts each `(stat, value)` of the stats dumped at the end of `log`.
fn assert_logged(log: &str, expected: &[(&str, i64)]) {
    for &(key, value) in expected {
        assert_eq!(logged_stat(log, key), Some(value), "{key} in:\n{log}");
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_gracefully_as_a_first_ctrl_c() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("visits.json");
    let mut crawl = Process::start(&args(&site.url("/"), &["-O", path_arg(&feed)]));
    crawl.wait_for("pages/min), scraped");
    crawl.signal("TERM");
    crawl.wait_for("Received SIGTERM, shutting down gracefully");
    let (status, log) = crawl.finish();
    assert!(status.success(), "{log}");
    assert!(log.contains("\"finish_reason\": \"shutdown\""), "{log}");
    let items: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&feed).unwrap()).unwrap();
    let requested = site.requests().iter().filter(|r| r.path == "/slow").count();
    assert!(!items.is_empty() && items.len() < 40, "{}", items.len());
    assert_eq!(items.len(), requested, "every started download finished");
}

/// Scrapes 3 fast pages while 20-second pages are in flight, then sends `signal` twice:
/// the process exits with `code` at once, and each of its four feeds holds the 3 items,
/// whole, as a valid document.
async fn forced_stop_closes_every_feed(signal: &str, code: i32) {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let mut crawl = Process::start(&args(
        &site.url("/"),
        &[
            "-a",
            "ms=20000",
            "-a",
            "fast=3",
            "-O",
            path_arg(&file("v.json")),
            "-O",
            path_arg(&file("v.xml")),
            "-O",
            path_arg(&file("v.csv")),
            "-O",
            path_arg(&file("v.jsonl")),
        ],
    ));
    crawl.wait_for("scraped 3 items");
    crawl.signal(signal);
    crawl.wait_for("shutting down gracefully");
    crawl.signal(signal);
    crawl.wait_for("forcing unclean shutdown");
    let (status, log) = crawl.finish();
    assert_eq!(status.code(), Some(code), "{log}");
    let read = |name: &str| std::fs::read_to_string(file(name)).unwrap();

    let json: Vec<Value> = serde_json::from_str(&read("v.json")).expect("a closed JSON array");
    let mut pages: Vec<i64> = json
        .iter()
        .map(|item| item["page"].as_i64().unwrap())
        .collect();
    pages.sort_unstable();
    assert_eq!(pages, [0, 1, 2]);

    let lines: Vec<Value> = read("v.jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("whole lines"))
        .collect();
    assert_eq!(lines.len(), 3);

    let csv_text = read("v.csv");
    let mut csv = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(csv.headers().unwrap(), vec!["url", "title", "page", "tags"]);
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        // Scrapy's CSV exporter joins a list of strings with `,`.
        assert_eq!(row[3], format!("slow,p{}", &row[2]));
        assert_eq!(&row[1], "Slow");
    }

    let xml = read("v.xml");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut items = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(tag) if tag.name().as_ref() == b"item" => items += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(items, 3);
    assert!(xml.trim_end().ends_with("</items>"), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_forces_the_stop_with_every_feed_closed() {
    forced_stop_closes_every_feed("TERM", 143).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_forces_the_stop_with_every_feed_closed() {
    forced_stop_closes_every_feed("INT", 130).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_that_cannot_be_written_fails_the_crawl_and_spares_the_others() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    let crawl = Process::start(&args(
        &site.url("/"),
        &[
            "-a",
            "ms=0",
            "-o",
            "/dev/full:jsonl",
            "-o",
            "/dev/full:json",
            "-O",
            path_arg(&good),
        ],
    ));
    let (status, log) = crawl.finish();
    assert_eq!(status.code(), Some(1), "{log}");
    assert_logged(
        &log,
        &[
            ("item_scraped_count", 40),
            ("feedexport/failed_count/FileFeedStorage", 2),
            ("feedexport/success_count/FileFeedStorage", 1),
        ],
    );
    // The failed feeds are not said to hold the scraped items.
    assert!(
        log.contains("Error storing jsonlines feed (0 items) in: /dev/full"),
        "{log}"
    );
    assert!(
        log.contains("Error storing json feed (0 items) in: /dev/full"),
        "{log}"
    );
    assert!(
        log.contains("error: 2 feed(s) could not be written"),
        "{log}"
    );
    assert_eq!(common::read_jsonl(&good).len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_on_a_pipe_are_plain_and_debug_shows_no_parser_internals() {
    let site = DemoSite::start().await.unwrap();
    let crawl = Process::start(&args(&site.url("/"), &["-a", "ms=0", "-L", "DEBUG"]));
    let (status, log) = crawl.finish();
    assert!(status.success(), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes on a pipe:\n{log}");
    assert!(log.contains("Crawled <GET"), "{log}");
    assert!(
        !log.contains("in insertion mode"),
        "html5ever's DEBUG lines:\n{log}"
    );
    // Named in LOG_LEVEL, the parser's lines are shown: the filter is what hid them.
    let asked = Process::start(&args(
        &site.url("/"),
        &["-a", "ms=0", "-L", "debug,html5ever=debug"],
    ));
    let (status, log) = asked.finish();
    assert!(status.success());
    assert!(log.contains("in insertion mode"));
}

/// A port on 127.0.0.1 nothing listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_robots_txt_is_warned_once_and_counted() {
    let start = format!("http://127.0.0.1:{}/", closed_port().await);
    let crawl = Process::start(&args(&start, &["-a", "ms=0", "-s", "RETRY_ENABLED=false"]));
    let (status, log) = crawl.finish();
    assert!(status.success(), "{log}");
    let warnings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("Cannot fetch robots.txt"))
        .collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("(ConnectionRefusedError)"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("every request to 127.0.0.1 is forbidden"));
    assert_logged(
        &log,
        &[("robotstxt/unreachable", 1), ("robotstxt/forbidden", 40)],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_failure_is_a_dns_lookup_error() {
    // A label longer than 63 bytes cannot be put in a DNS query: the system resolver fails
    // at once, without sending one (no traffic leaves the machine).
    let host = format!("{}.invalid", "a".repeat(70));
    let start = format!("http://{host}/");
    let crawl = Process::start(&args(&start, &["-a", "ms=0", "-s", "RETRY_ENABLED=false"]));
    let (status, log) = crawl.finish();
    assert!(status.success(), "{log}");
    assert!(log.contains("Cannot fetch robots.txt"), "{log}");
    assert!(log.contains("(DNSLookupError)"), "{log}");
    assert!(!log.contains("ConnectionRefusedError"), "{log}");
    assert_logged(
        &log,
        &[
            ("robotstxt/exception_count/DNSLookupError", 1),
            ("downloader/exception_type_count/DNSLookupError", 1),
        ],
    );
}

#[derive(Serialize)]
struct Page {
    url: String,
    title: String,
}

/// Every page's title; follows every link.
#[spider(name = "fault_pages")]
async fn fault_pages(response: Response) {
    yield_!(Page {
        url: response.url.to_string(),
        title: response.css("title::text").get().unwrap_or_default(),
    });
    for href in response.css("a::attr(href)").getall() {
        yield_!(response.follow(href, fault_pages));
    }
}

/// Crawls `start` in this process with `fault_pages`; returns the result and the items.
async fn crawl_pages(start: &str, settings: &[&str]) -> (CrawlResult, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("pages.jsonl");
    let mut line = args(start, &["-O", path_arg(&feed), "-s", "LOG_LEVEL=WARN"]);
    line.splice(
        0..0,
        [
            "test".to_owned(),
            "crawl".to_owned(),
            "fault_pages".to_owned(),
        ],
    );
    for setting in settings {
        line.extend(["-s".to_owned(), setting.to_string()]);
    }
    let result = cli::run(line, CliConfig::default())
        .await
        .expect("the crawl runs")
        .expect("a crawl result");
    let items = common::read_jsonl(&feed);
    (result, items)
}

fn stat(result: &CrawlResult, key: &str) -> i64 {
    result.stats.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// A server on 127.0.0.1 answering every connection with `reply`; counts the connections.
async fn raw_server(reply: &'static [u8]) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        for _ in 0..16 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let mut request = [0; 4096];
            let _ = socket.read(&mut request).await;
            let _ = socket.write_all(reply).await;
        }
    });
    (addr, connections)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_response_header_is_reported_and_not_retried() {
    let (addr, connections) =
        raw_server(b"HTTP/1.1 200 OK\r\nContent Type: text/html\r\nContent-Length: 0\r\n\r\n")
            .await;
    let (result, items) = crawl_pages(&format!("http://{addr}/"), &["ROBOTSTXT_OBEY=false"]).await;
    assert!(items.is_empty());
    assert_eq!(
        stat(&result, "downloader/exception_type_count/InvalidResponse"),
        1,
        "{:?}",
        result.stats
    );
    assert_eq!(stat(&result, "retry/count"), 0);
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_chain_over_the_limit_is_counted() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl_pages(&site.url("/redirect/chain/30"), &[]).await;
    assert!(items.is_empty());
    assert_eq!(
        stat(&result, "redirect/max_reached"),
        1,
        "{:?}",
        result.stats
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_with_a_wrong_or_missing_charset_keep_their_text_and_links() {
    // `/`: ASCII under a `charset=utf-16` header, linking to `/latin`: windows-1252 bytes
    // and no charset anywhere.
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(|| async {
                (
                    [("content-type", "text/html; charset=utf-16")],
                    "<title>Home</title><a href=\"/latin\">on</a>",
                )
            }),
        )
        .route(
            "/latin",
            axum::routing::get(|| async {
                (
                    [("content-type", "text/html")],
                    &b"<title>Caf\xe9 \x93cr\xe8me\x94</title>"[..],
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (_, items) = crawl_pages(&format!("http://{addr}/"), &["ROBOTSTXT_OBEY=false"]).await;
    let mut titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    titles.sort_unstable();
    assert_eq!(titles, ["Café \u{201c}crème\u{201d}", "Home"]);
}
