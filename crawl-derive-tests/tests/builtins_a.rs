//! Built-in middlewares, part A, against the demo site: what the server saw and the stats the
//! crawl reports, for robots.txt, offsite, default headers, user agent, retry, redirect, meta
//! refresh, referer, URL length and download timeouts.

mod common;

use std::sync::{Arc, Mutex};

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A page reached, with the redirects that led to it.
#[derive(Serialize)]
struct Page {
    path: String,
    title: String,
    redirect_urls: Vec<String>,
    redirect_reasons: serde_json::Value,
}

fn page(response: &Response) -> Page {
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
struct Fetch;

#[spider(name = "ba_fetch")]
impl Fetch {
    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

fn paths(run: &common::Run) -> Vec<String> {
    let mut paths: Vec<String> = run
        .items
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    paths
}

fn seen_paths(site: &DemoSite) -> Vec<String> {
    site.requests().into_iter().map(|r| r.path).collect()
}

fn elapsed(run: &common::Run) -> f64 {
    run.result.stats["elapsed_time_seconds"].as_f64().unwrap()
}

// ---- robots.txt ----

/// Asks for a page robots.txt disallows and one it allows.
#[derive(Default)]
struct Robots;

#[spider(name = "ba_robots")]
impl Robots {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/private/secret.html")?));
        yield_!(Request::new(base.join("/page/1/")?));
    }

    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_fetched_once_first_and_obeyed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_robots", &site, "/", &[]).await;
    assert_eq!(paths(&run), ["/page/1/"]);
    let seen = seen_paths(&site);
    assert_eq!(seen, ["/robots.txt", "/page/1/"]);
    assert_eq!(site.hits("/private/secret.html"), 0);
    assert_eq!(run.stat("robotstxt/forbidden"), 1);
    assert_eq!(run.stat("robotstxt/request_count"), 1);
    assert_eq!(run.stat("robotstxt/response_count"), 1);
    assert_eq!(run.stat("robotstxt/response_status_count/200"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_ignored_when_not_obeyed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_robots", &site, "/", &["-s", "ROBOTSTXT_OBEY=false"]).await;
    assert_eq!(paths(&run), ["/page/1/", "/private/secret.html"]);
    assert_eq!(site.hits("/robots.txt"), 0);
    assert_eq!(run.stat("robotstxt/forbidden"), 0);
}

/// A minimal HTTP server answering `/robots.txt` with `status` and `body`, every other path
/// with a small page; it records the paths asked for.
async fn tiny_server(status: u16, body: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
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
async fn crawl_url(spider: &str, url: &str, extra: &[&str]) -> common::Run {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_statuses_follow_rfc_9309() {
    let fast = ["-s", "RETRY_BACKOFF_BASE=0.01"];
    // 5xx: disallow everything (after the retries of the fetch itself).
    let (url, seen) = tiny_server(503, "").await;
    let run = crawl_url("ba_robots", &url, &fast).await;
    assert_eq!(*seen.lock().unwrap(), ["/robots.txt"; 3]);
    assert_eq!((run.items.len(), run.stat("robotstxt/forbidden")), (0, 2));
    assert_eq!(run.stat("robotstxt/response_status_count/503"), 1);
    // 4xx: allow everything.
    let (url, seen) = tiny_server(404, "User-agent: *\nDisallow: /\n").await;
    let run = crawl_url("ba_robots", &url, &fast).await;
    assert_eq!(seen.lock().unwrap().len(), 3);
    assert_eq!((run.items.len(), run.stat("robotstxt/forbidden")), (2, 0));
    // Unreachable: disallow everything.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let run = crawl_url("ba_robots", &format!("http://{closed}/"), &fast).await;
    assert_eq!((run.items.len(), run.stat("robotstxt/forbidden")), (0, 2));
    assert_eq!(
        run.stat("robotstxt/exception_count/ConnectionRefusedError"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_crawl_delay_spaces_requests() {
    let (url, seen) = tiny_server(200, "User-agent: *\nCrawl-delay: 0.6\n").await;
    let run = crawl_url("ba_robots", &url, &[]).await;
    assert_eq!((run.items.len(), seen.lock().unwrap().len()), (2, 3));
    assert!(elapsed(&run) >= 0.6, "{}", elapsed(&run));
}

// ---- offsite ----

/// Follows every link of its start page.
#[derive(Default)]
struct Offsite;

#[spider(name = "ba_offsite", allowed_domains = ["127.0.0.1"])]
impl Offsite {
    async fn parse(&self, response: Response) {
        for href in response.css("a::attr(href)").getall() {
            yield_!(response.follow(href, Self::leaf));
        }
    }

    async fn leaf(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsite_links_are_not_requested() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_offsite", &site, "/offsite", &[]).await;
    assert_eq!(paths(&run), ["/page/1/"]);
    assert_eq!(seen_paths(&site), ["/robots.txt", "/offsite", "/page/1/"]);
    assert_eq!(run.stat("offsite/domains"), 1);
    assert_eq!(run.stat("offsite/filtered"), 1);
    // The followed link carries the page it came from as its referer.
    let followed = site
        .requests()
        .into_iter()
        .find(|r| r.path == "/page/1/")
        .unwrap();
    assert_eq!(
        followed.header("referer"),
        Some(site.url("/offsite").as_str())
    );
}

/// Its start URL redirects off the allowed domains.
#[derive(Default)]
struct OffsiteHop;

#[spider(name = "ba_offsite_hop", allowed_domains = ["127.0.0.1"])]
impl OffsiteHop {
    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_off_the_allowed_domains_is_dropped() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_offsite_hop",
        &site,
        "/redirect?to=http://offsite.invalid/",
        &[],
    )
    .await;
    assert!(run.items.is_empty());
    assert_eq!(run.stat("offsite/filtered"), 1);
    assert_eq!(run.stat("offsite/domains"), 1);
    // Dropped before any lookup or download.
    assert_eq!(run.stat("downloader/exception_count"), 0);
    assert_eq!(run.stat("downloader/request_count"), 2);
}

// ---- default headers, user agent, referer ----

/// Asks `/headers` with the defaults, and with its own headers.
#[derive(Default)]
struct Headers;

#[spider(name = "ba_headers")]
impl Headers {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/headers?plain")?));
        let own = Request::new(base.join("/headers?own")?)
            .with_header("User-Agent", "PerRequest/1")
            .with_header("Accept", "application/json");
        yield_!(own);
    }

    async fn parse(&self, _response: Response) {}
}

/// The headers the server saw on `/headers?query`.
fn headers_seen(site: &DemoSite, query: &str) -> crawl_core::demo_site::SeenRequest {
    let mut seen = site.requests().into_iter();
    seen.find(|r| r.path == "/headers" && r.query.as_deref() == Some(query))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_headers_and_user_agent_are_sent_unless_set() {
    let site = DemoSite::start().await.unwrap();
    common::crawl("ba_headers", &site, "/", &[]).await;
    let plain = headers_seen(&site, "plain");
    assert!(plain.header("user-agent").unwrap().starts_with("crawl/"));
    assert_eq!(
        plain.header("accept"),
        Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    );
    assert_eq!(plain.header("accept-language"), Some("en"));
    let own = headers_seen(&site, "own");
    assert_eq!(own.header("user-agent"), Some("PerRequest/1"));
    assert_eq!(own.header("accept"), Some("application/json"));
    assert_eq!(own.header("accept-language"), Some("en"));
    assert_eq!(
        own.headers
            .iter()
            .filter(|(name, _)| name == "user-agent")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_override_default_headers_and_user_agent() {
    let site = DemoSite::start().await.unwrap();
    let extra = [
        "-s",
        "USER_AGENT=Tester/2.0",
        "-s",
        r#"DEFAULT_REQUEST_HEADERS={"X-Extra": "1"}"#,
    ];
    common::crawl("ba_headers", &site, "/", &extra).await;
    let plain = headers_seen(&site, "plain");
    assert_eq!(plain.header("user-agent"), Some("Tester/2.0"));
    assert_eq!(plain.header("x-extra"), Some("1"));
    assert_eq!(plain.header("accept-language"), None);
    assert_eq!(
        headers_seen(&site, "own").header("user-agent"),
        Some("PerRequest/1")
    );
    let robots = site
        .requests()
        .into_iter()
        .find(|r| r.path == "/robots.txt")
        .unwrap();
    assert_eq!(robots.header("user-agent"), Some("Tester/2.0"));
}

/// Follows page 2 (gets a referer) and `/headers` with a referer of its own.
#[derive(Default)]
struct Referer;

#[spider(name = "ba_referer")]
impl Referer {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/page/2/", Self::leaf));
        yield_!(response
            .follow("/headers", Self::leaf)?
            .with_header("Referer", "http://custom.test/"));
    }

    async fn leaf(&self, _response: Response) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followed_requests_carry_their_page_as_referer() {
    let site = DemoSite::start().await.unwrap();
    common::crawl("ba_referer", &site, "/page/1/", &[]).await;
    let referer = |path: &str| {
        let seen = site
            .requests()
            .into_iter()
            .find(|r| r.path == path)
            .unwrap();
        seen.header("referer").map(str::to_owned)
    };
    assert_eq!(referer("/page/1/"), None);
    assert_eq!(referer("/page/2/"), Some(site.url("/page/1/")));
    assert_eq!(referer("/headers").as_deref(), Some("http://custom.test/"));
    let site = DemoSite::start().await.unwrap();
    common::crawl(
        "ba_referer",
        &site,
        "/page/1/",
        &["-s", "REFERER_ENABLED=false"],
    )
    .await;
    assert_eq!(
        site.requests()
            .iter()
            .find(|r| r.path == "/page/2/")
            .unwrap()
            .header("referer"),
        None
    );
}

// ---- retry and download timeout ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_statuses_are_retried_until_they_succeed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_fetch",
        &site,
        "/flaky/a?fail=2",
        &["-s", "RETRY_BACKOFF_BASE=0.01"],
    )
    .await;
    assert_eq!(paths(&run), ["/flaky/a"]);
    assert_eq!(site.hits("/flaky/a"), 3);
    assert_eq!(run.stat("retry/count"), 2);
    assert_eq!(run.stat("retry/reason_count/503 Service Unavailable"), 2);
    assert_eq!(run.stat("retry/max_reached"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_stop_at_retry_times() {
    let site = DemoSite::start().await.unwrap();
    let extra = ["-s", "RETRY_BACKOFF_BASE=0.01", "-s", "RETRY_TIMES=2"];
    let run = common::crawl("ba_fetch", &site, "/flaky/b?fail=5", &extra).await;
    assert!(run.items.is_empty());
    assert_eq!(site.hits("/flaky/b"), 3);
    assert_eq!(run.stat("retry/count"), 2);
    assert_eq!(run.stat("retry/max_reached"), 1);
    assert_eq!(run.stat("httperror/response_ignored_status_count/503"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_fetch",
        &site,
        "/throttled/c?retry_after=1",
        &["-s", "RETRY_BACKOFF_BASE=0.01"],
    )
    .await;
    assert_eq!(paths(&run), ["/throttled/c"]);
    assert_eq!(site.hits("/throttled/c"), 2);
    assert_eq!(run.stat("retry/reason_count/429 Too Many Requests"), 1);
    // The two hits were at least a second apart, so the whole crawl took that long.
    assert!(elapsed(&run) >= 1.0, "{}", elapsed(&run));
}

/// One request that must not be retried and one allowed more retries than the default.
#[derive(Default)]
struct RetryMeta;

#[spider(name = "ba_retry_meta")]
impl RetryMeta {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/flaky/once?fail=1")?).with_meta("dont_retry", true));
        yield_!(Request::new(base.join("/flaky/more?fail=4")?).with_meta("max_retry_times", 4));
    }

    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_meta_keys_override_the_settings() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_retry_meta",
        &site,
        "/",
        &["-s", "RETRY_BACKOFF_BASE=0.01"],
    )
    .await;
    assert_eq!(paths(&run), ["/flaky/more"]);
    assert_eq!((site.hits("/flaky/once"), site.hits("/flaky/more")), (1, 5));
    assert_eq!(run.stat("retry/count"), 4);
}

/// A slow page that times out, and one whose own `download_timeout` is long enough.
#[derive(Default)]
struct Timeouts;

#[spider(name = "ba_timeouts")]
impl Timeouts {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/slow?ms=2000")?));
        yield_!(Request::new(base.join("/slow?ms=500")?).with_meta("download_timeout", 5.0));
    }

    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_timeout_applies_unless_the_request_sets_one() {
    let site = DemoSite::start().await.unwrap();
    let extra = ["-s", "DOWNLOAD_TIMEOUT=0.3", "-s", "RETRY_ENABLED=false"];
    let run = common::crawl("ba_timeouts", &site, "/", &extra).await;
    assert_eq!(paths(&run), ["/slow"]);
    assert_eq!(site.hits("/slow"), 2);
    assert_eq!(run.stat("downloader/exception_type_count/TimeoutError"), 1);
    assert_eq!(run.stat("retry/count"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_retried() {
    let site = DemoSite::start().await.unwrap();
    let extra = [
        "-s",
        "DOWNLOAD_TIMEOUT=0.3",
        "-s",
        "RETRY_BACKOFF_BASE=0.01",
    ];
    let run = common::crawl("ba_fetch", &site, "/slow?ms=2000", &extra).await;
    assert!(run.items.is_empty());
    assert_eq!(site.hits("/slow"), 3);
    assert_eq!(run.stat("downloader/exception_type_count/TimeoutError"), 3);
    assert_eq!(run.stat("retry/reason_count/TimeoutError"), 2);
    assert_eq!(run.stat("retry/max_reached"), 1);
}

// ---- redirects, meta refresh, URL length ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_chains_are_followed_to_the_end() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_fetch", &site, "/redirect/chain/3", &[]).await;
    assert_eq!(run.items.len(), 1);
    let item = &run.items[0];
    assert_eq!(
        (item["path"].as_str(), item["title"].as_str()),
        (Some("/redirect/chain/0"), Some("Chain End"))
    );
    let chain: Vec<String> = (1..=3)
        .rev()
        .map(|n| site.url(&format!("/redirect/chain/{n}")))
        .collect();
    assert_eq!(item["redirect_urls"], serde_json::json!(chain));
    assert_eq!(item["redirect_reasons"], serde_json::json!([302, 302, 302]));
    assert_eq!(
        seen_paths(&site)[1..],
        [
            "/redirect/chain/3",
            "/redirect/chain/2",
            "/redirect/chain/1",
            "/redirect/chain/0"
        ]
    );
}

/// Requests its start URL with `dont_filter`, as Scrapy's start requests are.
#[derive(Default)]
struct Unfiltered;

#[spider(name = "ba_unfiltered")]
impl Unfiltered {
    async fn start_requests(&self, crawler: &Crawler) {
        yield_!(Request::new(crawler.start_urls()[0].clone()).with_dont_filter());
    }

    async fn parse(&self, response: Response) -> Page {
        page(&response)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_stop_at_redirect_max_times() {
    let site = DemoSite::start().await.unwrap();
    // Redirects keep the request's `dont_filter`: with it, the loop runs to the limit.
    let run = common::crawl(
        "ba_unfiltered",
        &site,
        "/redirect/loop",
        &["-s", "REDIRECT_MAX_TIMES=5"],
    )
    .await;
    assert!(run.items.is_empty());
    assert_eq!(site.hits("/redirect/loop"), 6);
    // Without it, the duplicate filter ends the loop at its first repeat.
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "ba_fetch",
        &site,
        "/redirect/loop",
        &["-s", "REDIRECT_MAX_TIMES=5"],
    )
    .await;
    assert_eq!(
        (site.hits("/redirect/loop"), run.stat("dupefilter/filtered")),
        (1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_refresh_is_followed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_fetch", &site, "/meta-refresh?to=/page/2/", &[]).await;
    assert_eq!(paths(&run), ["/page/2/"]);
    assert_eq!(
        run.items[0]["redirect_reasons"],
        serde_json::json!(["meta refresh"])
    );
    assert_eq!(
        seen_paths(&site),
        ["/robots.txt", "/meta-refresh", "/page/2/"]
    );
    let run = common::crawl(
        "ba_fetch",
        &site,
        "/meta-refresh?to=/page/3/",
        &["-s", "METAREFRESH_ENABLED=false"],
    )
    .await;
    assert_eq!(paths(&run), ["/meta-refresh"]);
}

/// POSTs to each redirect code, landing on `/echo`.
#[derive(Default)]
struct Post;

#[derive(Serialize)]
struct Echo {
    query: String,
    method: String,
    body: String,
}

#[spider(name = "ba_post")]
impl Post {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        for code in [301, 303, 307, 308] {
            let url = base.join(&format!("/redirect/code/{code}?to=/echo%3Fvia%3D{code}"))?;
            yield_!(Request::post(url, "a=1")?.with_header("Content-Type", "text/plain"));
        }
    }

    async fn parse(&self, response: Response) -> Result<Echo> {
        let echo: serde_json::Value = serde_json::from_str(response.text())?;
        let text = |key: &str| echo[key].as_str().unwrap_or_default().to_owned();
        Ok(Echo {
            query: text("query"),
            method: text("method"),
            body: text("body"),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_change_the_method_as_scrapy_does() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_post", &site, "/", &[]).await;
    let mut seen: Vec<(String, String, Option<String>)> = site
        .requests()
        .into_iter()
        .filter(|r| r.path == "/echo")
        .map(|r| {
            (
                r.query.clone().unwrap(),
                r.method.clone(),
                r.header("content-type").map(str::to_owned),
            )
        })
        .collect();
    seen.sort();
    let text = Some("text/plain".to_owned());
    let expected = [
        ("via=301", "GET", None),
        ("via=303", "GET", None),
        ("via=307", "POST", text.clone()),
        ("via=308", "POST", text),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(q, m, t)| (q.to_owned(), m.to_owned(), t))
        .collect();
    assert_eq!(seen, expected);
    let mut bodies: Vec<String> = run
        .items
        .iter()
        .map(|i| format!("{} {}", i["query"], i["body"]))
        .collect();
    bodies.sort();
    assert_eq!(
        bodies,
        [
            r#""via=301" """#,
            r#""via=303" """#,
            r#""via=307" "a=1""#,
            r#""via=308" "a=1""#
        ]
    );
}

/// Yields a request with a 3000-character URL and a normal one.
#[derive(Default)]
struct LongUrl;

#[spider(name = "ba_long_url")]
impl LongUrl {
    async fn parse(&self, response: Response) {
        yield_!(response.follow(format!("/page/2/?{}", "x".repeat(3000)), Self::leaf));
        yield_!(response.follow("/page/3/", Self::leaf));
    }

    async fn leaf(&self, _response: Response) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_long_urls_are_dropped() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("ba_long_url", &site, "/page/1/", &[]).await;
    assert_eq!(run.stat("urllength/request_ignored_count"), 1);
    assert_eq!((site.hits("/page/2/"), site.hits("/page/3/")), (0, 1));
}
