//! The engine: the loop that moves requests from the scheduler to the downloader and
//! outputs from callbacks to the scheduler and the feeds, until nothing is left in flight.

mod progress;
mod task;

pub use task::{HANDLE_HTTPSTATUS_ALL_META, HANDLE_HTTPSTATUS_LIST_META};

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::feed::{FeedSpec, Feeds};
use crate::scheduler::{Enqueued, QueueOrder, Scheduler};
use crate::{Crawler, Error, Output, Request, Settings, Spider, SpiderArgs, Stats};

/// What tasks tell the engine loop.
pub(crate) enum Event {
    /// A callback (or the start requests, with no parent depth) produced an output.
    Output {
        output: Output,
        parent_depth: Option<u32>,
    },
    /// A download finished (successfully or not): its concurrency place is free.
    DownloadDone,
    /// A request's whole processing (download and callback) finished.
    TaskDone,
    /// The start requests are exhausted.
    StartDone,
    /// User code scheduled a request.
    Schedule(Request),
    /// Close the spider with a reason.
    Close(String),
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
    /// Stop gracefully on Ctrl-C (a second one stops at once).
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

/// Runs `spider` to completion with `options`.
pub async fn crawl(spider: Arc<dyn Spider>, options: CrawlOptions) -> Result<CrawlResult, Error> {
    let meta = spider.meta();
    options.args.check(meta)?;
    let start_urls = options.args.start_urls(meta)?;
    let settings = Arc::new(options.settings);
    let stats = Stats::default();
    let (sender, events) = mpsc::unbounded_channel();
    let crawler = Crawler::new(
        meta.name,
        settings.clone(),
        stats.clone(),
        options.args,
        start_urls,
        sender.clone(),
    )?;
    let feeds = Feeds::open(&options.feeds)?;
    if options.handle_ctrl_c {
        watch_ctrl_c(sender.clone());
    }
    let order = match settings
        .scheduler_memory_queue
        .to_ascii_lowercase()
        .as_str()
    {
        "fifo" | "scrapy.squeues.fifomemoryqueue" => QueueOrder::Fifo,
        _ => QueueOrder::Lifo,
    };
    let engine = Engine {
        scheduler: Scheduler::new(order, settings.dupefilter_enabled),
        spider,
        crawler,
        settings,
        stats,
        feeds,
        events,
        sender,
        downloads: 0,
        tasks: 0,
        start: None,
        closing: None,
    };
    Ok(engine.run().await)
}

/// First Ctrl-C: close gracefully. Second: exit at once (lines already written stay valid).
fn watch_ctrl_c(sender: mpsc::UnboundedSender<Event>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Received SIGINT, shutting down gracefully. Send again to force");
            let _ = sender.send(Event::Close("shutdown".to_owned()));
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::warn!("Received SIGINT twice, forcing unclean shutdown");
            std::process::exit(130);
        }
    });
}

struct Engine {
    spider: Arc<dyn Spider>,
    crawler: Crawler,
    settings: Arc<Settings>,
    stats: Stats,
    scheduler: Scheduler,
    feeds: Feeds,
    events: mpsc::UnboundedReceiver<Event>,
    sender: mpsc::UnboundedSender<Event>,
    /// Downloads in flight (bounded by `CONCURRENT_REQUESTS`).
    downloads: usize,
    /// Request tasks and the start-requests task still running.
    tasks: usize,
    start: Option<JoinHandle<()>>,
    closing: Option<String>,
}

impl Engine {
    async fn run(mut self) -> CrawlResult {
        let started = Instant::now();
        self.stats.set(
            "start_time",
            humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        );
        tracing::info!(spider = self.crawler.spider_name(), "Spider opened");
        self.start_requests();
        let mut progress = progress::Progress::new(&self.settings, started);
        loop {
            self.start_downloads();
            if self.tasks == 0 && (self.scheduler.is_empty() || self.closing.is_some()) {
                break;
            }
            tokio::select! {
                event = self.events.recv() => match event {
                    Some(event) => self.handle(event),
                    None => unreachable!("the engine holds a sender"),
                },
                () = progress.tick() => progress.log(&self.stats),
            }
            while let Ok(event) = self.events.try_recv() {
                self.handle(event);
            }
            self.feeds.flush();
        }
        let reason = self.closing.take().unwrap_or_else(|| "finished".to_owned());
        self.finish(reason, started)
    }

