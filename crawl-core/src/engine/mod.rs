//! The engine: runs a crawl until nothing is left in flight.
//!
//! Requests move from the scheduler to the downloader, and callback outputs to the
//! scheduler, the pipelines and the feeds, in the request tasks themselves, under one lock
//! (`shared`): a page costs no hand-off to another task. The loop here only starts the
//! crawl, handles the rare events of `Event` (user code scheduling or closing), writes the
//! progress line, flushes the feeds and decides when the crawl is over.

mod build_frontier;
mod commit;
mod components;
mod parts;
mod progress;
mod shared;
mod stop;
mod task;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::clock::unix_now;
use crate::feed::{FeedSpec, Feeds};
use crate::signals::{Signal, SignalKind};
use crate::{Crawler, Error, Request, Settings, Spider, SpiderArgs, Stats};
pub(crate) use parts::Parts;
use shared::Shared;

/// How often buffered feed lines are pushed to their files during a crawl.
const FEED_FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// What the crawl's other parts tell the engine loop (rare: the hot path goes through
/// [`shared::Shared`]).
pub(crate) enum Event {
    /// The start requests are exhausted.
    StartDone,
    /// User code scheduled a request (boxed: large).
    Schedule(Box<Request>),
    /// Close the spider with a reason.
    Close(String),
    /// The job dir committed these leases: their places are free.
    Committed(Vec<crate::frontier::LeaseId>),
}

/// How to run one crawl.
#[derive(Debug, Default)]
pub struct CrawlOptions {
    /// Settings, already overridden by the spider, the command line and the environment.
    pub settings: Settings,
    /// Spider arguments.
    pub args: SpiderArgs,
    /// Feeds to write items to.
    pub feeds: Vec<FeedSpec>,
    /// Stop gracefully on the first SIGINT (Ctrl-C) or SIGTERM; a second one stops at once,
    /// after ending every feed on a record boundary and closing JSON and XML documents.
    pub handle_ctrl_c: bool,
}

/// What a finished crawl reports.
#[derive(Debug, Clone)]
pub struct CrawlResult {
    /// Why the crawl stopped: `finished`, `shutdown`, or the reason given to `close_spider`.
    pub finish_reason: String,
    /// Every stat, by Scrapy's names.
    pub stats: BTreeMap<String, serde_json::Value>,
}

impl CrawlResult {
    /// How many feeds failed (`feedexport/failed_count/<storage>`): items could not be
    /// written to them. The command line then exits with a non-zero code.
    pub fn failed_feeds(&self) -> i64 {
        self.stats
            .iter()
            .filter(|(key, _)| key.starts_with("feedexport/failed_count/"))
            .filter_map(|(_, count)| count.as_i64())
            .sum()
    }
}

