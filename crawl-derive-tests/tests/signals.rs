//! Every signal, fired by one crawl of the demo site and counted by its handlers (free fns
//! and spider methods); each count equals the stat the crawl reports and what the site serves.
//!
//! One scenario in this binary: handlers and pipelines apply to every spider linked in, and
//! the counters are global.

mod common;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::Mutex;

use crawl_core::demo_site::{data, DemoSite};
use crawl_core::pipeline::DropItem;
use crawl_core::prelude::*;

#[derive(Debug, Serialize)]
struct Quote {
    text: String,
    author: String,
}

#[derive(Debug, Serialize)]
struct Author {
    name: String,
}

static ENGINE_STARTED: AtomicUsize = AtomicUsize::new(0);
static SPIDER_OPENED: AtomicUsize = AtomicUsize::new(0);
/// `engine_started` calls seen by the `spider_opened` handler.
static ENGINE_STARTED_SEEN_BY_OPENED: AtomicUsize = AtomicUsize::new(usize::MAX);
/// Set when the `spider_opened` handler returns.
static OPENED_RETURNED: AtomicBool = AtomicBool::new(false);
/// `scheduler/enqueued` plus `downloader/request_count` when the `spider_opened` handler
/// returns: the work the engine did meanwhile.
static WORK_BEFORE_OPENED: AtomicI64 = AtomicI64::new(-1);
/// Set if the start requests were polled before the `spider_opened` handler returned.
static START_REQUESTS_BEFORE_OPENED_RETURNED: AtomicBool = AtomicBool::new(false);
/// Responses received before the `spider_opened` handler returned.
static RESPONSES_BEFORE_OPENED: AtomicUsize = AtomicUsize::new(0);
static SPIDER_IDLE: AtomicUsize = AtomicUsize::new(0);
/// `(reason, responses received by then)` per `spider_closed` call.
static SPIDER_CLOSED: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
static ITEM_SCRAPED: AtomicUsize = AtomicUsize::new(0);
static QUOTES_SCRAPED: AtomicUsize = AtomicUsize::new(0);
/// Quotes scraped although a pipeline drops or fails them.
static UNEXPECTED_QUOTES_SCRAPED: AtomicUsize = AtomicUsize::new(0);
/// `(item given back, reason)` per `item_dropped` call.
static ITEM_DROPPED: Mutex<Vec<(bool, String)>> = Mutex::new(Vec::new());
/// `(author of the item given back, error)` per `item_error` call.
static ITEM_ERROR: Mutex<Vec<(Option<String>, String)>> = Mutex::new(Vec::new());
static REQUEST_SCHEDULED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static REQUEST_DROPPED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static RESPONSE_RECEIVED: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// `(url path, error)` per `spider_error` call.
static SPIDER_ERROR: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn author_path(index: usize) -> String {
    format!("/author/{}/", data::authors()[index].slug)
}

/// The author of the first quote: `drop_first_author` drops their quotes.
fn first_author() -> &'static str {
    data::quotes()[0].author
}

/// The next author in quote order: `fail_second_author` fails on their quotes.
fn second_author() -> &'static str {
    data::quotes()
        .iter()
        .map(|q| q.author)
        .find(|a| *a != first_author())
        .unwrap()
}

/// Every listing page (duplicates of `/` on each), two author pages whose callbacks fail
/// and panic, and one more author page scheduled when the spider first goes idle.
#[derive(Default)]
struct EverySignal;

