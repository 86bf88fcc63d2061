//! The engine: the loop that moves requests from the scheduler to the downloader and
//! outputs from callbacks to the scheduler, the pipelines and the feeds, until nothing is
//! left in flight.

mod components;
mod progress;
mod task;

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::FutureExt;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;

use crate::feed::{FeedSpec, Feeds};
use crate::pipeline::ItemFate;
use crate::scheduler::{Enqueued, QueueOrder, Scheduler};
use crate::signals::{Signal, SignalKind};
use crate::{
    BoxError, BoxedItem, Crawler, Error, Output, Request, Settings, Spider, SpiderArgs, Stats,
};

/// Most batches of callback outputs waiting for the engine; past it, callbacks wait.
const OUTPUT_QUEUE: usize = 32;

/// How often buffered feed lines are pushed to their files during a crawl.
const FEED_FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// Request meta key: do not download before this Unix time, in seconds (retry backoff).
pub const NOT_BEFORE_META: &str = "crawl_not_before";

/// What tasks tell the engine loop.
pub(crate) enum Event {
    /// A download finished (successfully or not): its concurrency place is free.
    DownloadDone,
    /// A tracked task (a request's processing, a pipeline run, a handler) finished.
    TaskDone,
    /// A request's processing finished with these last outputs.
    Finished(Vec<Output>),
    /// The start requests are exhausted.
    StartDone,
    /// User code or a middleware scheduled a request (boxed: rare, and large).
    Schedule(Box<Request>),
    /// An item left the pipelines.
    ItemDone(ItemFate),
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
    let mut feed_specs = options.feeds;
    if !options.settings.feeds.trim().is_empty() {
        feed_specs.extend(crate::feed::feeds_from_setting(&options.settings.feeds)?);
    }
    let components = components::build(&options.settings, &spider)?;
    let settings = Arc::new(options.settings);
    let stats = Stats::default();
    let (sender, events) = mpsc::unbounded_channel();
    let (output_sender, outputs) = mpsc::channel(OUTPUT_QUEUE);
    let crawler = Crawler::new(
        meta,
        settings.clone(),
        stats.clone(),
        options.args,
        start_urls,
        components,
        sender.clone(),
    )?;
    let feeds = Feeds::open(&feed_specs)?;
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
        item_permits: Arc::new(Semaphore::new(settings.concurrent_items.max(1))),
        spider,
        crawler,
        settings,
        stats,
        feeds,
        events,
        sender,
        outputs,
        output_sender,
        downloads: 0,
        tasks: 0,
        start: None,
        closing: None,
    };
    engine.run().await
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
    /// Callback outputs: bounded, so callbacks wait for a lagging engine.
    outputs: mpsc::Receiver<Vec<Output>>,
    output_sender: mpsc::Sender<Vec<Output>>,
    item_permits: Arc<Semaphore>,
    /// Downloads in flight (bounded by `CONCURRENT_REQUESTS`).
    downloads: usize,
    /// Tracked tasks still running: request processing, pipelines, handlers, timers.
    tasks: usize,
    start: Option<JoinHandle<()>>,
    closing: Option<String>,
}

impl Engine {
    async fn run(mut self) -> Result<CrawlResult, Error> {
        let started = Instant::now();
        self.stats.set(
            "start_time",
            humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        );
        let signals = &self.crawler.components().signals;
        signals.send(Signal::EngineStarted, &self.crawler).await;
        if let Err(error) = self
            .crawler
            .components()
            .pipelines
            .open(&self.crawler)
            .await
        {
            return Err(Error::Usage(format!("{error:#}")));
        }
        tracing::info!(spider = self.crawler.spider_name(), "Spider opened");
        self.crawler
            .components()
            .signals
            .send(Signal::SpiderOpened, &self.crawler)
            .await;
        self.start_requests();
        let mut progress = progress::Progress::new(&self.settings);
        let mut flushed = Instant::now();
        loop {
            // Outputs a finished task sent before its end are all queued by now.
            self.drain();
            self.start_downloads();
            if self.tasks == 0 && (self.scheduler.is_empty() || self.closing.is_some()) {
                if self.closing.is_some() || !self.idle().await {
                    break;
                }
                continue;
            }
            tokio::select! {
                event = self.events.recv() => match event {
                    Some(event) => self.handle(event),
                    None => unreachable!("the engine holds a sender"),
                },
                Some(batch) = self.outputs.recv() => self.handle_outputs(batch),
                () = progress.tick() => progress.log(&self.stats),
            }
            self.drain();
            // Lines are written whole into the buffer; pushing them to the files a few times
            // a second keeps a killed crawl's feed valid without a write call per page.
            if flushed.elapsed() >= FEED_FLUSH_INTERVAL {
                self.feeds.flush();
                flushed = Instant::now();
            }
        }
        let reason = self.closing.take().unwrap_or_else(|| "finished".to_owned());
        Ok(self.finish(reason, started).await)
    }