/// Runs `spider` to completion with `options` (what the generated `main`'s `crawl` command
/// does after it read the command line): embed a crawl in your own program with it.
///
/// ```no_run
/// use std::sync::Arc;
///
/// use crawl_core::feed::FeedSpec;
/// use crawl_core::prelude::*;
/// use crawl_core::{crawl, CrawlOptions, Settings};
///
/// #[derive(Serialize)]
/// struct Title {
///     title: String,
/// }
///
/// #[derive(Default)]
/// struct Titles;
///
/// #[spider(name = "titles", start_urls = ["http://127.0.0.1:8000/"])]
/// impl Titles {
///     async fn parse(&self, response: Response) {
///         yield_!(Title {
///             title: response.css("title::text").get().unwrap_or_default(),
///         });
///     }
/// }
///
/// # async fn run() -> Result<(), crawl_core::Error> {
/// let mut settings = Settings::default();
/// settings.set("CONCURRENT_REQUESTS", "32")?;
/// let options = CrawlOptions {
///     settings,
///     feeds: vec![FeedSpec::parse("titles.jsonl", true)?],
///     ..CrawlOptions::default()
/// };
/// let result = crawl(Arc::new(Titles), options).await?;
/// println!("{}: {:?} items", result.finish_reason, result.stats.get("item_scraped_count"));
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub async fn crawl(spider: Arc<dyn Spider>, options: CrawlOptions) -> Result<CrawlResult, Error> {
    let meta = spider.meta();
    options.args.check(meta)?;
    let start_urls = options.args.start_urls(meta)?;
    let mut feed_specs = options.feeds;
    if !options.settings.feeds.trim().is_empty() {
        feed_specs.extend(crate::feed::feeds_from_setting(&options.settings.feeds)?);
    }
    let settings = Arc::new(options.settings);
    let stats = Stats::default();
    let parts = Parts::build(&settings, &stats, &spider)?;
    let (sender, events) = mpsc::unbounded_channel();
    let crawler = Crawler::new(
        meta,
        settings.clone(),
        stats.clone(),
        options.args,
        start_urls,
        parts.clone(),
        sender.clone(),
    );
    let built =
        build_frontier::build(&settings, &crawler, &stats, &mut feed_specs, &sender).await?;
    let feeds = Feeds::open(&feed_specs)?;
    let engine = Engine {
        shared: Shared::new(
            built.frontier,
            feeds,
            parts,
            crawler,
            spider,
            settings,
            stats,
        ),
        events,
        start: None,
        start_consumed: built.start_consumed,
    };
    if options.handle_ctrl_c {
        stop::watch(sender, Arc::downgrade(&engine.shared))?;
    }
    engine.run().await
}

struct Engine {
    shared: Arc<Shared>,
    events: mpsc::UnboundedReceiver<Event>,
    start: Option<JoinHandle<()>>,
    /// Outputs of the start requests' stream a previous run of the job handled.
    start_consumed: u64,
}

impl Engine {
    async fn run(mut self) -> Result<CrawlResult, Error> {
        let started = Instant::now();
        let (crawler, stats) = (self.shared.crawler.clone(), self.shared.stats.clone());
        // Scrapy's first line, naming the project's bot (`BOT_NAME`).
        tracing::info!(
            "crawl {} started (bot: {})",
            env!("CARGO_PKG_VERSION"),
            self.shared.settings.bot_name
        );
        stats.set(
            "start_time",
            humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        );
        let components = &self.shared.parts.components;
        components
            .signals
            .send(Signal::EngineStarted, &crawler)
            .await;
        if let Err(error) = components.pipelines.open(&crawler).await {
            return Err(Error::Usage(format!("{error:#}")));
        }
        tracing::info!(spider = crawler.spider_name(), "Spider opened");
        components
            .signals
            .send(Signal::SpiderOpened, &crawler)
            .await;
        // A `spider_opened` handler may have closed the spider already.
        while let Ok(event) = self.events.try_recv() {
            self.handle(event);
        }
        if self.shared.lock().closing.is_none() {
            self.start_requests();
        }
        let mut progress = progress::Progress::new(&self.shared.settings);
        // Lines are written whole into the buffer; pushing them to the files a few times a
        // second keeps a killed crawl's feed valid without a write call per page.
        let mut flush = tokio::time::interval(FEED_FLUSH_INTERVAL);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if self.step() {
                if self.shared.lock().closing.is_some() || !self.idle().await {
                    break;
                }
                continue;
            }
            // Requests waiting for a ready-time (a backoff, a host's delay) wake the loop.
            let wake_at = {
                let mut core = self.shared.lock();
                core.armed = core.wake_at();
                core.armed
            };
            let ready = async {
                match wake_at {
                    Some(at) => {
                        let wait = Duration::from_secs_f64((at - unix_now()).max(0.0));
                        tokio::time::sleep(wait).await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = ready => {}
                event = self.events.recv() => match event {
                    Some(event) => self.handle(event),
                    None => unreachable!("the crawler holds a sender"),
                },
                () = self.shared.wake.notified() => {}
                () = progress.tick() => progress.log(&stats),
                _ = flush.tick() => self.shared.lock().feeds.flush(&stats),
            }
        }
        let reason = self
            .shared
            .lock()
            .closing
            .take()
            .unwrap_or_else(|| "finished".to_owned());
        Ok(self.finish(reason, started).await)
    }

    /// Handles the events already queued and starts what can start; true when the crawl
    /// has nothing left running.
    fn step(&mut self) -> bool {
        while let Ok(event) = self.events.try_recv() {
            self.handle(event);
        }
        let mut core = self.shared.lock();
        self.shared.settle(&mut core);
        core.done()
    }

    /// Sends `spider_idle`; true when its handlers gave the spider more work.
    async fn idle(&mut self) -> bool {
        let crawler = self.shared.crawler.clone();
        let signals = &self.shared.parts.components.signals;
        if !signals.has(SignalKind::SpiderIdle) {
            return false;
        }
        signals.send(Signal::SpiderIdle, &crawler).await;
        !self.step()
    }

    /// Pulls the start requests lazily: a batch at a time, while the frontier has room.
    fn start_requests(&mut self) {
        let crawler = self.shared.crawler.clone();
        let stream = self.shared.spider.clone().start_requests(crawler.clone());
        let stream = self.shared.parts.components.spider.start(stream, &crawler);
        let shared = self.shared.clone();
        let skip = self.start_consumed;
        {
            let mut core = self.shared.lock();
            core.tasks += 1;
            core.start_consumed = skip;
        }
        self.start = Some(tokio::spawn(async move {
            task::drive_start(stream, skip, &shared).await;
            shared.crawler.send_event(Event::StartDone);
        }));
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::StartDone => {
                if self.start.take().is_some() {
                    self.shared.task_done();
                }
            }
            Event::Schedule(request) => {
                let mut core = self.shared.lock();
                self.shared.schedule(&mut core, *request);
            }
            Event::Close(reason) => self.close(reason),
            Event::Committed(leases) => self.shared.committed(leases.len()),
        }
    }