#[spider(name = "every_signal")]
impl EverySignal {
    /// The start URL; notes whether the engine asked for it before `spider_opened` was done.
    async fn start_requests(&self, crawler: &Crawler) {
        if !OPENED_RETURNED.load(Ordering::SeqCst) {
            START_REQUESTS_BEFORE_OPENED_RETURNED.store(true, Ordering::SeqCst);
        }
        yield_!(Request::new(crawler.start_urls()[0].clone()));
    }

    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
            });
        }
        // The start page again from every page: always a duplicate.
        yield_!(response.follow("/", Self::parse));
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
        if response.url.path() == "/" {
            yield_!(response.follow(author_path(0), Self::fails));
            yield_!(response.follow(author_path(1), Self::panics));
        }
    }

    async fn fails(&self, response: Response) -> Result<Author> {
        anyhow::bail!("no author wanted from {}", response.url.path())
    }

    async fn panics(&self, response: Response) -> Author {
        panic!("author page {} panics", response.url.path())
    }

    async fn parse_author(&self, response: Response) -> Author {
        Author {
            name: response
                .css("h3.author-title::text")
                .get()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }
    }

    /// Keeps the spider open once: the first time it runs dry, one more author page.
    #[on(spider_idle)]
    async fn one_more_page(&self, crawler: &Crawler) -> Result<()> {
        if SPIDER_IDLE.fetch_add(1, Ordering::SeqCst) == 0 {
            let url = crawler.start_urls()[0].join(&author_path(2))?;
            crawler.schedule(Request::new(url).with_callback(Self::parse_author));
        }
        Ok(())
    }

    #[on(spider_closed)]
    async fn closed(&self, reason: &str) {
        let responses = RESPONSE_RECEIVED.lock().unwrap().len();
        SPIDER_CLOSED
            .lock()
            .unwrap()
            .push((reason.to_owned(), responses));
    }
}

/// Drops (by value, with `DropItem`) every quote of the first author.
#[pipeline(order = 100)]
async fn drop_first_author(item: Quote) -> Result<Quote> {
    if item.author == first_author() {
        return Err(DropItem::new("first_author"));
    }
    Ok(item)
}

/// Fails (by `&mut`, so the item comes back with the error) on every quote of the second
/// author.
#[pipeline(order = 200)]
async fn fail_second_author(item: &mut Quote) -> Result<()> {
    if item.author == second_author() {
        anyhow::bail!("cannot store a quote of {}", item.author);
    }
    Ok(())
}

#[on(engine_started)]
async fn engine_started() {
    ENGINE_STARTED.fetch_add(1, Ordering::SeqCst);
}

/// The path the `spider_opened` handler fetches itself, before the crawl may start.
const OPENED_PROBE: &str = "/status/204";
/// How many times, one after the other.
const OPENED_PROBES: usize = 5;

/// Waits on a oneshot that a spawned task completes after HTTP exchanges of its own with the
/// site (many trips through the runtime, far more than an engine that did not wait would need
/// to poll the start requests and send the first download): the crawl must not start
/// meanwhile. Whatever the timing, a waiting engine passes; one that did not wait would fail
/// (it did in 19 runs out of 20 with the engine changed to spawn the handlers).
#[on(spider_opened)]
async fn open_slowly(crawler: &Crawler) -> Result<()> {
    SPIDER_OPENED.fetch_add(1, Ordering::SeqCst);
    ENGINE_STARTED_SEEN_BY_OPENED.store(ENGINE_STARTED.load(Ordering::SeqCst), Ordering::SeqCst);
    let site = crawler.start_urls()[0].clone();
    let (done, wait) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut status_line = Ok(String::new());
        for _ in 0..OPENED_PROBES {
            status_line = http_get(&site, OPENED_PROBE).await;
        }
        let _ = done.send(status_line);
    });
    let status_line = wait.await??;
    anyhow::ensure!(
        status_line == "HTTP/1.1 204 No Content",
        "probe: {status_line}"
    );
    let stats = crawler.stats();
    WORK_BEFORE_OPENED.store(
        stats.get_i64("downloader/request_count") + stats.get_i64("scheduler/enqueued"),
        Ordering::SeqCst,
    );
    OPENED_RETURNED.store(true, Ordering::SeqCst);
    Ok(())
}

/// The status line of `GET path` on `site`, over a plain TCP connection.
async fn http_get(site: &url::Url, path: &str) -> Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let host = site.host_str().unwrap_or_default();
    let address = format!("{host}:{}", site.port_or_known_default().unwrap_or(80));
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    Ok(response.lines().next().unwrap_or_default().to_owned())
}

