//! The `Crawler`: the handle on a running crawl that callbacks, pipelines and handlers get.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;
use url::Url;

use crate::downloader::Downloader;
use crate::engine::Event;
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
    downloader: Downloader,
    components: Components,
    events: mpsc::UnboundedSender<Event>,
    /// Set by `close_spider`: no download starts from then on, even before the engine loop
    /// has handled the close.
    closing: AtomicBool,
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
        components: Components,
        events: mpsc::UnboundedSender<Event>,
    ) -> Result<Self, Error> {
        let downloader = Downloader::new(settings.clone(), stats.clone())?;
        Ok(Crawler {
            inner: Arc::new(Inner {
                spider_name: meta.name,
                allowed_domains: meta.allowed_domains,
                settings,
                stats,
                args,
                start_urls,
                downloader,
                components,
                events,
                closing: AtomicBool::new(false),
            }),
        })
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
    /// followed here directly.
    pub async fn download(&self, mut request: Request) -> Result<Response, BoxError> {
        for _ in 0..MAX_DIRECT_HOPS {
            match self
                .inner
                .components
                .downloader
                .download(request, self)
                .await
            {
                DownloadResult::Response(response) => return Ok(response),
                DownloadResult::Reschedule(next) => request = next,
                DownloadResult::Failed(error) => return Err(error),
            }
        }
        Err(BoxError::msg(format!(
            "gave up after {MAX_DIRECT_HOPS} rescheduled requests"
        )))
    }

    pub(crate) fn downloader(&self) -> &Downloader {
        &self.inner.downloader
    }

    pub(crate) fn components(&self) -> &Components {
        &self.inner.components
    }

    /// The enabled components' names: `(downloader middlewares, spider middlewares,
    /// pipelines)`, each in order.
    pub fn component_names(&self) -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
        let components = &self.inner.components;
        (
            components.downloader.names(),
            components.spider.names(),
            components.pipelines.names(),
        )
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
