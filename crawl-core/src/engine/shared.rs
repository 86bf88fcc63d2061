//! The engine's state shared with the tasks of a crawl. The tasks do the engine's work
//! themselves, under one lock: a request's task queues the requests and writes the items
//! its callback gave, and starts the next downloads when its own is done. The engine loop is
//! woken only when the crawl may be over, and for the rare events of [`super::Event`], so a
//! page costs no cross-thread wake-up of the loop.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures::FutureExt;
use tokio::sync::{Notify, Semaphore};

use super::commit::Staged;
use super::task;
use super::Parts;
use crate::clock::unix_now;
use crate::feed::Feeds;
use crate::frontier::{Frontier, LeaseId, Next, Pushed};
use crate::pipeline::ItemFate;
use crate::signals::{Signal, SignalKind};
use crate::{BoxError, BoxedItem, Crawler, Output, Request, Settings, Spider, Stats};

/// What the lock guards: the frontier, the feeds and the counts that end the crawl.
pub(super) struct Core {
    pub(super) frontier: Box<dyn Frontier>,
    pub(super) feeds: Feeds,
    /// Downloads in flight (bounded by `CONCURRENT_REQUESTS`); with a job dir, requests
    /// leased and not yet committed ([`Frontier::holds_places`]).
    pub(super) downloads: usize,
    /// Tracked tasks still running: request processing, pipelines, handlers.
    pub(super) tasks: usize,
    pub(super) closing: Option<String>,
    /// When the next pending request becomes ready, if none could be leased.
    wake_at: Option<f64>,
    /// What the engine loop's timer is set to.
    pub(super) armed: Option<f64>,
    /// With a job dir: each leased request's outputs, held until it is done ([`super::commit`]).
    pub(super) staged: HashMap<LeaseId, Staged>,
    /// Outputs of the start requests' stream handled, this run and before.
    pub(super) start_consumed: u64,
    /// Items written since the last checkpoint, as JSON, when the frontier wants them.
    pub(super) items_json: Vec<String>,
}

impl Core {
    /// Whether nothing is running and nothing more will start.
    pub(super) fn done(&self) -> bool {
        self.tasks == 0 && (self.frontier.pending() == 0 || self.closing.is_some())
    }

    /// When the engine loop should wake to lease requests whose ready-time has come.
    pub(super) fn wake_at(&self) -> Option<f64> {
        self.wake_at.filter(|_| self.closing.is_none())
    }
}

/// The engine's state and the crawl's parts, shared by the loop and every task.
pub(super) struct Shared {
    core: Mutex<Core>,
    /// Wakes the engine loop: the last task ended.
    pub(super) wake: Notify,
    /// The engine's parts, reached directly (the crawler is the user's handle on them).
    pub(super) parts: Arc<Parts>,
    pub(super) crawler: Crawler,
    pub(super) spider: Arc<dyn Spider>,
    pub(super) settings: Arc<Settings>,
    pub(super) stats: Stats,
    item_permits: Arc<Semaphore>,
    /// Wakes the start requests' task: the frontier has room for more.
    start_room: Notify,
    /// Whether the start requests' task waits for room.
    start_waiting: AtomicBool,
    /// Whether the frontier commits acks (a job dir): outputs are staged per request.
    pub(super) durable: bool,
    /// Whether a lease keeps its place until committed ([`Frontier::holds_places`]).
    pub(super) holds_places: bool,
    /// Whether a filtered duplicate was logged: without `DUPEFILTER_DEBUG`, only the first is.
    duplicate_logged: AtomicBool,
    /// Whether the frontier keeps the items too ([`Frontier::wants_items`]).
    items_out: bool,
}

