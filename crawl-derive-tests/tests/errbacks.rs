//! Errbacks and typed callback arguments at run time (issue 13): an errback receives the failed
//! request and its error for a refused connection, a timeout, a DNS failure, HTTP 404 and 500
//! refused by HttpError and a request ignored by a middleware (robots.txt); what it yields
//! reaches the feed and the scheduler; a panicking errback is a spider error. A callback's
//! argument that does not deserialize is a counted error, not a panic. Every server is on
//! 127.0.0.1.

use crawl_core::demo_site::DemoSite;
use crawl_core::middleware::{HttpStatusError, IgnoreRequest};
use crawl_core::prelude::*;
use serde_json::Value;

mod common;
use common::crawl_url;

/// What an errback saw.
#[derive(Serialize)]
struct Failure {
    url: String,
    kind: String,
}

/// A page reached by a request an errback yielded.
#[derive(Serialize)]
struct Reached {
    url: String,
}

/// The kind of a failure, as the errback tells it apart.
fn kind(error: &BoxError) -> String {
    if let Some(HttpStatusError(status)) = error.downcast_ref::<HttpStatusError>() {
        return format!("http {status}");
    }
    if error.downcast_ref::<IgnoreRequest>().is_some() {
        return "ignored".to_owned();
    }
    match error.downcast_ref::<crawl_core::Error>() {
        Some(own) => own.kind().to_owned(),
        None => format!("other: {error}"),
    }
}

/// Requests each start URL with an errback (robots.txt obeyed for `/private/` pages only);
/// the errback reports the failure as an item, follows up a 404 with a request for
/// `/page/2/`, and panics on a 503.
#[derive(Default)]
struct Errbacks;

#[spider(name = "errbacks")]
impl Errbacks {
    async fn start_requests(&self, crawler: &Crawler) {
        for url in crawler.start_urls() {
            let robots = url.path().starts_with("/private/");
            yield_!(Request::get(url.clone())?
                .errback(Self::failed)
                .with_meta("dont_obey_robotstxt", !robots));
        }
    }

    async fn parse(&self, response: Response) {
        yield_!(Reached {
            url: response.url.to_string()
        });
    }

    async fn failed(&self, request: Request, error: BoxError) {
        let kind = kind(&error);
        if kind == "http 503" {
            panic!("errback gave up on {}", request.url);
        }
        if kind == "http 404" {
            let url = request.url.join("/page/2/")?;
            yield_!(Request::new(url).with_callback(Self::parse));
        }
        yield_!(Failure {
            url: request.url.to_string(),
            kind,
        });
    }
}

/// A listener that accepts connections and never answers: requests to it time out.
async fn silent_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/silent", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

/// A URL on a port nothing listens on.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/refused")
}