    /// Sends `spider_idle`; true when its handlers gave the spider more work.
    async fn idle(&mut self) -> bool {
        let signals = &self.crawler.components().signals;
        if !signals.has(SignalKind::SpiderIdle) {
            return false;
        }
        signals.send(Signal::SpiderIdle, &self.crawler).await;
        self.drain();
        self.tasks > 0 || !self.scheduler.is_empty()
    }

    fn start_requests(&mut self) {
        let stream = self.spider.clone().start_requests(self.crawler.clone());
        let stream = self
            .crawler
            .components()
            .spider
            .start(stream, &self.crawler);
        let (crawler, events) = (self.crawler.clone(), self.sender.clone());
        let outputs = self.output_sender.clone();
        self.tasks += 1;
        self.start = Some(tokio::spawn(async move {
            let last = task::drive(stream, None, "start_requests", &crawler, &outputs).await;
            let _ = outputs.send(last).await;
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
                self.output_sender.clone(),
            ));
        }
    }

    /// Runs `work` as a tracked task: the crawl does not finish before it does.
    fn track(&mut self, work: impl Future<Output = ()> + Send + 'static) {
        self.tasks += 1;
        let events = self.sender.clone();
        tokio::spawn(async move {
            // A panic (in a pipeline or a handler) is logged; the task still counts as done.
            if let Err(panic) = AssertUnwindSafe(work).catch_unwind().await {
                let message = crate::error::panic_message(&*panic);
                tracing::error!("A task of the crawl panicked: {message}");
            }
            let _ = events.send(Event::TaskDone);
        });
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::DownloadDone => self.downloads -= 1,
            Event::TaskDone => self.tasks -= 1,
            Event::Finished(outputs) => {
                self.handle_outputs(outputs);
                self.tasks -= 1;
            }
            Event::StartDone => {
                if self.start.take().is_some() {
                    self.tasks -= 1;
                }
            }
            Event::Schedule(request) => self.schedule(*request),
            Event::ItemDone(fate) => self.item_done(fate),
            Event::Close(reason) => self.close(reason),
        }
    }

    /// Handles every event and output already queued, without waiting.
    fn drain(&mut self) {
        loop {
            if let Ok(event) = self.events.try_recv() {
                self.handle(event);
            } else if let Ok(batch) = self.outputs.try_recv() {
                self.handle_outputs(batch);
            } else {
                return;
            }
        }
    }

    fn handle_outputs(&mut self, batch: Vec<Output>) {
        for output in batch {
            self.handle_output(output);
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

    fn handle_output(&mut self, output: Output) {
        match output {
            Output::Item(item) => {
                if self.crawler.components().pipelines.is_empty() {
                    self.item_done(ItemFate::Scraped(item));
                } else {
                    let (crawler, events, permits) = (
                        self.crawler.clone(),
                        self.sender.clone(),
                        self.item_permits.clone(),
                    );
                    self.track(async move {
                        let _permit = permits.acquire_owned().await;
                        let pipelines = crawler.components().pipelines.process(item, &crawler);
                        let fate = match AssertUnwindSafe(pipelines).catch_unwind().await {
                            Ok(fate) => fate,
                            Err(panic) => {
                                let message = crate::error::panic_message(&*panic);
                                ItemFate::Failed(
                                    None,
                                    BoxError::msg(format!("a pipeline panicked: {message}")),
                                )
                            }
                        };
                        let _ = events.send(Event::ItemDone(fate));
                    });
                }
            }
            Output::Request(request) => self.schedule(request),
            Output::Error(_) => unreachable!("errors are reported by the task"),
        }
    }

    /// Sends a signal built from `payload` in a tracked task, if anybody listens.
    fn signal_later<T: Send + Sync + 'static>(
        &mut self,
        kind: SignalKind,
        payload: T,
        signal: for<'a> fn(&'a T) -> Signal<'a>,
    ) {
        if !self.crawler.components().signals.has(kind) {
            return;
        }
        let crawler = self.crawler.clone();
        self.track(async move {
            crawler
                .components()
                .signals
                .send(signal(&payload), &crawler)
                .await;
        });
    }

    fn item_done(&mut self, fate: ItemFate) {
        match fate {
            ItemFate::Scraped(item) => {
                self.stats.inc("item_scraped_count");
                tracing::debug!(item = ?item, "Scraped item");
                self.feeds.write(&item, &self.stats);
                self.signal_later(SignalKind::ItemScraped, item, |item| Signal::ItemScraped {
                    item,
                });
            }
            ItemFate::Dropped(item, reason) => {
                self.stats.inc("item_dropped_count");
                self.stats
                    .inc(format!("item_dropped_reasons_count/{reason}"));
                tracing::debug!(reason, item = ?item, "Dropped item");
                self.signal_later(SignalKind::ItemDropped, (item, reason), |(item, reason)| {
                    Signal::ItemDropped {
                        item: item.as_ref(),
                        reason,
                    }
                });
            }
            ItemFate::Failed(item, error) => {
                self.stats.inc("item_error_count");
                let what = item.as_ref().map_or("an item", BoxedItem::type_name);
                tracing::error!("Error processing {what}: {error:#}");
                self.signal_later(SignalKind::ItemError, (item, error), |(item, error)| {
                    Signal::ItemError {
                        item: item.as_ref(),
                        error,
                    }
                });
            }
        }
    }

    /// The duplicate filter and the queue; a request with a future `crawl_not_before` waits
    /// in a timer task first.
    fn schedule(&mut self, mut request: Request) {
        if self.closing.is_some() {
            return;
        }
        if let Some(not_before) = request.meta.get(NOT_BEFORE_META).and_then(|v| v.as_f64()) {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            if not_before > now {
                let events = self.sender.clone();
                let wait = Duration::from_secs_f64(not_before - now);
                self.track(async move {
                    tokio::time::sleep(wait).await;
                    let _ = events.send(Event::Schedule(Box::new(request)));
                });
                return;
            }
            request.meta.remove(NOT_BEFORE_META);
        }
        let signals = &self.crawler.components().signals;
        let listened =
            signals.has(SignalKind::RequestScheduled) || signals.has(SignalKind::RequestDropped);
        let copy = listened.then(|| request.clone());
        match self.scheduler.enqueue(request) {
            Enqueued::Queued => {
                self.stats.inc("scheduler/enqueued");
                self.stats.inc("scheduler/enqueued/memory");
                if let Some(request) = copy {
                    self.signal_later(SignalKind::RequestScheduled, request, |request| {
                        Signal::RequestScheduled { request }
                    });
                }
            }
            Enqueued::Duplicate => {
                self.stats.inc("dupefilter/filtered");
                if let Some(request) = copy {
                    self.signal_later(SignalKind::RequestDropped, request, |request| {
                        Signal::RequestDropped { request }
                    });
                }
            }
        }
    }

    async fn finish(mut self, reason: String, started: Instant) -> CrawlResult {
        let crawler = self.crawler.clone();
        let components = crawler.components();
        components
            .signals
            .send(Signal::SpiderClosed { reason: &reason }, &crawler)
            .await;
        components.pipelines.close(&crawler).await;
        // Items from handlers or pipeline close hooks still reach the feeds.
        while let Ok(event) = self.events.try_recv() {
            if let Event::ItemDone(fate) = event {
                self.item_done(fate);
            }
        }
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