#[on(item_scraped)]
async fn item_scraped(_item: &BoxedItem) {
    ITEM_SCRAPED.fetch_add(1, Ordering::SeqCst);
}

/// Typed: only `Quote`s reach it.
#[on(item_scraped)]
async fn quote_scraped(item: &Quote) {
    QUOTES_SCRAPED.fetch_add(1, Ordering::SeqCst);
    if item.author == first_author() || item.author == second_author() {
        UNEXPECTED_QUOTES_SCRAPED.fetch_add(1, Ordering::SeqCst);
    }
}

#[on(item_dropped)]
async fn item_dropped(item: Option<&BoxedItem>, reason: &str) {
    ITEM_DROPPED
        .lock()
        .unwrap()
        .push((item.is_some(), reason.to_owned()));
}

#[on(item_error)]
async fn item_error(item: Option<&BoxedItem>, error: &BoxError) {
    let author = item
        .and_then(|item| item.downcast_ref::<Quote>())
        .map(|quote| quote.author.clone());
    ITEM_ERROR.lock().unwrap().push((author, error.to_string()));
}

#[on(request_scheduled)]
async fn request_scheduled(request: &Request) {
    REQUEST_SCHEDULED
        .lock()
        .unwrap()
        .push(request.url.path().to_owned());
}

#[on(request_dropped)]
async fn request_dropped(request: &Request) {
    REQUEST_DROPPED
        .lock()
        .unwrap()
        .push(request.url.path().to_owned());
}

#[on(response_received)]
async fn response_received(response: &Response) {
    if !OPENED_RETURNED.load(Ordering::SeqCst) {
        RESPONSES_BEFORE_OPENED.fetch_add(1, Ordering::SeqCst);
    }
    RESPONSE_RECEIVED
        .lock()
        .unwrap()
        .push(response.url.path().to_owned());
}