/// The `kind` of the failure item for `url`.
fn kind_for<'a>(items: &'a [Value], url: &str) -> Vec<&'a str> {
    items
        .iter()
        .filter(|item| item["url"] == url && item.get("kind").is_some())
        .map(|item| item["kind"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_errback_gets_each_kind_of_failure_and_its_outputs_go_on() {
    let site = DemoSite::start().await.unwrap();
    let (silent, server) = silent_server().await;
    let refused = refused_url();
    let dns = format!("http://{}.invalid/", "a".repeat(70));
    let (not_found, error, unavailable) = (
        site.url("/status/404"),
        site.url("/status/500"),
        site.url("/status/503"),
    );
    let (robots, ok) = (site.url("/private/secret.html"), site.url("/page/1/"));
    let starts = [
        &silent,
        &refused,
        &dns,
        &not_found,
        &error,
        &unavailable,
        &robots,
        &ok,
    ];
    let start = starts.map(String::as_str).join(",");
    let run = crawl_url(
        "errbacks",
        &start,
        &["-s", "RETRY_ENABLED=false", "-s", "DOWNLOAD_TIMEOUT=0.5"],
    )
    .await;
    server.abort();
    let items = &run.items;
    assert_eq!(kind_for(items, &silent), ["TimeoutError"], "{items:?}");
    assert_eq!(
        kind_for(items, &refused),
        ["ConnectionRefusedError"],
        "{items:?}"
    );
    assert_eq!(kind_for(items, &dns), ["DNSLookupError"], "{items:?}");
    assert_eq!(kind_for(items, &not_found), ["http 404"], "{items:?}");
    assert_eq!(kind_for(items, &error), ["http 500"], "{items:?}");
    assert_eq!(kind_for(items, &robots), ["ignored"], "{items:?}");
    // The panicking errback yields nothing and is a spider error; the crawl goes on.
    assert!(kind_for(items, &unavailable).is_empty(), "{items:?}");
    assert_eq!(run.stat("spider_exceptions/Panic"), 1);
    // The page the errback asked for, and the start page that did not fail.
    let reached: Vec<&str> = items
        .iter()
        .filter(|item| item.get("kind").is_none())
        .map(|item| item["url"].as_str().unwrap())
        .collect();
    assert_eq!(reached.len(), 2, "{items:?}");
    assert!(reached.contains(&ok.as_str()), "{items:?}");
    assert!(
        reached.contains(&site.url("/page/2/").as_str()),
        "{items:?}"
    );
    assert_eq!(run.stat("spider/errback_count"), 7);
    // Handled by the errback, so not reported by HttpError.
    assert_eq!(run.stat("httperror/response_ignored_count"), 0);
    assert_eq!(run.result.finish_reason, "finished");
}

/// What `page` receives with its request.
#[derive(Debug, Serialize, Deserialize)]
struct Page {
    n: u32,
    label: String,
}

/// A page reached with its argument.
#[derive(Serialize)]
struct Paged {
    url: String,
    n: u32,
    label: String,
}

/// Asks for `/page/2/` with a valid argument and for `/page/3/` with one that is not a
/// `Page` (named by text, so not checked while compiling), and `/page/4/` with none.
#[derive(Default)]
struct BadArgs;

#[spider(name = "bad_args")]
impl BadArgs {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/page/2/", Self::page)?.with_args(Page {
            n: 2,
            label: "two".into()
        }));
        let page = Callback::from_static("page");
        yield_!(response
            .follow("/page/3/", page.clone())?
            .with_args("three"));
        yield_!(response.follow("/page/4/", page)?);
    }

    async fn page(&self, response: Response, page: Page) {
        yield_!(Paged {
            url: response.url.to_string(),
            n: page.n,
            label: page.label,
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_argument_that_does_not_deserialize_is_a_counted_error() {
    let site = DemoSite::start().await.unwrap();
    let run = crawl_url("bad_args", &site.url("/"), &[]).await;
    assert_eq!(run.items.len(), 1, "{:?}", run.items);
    assert_eq!(run.items[0]["url"], site.url("/page/2/"));
    assert_eq!(run.items[0]["n"], 2);
    assert_eq!(run.items[0]["label"], "two");
    assert_eq!(run.stat("spider_exceptions/CallbackArgs"), 2);
    assert_eq!(run.stat("spider_exceptions/Panic"), 0);
    assert_eq!(site.hits("/page/3/"), 1);
    assert_eq!(site.hits("/page/4/"), 1);
}

/// Queues pages with their arguments and an errback, then closes: the requests wait in the
/// job dir, for the next run of the job.
#[derive(Default)]
struct Resumable;

#[spider(
    name = "resumable",
    settings(concurrent_requests = 1, retry_enabled = false)
)]
impl Resumable {
    async fn parse(&self, response: Response, crawler: &Crawler) {
        for n in 2..=4 {
            yield_!(response
                .follow(format!("/page/{n}/"), Self::page)
                .with_args(Page {
                    n,
                    label: format!("page {n}")
                })
                .errback(Self::lost));
        }
        yield_!(response
            .follow("/status/404", Self::page)
            .with_args(Page {
                n: 404,
                label: "missing".into()
            })
            .errback(Self::lost));
        crawler.close_spider("paused");
    }

    async fn page(&self, response: Response, page: Page) {
        yield_!(Paged {
            url: response.url.to_string(),
            n: page.n,
            label: page.label,
        });
    }

    async fn lost(&self, request: Request, error: BoxError) {
        let page: Page = request.args_as()?;
        yield_!(Failure {
            url: request.url.to_string(),
            kind: format!("{} ({})", kind(&error), page.label),
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_and_errbacks_survive_the_job_dir_queue() {
    // The first run queues the requests and closes before downloading them: they are kept
    // in the job dir as JSON. The second run reads them back from there.
    let site = DemoSite::start().await.unwrap();
    let job = tempfile::tempdir().unwrap();
    let job_dir = job.path().join("job").display().to_string();
    let options = ["--job-dir", job_dir.as_str()];
    let first = crawl_url("resumable", &site.url("/"), &options).await;
    assert_eq!(first.result.finish_reason, "paused");
    assert!(first.items.is_empty(), "{:?}", first.items);
    assert_eq!(site.hits("/page/2/"), 0);

    let second = crawl_url("resumable", &site.url("/"), &options).await;
    let mut seen: Vec<(u64, String)> = second
        .items
        .iter()
        .filter(|item| item.get("n").is_some())
        .map(|item| {
            (
                item["n"].as_u64().unwrap(),
                item["label"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (2, "page 2".into()),
            (3, "page 3".into()),
            (4, "page 4".into())
        ]
    );
    assert_eq!(
        kind_for(&second.items, &site.url("/status/404")),
        ["http 404 (missing)"]
    );
    assert_eq!(second.stat("spider_exceptions/CallbackArgs"), 0);
    assert_eq!(site.hits("/"), 1, "the start request is not reissued");
}