    fn start_requests(&mut self) {
        let stream = self.spider.clone().start_requests(self.crawler.clone());
        let (crawler, events) = (self.crawler.clone(), self.sender.clone());
        self.tasks += 1;
        self.start = Some(tokio::spawn(async move {
            task::drive(stream, None, "start_requests", &crawler, &events).await;
            let _ = events.send(Event::StartDone);
        }));
    }

    fn start_downloads(&mut self) {
        while self.closing.is_none() && self.downloads < self.settings.concurrent_requests.max(1) {
            let Some(request) = self.scheduler.next_request() else {
                break;
            };
            self.stats.inc("scheduler/dequeued");
            self.stats.inc("scheduler/dequeued/memory");
            self.downloads += 1;
            self.tasks += 1;
            tokio::spawn(task::process(
                self.crawler.clone(),
                self.spider.clone(),
                request,
                self.sender.clone(),
            ));
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Output {
                output,
                parent_depth,
            } => self.handle_output(output, parent_depth),
            Event::DownloadDone => self.downloads -= 1,
            Event::TaskDone => self.tasks -= 1,
            Event::StartDone => {
                if self.start.take().is_some() {
                    self.tasks -= 1;
                }
            }
            Event::Schedule(request) => self.schedule(request),
            Event::Close(reason) => self.close(reason),
        }
    }

    fn close(&mut self, reason: String) {
        if self.closing.is_some() {
            return;
        }
        tracing::info!(reason, "Closing spider");
        self.closing = Some(reason);
        if let Some(start) = self.start.take() {
            start.abort();
            self.tasks -= 1;
        }
    }

    fn handle_output(&mut self, output: Output, parent_depth: Option<u32>) {
        match output {
            Output::Item(item) => {
                self.stats.inc("item_scraped_count");
                tracing::debug!(item = ?item, "Scraped item");
                self.feeds.write(&item, &self.stats);
            }
            Output::Request(mut request) => {
                if let Some(depth) = parent_depth {
                    request.depth = depth + 1;
                }
                self.schedule(request);
            }
            Output::Error(_) => unreachable!("errors are reported by the task"),
        }
    }

    /// Depth rules (Scrapy's DepthMiddleware), then the duplicate filter and the queue.
    fn schedule(&mut self, mut request: Request) {
        if self.closing.is_some() {
            return;
        }
        let depth = request.depth;
        let limit = self.settings.depth_limit;
        if limit > 0 && depth > limit {
            tracing::debug!(url = %request.url, depth, "Ignoring link (depth > {limit})");
            return;
        }
        if depth > 0 {
            request.priority -= depth as i32 * self.settings.depth_priority;
            self.stats.max("request_depth_max", i64::from(depth));
            if self.settings.depth_stats_verbose {
                self.stats.inc(format!("request_depth_count/{depth}"));
            }
        }
        match self.scheduler.enqueue(request) {
            Enqueued::Queued => {
                self.stats.inc("scheduler/enqueued");
                self.stats.inc("scheduler/enqueued/memory");
            }
            Enqueued::Duplicate => self.stats.inc("dupefilter/filtered"),
        }
    }

    fn finish(mut self, reason: String, started: Instant) -> CrawlResult {
        self.feeds.close(&self.stats);
        let elapsed = started.elapsed();
        self.stats.set("finish_reason", reason.clone());
        self.stats.set(
            "finish_time",
            humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        );
        self.stats
            .set("elapsed_time_seconds", round_millis(elapsed));
        let stats = self.stats.snapshot();
        let dump = serde_json::to_string_pretty(&stats).unwrap_or_default();
        tracing::info!("Dumping crawl stats:\n{dump}");
        tracing::info!(spider = self.crawler.spider_name(), reason, "Spider closed");
        CrawlResult {
            finish_reason: reason,
            stats,
        }
    }
}

fn round_millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1000.0).round() / 1000.0
}
