//! The companion thread of a worker in a shared crawl: it carries out the backend's
//! commands on Redis in the order they were given (a round every [`GATHER`] at most), and
//! beside them, on a connection of its own, leases requests when the engine has free
//! places; it extends the leases the engine holds, keeps the worker's heartbeat, and adds the
//! worker's stats to the cluster's. When Redis cannot be reached it waits and retries with
//! backoff, keeping every command; nothing runs out of order, so a request is never acked
//! before the requests it gave are pushed.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, Notify};

use super::backend::{lock, ClusterConfig, State};
use super::{ClusterError, RedisFrontier};
use crate::clock::unix_now;
use crate::frontier::LeaseId;
use crate::{Request, Stats};

/// What the backend asks of its companion.
pub(super) enum Command {
    /// Push a request (deduplicated in Redis).
    Push(Box<Request>),
    /// Ack these leases with the feeds' lengths that hold their items.
    Commit {
        acks: Vec<(LeaseId, String)>,
        feeds: Vec<(String, u64)>,
        items: Vec<String>,
    },
    /// Give a lease back, ready after `after`.
    Nack {
        id: String,
        request: Box<Request>,
        after: Duration,
    },
    /// A host's own delay, in ms.
    Delay { host: String, ms: u64 },
    /// Commit what is left, leave the crawl, then report.
    Close(std::sync::mpsc::Sender<()>),
}

/// The companion's parts.
struct Companion {
    /// Pushes, commits and the rest.
    frontier: RedisFrontier,
    /// Leases (beside the rest: a lease never waits behind a commit).
    leaser: RedisFrontier,
    config: ClusterConfig,
    state: Arc<Mutex<State>>,
    demand: Arc<Notify>,
    stats: Stats,
    /// The stats as last added to the cluster's.
    stats_sent: RefCell<BTreeMap<String, i64>>,
}

/// How long the lease loop waits for a batch of ended downloads while the hosts are at
/// their concurrency, before it asks again anyway.
const PATIENCE: Duration = Duration::from_millis(5);

/// How long a round of commands gathers after its first.
const GATHER: Duration = Duration::from_millis(2);

/// Most commands carried out per round (pushes of one round go in one script call each
/// batch of 512).
const ROUND: usize = 4096;

/// What the companion thread starts from.
pub(super) struct Setup {
    pub config: ClusterConfig,
    pub state: Arc<Mutex<State>>,
    pub demand: Arc<Notify>,
    pub stats: Stats,
}

/// The companion thread: connects (telling `joined` this worker's committed feed lengths, or
/// why it cannot join), then serves the backend until it closes (or drops) its channel.
pub(super) fn run(
    setup: Setup,
    commands: mpsc::UnboundedReceiver<Command>,
    joined: oneshot::Sender<Result<HashMap<String, u64>, ClusterError>>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    runtime.block_on(async move {
        let companion = match Companion::connect(setup).await {
            Ok((companion, feeds)) => {
                let _ = joined.send(Ok(feeds));
                companion
            }
            Err(error) => {
                let _ = joined.send(Err(error));
                return;
            }
        };
        companion.serve(commands).await;
    });
}

impl Companion {
    /// Connects (one connection for leases, one for the rest), flushes the crawl if asked,
    /// and reads this worker's committed feed lengths.
    async fn connect(setup: Setup) -> Result<(Companion, HashMap<String, u64>), ClusterError> {
        let Setup {
            config,
            state,
            demand,
            stats,
        } = setup;
        let frontier = RedisFrontier::connect(&config.url, &config.prefix).await?;
        if config.flush_on_start {
            let deleted = frontier.flush().await?;
            tracing::info!(prefix = config.prefix, deleted, "Flushed the shared crawl");
        }
        frontier.heartbeat(&config.worker).await?;
        let feeds = frontier.feeds(&config.worker).await?;
        let leaser = RedisFrontier::connect(&config.url, &config.prefix).await?;
        let companion = Companion {
            frontier,
            leaser,
            config,
            state,
            demand,
            stats,
            stats_sent: RefCell::default(),
        };
        Ok((companion, feeds))
    }

