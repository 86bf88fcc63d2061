//! RobotsTxtMiddleware: fetches `scheme://host:port/robots.txt` once per origin, before any
//! other request to that origin, and drops the requests it disallows (`ROBOTSTXT_OBEY`,
//! on by default).
//!
//! - The fetch goes through the downloader middlewares (so redirects, retries, headers and
//!   the offsite check apply) with meta `dont_obey_robotstxt: true`, the key that also
//!   lets any other request skip the check. Requests to an origin whose robots.txt is being
//!   fetched wait for that single fetch.
//! - Status rules of RFC 9309: 2xx is parsed; 4xx allows everything; 5xx, or a server that
//!   cannot be reached, disallows everything.
//! - The user agent matched is `ROBOTSTXT_USER_AGENT`, else the product token of
//!   `USER_AGENT` (`crawl` for the default).
//! - `Crawl-delay` is honoured here: requests to the origin pass this middleware at least
//!   that many seconds apart (the request waits in the middleware, holding its place among
//!   `CONCURRENT_REQUESTS`; downloads of the origin are thus spaced by at least the delay).
//!   It also becomes the least delay of the origin's download slot, so the frontier spaces
//!   leases by it (with `SCHEDULER=redis`, for the whole cluster once a worker has read the
//!   robots.txt).
//!
//! Stats: `robotstxt/request_count`, `robotstxt/response_count`,
//! `robotstxt/response_status_count/<code>`, `robotstxt/exception_count/<kind>`,
//! `robotstxt/unreachable` (origins whose robots.txt could not be fetched: each is logged
//! once, at WARN, as all of its requests are then forbidden), `robotstxt/forbidden`.

mod util;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use url::Url;

use self::util::{agent_token, Fetched, Rules};
use crate::error::kind_of;
use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, IgnoreRequest, RequestOutcome,
};
use crate::{BoxError, Crawler, Error, Request, Settings};

/// Request meta key: `true` skips the robots.txt check for this request.
pub const DONT_OBEY_ROBOTSTXT_META: &str = "dont_obey_robotstxt";

/// Priority of robots.txt fetches (Scrapy's).
const ROBOTS_PRIORITY: i32 = 1000;

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "RobotsTxtMiddleware",
    order: 100,
    create: |settings| {
        let obey = settings.robotstxt_obey;
        obey.then(|| Arc::new(RobotsTxt::new(settings)) as Arc<dyn DownloaderMiddleware>)
    },
};

struct RobotsTxt {
    /// The token matched against `User-agent:` lines.
    agent: String,
    /// Each origin's rules and crawl-delay pacing, by `scheme://host:port`.
    origins: Mutex<HashMap<String, Arc<Origin>>>,
}

/// One origin: its rules (fetched once) and when its next request may pass.
#[derive(Default)]
struct Origin {
    rules: OnceCell<Rules>,
    next_pass: Mutex<Option<Instant>>,
}

impl Origin {
    /// Waits until a request may pass under `delay`, and books the slot after it.
    async fn pace(&self, delay: f64) {
        let wait = {
            let mut next = self.next_pass.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let at = next.map_or(now, |next| next.max(now));
            *next = Some(at + Duration::from_secs_f64(delay));
            at - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

impl RobotsTxt {
    fn new(settings: &Settings) -> Self {
        RobotsTxt {
            agent: agent_token(
                settings.robotstxt_user_agent.as_deref(),
                &settings.user_agent,
            ),
            origins: Mutex::default(),
        }
    }

    /// The state of `url`'s origin and its robots.txt URL.
    fn origin(&self, url: &Url) -> (Arc<Origin>, Url) {
        let mut robots = url.clone();
        let _ = robots.set_username("");
        let _ = robots.set_password(None);
        robots.set_path("/robots.txt");
        robots.set_query(None);
        robots.set_fragment(None);
        let key = format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        );
        let mut origins = self.origins.lock().unwrap_or_else(|e| e.into_inner());
        (origins.entry(key).or_default().clone(), robots)
    }

    /// Downloads and interprets `url` (a robots.txt).
    async fn fetch(&self, url: Url, crawler: &Crawler) -> Rules {
        let stats = crawler.stats();
        stats.inc("robotstxt/request_count");
        let request = Request::new(url.clone())
            .with_meta(DONT_OBEY_ROBOTSTXT_META, true)
            .with_priority(ROBOTS_PRIORITY);
        let fetched = match crawler.download(request).await {
            Ok(response) => {
                let status = response.status.as_u16();
                stats.inc("robotstxt/response_count");
                stats.inc_named("robotstxt/response_status_count/", status);
                return Rules::from_fetch(Fetched::Response(status, &response.body), &self.agent);
            }
            Err(error) => {
                if error.downcast_ref::<IgnoreRequest>().is_some() {
                    Fetched::Failed
                } else {
                    stats.inc_named("robotstxt/exception_count/", kind_of(&error));
                    if let Some(Error::Download { kind, .. }) = error.downcast_ref::<Error>() {
                        // Once per origin (this fetch is): RFC 9309 forbids the whole origin,
                        // which must not pass unnoticed.
                        stats.inc("robotstxt/unreachable");
                        tracing::warn!(
                            "Cannot fetch robots.txt <GET {url}> ({kind}): every request to {} \
                             is forbidden, as RFC 9309 asks of an unreachable server (set \
                             ROBOTSTXT_OBEY=false to crawl it anyway): {error:#}",
                            url.host_str().unwrap_or_default()
                        );
                        Fetched::Unreachable
                    } else {
                        tracing::warn!("Error downloading robots.txt <GET {url}>: {error:#}");
                        Fetched::Failed
                    }
                }
            }
        };
        Rules::from_fetch(fetched, &self.agent)
    }
}

/// Makes `Crawl-delay` the least delay of `request`'s download slot too, so the frontier
/// spaces the origin's requests by it: a shared frontier then holds it for every worker.
fn raise_slot_delay(crawler: &Crawler, request: &Request, delay: f64) {
    let key = crate::downloader::Downloader::slot_key(request);
    let slot = crawler.downloader().shared_slots().get(key);
    let delay = Duration::from_secs_f64(delay);
    if slot.delay() < delay {
        slot.set_delay(delay);
    }
}

impl DownloaderMiddleware for RobotsTxt {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        let skip = request.meta_flag(DONT_OBEY_ROBOTSTXT_META);
        if skip || !matches!(request.url.scheme(), "http" | "https") {
            return Hook::ready(Ok(RequestOutcome::Continue));
        }
        let (origin, robots_url) = self.origin(&request.url);
        Hook::boxed(async move {
            let rules = origin
                .rules
                .get_or_init(|| self.fetch(robots_url, crawler))
                .await;
            if !rules.allowed(request.url.as_str()) {
                crawler.stats().inc("robotstxt/forbidden");
                tracing::debug!("Forbidden by robots.txt: {request:?}");
                return Err(IgnoreRequest("forbidden by robots.txt".to_owned()).into());
            }
            if let Some(delay) = rules.delay() {
                raise_slot_delay(crawler, request, delay);
                origin.pace(delay).await;
            }
            Ok(RequestOutcome::Continue)
        })
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST
    }
}
