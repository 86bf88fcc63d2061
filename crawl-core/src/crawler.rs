//! The `Crawler`: the user's handle on a running crawl (as tokio's runtime `Handle` is on a
//! runtime), which callbacks, pipelines and handlers get. The engine owns the parts it
//! points at ([`crate::engine`]'s `Parts`) and reaches them directly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;
use url::Url;

use crate::downloader::Downloader;
use crate::engine::{Event, Parts};
use crate::middleware::{DownloadResult, DownloaderChain, SpiderChain};
use crate::pipeline::PipelineChain;
use crate::signals::Signals;
use crate::{BoxError, Error, Request, Response, Settings, SpiderArgs, Stats};

/// Most hops `Crawler::download` follows when middlewares reschedule (redirects).
const MAX_DIRECT_HOPS: usize = 32;

/// The parts of a crawl built from its settings: middleware chains, pipelines, signals.
#[derive(Default)]
pub struct Components {
    /// Downloader middlewares.
    pub downloader: DownloaderChain,
    /// Spider middlewares.
    pub spider: SpiderChain,
    /// Item pipelines.
    pub pipelines: PipelineChain,
    /// Signal handlers.
    pub signals: Signals,
}

/// A handle on the running crawl: its settings, stats and arguments, the engine's own
/// downloader, and ways to schedule requests or close the spider. Cheap to clone.
///
/// Callbacks, the start hook, pipelines, middlewares and signal handlers get one:
///
/// ```no_run
/// use crawl_core::prelude::*;
///
/// #[derive(Serialize)]
/// struct Page {
///     url: String,
///     robots_txt_bytes: usize,
/// }
///
/// #[derive(Default)]
/// struct Counting;
///
/// #[spider(name = "counting", start_urls = ["http://127.0.0.1:8000/"])]
/// impl Counting {
///     async fn parse(&self, response: Response, crawler: &Crawler) {
///         // The crawl's settings and stats.
///         let _concurrency = crawler.settings().concurrent_requests;
///         crawler.stats().inc("counting/pages");
///         // The spider's own state (kept by a job dir across runs).
///         let pages: u64 = crawler.state().unwrap_or(0) + 1;
///         crawler.set_state(&pages)?;
///         if pages >= 1000 {
///             crawler.close_spider("enough pages");
///         }
///         // The engine's own downloader, through the downloader middlewares, awaited here.
///         let robots = crawler.download(Request::get(response.urljoin("/robots.txt")?)?).await?;
///         yield_!(Page {
///             url: response.url.to_string(),
///             robots_txt_bytes: robots.body.len(),
///         });
///     }
/// }
/// # fn main() {}
/// ```
#[derive(Clone)]
pub struct Crawler {
    inner: Arc<Inner>,
}

struct Inner {
    spider_name: &'static str,
    allowed_domains: &'static [&'static str],
    settings: Arc<Settings>,
    stats: Stats,
    args: SpiderArgs,
    start_urls: Vec<Url>,
    /// The engine's parts this handle points at.
    parts: Arc<Parts>,
    events: mpsc::UnboundedSender<Event>,
    /// Set by `close_spider`: no download starts from then on, even before the engine loop
    /// has handled the close.
    closing: AtomicBool,
    /// The spider's own state, and whether it changed since the job dir last took it.
    state: Mutex<(serde_json::Value, bool)>,
}

impl std::fmt::Debug for Crawler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crawler")
            .field("spider", &self.inner.spider_name)
            .finish_non_exhaustive()
    }
}

impl Crawler {
    pub(crate) fn new(
        meta: &'static crate::SpiderMeta,
        settings: Arc<Settings>,
        stats: Stats,
        args: SpiderArgs,
        start_urls: Vec<Url>,
        parts: Arc<Parts>,
        events: mpsc::UnboundedSender<Event>,
    ) -> Self {
        Crawler {
            inner: Arc::new(Inner {
                spider_name: meta.name,
                allowed_domains: meta.allowed_domains,
                settings,
                stats,
                args,
                start_urls,
                parts,
                events,
                closing: AtomicBool::new(false),
                state: Mutex::new((serde_json::Value::Null, false)),
            }),
        }
    }