    async fn serve(self, commands: mpsc::UnboundedReceiver<Command>) {
        // Leasing runs beside the commands, on a connection of its own: a lease never waits
        // behind a commit, nor a commit behind a lease.
        let stop = Cell::new(false);
        let (close, ()) = tokio::join!(self.command_loop(commands, &stop), self.lease_loop(&stop));
        if lock(&self.state).failed.is_some() {
            // Redis stayed away: nothing more is committed, so whatever this worker had not
            // acked runs again elsewhere once its leases expire.
            if let Some(done) = close {
                let _ = done.send(());
            }
            return;
        }
        if let Some(done) = close {
            self.release().await;
            self.send_stats().await;
            self.leave().await;
            let _ = done.send(());
        }
    }

    /// Carries out the backend's commands in order, keeps the leases alive and sends the
    /// stats, until the close command (returned) or until Redis stays away; then stops the
    /// lease loop.
    async fn command_loop(
        &self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        stop: &Cell<bool>,
    ) -> Option<std::sync::mpsc::Sender<()>> {
        let lease_len = self.config.options.lease;
        let mut keep_alive = tokio::time::interval((lease_len / 3).max(Duration::from_millis(50)));
        keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stats_at = Instant::now();
        let close = loop {
            let mut round = Vec::new();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => round.push(command),
                    None => break None,
                },
                _ = keep_alive.tick() => self.keep_alive().await,
            }
            if !round.is_empty() {
                // A round is a script call or two on the server whatever it holds: let the
                // round gather (acks wait for it, downloads do not).
                tokio::time::sleep(GATHER).await;
            }
            while round.len() < ROUND {
                match commands.try_recv() {
                    Ok(command) => round.push(command),
                    Err(_) => break,
                }
            }
            let close = self.carry_out(round).await;
            if close.is_some() || lock(&self.state).failed.is_some() {
                break close;
            }
            if stats_at.elapsed() >= Duration::from_secs(1) {
                self.send_stats().await;
                stats_at = Instant::now();
            }
        };
        stop.set(true);
        self.demand.notify_one();
        close
    }

    /// Leases what the engine can start, until stopped. A lease call is one script run on
    /// the server, so calls carry batches: the engine asks when its buffer runs low, and
    /// the ends of downloads (which free their hosts' places) are reported a quarter of
    /// `CONCURRENT_REQUESTS` at a time; while the hosts are at their concurrency, a lease
    /// waits for such a batch (or [`PATIENCE`]) instead of asking again for nothing.
    async fn lease_loop(&self, stop: &Cell<bool>) {
        let batch = self.config.batch();
        loop {
            let asked = tokio::time::timeout(PATIENCE, self.demand.notified()).await;
            if stop.get() || lock(&self.state).failed.is_some() {
                return;
            }
            let (ready, downloaded, capped) = {
                let state = lock(&self.state);
                (state.ready.len(), state.downloaded.len(), state.capped)
            };
            let worth = downloaded >= batch
                || (ready <= batch && !capped && asked.is_ok())
                || (capped && asked.is_err() && (ready == 0 || downloaded > 0));
            if !worth {
                continue;
            }
            self.fill().await;
        }
    }

    /// Carries out a round of commands; the close command, if any, is returned. Pushes go
    /// first, then retries, then one commit of every ack of the round with the feeds'
    /// latest lengths: a push never waits behind an ack, so a request is never acked before
    /// the requests it gave are in Redis (acking later, together, is always safe).
    async fn carry_out(&self, round: Vec<Command>) -> Option<std::sync::mpsc::Sender<()>> {
        let count = round.len();
        let mut pushes = Vec::new();
        let mut acks = Vec::new();
        let mut feeds = Vec::new();
        let mut items = Vec::new();
        let mut later = Vec::new();
        let mut close = None;
        for command in round {
            match command {
                Command::Push(request) => pushes.push(*request),
                Command::Commit {
                    acks: more,
                    feeds: lengths,
                    items: written,
                } => {
                    acks.extend(more);
                    items.extend(written);
                    if !lengths.is_empty() {
                        feeds = lengths;
                    }
                }
                Command::Close(done) => close = Some(done),
                other => later.push(other),
            }
        }
        self.push(pushes).await;
        for command in later {
            match command {
                Command::Nack { id, request, after } => {
                    let frontier = &self.frontier;
                    let (worker, request) = (&self.config.worker, &*request);
                    self.retry("nack", || frontier.nack(worker, &id, request, after))
                        .await;
                    lock(&self.state).wake(Vec::new());
                }
                Command::Delay { host, ms } => {
                    let frontier = &self.frontier;
                    self.retry("set a host's delay", || frontier.set_delay(&host, ms))
                        .await;
                }
                _ => {}
            }
        }
        if !acks.is_empty() || !items.is_empty() {
            self.commit(acks, feeds, items).await;
        }
        lock(&self.state).queued -= count - usize::from(close.is_some());
        close
    }

    async fn push(&self, requests: Vec<Request>) {
        if requests.is_empty() {
            return;
        }
        let count = requests.len() as u64;
        let frontier = &self.frontier;
        let Some(added) = self.retry("push", || frontier.push(&requests)).await else {
            return;
        };
        let duplicates = (count - added) as i64;
        if duplicates > 0 {
            self.stats.inc_by("dupefilter/filtered", duplicates);
            self.stats.inc_by("scheduler/enqueued", -duplicates);
            self.stats.inc_by("scheduler/enqueued/memory", -duplicates);
        }
        let mut state = lock(&self.state);
        state.remaining = state.remaining.max(added);
        state.pushes += 1;
    }

    async fn commit(
        &self,
        acks: Vec<(LeaseId, String)>,
        feeds: Vec<(String, u64)>,
        items: Vec<String>,
    ) {
        let frontier = &self.frontier;
        let worker = &self.config.worker;
        let ids: Vec<&str> = acks.iter().map(|(_, id)| id.as_str()).collect();
        let stream = Some((self.config.items_key.as_str(), items.as_slice()))
            .filter(|(key, _)| !key.is_empty());
        if self
            .retry("commit", || frontier.commit(worker, &ids, &feeds, stream))
            .await
            .is_some()
        {
            lock(&self.state).wake(acks.into_iter().map(|(lease, _)| lease).collect());
        }
    }

    /// Leases what the engine can start now, and wakes it; notes whether fewer came than
    /// were asked for (`capped`).
    async fn fill(&self) {
        // Without a delay, a buffer as deep as the engine's places hides the round trip;
        // with one, only what can start now is leased, so no lease waits in a buffer
        // while its host's delay runs.
        let depth = match self.config.options.delay.is_zero() {
            true => self.config.concurrency * 2,
            false => self.config.concurrency,
        };
        let (want, downloaded, pushes) = {
            let mut state = lock(&self.state);
            let want = depth.saturating_sub(state.downloading() + state.ready.len());
            if want == 0 && state.downloaded.is_empty() {
                // Full, not capped.
                state.capped = false;
                return;
            }
            (want, std::mem::take(&mut state.downloaded), state.pushes)
        };
        let (frontier, options) = (&self.leaser, &self.config.options);
        let worker = &self.config.worker;
        let ids: Vec<&str> = downloaded.iter().map(String::as_str).collect();
        let Some(batch) = self
            .retry("lease", || {
                frontier.lease_after(worker, options, &ids, want)
            })
            .await
        else {
            return;
        };
        let mut state = lock(&self.state);
        state.remaining = match state.pushes == pushes {
            true => batch.remaining,
            // Requests pushed meanwhile may be missing from Redis's count: the next lease
            // counts again.
            false => state.remaining.max(batch.remaining),
        };
        state.next_ready = batch.next_ready.map(|wait| unix_now() + wait.as_secs_f64());
        let arrived = !batch.leases.is_empty();
        state.capped = batch.leases.len() < want;
        state.ready.extend(
            batch
                .leases
                .into_iter()
                .map(|lease| (lease.id, lease.request)),
        );
        if arrived || batch.remaining == 0 {
            state.wake(Vec::new());
        }
    }

    /// Extends the leases this worker holds and keeps its heartbeat.
    async fn keep_alive(&self) {
        let ids: Vec<String> = {
            let state = lock(&self.state);
            let held = state.held.values().map(|held| held.id.clone());
            held.chain(state.ready.iter().map(|(id, _)| id.clone()))
                .collect()
        };
        let (frontier, options) = (&self.frontier, &self.config.options);
        let worker = &self.config.worker;
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.retry("extend leases", || frontier.extend(worker, options, &refs))
            .await;
        self.retry("heartbeat", || frontier.heartbeat(worker)).await;
    }

    /// Gives back the leases this worker still has (buffered, or held by a crawl that
    /// stops before they are done), so other workers take them now, not at their deadline.
    async fn release(&self) {
        let ids: Vec<String> = {
            let mut state = lock(&self.state);
            let held = state.held.drain().map(|(_, held)| held.id);
            let mut ids: Vec<String> = held.collect();
            ids.extend(state.ready.drain(..).map(|(id, _)| id));
            ids
        };
        if ids.is_empty() {
            return;
        }
        let (frontier, worker) = (&self.frontier, &self.config.worker);
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.retry("release leases", || frontier.release(worker, &refs))
            .await;
    }

    /// Adds this worker's stat changes since the last call to the cluster's.
    async fn send_stats(&self) {
        let deltas = self.stat_deltas();
        let frontier = &self.frontier;
        self.retry("add stats", || frontier.add_stats(&deltas))
            .await;
    }

    /// This worker's stat changes since the last call, counted as sent.
    fn stat_deltas(&self) -> BTreeMap<String, i64> {
        let mut deltas = BTreeMap::new();
        let mut sent = self.stats_sent.borrow_mut();
        for (name, value) in self.stats.snapshot() {
            let Some(value) = value.as_i64() else {
                continue;
            };
            let before = sent.get(&name).copied().unwrap_or(0);
            if value != before {
                deltas.insert(name.clone(), value - before);
                sent.insert(name, value);
            }
        }
        deltas
    }

    /// Leaves the crawl; the last worker out of a finished crawl deletes its keys, unless
    /// `SCHEDULER_PERSIST`.
    async fn leave(&self) {
        let (frontier, worker) = (&self.frontier, &self.config.worker);
        let stale = self.config.options.lease * 3;
        let Some((workers, remaining)) =
            self.retry("leave", || frontier.leave(worker, stale)).await
        else {
            return;
        };
        if workers == 0 && remaining == 0 && !self.config.persist {
            if let Some(deleted) = self.retry("flush", || frontier.flush()).await {
                tracing::info!(deleted, "The shared crawl is over: its keys are deleted");
            }
        }
    }

    /// Runs `op` until it succeeds, waiting longer after each failure; after
    /// `give_up_after` without success the worker gives up (`None`, and `failed` is set).
    async fn retry<T, F, Fut>(&self, what: &str, mut op: F) -> Option<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClusterError>>,
    {
        if lock(&self.state).failed.is_some() {
            return None;
        }
        let started = Instant::now();
        let mut backoff = Duration::from_millis(100);
        loop {
            match op().await {
                Ok(value) => {
                    if started.elapsed() > backoff {
                        tracing::info!("Redis is back: {what} done");
                    }
                    return Some(value);
                }
                Err(error) if started.elapsed() < self.config.give_up_after => {
                    self.stats.inc("redis/retry_count");
                    tracing::warn!("{what} failed ({error}); retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(error) => {
                    let message =
                        format!("{what} failed for {:?}: {error}", self.config.give_up_after);
                    tracing::error!("{message}; this worker stops, its leases go to others");
                    lock(&self.state).fail(message);
                    return None;
                }
            }
        }
    }
}
