//! The engine's state shared with the tasks of a crawl. The tasks do the engine's work
//! themselves, under one lock: a request's task queues the requests and writes the items
//! its callback gave, and starts the next downloads when its own is done. The engine loop is
//! woken only when the crawl may be over, and for the rare events of [`super::Event`], so a
//! page costs no cross-thread wake-up of the loop.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{Notify, Semaphore};

use super::{task, NOT_BEFORE_META};
use crate::feed::Feeds;
use crate::pipeline::ItemFate;
use crate::scheduler::{Enqueued, Scheduler};
use crate::signals::{Signal, SignalKind};
use crate::{BoxError, BoxedItem, Crawler, Output, Request, Settings, Spider, Stats};

/// What the lock guards: the frontier, the feeds and the counts that end the crawl.
pub(super) struct Core {
    pub(super) scheduler: Scheduler,
    pub(super) feeds: Feeds,
    /// Downloads in flight (bounded by `CONCURRENT_REQUESTS`).
    downloads: usize,
    /// Tracked tasks still running: request processing, pipelines, handlers, timers.
    pub(super) tasks: usize,
    pub(super) closing: Option<String>,
}

impl Core {
    /// Whether nothing is running and nothing more will start.
    pub(super) fn done(&self) -> bool {
        self.tasks == 0 && (self.scheduler.is_empty() || self.closing.is_some())
    }
}

/// The engine's state and the crawl's parts, shared by the loop and every task.
pub(super) struct Shared {
    core: Mutex<Core>,
    /// Wakes the engine loop: the last task ended.
    pub(super) wake: Notify,
    pub(super) crawler: Crawler,
    pub(super) spider: Arc<dyn Spider>,
    pub(super) settings: Arc<Settings>,
    pub(super) stats: Stats,
    item_permits: Arc<Semaphore>,
}

impl Shared {
    pub(super) fn new(
        scheduler: Scheduler,
        feeds: Feeds,
        crawler: Crawler,
        spider: Arc<dyn Spider>,
        settings: Arc<Settings>,
        stats: Stats,
    ) -> Arc<Self> {
        Arc::new(Shared {
            core: Mutex::new(Core {
                scheduler,
                feeds,
                downloads: 0,
                tasks: 0,
                closing: None,
            }),
            wake: Notify::new(),
            crawler,
            spider,
            item_permits: Arc::new(Semaphore::new(settings.concurrent_items.max(1))),
            settings,
            stats,
        })
    }

    /// Locks the state. Nothing holding it leaves it half-changed, so a panic elsewhere does
    /// not make it unusable.
    pub(super) fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts what can start and wakes the loop if the crawl may be over; ends every change.
    pub(super) fn settle(self: &Arc<Self>, core: &mut Core) {
        self.start_downloads(core);
        if core.tasks == 0 {
            self.wake.notify_one();
        }
    }

    /// A request's download finished: its concurrency place is free.
    pub(super) fn download_done(self: &Arc<Self>) {
        let mut core = self.lock();
        core.downloads -= 1;
        self.settle(&mut core);
    }

    /// Handles a batch of a callback's outputs.
    pub(super) fn outputs(self: &Arc<Self>, batch: Vec<Output>) {
        let mut core = self.lock();
        self.handle_outputs(&mut core, batch);
        self.settle(&mut core);
    }

    /// A tracked task ended, with its last outputs.
    pub(super) fn task_done(self: &Arc<Self>, last: Vec<Output>) {
        let mut core = self.lock();
        self.handle_outputs(&mut core, last);
        core.tasks -= 1;
        self.settle(&mut core);
    }

    /// Starts downloads while places are free and requests wait.
    fn start_downloads(self: &Arc<Self>, core: &mut Core) {
        if core.closing.is_some() || self.crawler.closing() {
            return;
        }
        while core.downloads < self.settings.concurrent_requests.max(1) {
            let Some(request) = core.scheduler.next_request() else {
                break;
            };
            self.stats.inc("scheduler/dequeued");
            self.stats.inc("scheduler/dequeued/memory");
            core.downloads += 1;
            core.tasks += 1;
            tokio::spawn(task::process(self.clone(), request));
        }
    }

    /// Runs `work` as a tracked task: the crawl does not finish before it does.
    pub(super) fn track(
        self: &Arc<Self>,
        core: &mut Core,
        work: impl Future<Output = ()> + Send + 'static,
    ) {
        core.tasks += 1;
        let shared = self.clone();
        tokio::spawn(async move {
            // A panic (in a pipeline or a handler) is logged; the task still counts as done.
            if let Err(panic) = AssertUnwindSafe(work).catch_unwind().await {
                let message = crate::error::panic_message(&*panic);
                tracing::error!("A task of the crawl panicked: {message}");
            }
            shared.task_done(Vec::new());
        });
    }