    fn close(&mut self, reason: String) {
        let mut core = self.shared.lock();
        if core.closing.is_some() {
            return;
        }
        tracing::info!(reason, "Closing spider");
        core.closing = Some(reason);
        if let Some(start) = self.start.take() {
            start.abort();
            core.tasks -= 1;
        }
    }

    async fn finish(self, reason: String, started: Instant) -> CrawlResult {
        let (crawler, stats) = (&self.shared.crawler, &self.shared.stats);
        let components = &self.shared.parts.components;
        components
            .signals
            .send(Signal::SpiderClosed { reason: &reason }, crawler)
            .await;
        components.pipelines.close(crawler).await;
        // The job dir's last commit; its committer only sends events, so holding the lock
        // while it finishes cannot deadlock.
        let pending = {
            let mut core = self.shared.lock();
            core.frontier.close();
            core.frontier.pending() + core.frontier.leased()
        };
        if self.shared.durable && pending > 0 && !self.shared.settings.jobdir.is_empty() {
            tracing::info!(
                "Job paused with {pending} requests pending in {}: run the same command to resume",
                self.shared.settings.jobdir
            );
        }
        // Closed under the lock, so a forced stop meanwhile cannot cut a feed; closed feeds
        // take no more items, so a task still running cannot write past the end.
        self.shared.lock().feeds.close(stats);
        let elapsed = started.elapsed();
        stats.set("finish_reason", reason.clone());
        stats.set(
            "finish_time",
            humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        );
        stats.set("elapsed_time_seconds", round_millis(elapsed));
        let stats = stats.snapshot();
        let dump = serde_json::to_string_pretty(&stats).unwrap_or_default();
        tracing::info!("Dumping crawl stats:\n{dump}");
        tracing::info!(spider = crawler.spider_name(), reason, "Spider closed");
        CrawlResult {
            finish_reason: reason,
            stats,
        }
    }
}

fn round_millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1000.0).round() / 1000.0
}
