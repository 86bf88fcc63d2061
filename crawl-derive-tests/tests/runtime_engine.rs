//! Engine behaviour of expanded spiders against the demo site: errors and panics survived,
//! depth limits, HTTP errors, timeouts, size limits, closing, and the engine's own downloader.

mod common;

use crawl_core::demo_site::{data, DemoSite};
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Page {
    path: String,
}

/// Fails on page 2, panics on page 3, scrapes the others.
#[derive(Default)]
struct Unreliable;

#[spider(name = "unreliable")]
impl Unreliable {
    async fn parse(&self, response: Response) {
        let path = response.url.path().to_owned();
        if path == "/page/2/" {
            Err::<(), _>(anyhow::anyhow!("page 2 is broken"))?;
        }
        if path == "/page/3/" {
            panic!("page 3 panics");
        }
        yield_!(Page { path });
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
        for page in 2..=4 {
            yield_!(response.follow(format!("/page/{page}/"), Self::parse));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_errors_and_panics_are_counted_and_the_crawl_goes_on() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("unreliable", &site, "/", &[]).await;
    let mut paths: Vec<&str> = run
        .items
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    paths.sort();
    // Page 2 failed before following "next", page 3 panicked; page 4 was linked from page 1.
    let mut expected = vec![
        "/",
        "/page/4/",
        "/page/5/",
        "/page/6/",
        "/page/7/",
        "/page/8/",
        "/page/9/",
        "/page/10/",
    ];
    expected.sort();
    assert_eq!(paths, expected);
    assert_eq!(run.stat("spider_exceptions/Error"), 1);
    assert_eq!(run.stat("spider_exceptions/Panic"), 1);
    assert_eq!(run.result.finish_reason, "finished");
}

/// Follows every link on the site.
#[derive(Default)]
struct Everything;

#[spider(name = "everything")]
impl Everything {
    async fn parse(&self, response: Response) {
        yield_!(Page {
            path: response.url.path().to_owned()
        });
        for href in response.css("a::attr(href)").getall() {
            if !href.starts_with("http") {
                yield_!(response.follow(href, Self::parse));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_limit_stops_at_the_given_depth() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "everything",
        &site,
        "/book/index.html",
        &["-s", "DEPTH_LIMIT=1"],
    )
    .await;
    let index = data::BOOK_PAGES
        .iter()
        .find(|p| p.path == "/book/index.html")
        .unwrap();
    // The start page and the distinct pages it links to (within the site).
    let mut expected: Vec<String> = index
        .hrefs
        .iter()
        .filter(|href| !href.starts_with("http"))
        .map(|href| {
            url::Url::parse(&site.url("/book/index.html"))
                .unwrap()
                .join(href)
                .unwrap()
                .path()
                .to_owned()
        })
        .collect();
    expected.push("/book/index.html".into());
    expected.sort();
    expected.dedup();
    let mut paths: Vec<String> = run
        .items
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    assert_eq!(paths, expected);
    assert_eq!(run.stat("request_depth_max"), 1);
}

/// Requests error pages, some allowed through to the callback.
#[derive(Default)]
struct Statuses;

#[spider(name = "statuses")]
impl Statuses {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        yield_!(Request::new(base.join("/status/404")?).with_callback(Self::parse));
        yield_!(Request::new(base.join("/status/500")?).with_callback(Self::parse));
        let allowed = Request::new(base.join("/status/404?allowed")?)
            .with_meta("handle_httpstatus_list", vec![404]);
        yield_!(allowed.with_callback(Self::parse));
    }

    async fn parse(&self, response: Response) -> Page {
        Page {
            path: format!("{} {}", response.status.as_u16(), response.url.path()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_2xx_responses_reach_callbacks_only_when_allowed() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("statuses", &site, "/", &[]).await;
    assert_eq!(
        run.items,
        vec![serde_json::json!({"path": "404 /status/404"})]
    );
    assert_eq!(run.stat("httperror/response_ignored_count"), 2);
    assert_eq!(run.stat("httperror/response_ignored_status_count/404"), 1);
    assert_eq!(run.stat("httperror/response_ignored_status_count/500"), 1);
    assert_eq!(run.stat("downloader/response_status_count/404"), 2);
}

/// One slow page, one big page, one normal page.
#[derive(Default)]
struct Limits;

#[spider(name = "limits")]
impl Limits {
    async fn start_requests(&self, crawler: &Crawler) {
        let base = &crawler.start_urls()[0];
        for path in ["/slow?ms=5000", "/big?mb=1", "/page/1/"] {
            yield_!(Request::new(base.join(path)?));
        }
    }

    async fn parse(&self, response: Response) -> Page {
        Page {
            path: response.url.path().to_owned(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_size_limits_fail_only_their_request() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl(
        "limits",
        &site,
        "/",
        &[
            "-s",
            "DOWNLOAD_TIMEOUT=0.5",
            "-s",
            "DOWNLOAD_MAXSIZE=100000",
            "-s",
            "RETRY_ENABLED=false",
        ],
    )
    .await;
    assert_eq!(run.items, vec![serde_json::json!({"path": "/page/1/"})]);
    assert_eq!(run.stat("downloader/exception_type_count/TimeoutError"), 1);
    assert_eq!(run.stat("downloader/exception_type_count/TooLarge"), 1);
    // The page and robots.txt.
    assert_eq!(run.stat("downloader/response_count"), 2);
}

/// Closes the spider after the first page; downloads the born date through the engine.
#[derive(Default)]
struct Closer;

#[derive(Serialize)]
struct Born {
    born: String,
}

#[spider(name = "closer")]
impl Closer {
    async fn parse(&self, response: Response, crawler: &Crawler) -> Result<Born> {
        crawler.close_spider("enough");
        let slug = crawl_core::demo_site::data::authors()[0].slug;
        let api = Request::get(response.urljoin(&format!("/api/born?author={slug}"))?)?;
        let extra = crawler.download(api).await?;
        // Requests yielded after closing are dropped, not scheduled.
        crawler.schedule(Request::get(response.urljoin("/page/2/")?)?);
        Ok(Born {
            born: extra.text().to_owned(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_spider_sets_the_reason_and_download_goes_through_the_engine() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("closer", &site, "/", &[]).await;
    let author = &data::authors()[0];
    assert_eq!(
        run.items,
        vec![serde_json::json!({"born": author.born_date})]
    );
    assert_eq!(run.result.finish_reason, "enough");
    // robots.txt, the page, the API call.
    assert_eq!(run.stat("downloader/request_count"), 3);
    assert_eq!(site.hits("/page/2/"), 0);
}

#[derive(Serialize)]
struct Title {
    title: String,
}

/// The short form: a free async fn spider following "next" by its own name.
#[spider(name = "titles")]
async fn titles(response: Response) {
    yield_!(Title {
        title: response.css("title::text").get().unwrap_or_default()
    });
    if let Some(next) = response.css("li.next a::attr(href)").get() {
        yield_!(response.follow(next, titles));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_fn_spider_follows_itself() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("titles", &site, "/", &[]).await;
    assert_eq!(run.items.len(), data::PAGES);
    assert!(run.items.iter().all(|i| i["title"] == "Quotes to Scrape"));
}
