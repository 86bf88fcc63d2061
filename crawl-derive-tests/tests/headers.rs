//! DefaultHeadersMiddleware, UserAgentMiddleware and RefererMiddleware: the headers the server
//! saw.

mod builtins;
mod common;

use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;

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
