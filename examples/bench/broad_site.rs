//! The broad-crawl benchmark's parts: a site of many hosts on one local server, which logs
//! each request's `Host` and arrival time, and the spider that crawls it.
//!
//! Host `hI.test` (I in 0..hosts, every name resolved to 127.0.0.1 by `DNS_OVERRIDE`) has
//! pages `/` and `/p/1` .. `/p/{pages-1}`; page k holds 3 quotes, links to pages 3k+1 ..
//! 3k+3 and k+1 of its host (those that exist) and to the front pages of two other hosts.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::State;
use axum::http::{header, HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::Router;
use crawl_core::prelude::*;

/// The site's shape and its request log.
pub struct BroadSite {
    hosts: usize,
    pages: usize,
    port: u16,
    started: Instant,
    log: Mutex<Vec<(String, f64)>>,
}

impl BroadSite {
    /// Each request so far: its `Host` header and its arrival, in seconds since the start.
    pub fn log(&self) -> Vec<(String, f64)> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The log as text: a `host seconds` line per request.
    fn log_text(&self) -> String {
        let mut text = String::new();
        for (host, at) in self.log() {
            let _ = writeln!(text, "{host} {at:.6}");
        }
        text
    }

    fn page(&self, host: usize, page: usize) -> String {
        let mut html =
            format!("<!DOCTYPE html><html><head><title>h{host} page {page}</title></head><body>\n");
        for quote in 0..3 {
            let _ = writeln!(
                html,
                "<div class=\"quote\"><span class=\"text\">Quote {quote} of page {page} of host \
                 {host}: the crawl as a whole is bound by its CPU, each host by its delay.\
                 </span><small class=\"author\">Author {}</small>\
                 <a class=\"tag\" href=\"/p/{}\">tag</a></div>",
                (host + quote) % 97,
                (page + 1).clamp(1, self.pages.max(2) - 1),
            );
        }
        html.push_str("<ul>");
        // The host's pages as a tree (children 3k+1 .. 3k+3), and the next page.
        for other in (3 * page + 1..=3 * page + 3).chain([page + 1]) {
            if other < self.pages {
                let _ = write!(html, "<li><a href=\"/p/{other}\">page {other}</a></li>");
            }
        }
        for other in [(host + 1) % self.hosts, (host * 7 + 3) % self.hosts] {
            let _ = write!(
                html,
                "<li><a href=\"http://h{other}.test:{}/\">host {other}</a></li>",
                self.port
            );
        }
        html.push_str("</ul></body></html>\n");
        html
    }
}

async fn handle(
    State(site): State<Arc<BroadSite>>,
    headers: HeaderMap,
    uri: Uri,
) -> axum::response::Response {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if uri.path() == "/__log" {
        return site.log_text().into_response();
    }
    let at = site.started.elapsed().as_secs_f64();
    site.log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((host.to_owned(), at));
    let index = host
        .strip_prefix('h')
        .and_then(|rest| rest.split('.').next())
        .and_then(|index| index.parse::<usize>().ok())
        .filter(|&index| index < site.hosts);
    let page = match uri.path() {
        "/" => Some(0),
        path => path
            .strip_prefix("/p/")
            .and_then(|page| page.parse::<usize>().ok())
            .filter(|&page| page < site.pages),
    };
    match (index, page) {
        (Some(index), Some(page)) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            site.page(index, page),
        )
            .into_response(),
        _ => (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Starts the site on 127.0.0.1 (any free port) on the current runtime.
pub async fn start(hosts: usize, pages: usize) -> anyhow::Result<Arc<BroadSite>> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let site = Arc::new(BroadSite {
        hosts: hosts.max(1),
        pages: pages.max(1),
        port: listener.local_addr()?.port(),
        started: Instant::now(),
        log: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(handle).with_state(site.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(site)
}

impl BroadSite {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// What the log says about the spacing of each host's requests.
#[derive(Debug, Default)]
pub struct Spacing {
    /// Requests logged.
    pub requests: usize,
    /// Hosts that were fetched.
    pub hosts: usize,
    /// The shortest gap between two requests of one host, in seconds.
    pub min_gap: f64,
    /// Gaps shorter than the delay minus the tolerance.
    pub too_close: usize,
    /// Of those, the gaps after a host's first request (which opened the connection).
    pub too_close_first: usize,
    /// Hosts fetched before any host was fetched a second time.
    pub hosts_before_a_second: usize,
}

/// Checks `log` against a per-host `delay`, allowing `tolerance` seconds of jitter between
/// a request's start in the crawl and its arrival at the server.
pub fn spacing(log: &[(String, f64)], delay: f64, tolerance: f64) -> Spacing {
    let mut by_host: HashMap<&str, Vec<f64>> = HashMap::new();
    let mut ordered: Vec<&(String, f64)> = log.iter().collect();
    ordered.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut hosts_before_a_second = None;
    for (host, at) in ordered {
        if by_host.contains_key(host.as_str()) && hosts_before_a_second.is_none() {
            hosts_before_a_second = Some(by_host.len());
        }
        by_host.entry(host).or_default().push(*at);
    }
    let mut result = Spacing {
        requests: log.len(),
        hosts: by_host.len(),
        min_gap: f64::INFINITY,
        hosts_before_a_second: hosts_before_a_second.unwrap_or(by_host.len()),
        ..Spacing::default()
    };
    for times in by_host.values() {
        for (index, pair) in times.windows(2).enumerate() {
            let gap = pair[1] - pair[0];
            result.min_gap = result.min_gap.min(gap);
            if gap < delay - tolerance {
                result.too_close += 1;
                result.too_close_first += usize::from(index == 0);
            }
        }
    }
    result
}

/// One quote.
#[derive(Debug, Serialize)]
pub struct Quote {
    /// Its text.
    pub text: String,
    /// Who said it.
    pub author: String,
}

/// Starts at the front page of each of `-a hosts=N` hosts `hI.test:PORT` (`-a port=PORT`),
/// yields each quote and follows every link.
#[derive(Default)]
pub struct BroadSpider;

#[spider(name = "broad_spider", args = ["hosts", "port"])]
impl BroadSpider {
    /// The front page of every host.
    async fn start_requests(&self, crawler: &Crawler) {
        let hosts = crawler.args().parse::<usize>("hosts")?.unwrap_or(1);
        let port = crawler.args().parse::<u16>("port")?.unwrap_or(80);
        for host in 0..hosts {
            yield_!(Request::get(format!("http://h{host}.test:{port}/"))?);
        }
    }

    /// A page: its quotes, then a request per link.
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
            });
        }
        for href in response.css("a::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse));
        }
    }
}
