//! Built-in components, part B, against the demo site and tiny test-local servers: what the
//! servers saw and the stats the crawl reports, for compression, cookies, proxies, the HTTP
//! cache, download slots, AutoThrottle and CloseSpider.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crawl_core::demo_site::{data, DemoSite};
use crawl_core::prelude::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a response looked like to its callback.
#[derive(Serialize)]
struct Got {
    path: String,
    title: String,
    len: usize,
    /// The body, when short.
    text: String,
    latency: Option<f64>,
    cached: bool,
}

fn got(response: &Response) -> Got {
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
fn step(base: &url::Url, step: &Value) -> anyhow::Result<Request> {
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
struct Plan;

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
struct Pages;

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
struct Failing;

#[spider(name = "bb_failing")]
impl Failing {
    async fn parse(&self, response: Response) {
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
        Err::<(), _>(anyhow::anyhow!("broken page"))?;
    }
}

async fn plan(site: &DemoSite, plan: Value, settings: &[&str]) -> common::Run {
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

fn by_path<'a>(run: &'a common::Run, path: &str) -> &'a Value {
    run.items
        .iter()
        .find(|i| i["path"] == path)
        .unwrap_or_else(|| panic!("no item for {path}"))
}

fn elapsed(run: &common::Run) -> f64 {
    run.result.stats["elapsed_time_seconds"].as_f64().unwrap()
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_set_are_sent_back_unless_dont_merge_cookies() {
    let site = DemoSite::start().await.unwrap();
    let steps = json!([{"path": "/cookies/set?session=abc&theme=dark", "then": [
        {"path": "/cookies/echo"},
        {"path": "/cookies/echo?private", "meta": {"dont_merge_cookies": true}},
    ]}]);
    let run = plan(&site, steps, &["-s", "COOKIES_DEBUG=true"]).await;
    let echoed: Value =
        serde_json::from_str(by_path(&run, "/cookies/echo")["text"].as_str().unwrap()).unwrap();
    assert_eq!(echoed, json!({"session": "abc", "theme": "dark"}));
    assert_eq!(by_path(&run, "/cookies/echo?private")["text"], "{}");
    let seen = site.requests();
    let echo = seen
        .iter()
        .find(|r| r.path == "/cookies/echo" && r.query.is_none())
        .unwrap();
    let mut cookie: Vec<&str> = echo.header("cookie").unwrap().split("; ").collect();
    cookie.sort();
    assert_eq!(cookie, ["session=abc", "theme=dark"]);
    let private = seen
        .iter()
        .find(|r| r.query.as_deref() == Some("private"))
        .unwrap();
    assert_eq!(private.header("cookie"), None);
    assert_eq!(
        seen.iter()
            .find(|r| r.path == "/cookies/set")
            .unwrap()
            .header("cookie"),
        None
    );
}

/// Reads a request head (through the blank line).
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let (mut head, mut buf) = (Vec::new(), [0u8; 1024]);
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// A forward proxy for plain HTTP: reads the absolute-form request line, records it with its
/// `Proxy-Authorization`, and forwards the request (without that header) to the origin.
async fn forward_proxy() -> (SocketAddr, Arc<Mutex<Vec<(String, Option<String>)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut client).await else {
                    return;
                };
                let mut lines = head.split("\r\n");
                let line = lines.next().unwrap_or_default().to_owned();
                let mut parts = line.split(' ');
                let (method, target) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
                let url = url::Url::parse(target).unwrap();
                let mut forwarded = format!(
                    "{method} {}{} HTTP/1.1\r\n",
                    url.path(),
                    url.query().map(|q| format!("?{q}")).unwrap_or_default()
                );
                let mut auth = None;
                for header in lines.filter(|l| !l.is_empty()) {
                    let name = header
                        .split(':')
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    match name.as_str() {
                        "proxy-authorization" => {
                            auth = header.split_once(": ").map(|(_, v)| v.to_owned())
                        }
                        "connection" | "proxy-connection" => {}
                        _ => forwarded.push_str(&format!("{header}\r\n")),
                    }
                }
                forwarded.push_str("Connection: close\r\n\r\n");
                log.lock().unwrap().push((line, auth));
                let origin = (url.host_str().unwrap().to_owned(), url.port().unwrap_or(80));
                let mut upstream = TcpStream::connect(origin).await.unwrap();
                upstream.write_all(forwarded.as_bytes()).await.unwrap();
                let _ = tokio::io::copy(&mut upstream, &mut client).await;
                let _ = client.shutdown().await;
            });
        }
    });
    (addr, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_meta_routes_requests_through_a_real_proxy() {
    let site = DemoSite::start().await.unwrap();
    let (proxy, seen) = forward_proxy().await;
    let steps = json!([
        {"path": "/headers?via=proxy", "meta": {"proxy": format!("http://us%20er:pa%3Ass@{proxy}")}},
        {"path": "/headers?direct"},
    ]);
    let run = plan(&site, steps, &[]).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        1,
        "only the request with the meta went through the proxy"
    );
    assert_eq!(
        seen[0].0,
        format!("GET {} HTTP/1.1", site.url("/headers?via=proxy"))
    );
    // base64("us er:pa:ss")
    assert_eq!(seen[0].1.as_deref(), Some("Basic dXMgZXI6cGE6c3M="));
    let via: Value = serde_json::from_str(
        by_path(&run, "/headers?via=proxy")["text"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert!(
        via.get("proxy-authorization").is_none(),
        "the credentials went to the proxy only"
    );
    assert_eq!(site.hits("/headers"), 2);
    assert_eq!(run.stat("downloader/response_count"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_crawl_with_the_cache_sends_nothing_to_the_server() {
    let site = DemoSite::start().await.unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = format!("HTTPCACHE_DIR={}", cache.path().display());
    let settings = [
        "-s",
        "HTTPCACHE_ENABLED=true",
        "-s",
        &dir,
        "-s",
        "ROBOTSTXT_OBEY=false",
    ];
    let first = common::crawl("bb_pages", &site, "/", &settings).await;
    let sent = site.requests().len();
    assert_eq!(sent, data::PAGES);
    assert_eq!(
        (first.stat("httpcache/miss"), first.stat("httpcache/store")),
        (10, 10)
    );
    assert_eq!(
        (
            first.stat("httpcache/firsthand"),
            first.stat("httpcache/hit")
        ),
        (10, 0)
    );
    assert!(cache.path().join("bb_pages").is_dir());
    let second = common::crawl("bb_pages", &site, "/", &settings).await;
    assert_eq!(site.requests().len(), sent, "no request reached the server");
    assert_eq!(
        (second.stat("httpcache/hit"), second.stat("httpcache/miss")),
        (data::PAGES as i64, 0)
    );
    assert_eq!(second.stat("downloader/request_count"), 0);
    assert!(second.items.iter().all(|i| i["cached"] == true));
    let strip = |run: &common::Run| -> Vec<(Value, Value)> {
        run.items
            .iter()
            .map(|i| (i["path"].clone(), i["text"].clone()))
            .collect()
    };
    assert_eq!(strip(&first), strip(&second));
    // The demo pages carry no validators nor expiry: RFC 2616 does not store them.
    let rfc = tempfile::tempdir().unwrap();
    let dir = format!("HTTPCACHE_DIR={}", rfc.path().display());
    let settings = [
        "-s",
        "HTTPCACHE_ENABLED=true",
        "-s",
        &dir,
        "-s",
        "HTTPCACHE_POLICY=rfc2616",
        "-s",
        "ROBOTSTXT_OBEY=false",
    ];
    let rfc_run = common::crawl("bb_pages", &site, "/", &settings).await;
    assert_eq!(
        (
            rfc_run.stat("httpcache/uncacheable"),
            rfc_run.stat("httpcache/store")
        ),
        (10, 0)
    );
}

/// A server answering every request after `delay`, counting connections in flight.
async fn counting_server(delay: Duration) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (current, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let peak = max.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (current, max) = (current.clone(), max.clone());
            tokio::spawn(async move {
                if read_head(&mut stream).await.is_none() {
                    return;
                }
                max.fetch_max(current.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                current.fetch_sub(1, Ordering::SeqCst);
                let body = "<html><head><title>Counted</title></head></html>";
                let reply = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (addr, peak)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_slots_limit_concurrency_per_slot() {
    let site = DemoSite::start().await.unwrap();
    let cases = [
        (r#"{"127.0.0.1": {"concurrency": 1}}"#, None, 1),
        (
            r#"{"serial": {"concurrency": 1, "delay": 0}}"#,
            Some("serial"),
            1,
        ),
        ("", None, 4),
    ];
    for (slots, slot_meta, expected_peak) in cases {
        let (addr, peak) = counting_server(Duration::from_millis(300)).await;
        let meta = slot_meta.map_or(json!({}), |key| json!({"download_slot": key}));
        let steps: Vec<Value> = (0..4)
            .map(|i| json!({"path": format!("http://{addr}/?i={i}"), "meta": meta}))
            .collect();
        let slots = format!("DOWNLOAD_SLOTS={slots}");
        let run = plan(&site, json!(steps), &["-s", &slots]).await;
        let peak = peak.load(Ordering::SeqCst);
        match expected_peak {
            1 => assert_eq!(peak, 1, "{slots}"),
            _ => assert!(peak > 1, "without a per-slot limit the downloads overlap"),
        }
        assert_eq!(run.items.len(), 4);
        for item in &run.items {
            let latency = item["latency"].as_f64().unwrap();
            assert!((0.29..5.0).contains(&latency), "download_latency {latency}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autothrottle_spaces_requests_by_the_latency() {
    let site = DemoSite::start().await.unwrap();
    let then: Vec<Value> = (1..=4)
        .map(|i| json!({"path": format!("/slow?ms=200&i={i}")}))
        .collect();
    let steps = json!([{"path": "/slow?ms=200&i=0", "then": then}]);
    let throttled = [
        "-s",
        "AUTOTHROTTLE_ENABLED=true",
        "-s",
        "AUTOTHROTTLE_START_DELAY=0",
        "-s",
        "AUTOTHROTTLE_DEBUG=true",
    ];
    let run = plan(
        &site,
        steps.clone(),
        &[&throttled[..], &["-s", "RANDOMIZE_DOWNLOAD_DELAY=false"]].concat(),
    )
    .await;
    assert_eq!(run.items.len(), 5);
    // After the first 200 ms response the slot's delay is 200 ms: the four followers start
    // 200 ms apart instead of together.
    assert!(
        elapsed(&run) >= 0.95,
        "throttled crawl took {}",
        elapsed(&run)
    );
    let free = plan(&site, steps, &[]).await;
    assert!(
        elapsed(&free) < 0.9,
        "unthrottled crawl took {}",
        elapsed(&free)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closespider_page_and_item_counts() {
    let site = DemoSite::start().await.unwrap();
    let base = ["-s", "ROBOTSTXT_OBEY=false", "-s", "CONCURRENT_REQUESTS=1"];
    let pages = common::crawl(
        "bb_pages",
        &site,
        "/",
        &[&base[..], &["-s", "CLOSESPIDER_PAGECOUNT=3"]].concat(),
    )
    .await;
    assert_eq!(pages.result.finish_reason, "closespider_pagecount");
    assert_eq!(pages.stat("response_received_count"), 3);
    let items = common::crawl(
        "bb_pages",
        &site,
        "/",
        &[&base[..], &["-s", "CLOSESPIDER_ITEMCOUNT=3"]].concat(),
    )
    .await;
    assert_eq!(items.result.finish_reason, "closespider_itemcount");
    assert!(
        (3..=4).contains(&items.stat("item_scraped_count")),
        "{}",
        items.stat("item_scraped_count")
    );
    let errors = common::crawl(
        "bb_failing",
        &site,
        "/",
        &[&base[..], &["-s", "CLOSESPIDER_ERRORCOUNT=2"]].concat(),
    )
    .await;
    assert_eq!(errors.result.finish_reason, "closespider_errorcount");
    assert!((2..=3).contains(&errors.stat("spider_exceptions/Error")));
    let untouched = common::crawl("bb_pages", &site, "/", &base).await;
    assert_eq!(
        (
            untouched.result.finish_reason.as_str(),
            untouched.items.len()
        ),
        ("finished", data::PAGES)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closespider_timeout_closes_a_slow_crawl() {
    let site = DemoSite::start().await.unwrap();
    let steps = json!([{"path": "/slow?ms=3000", "then": [{"path": "/slow?ms=3000&again"}]}]);
    let run = plan(&site, steps, &["-s", "CLOSESPIDER_TIMEOUT=0.5"]).await;
    assert_eq!(run.result.finish_reason, "closespider_timeout");
    // The download in flight finished; the follow-up was never sent.
    assert_eq!(run.items.len(), 1);
    assert_eq!(site.hits("/slow"), 1);
    assert!(elapsed(&run) < 4.0);
}
