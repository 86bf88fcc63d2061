//! Shared by the built-in components' behaviour tests (one file per component): spiders
//! that fetch a URL, follow pages or run a plan of requests, a tiny robots.txt server, and
//! readers of what the crawl scraped.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common;

/// A page reached, with the redirects that led to it.
#[derive(Serialize)]
pub struct Page {
    path: String,
    title: String,
    redirect_urls: Vec<String>,
    redirect_reasons: serde_json::Value,
}

pub fn page(response: &Response) -> Page {
    let meta = response.meta();
    let urls = meta
        .get("redirect_urls")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    Page {
        path: response.url.path().to_owned(),
        title: response.css("title::text").get().unwrap_or_default(),
        redirect_urls: urls
            .iter()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect(),
        redirect_reasons: meta.get("redirect_reasons").cloned().unwrap_or_default(),
    }
}

/// Fetches its start URL and scrapes it.
#[derive(Default)]
pub struct Fetch;

#[spider(name = "ba_fetch")]
impl Fetch {
    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

pub fn paths(run: &common::Run) -> Vec<String> {
    let mut paths: Vec<String> = run
        .items
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    paths
}

pub fn seen_paths(site: &DemoSite) -> Vec<String> {
    site.requests().into_iter().map(|r| r.path).collect()
}

/// A minimal HTTP server answering `/robots.txt` with `status` and `body`, every other path
/// with a small page; it records the paths asked for.
pub async fn tiny_server(status: u16, body: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = paths.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let (mut head, mut buf) = (Vec::new(), [0u8; 1024]);
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let path = String::from_utf8_lossy(&head)
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_owned();
                seen.lock().unwrap().push(path.clone());
                let (status, body) = match path.as_str() {
                    "/robots.txt" => (status, body),
                    _ => (
                        200,
                        "<html><head><title>Tiny</title></head><body>ok</body></html>",
                    ),
                };
                let reply = format!(
                    "HTTP/1.1 {status} Status\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, paths)
}

/// `common::crawl` for a server other than the demo site.
pub async fn crawl_url(spider: &str, url: &str, extra: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let mut args = vec!["test", "crawl", spider, "-s", "LOG_LEVEL=ERROR", "-O"];
    let (start, feed_arg) = (format!("start_url={url}"), feed.display().to_string());
    args.extend([feed_arg.as_str(), "-a", start.as_str()]);
    args.extend(extra);
    let result = cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    common::Run {
        result,
        items: common::read_jsonl(&feed),
    }
}

/// What a response looked like to its callback.
#[derive(Serialize)]
pub struct Got {
    path: String,
    title: String,
    len: usize,
    /// The body, when short.
    text: String,
    latency: Option<f64>,
    cached: bool,
}

pub fn got(response: &Response) -> Got {
    let url = &response.url;
    Got {
        path: format!(
            "{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        ),
        title: response.css("title::text").get().unwrap_or_default(),
        len: response.body.len(),
        text: if response.body.len() <= 4096 {
            response.text().to_owned()
        } else {
            String::new()
        },
        latency: response
            .meta()
            .get("download_latency")
            .and_then(Value::as_f64),
        cached: response
            .meta()
            .get("cached")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// A request from a plan step `{"path", "meta"?, "then"?}`; `then` steps are requested from
/// its callback, after its response.
pub fn step(base: &url::Url, step: &Value) -> anyhow::Result<Request> {
    let mut request =
        Request::new(base.join(step["path"].as_str().unwrap_or("/"))?).with_dont_filter();
    if let Some(meta) = step.get("meta").and_then(Value::as_object) {
        request.meta.extend(meta.clone());
    }
    if let Some(then) = step.get("then") {
        request.meta.insert("then".into(), then.clone());
    }
    Ok(request)
}

/// Requests what its `plan` argument (a JSON list of steps) says and scrapes every response.
#[derive(Default)]
pub struct Plan;

#[spider(name = "bb_plan", args = ["plan"])]
impl Plan {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = crawler.start_urls()[0].clone();
        let plan: Vec<Value> = serde_json::from_str(crawler.args().get("plan").unwrap_or("[]"))?;
        for entry in &plan {
            yield_!(step(&base, entry)?);
        }
    }

    async fn parse(&self, response: Response) {
        yield_!(got(&response));
        let then = response
            .meta()
            .get("then")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for entry in &then {
            yield_!(step(&response.url, entry)?);
        }
    }
}

/// Follows "next" through the quote pages.
#[derive(Default)]
pub struct Pages;

#[spider(name = "bb_pages")]
impl Pages {
    async fn parse(&self, response: Response) {
        yield_!(got(&response));
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }
}

/// Follows "next", failing on every page.
#[derive(Default)]
pub struct Failing;

#[spider(name = "bb_failing")]
impl Failing {
    async fn parse(&self, response: Response) {
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
        Err::<(), _>(anyhow::anyhow!("broken page"))?;
    }
}

pub async fn plan(site: &DemoSite, plan: Value, settings: &[&str]) -> common::Run {
    let mut args = vec![
        "-a".to_owned(),
        format!("plan={plan}"),
        "-s".into(),
        "ROBOTSTXT_OBEY=false".into(),
    ];
    args.extend(settings.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::crawl("bb_plan", site, "/", &args).await
}

pub fn by_path<'a>(run: &'a common::Run, path: &str) -> &'a Value {
    run.items
        .iter()
        .find(|i| i["path"] == path)
        .unwrap_or_else(|| panic!("no item for {path}"))
}

pub fn elapsed(run: &common::Run) -> f64 {
    run.result.stats["elapsed_time_seconds"].as_f64().unwrap()
}

/// Reads a request head (through the blank line).
pub async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let (mut head, mut buf) = (Vec::new(), [0u8; 1024]);
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}
