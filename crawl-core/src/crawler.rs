//! The `Crawler`: the handle on a running crawl that callbacks, pipelines and handlers get.

use std::sync::Arc;

use tokio::sync::mpsc;
use url::Url;

use crate::downloader::Downloader;
use crate::engine::Event;
use crate::{Error, Request, Response, Settings, SpiderArgs, Stats};

/// A handle on the running crawl: its settings, stats and arguments, the engine's own
/// downloader, and ways to schedule requests or close the spider. Cheap to clone.
#[derive(Clone)]
pub struct Crawler {
    inner: Arc<Inner>,
}

struct Inner {
    spider_name: &'static str,
    settings: Arc<Settings>,
    stats: Stats,
    args: SpiderArgs,
    start_urls: Vec<Url>,
    downloader: Downloader,
    events: mpsc::UnboundedSender<Event>,
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
        spider_name: &'static str,
        settings: Arc<Settings>,
        stats: Stats,
        args: SpiderArgs,
        start_urls: Vec<Url>,
        events: mpsc::UnboundedSender<Event>,
    ) -> Result<Self, Error> {
        let downloader = Downloader::new(settings.clone(), stats.clone())?;
        Ok(Crawler {
            inner: Arc::new(Inner {
                spider_name,
                settings,
                stats,
                args,
                start_urls,
                downloader,
                events,
            }),
        })
    }

    /// The running spider's name.
    pub fn spider_name(&self) -> &'static str {
        self.inner.spider_name
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

    /// Downloads `request` now, through the engine's downloader (its slots, limits and
    /// stats), and returns the response without passing it to a callback.
    pub async fn download(&self, request: Request) -> Result<Response, Error> {
        self.inner.downloader.fetch(request).await
    }

    pub(crate) fn downloader(&self) -> &Downloader {
        &self.inner.downloader
    }

    /// Schedules `request` as if a callback had yielded it (depth is kept as set).
    pub fn schedule(&self, request: Request) {
        // The engine outlives every handle's use; a send after it stopped has nobody to serve.
        let _ = self.inner.events.send(Event::Schedule(request));
    }

    /// Closes the spider with `reason` as its `finish_reason`: no new downloads start,
    /// those in flight finish.
    pub fn close_spider(&self, reason: &str) {
        let _ = self.inner.events.send(Event::Close(reason.to_owned()));
    }
}