impl Shared {
    pub(super) fn new(
        frontier: Box<dyn Frontier>,
        feeds: Feeds,
        parts: Arc<Parts>,
        crawler: Crawler,
        spider: Arc<dyn Spider>,
        settings: Arc<Settings>,
        stats: Stats,
    ) -> Arc<Self> {
        let frontier_commits = frontier.commits();
        let holds_places = frontier_commits && frontier.holds_places();
        let items_out = frontier.wants_items();
        Arc::new(Shared {
            core: Mutex::new(Core {
                frontier,
                feeds,
                downloads: 0,
                tasks: 0,
                closing: None,
                wake_at: None,
                armed: None,
                staged: HashMap::new(),
                start_consumed: 0,
                items_json: Vec::new(),
            }),
            items_out,
            durable: frontier_commits,
            holds_places,
            start_room: Notify::new(),
            start_waiting: AtomicBool::new(false),
            duplicate_logged: AtomicBool::new(false),
            wake: Notify::new(),
            parts,
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
        let earlier = match (core.wake_at(), core.armed) {
            (Some(at), Some(armed)) => at < armed,
            (Some(_), None) => true,
            _ => false,
        };
        // Only when the crawl may be over (the loop itself settles too: waking it whenever no
        // task runs would spin it while a durable frontier commits).
        if core.done() || earlier {
            self.wake.notify_one();
        }
        if self.start_waiting.load(Ordering::Relaxed) && core.frontier.pending() < self.backlog() {
            self.start_room.notify_waiters();
        }
    }

    /// Most pending requests before the start requests' task waits for room.
    fn backlog(&self) -> usize {
        self.settings.concurrent_requests.max(1) * 2
    }

    /// Waits until the frontier has room for more start requests (they are pulled lazily).
    pub(super) async fn start_room(&self) {
        loop {
            let notified = self.start_room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            self.start_waiting.store(true, Ordering::Relaxed);
            {
                let core = self.lock();
                if core.frontier.pending() < self.backlog() || core.closing.is_some() {
                    self.start_waiting.store(false, Ordering::Relaxed);
                    return;
                }
            }
            notified.await;
        }
    }

    /// A request's download finished: its concurrency place is free, and its host's.
    pub(super) fn download_done(self: &Arc<Self>, lease: LeaseId) {
        let mut core = self.lock();
        if !self.holds_places {
            core.downloads -= 1;
        }
        core.frontier.downloaded(lease);
        self.settle(&mut core);
    }

    /// Handles a batch of the outputs of `lease`'s callback.
    pub(super) fn outputs(self: &Arc<Self>, batch: Vec<Output>, lease: Option<LeaseId>) {
        let mut core = self.lock();
        self.handle_outputs(&mut core, batch, lease);
        self.settle(&mut core);
    }

    /// Handles an output of the start requests' stream (none for an error), counting it.
    pub(super) fn start_outputs(self: &Arc<Self>, batch: Vec<Output>) {
        let mut core = self.lock();
        self.handle_outputs(&mut core, batch, None);
        core.start_consumed += 1;
        if self.durable {
            self.checkpoint(&mut core);
        }
        self.settle(&mut core);
    }

    /// A tracked task ended.
    pub(super) fn task_done(self: &Arc<Self>) {
        let mut core = self.lock();
        core.tasks -= 1;
        self.settle(&mut core);
    }

    /// A request's task ended, with its last outputs: the request is done (with a job dir,
    /// once its items are through the pipelines too).
    pub(super) fn request_done(self: &Arc<Self>, lease: LeaseId, last: Vec<Output>) {
        let mut core = self.lock();
        self.handle_outputs(&mut core, last, Some(lease));
        core.tasks -= 1;
        if self.durable {
            core.staged.entry(lease).or_default().task_done = true;
            self.finish_staged(&mut core, lease);
        } else {
            core.frontier.ack(lease);
        }
        self.settle(&mut core);
    }

    /// Starts downloads while places are free and requests are ready.
    fn start_downloads(self: &Arc<Self>, core: &mut Core) {
        core.wake_at = None;
        if core.closing.is_some() || self.crawler.closing() {
            return;
        }
        let limit = self.settings.concurrent_requests.max(1);
        if core.downloads >= limit {
            return;
        }
        let now = unix_now();
        while core.downloads < limit {
            let lease = match core.frontier.lease(now) {
                Next::Lease(lease) => lease,
                Next::WaitUntil(at) => {
                    core.wake_at = Some(at);
                    break;
                }
                Next::Busy | Next::Empty => break,
            };
            self.stats.inc("scheduler/dequeued");
            self.stats.inc("scheduler/dequeued/memory");
            core.downloads += 1;
            core.tasks += 1;
            tokio::spawn(task::process(self.clone(), lease));
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
            shared.task_done();
        });
    }

    fn handle_outputs(
        self: &Arc<Self>,
        core: &mut Core,
        batch: Vec<Output>,
        lease: Option<LeaseId>,
    ) {
        // With a job dir, a request's outputs wait for it to be done (see `super::commit`).
        let lease = lease.filter(|_| self.durable);
        for output in batch {
            match output {
                Output::Item(item) => self.item(core, item, lease),
                Output::Request(request) => match lease {
                    Some(lease) => core
                        .staged
                        .entry(lease)
                        .or_default()
                        .requests
                        .push(*request),
                    None => self.schedule(core, *request),
                },
                Output::Error(_) => unreachable!("errors are reported by the task"),
            }
        }
    }

    fn item(self: &Arc<Self>, core: &mut Core, item: BoxedItem, lease: Option<LeaseId>) {
        if let Some(lease) = lease {
            core.staged.entry(lease).or_default().in_pipelines += 1;
        }
        if self.parts.components.pipelines.is_empty() {
            return self.item_done(core, ItemFate::Scraped(item), lease);
        }
        let (shared, permits) = (self.clone(), self.item_permits.clone());
        self.track(core, async move {
            let _permit = permits.acquire_owned().await;
            let crawler = &shared.crawler;
            let pipelines = shared.parts.components.pipelines.process(item, crawler);
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
            shared.item_done(&mut core, fate, lease);
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
        if !self.parts.components.signals.has(kind) {
            return;
        }
        let (parts, crawler) = (self.parts.clone(), self.crawler.clone());
        self.track(core, async move {
            parts
                .components
                .signals
                .send(signal(&payload), &crawler)
                .await;
        });
    }

    fn item_done(self: &Arc<Self>, core: &mut Core, fate: ItemFate, lease: Option<LeaseId>) {
        match (fate, lease) {
            (ItemFate::Scraped(item), Some(lease)) => {
                core.staged.entry(lease).or_default().items.push(item);
            }
            (fate, _) => self.item_fate(core, fate),
        }
        if let Some(lease) = lease {
            if let Some(staged) = core.staged.get_mut(&lease) {
                staged.in_pipelines -= 1;
            }
            self.finish_staged(core, lease);
        }
    }

    /// Counts an item's fate, writes a scraped item to the feeds and tells the handlers.
    pub(super) fn item_fate(self: &Arc<Self>, core: &mut Core, fate: ItemFate) {
        match fate {
            ItemFate::Scraped(item) => {
                self.stats.inc("item_scraped_count");

                tracing::debug!(item = ?item, "Scraped item");
                // A panic in the item's `Serialize` happens before anything of the item
                // reaches a file (each is serialized whole first): count it and go on.
                let feeds = &mut core.feeds;
                // The frontier's copy (a shared frontier's items stream) is serialized in the
                // same guard.
                let items_out = self.items_out;
                let written = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    feeds.write(&item, &self.stats);
                    items_out.then(|| serde_json::to_string(&item))
                }));
                match written {
                    Err(panic) => {
                        let message = crate::error::panic_message(&*panic);
                        tracing::error!("Writing an item to the feeds panicked: {message}");
                        self.stats.inc("feedexport/item_panic_count");
                    }
                    Ok(Some(Ok(json))) => core.items_json.push(json),
                    Ok(Some(Err(error))) => {
                        tracing::error!("cannot keep {item:?} as JSON: {error}");
                    }
                    Ok(None) => {}
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

    /// Pushes `request` to the frontier (its duplicate filter; a `crawl_not_before` meta is
    /// its ready-time there).
    /// Once the spider is closing, requests are dropped, unless a job dir keeps them for
    /// the resumed crawl.
    pub(super) fn schedule(self: &Arc<Self>, core: &mut Core, request: Request) {
        if core.closing.is_some() && !self.durable {
            return;
        }
        let signals = &self.parts.components.signals;
        let listened =
            signals.has(SignalKind::RequestScheduled) || signals.has(SignalKind::RequestDropped);
        let copy = listened.then(|| request.clone());
        let logged =
            self.settings.dupefilter_debug || !self.duplicate_logged.load(Ordering::Relaxed);
        let described = (logged && tracing::enabled!(tracing::Level::DEBUG))
            .then(|| format!("<{} {}>", request.method, request.url));
        match core.frontier.push(request) {
            Pushed::Queued => {
                self.stats.inc("scheduler/enqueued");
                self.stats.inc("scheduler/enqueued/memory");
                if let Some(request) = copy {
                    self.signal_later(core, SignalKind::RequestScheduled, request, |request| {
                        Signal::RequestScheduled { request }
                    });
                }
            }
            Pushed::Duplicate => {
                self.stats.inc("dupefilter/filtered");
                if let Some(request) = described {
                    self.log_duplicate(&request);
                }
                if let Some(request) = copy {
                    self.signal_later(core, SignalKind::RequestDropped, request, |request| {
                        Signal::RequestDropped { request }
                    });
                }
            }
        }
    }

    /// Logs a filtered duplicate as Scrapy's dupe filter does: every one with
    /// `DUPEFILTER_DEBUG`, else the first only.
    fn log_duplicate(&self, request: &str) {
        if self.settings.dupefilter_debug {
            tracing::debug!("Filtered duplicate request: {request}");
        } else if !self.duplicate_logged.swap(true, Ordering::Relaxed) {
            tracing::debug!(
                "Filtered duplicate request: {request} - no more duplicates will be shown (see DUPEFILTER_DEBUG to show all duplicates)"
            );
        }
    }
}