#[on(spider_error)]
async fn spider_error(url: &str, error: &BoxError, crawler: &Crawler) {
    let path = url::Url::parse(url).unwrap().path().to_owned();
    SPIDER_ERROR
        .lock()
        .unwrap()
        .push((path, format!("{error:#}")));
    crawler.stats().inc("test/spider_errors_seen");
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_signal_fires_as_often_as_the_stats_say() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("every_signal", &site, "/", &[]).await;
    assert_eq!(run.result.finish_reason, "finished");

    // engine_started, then spider_opened, whose handler the crawl waited for: the start
    // requests were not even polled, nothing was scheduled or downloaded (not even
    // robots.txt) and no response arrived before it returned; the site saw its probe first.
    assert_eq!(ENGINE_STARTED.load(Ordering::SeqCst), 1);
    assert_eq!(SPIDER_OPENED.load(Ordering::SeqCst), 1);
    assert_eq!(ENGINE_STARTED_SEEN_BY_OPENED.load(Ordering::SeqCst), 1);
    assert!(OPENED_RETURNED.load(Ordering::SeqCst));
    assert!(!START_REQUESTS_BEFORE_OPENED_RETURNED.load(Ordering::SeqCst));
    assert_eq!(WORK_BEFORE_OPENED.load(Ordering::SeqCst), 0);
    assert_eq!(RESPONSES_BEFORE_OPENED.load(Ordering::SeqCst), 0);
    let requests = site.requests();
    assert!(requests[..OPENED_PROBES]
        .iter()
        .all(|r| r.path == OPENED_PROBE));
    assert_eq!(requests[OPENED_PROBES].path, "/robots.txt");
    assert_eq!(site.hits(OPENED_PROBE), OPENED_PROBES);

    // Responses: the 10 listing pages, the failing and panicking author pages, and the
    // author page the idle handler added. robots.txt is the engine's own download.
    let listing: Vec<String> = std::iter::once("/".to_owned())
        .chain((2..=data::PAGES).map(|n| format!("/page/{n}/")))
        .collect();
    let mut pages = listing.clone();
    pages.extend([author_path(0), author_path(1), author_path(2)]);
    let received = RESPONSE_RECEIVED.lock().unwrap().clone();
    assert_eq!(received.len(), data::PAGES + 3);
    assert_eq!(received.len() as i64, run.stat("response_received_count"));
    assert_eq!(sorted(received), sorted(pages.clone()));
    assert_eq!(site.hits("/robots.txt"), 1);

    // Scheduled: exactly those pages, once each; dropped: the `/` yielded by every listing
    // page, a duplicate of the start request.
    let scheduled = REQUEST_SCHEDULED.lock().unwrap().clone();
    assert_eq!(scheduled.len() as i64, run.stat("scheduler/enqueued"));
    assert_eq!(sorted(scheduled), sorted(pages));
    let dropped = REQUEST_DROPPED.lock().unwrap().clone();
    assert_eq!(dropped.len(), data::PAGES);
    assert_eq!(dropped.len() as i64, run.stat("dupefilter/filtered"));
    assert!(dropped.iter().all(|path| path == "/"));

    // Items: every quote of the site went through the pipelines.
    let by_first = data::quotes()
        .iter()
        .filter(|q| q.author == first_author())
        .count();
    let by_second = data::quotes()
        .iter()
        .filter(|q| q.author == second_author())
        .count();
    assert!(by_first > 0 && by_second > 0);
    let item_dropped = ITEM_DROPPED.lock().unwrap().clone();
    assert_eq!(item_dropped.len(), by_first);
    assert_eq!(item_dropped.len() as i64, run.stat("item_dropped_count"));
    assert_eq!(
        run.stat("item_dropped_reasons_count/first_author"),
        by_first as i64
    );
    // A by-value pipeline that returns `DropItem` no longer has the item to give back.
    assert!(item_dropped
        .iter()
        .all(|(given_back, reason)| !given_back && reason == "first_author"));
    let item_error = ITEM_ERROR.lock().unwrap().clone();
    assert_eq!(item_error.len(), by_second);
    assert_eq!(item_error.len() as i64, run.stat("item_error_count"));
    let message = format!("cannot store a quote of {}", second_author());
    // A `&mut` pipeline still has the item: it comes back with the error.
    assert!(item_error.iter().all(|(author, error)| {
        author.as_deref() == Some(second_author()) && *error == message
    }));
    let quotes_kept = data::QUOTES - by_first - by_second;
    assert_eq!(QUOTES_SCRAPED.load(Ordering::SeqCst), quotes_kept);
    assert_eq!(UNEXPECTED_QUOTES_SCRAPED.load(Ordering::SeqCst), 0);
    // ...plus the idle handler's author.
    assert_eq!(ITEM_SCRAPED.load(Ordering::SeqCst), quotes_kept + 1);
    assert_eq!(
        ITEM_SCRAPED.load(Ordering::SeqCst) as i64,
        run.stat("item_scraped_count")
    );
    assert_eq!(run.items.len(), quotes_kept + 1);
    assert_eq!(run.with_field("name")[0]["name"], data::authors()[2].name);

    // Spider errors: one callback error, one panic, each with its URL.
    let mut errors = SPIDER_ERROR.lock().unwrap().clone();
    errors.sort();
    let mut expected = vec![
        (
            author_path(0),
            format!("no author wanted from {}", author_path(0)),
        ),
        (
            author_path(1),
            format!("callback panicked: author page {} panics", author_path(1)),
        ),
    ];
    expected.sort();
    assert_eq!(errors, expected);
    assert_eq!(run.stat("spider_exceptions/Error"), 1);
    assert_eq!(run.stat("spider_exceptions/Panic"), 1);
    assert_eq!(run.stat("test/spider_errors_seen"), 2);

    // Idle twice: once with more work scheduled, once to finish. Closed last, once.
    assert_eq!(SPIDER_IDLE.load(Ordering::SeqCst), 2);
    assert_eq!(
        *SPIDER_CLOSED.lock().unwrap(),
        vec![("finished".to_owned(), data::PAGES + 3)]
    );
}