    /// The running spider's name.
    pub fn spider_name(&self) -> &'static str {
        self.inner.spider_name
    }

    /// The domains the spider stays within (`allowed_domains`; empty: any).
    pub fn allowed_domains(&self) -> &'static [&'static str] {
        self.inner.allowed_domains
    }

    /// The crawl's settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The crawl's stats.
    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    /// The spider's arguments (`-a NAME=value`).
    pub fn args(&self) -> &SpiderArgs {
        &self.inner.args
    }

    /// The start URLs: the `start_url` argument if given, else the spider's.
    pub fn start_urls(&self) -> &[Url] {
        &self.inner.start_urls
    }

    /// Downloads `request` now, through the downloader middlewares and the engine's
    /// downloader (its slots, limits and stats), and returns the response without passing
    /// it to a callback. Requests a middleware reschedules (redirects, retries) are
    /// followed here directly, a retry after its backoff.
    pub async fn download(&self, mut request: Request) -> Result<Response, BoxError> {
        for _ in 0..MAX_DIRECT_HOPS {
            match self
                .inner
                .parts
                .components
                .downloader
                .download(request, self)
                .await
            {
                DownloadResult::Response(response) => return Ok(response),
                DownloadResult::Reschedule(mut next) => {
                    // A retry's backoff (or `Retry-After`) holds here too.
                    let ready_at = crate::frontier::take_ready_at(&mut next);
                    let wait = ready_at - crate::clock::unix_now();
                    if wait > 0.0 {
                        tokio::time::sleep(std::time::Duration::from_secs_f64(wait)).await;
                    }
                    request = next;
                }
                DownloadResult::Failed(error) => return Err(error),
            }
        }
        Err(BoxError::msg(format!(
            "gave up after {MAX_DIRECT_HOPS} rescheduled requests"
        )))
    }

    pub(crate) fn downloader(&self) -> &Downloader {
        &self.inner.parts.downloader
    }

    /// The enabled components' names, each kind in order.
    pub fn component_names(&self) -> ComponentNames {
        let components = &self.inner.parts.components;
        ComponentNames {
            downloader_middlewares: components.downloader.names(),
            spider_middlewares: components.spider.names(),
            pipelines: components.pipelines.names(),
        }
    }

    /// The spider's own state (Scrapy's `spider.state`): a value a spider keeps across
    /// pauses and kills of a `--job-dir` crawl, restored when the job resumes. `None` until
    /// set, or when the stored value is not a `T`.
    ///
    /// It is committed with the job dir's next commit after [`set_state`](Self::set_state):
    /// keep in it what may lag the pages a little (counters, cursors), not what must match
    /// the feeds exactly (those are the items).
    pub fn state<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        let state = self.lock_state();
        serde_json::from_value(state.0.clone()).ok()
    }

    /// Replaces the spider's state; an error if `value` does not serialize.
    pub fn set_state<T: serde::Serialize>(&self, value: &T) -> Result<(), Error> {
        let value = serde_json::to_value(value)
            .map_err(|error| Error::Usage(format!("the spider's state: {error}")))?;
        *self.lock_state() = (value, true);
        Ok(())
    }

    fn lock_state(&self) -> MutexGuard<'_, (serde_json::Value, bool)> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the state a resumed job stored.
    pub(crate) fn restore_state(&self, json: &str) {
        match serde_json::from_str(json) {
            Ok(value) => *self.lock_state() = (value, false),
            Err(error) => tracing::warn!("the job dir's spider state cannot be read: {error}"),
        }
    }

    /// The state as JSON, if it changed since the last call.
    pub(crate) fn take_state_change(&self) -> Option<String> {
        let mut state = self.lock_state();
        if !state.1 {
            return None;
        }
        state.1 = false;
        serde_json::to_string(&state.0).ok()
    }

    /// Whether `close_spider` was called.
    pub(crate) fn closing(&self) -> bool {
        self.inner.closing.load(Ordering::SeqCst)
    }

    /// Tells the engine loop about `event`.
    pub(crate) fn send_event(&self, event: Event) {
        // The engine outlives every handle's use; a send after it stopped has nobody to serve.
        let _ = self.inner.events.send(event);
    }

    /// Schedules `request` as if a callback had yielded it (depth is kept as set).
    pub fn schedule(&self, request: Request) {
        self.send_event(Event::Schedule(Box::new(request)));
    }

    /// Closes the spider with `reason` as its `finish_reason`: no new downloads start,
    /// those in flight finish.
    pub fn close_spider(&self, reason: &str) {
        self.inner.closing.store(true, Ordering::SeqCst);
        self.send_event(Event::Close(reason.to_owned()));
    }
}

/// The names of a crawl's enabled components ([`Crawler::component_names`]), each kind in the
/// order it runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentNames {
    /// The downloader middlewares with a `process_request` hook, lowest order first.
    pub downloader_middlewares: Vec<&'static str>,
    /// The spider middlewares, lowest order first.
    pub spider_middlewares: Vec<&'static str>,
    /// The item pipelines, lowest order first.
    pub pipelines: Vec<&'static str>,
}