    fn handle_outputs(self: &Arc<Self>, core: &mut Core, batch: Vec<Output>) {
        for output in batch {
            match output {
                Output::Item(item) => self.item(core, item),
                Output::Request(request) => self.schedule(core, *request),
                Output::Error(_) => unreachable!("errors are reported by the task"),
            }
        }
    }

    fn item(self: &Arc<Self>, core: &mut Core, item: BoxedItem) {
        if self.crawler.components().pipelines.is_empty() {
            return self.item_done(core, ItemFate::Scraped(item));
        }
        let (shared, permits) = (self.clone(), self.item_permits.clone());
        self.track(core, async move {
            let _permit = permits.acquire_owned().await;
            let crawler = &shared.crawler;
            let pipelines = crawler.components().pipelines.process(item, crawler);
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
            let mut core = shared.lock();
            shared.item_done(&mut core, fate);
        });
    }

    /// Sends a signal built from `payload` in a tracked task, if anybody listens.
    fn signal_later<T: Send + Sync + 'static>(
        self: &Arc<Self>,
        core: &mut Core,
        kind: SignalKind,
        payload: T,
        signal: for<'a> fn(&'a T) -> Signal<'a>,
    ) {
        if !self.crawler.components().signals.has(kind) {
            return;
        }
        let crawler = self.crawler.clone();
        self.track(core, async move {
            crawler
                .components()
                .signals
                .send(signal(&payload), &crawler)
                .await;
        });
    }

    fn item_done(self: &Arc<Self>, core: &mut Core, fate: ItemFate) {
        match fate {
            ItemFate::Scraped(item) => {
                self.stats.inc("item_scraped_count");
                tracing::debug!(item = ?item, "Scraped item");
                // A panic in the item's `Serialize` happens before anything of the item
                // reaches a file (each is serialized whole first): count it and go on.
                let feeds = &mut core.feeds;
                let written = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    feeds.write(&item, &self.stats);
                }));
                if let Err(panic) = written {
                    let message = crate::error::panic_message(&*panic);
                    tracing::error!("Writing an item to the feeds panicked: {message}");
                    self.stats.inc("feedexport/item_panic_count");
                }
                self.signal_later(core, SignalKind::ItemScraped, item, |item| {
                    Signal::ItemScraped { item }
                });
            }
            ItemFate::Dropped(item, reason) => {
                self.stats.inc("item_dropped_count");
                self.stats.inc_named("item_dropped_reasons_count/", &reason);
                tracing::debug!(reason, item = ?item, "Dropped item");
                self.signal_later(
                    core,
                    SignalKind::ItemDropped,
                    (item, reason),
                    |(item, reason)| Signal::ItemDropped {
                        item: item.as_ref(),
                        reason,
                    },
                );
            }
            ItemFate::Failed(item, error) => {
                self.stats.inc("item_error_count");
                let what = item.as_ref().map_or("an item", BoxedItem::type_name);
                tracing::error!("Error processing {what}: {error:#}");
                self.signal_later(
                    core,
                    SignalKind::ItemError,
                    (item, error),
                    |(item, error)| Signal::ItemError {
                        item: item.as_ref(),
                        error,
                    },
                );
            }
        }
    }

    /// The duplicate filter and the queue; a request with a future `crawl_not_before` waits
    /// in a timer task first.
    pub(super) fn schedule(self: &Arc<Self>, core: &mut Core, mut request: Request) {
        if core.closing.is_some() {
            return;
        }
        if let Some(not_before) = request.meta.get(NOT_BEFORE_META).and_then(|v| v.as_f64()) {
            let now = super::unix_now();
            if not_before > now {
                let shared = self.clone();
                let wait = Duration::from_secs_f64(not_before - now);
                self.track(core, async move {
                    tokio::time::sleep(wait).await;
                    let mut core = shared.lock();
                    shared.schedule(&mut core, request);
                });
                return;
            }
            request.meta.remove(NOT_BEFORE_META);
        }
        let signals = &self.crawler.components().signals;
        let listened =
            signals.has(SignalKind::RequestScheduled) || signals.has(SignalKind::RequestDropped);
        let copy = listened.then(|| request.clone());
        match core.scheduler.enqueue(request) {
            Enqueued::Queued => {
                self.stats.inc("scheduler/enqueued");
                self.stats.inc("scheduler/enqueued/memory");
                if let Some(request) = copy {
                    self.signal_later(core, SignalKind::RequestScheduled, request, |request| {
                        Signal::RequestScheduled { request }
                    });
                }
            }
            Enqueued::Duplicate => {
                self.stats.inc("dupefilter/filtered");
                if let Some(request) = copy {
                    self.signal_later(core, SignalKind::RequestDropped, request, |request| {
                        Signal::RequestDropped { request }
                    });
                }
            }
        }
    }
}
