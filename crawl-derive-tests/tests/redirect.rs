//! RedirectMiddleware, MetaRefreshMiddleware and UrlLengthMiddleware: chains followed, loops
//! stopped, methods changed as Scrapy does, long URLs dropped.

mod builtins;
mod common;

use builtins::*;
use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;

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
