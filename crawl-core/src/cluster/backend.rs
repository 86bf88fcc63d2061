//! The shared frontier behind the engine's [`Frontier`] trait (`-s SCHEDULER=redis`).
//!
//! The engine calls the frontier under its lock and never waits on it, so Redis is talked
//! to by a companion thread ([`super::worker`]) with its own small runtime: the backend
//! hands it pushes, commits and retries in order over a channel, and takes leases from a
//! buffer the companion fills when the engine has free places (no more than it can start at
//! once, so a host's cluster-wide delay is not spent waiting in a buffer). When leases
//! arrive, or a commit is done, the companion wakes the engine through the commit hook.
//!
//! Exactly once, as with a job dir: a request's outputs are held until it is done, then its
//! requests are pushed and it is acked together with the lengths of this worker's feeds
//! (one atomic script), so a worker killed at any instant and started again with the same
//! command cuts its feeds back to what its acks cover; the requests it had not acked run
//! again on some worker once their leases expire.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, Notify};

use super::worker::{self, Command};
use super::{LeaseOptions, RedisFrontier};
use crate::clock::unix_now;
use crate::frontier::{
    take_ready_at, Checkpoint, Frontier, Lease, LeaseId, Next, Politeness, Pushed,
};
use crate::{Error, Request, Stats};

/// How a worker joins a shared crawl (from the settings).
#[derive(Debug, Clone)]
pub(crate) struct ClusterConfig {
    /// `REDIS_URL`.
    pub url: String,
    /// `REDIS_KEY_PREFIX`, or `crawl:<spider>`.
    pub prefix: String,
    /// This worker's name (`REDIS_WORKER_ID`, or the host and the feeds' paths).
    pub worker: String,
    /// Lease length and cluster-wide politeness.
    pub options: LeaseOptions,
    /// Most requests leased at once (`CONCURRENT_REQUESTS`).
    pub concurrency: usize,
    /// Keep the keys at the end (`SCHEDULER_PERSIST`).
    pub persist: bool,
    /// Delete the keys first (`SCHEDULER_FLUSH_ON_START`).
    pub flush_on_start: bool,
    /// How long Redis may stay unreachable before the worker gives up (`REDIS_RETRY_SECS`).
    pub give_up_after: Duration,
    /// The stream every committed item is appended to (`REDIS_ITEMS_KEY`; empty: none).
    pub items_key: String,
}

/// Closes the spider with a reason.
pub(crate) type CloseHook = Box<dyn Fn(&str) + Send + Sync>;

/// What the backend and its companion thread share.
#[derive(Default)]
pub(super) struct State {
    /// Leased in Redis, not yet handed to the engine.
    pub ready: VecDeque<(String, Request)>,
    /// Handed to the engine and not yet acked or nacked (extended while held): the id in
    /// Redis and the download slot.
    pub held: HashMap<LeaseId, (String, Box<str>)>,
    /// Requests left in Redis at the last lease (pending, delayed and leased by anyone).
    pub remaining: u64,
    /// When Redis said the next request will be ready.
    pub next_ready: Option<f64>,
    /// Commands sent to the companion and not yet carried out.
    pub queued: usize,
    /// Why the companion gave up (Redis unreachable for too long).
    pub failed: Option<String>,
    /// The engine's hook: leases committed (and, empty, "leases arrived").
    pub hook: Option<Box<dyn Fn(Vec<LeaseId>) + Send + Sync>>,
    /// Closes the spider with a reason (Redis stayed unreachable).
    pub close: Option<CloseHook>,
}

impl State {
    /// Gives up: the spider closes with `redis_unreachable`.
    pub fn fail(&mut self, message: String) {
        self.failed = Some(message);
        if let Some(close) = &self.close {
            close("redis_unreachable");
        }
        self.wake(Vec::new());
    }

    /// Wakes the engine with `leases` committed (none: something to lease arrived).
    pub fn wake(&self, leases: Vec<LeaseId>) {
        if let Some(hook) = &self.hook {
            hook(leases);
        }
    }
}

/// Locks `state`; nothing holding it leaves it half-changed.
pub(super) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A [`Frontier`] shared by every worker through Redis.
pub struct RedisBackend {
    state: Arc<Mutex<State>>,
    commands: mpsc::UnboundedSender<Command>,
    demand: Arc<Notify>,
    next_id: u64,
    /// Acked since the last commit.
    acked: Vec<(LeaseId, String)>,
    politeness: Arc<dyn Politeness>,
    /// Each host's own delay as last told to the cluster, in ms.
    delays: HashMap<Box<str>, u64>,
    default_delay: u64,
    /// Whether committed items go to a stream too.
    items: bool,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisBackend")
    }
}

/// What a worker that joined a shared crawl brings back.
pub(crate) struct Joined {
    pub backend: RedisBackend,
    /// This worker's feed files and the lengths its acks committed (a restarted worker).
    pub feeds: HashMap<String, u64>,
}

/// Shortest and longest wait before the engine asks again for leases that have not come.
const POLL_MIN: f64 = 0.02;
const POLL_MAX: f64 = 0.25;

impl RedisBackend {
    /// Connects to the crawl in Redis (a clear error if it cannot be reached) and starts the
    /// companion thread.
    pub(crate) async fn join(
        config: ClusterConfig,
        politeness: Arc<dyn Politeness>,
        stats: Stats,
    ) -> Result<Joined, Error> {
        let error = |error: super::ClusterError| Error::Usage(error.to_string());
        let frontier = RedisFrontier::connect(&config.url, &config.prefix)
            .await
            .map_err(error)?;
        if config.flush_on_start {
            let deleted = frontier.flush().await.map_err(error)?;
            tracing::info!(prefix = config.prefix, deleted, "Flushed the shared crawl");
        }
        frontier.heartbeat(&config.worker).await.map_err(error)?;
        let feeds = frontier.feeds(&config.worker).await.map_err(error)?;
        let state = Arc::new(Mutex::new(State {
            remaining: u64::MAX,
            ..State::default()
        }));
        let (commands, receiver) = mpsc::unbounded_channel();
        let demand = Arc::new(Notify::new());
        let default_delay = config.options.delay.as_millis() as u64;
        let companion = worker::Companion {
            frontier,
            config: config.clone(),
            state: state.clone(),
            demand: demand.clone(),
            stats,
        };
        let thread = std::thread::Builder::new()
            .name("crawl-redis".to_owned())
            .spawn(move || companion.run(receiver))
            .map_err(|source| Error::Io {
                context: "cannot start the Redis thread".to_owned(),
                source,
            })?;
        tracing::info!(
            worker = config.worker,
            prefix = config.prefix,
            "Joined the shared crawl"
        );
        let backend = RedisBackend {
            state,
            commands,
            demand,
            next_id: 0,
            acked: Vec::new(),
            politeness,
            delays: HashMap::new(),
            default_delay,
            items: !config.items_key.is_empty(),
            thread: Some(thread),
        };
        Ok(Joined { backend, feeds })
    }

    /// Sets how the spider is closed if Redis stays unreachable.
    pub(crate) fn on_give_up(&mut self, close: CloseHook) {
        lock(&self.state).close = Some(close);
    }

    fn send(&self, command: Command) {
        lock(&self.state).queued += 1;
        // The companion lives until `close`; after it stopped there is nobody to serve.
        let _ = self.commands.send(command);
    }
}

impl Frontier for RedisBackend {
    fn push(&mut self, request: Request) -> Pushed {
        self.send(Command::Push(Box::new(request)));
        Pushed::Queued
    }

    fn lease(&mut self, now: f64) -> Next {
        let mut state = lock(&self.state);
        if let Some((id, mut request)) = state.ready.pop_front() {
            request
                .meta
                .insert(crate::frontier::PACED_META.to_owned(), true.into());
            self.next_id += 1;
            let lease = LeaseId(self.next_id);
            let key = self.politeness.key(&request);
            state.held.insert(lease, (id, key));
            return Next::Lease(Lease { id: lease, request });
        }
        if state.failed.is_some() {
            return Next::Empty;
        }
        self.demand.notify_one();
        if state.remaining == 0 && state.queued == 0 {
            return Next::Empty;
        }
        // The companion wakes the engine when leases arrive; polling (never busily) covers
        // what other workers change: their leases acked or expired, their pushes.
        let poll = state
            .next_ready
            .unwrap_or(now + POLL_MAX)
            .clamp(now + POLL_MIN, now + POLL_MAX);
        Next::WaitUntil(poll)
    }

    fn downloaded(&mut self, lease: LeaseId) {
        // Robots.txt `Crawl-delay` and AutoThrottle set a host's own delay in this worker's
        // downloader; the cluster learns it, so it holds for every worker.
        let key = match lock(&self.state).held.get(&lease) {
            Some((_, key)) => key.clone(),
            None => return,
        };
        self.observe_delay(key);
    }

    fn ack(&mut self, lease: LeaseId) {
        if let Some((id, _)) = lock(&self.state).held.remove(&lease) {
            self.acked.push((lease, id));
        }
    }

    fn nack(&mut self, lease: LeaseId, mut request: Request, ready_at: f64) {
        let Some((id, _)) = lock(&self.state).held.remove(&lease) else {
            return;
        };
        take_ready_at(&mut request);
        let after = Duration::from_secs_f64((ready_at - unix_now()).max(0.0));
        self.send(Command::Nack {
            id,
            request: Box::new(request),
            after,
        });
    }

    fn commits(&self) -> bool {
        true
    }

    fn on_commit(&mut self, hook: Box<dyn Fn(Vec<LeaseId>) + Send + Sync>) {
        lock(&self.state).hook = Some(hook);
    }

    fn record(&mut self, checkpoint: Checkpoint) {
        // Feed lengths matter only with the acks (or items) they hold.
        if self.acked.is_empty() && checkpoint.items.is_empty() {
            return;
        }
        let acks = std::mem::take(&mut self.acked);
        self.send(Command::Commit {
            acks,
            feeds: checkpoint.feeds,
            items: checkpoint.items,
        });
    }

    fn wants_items(&self) -> bool {
        self.items
    }

    fn close(&mut self) {
        let acks = std::mem::take(&mut self.acked);
        if !acks.is_empty() {
            self.send(Command::Commit {
                acks,
                feeds: Vec::new(),
                items: Vec::new(),
            });
        }
        let (done, wait) = std::sync::mpsc::channel();
        if self.commands.send(Command::Close(done)).is_ok() {
            // The companion commits what is left, bounded by its own retry limit.
            let _ = wait.recv();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn pending(&self) -> usize {
        let state = lock(&self.state);
        if state.failed.is_some() {
            return 0;
        }
        // Redis counts every request left, leased ones included (this worker's too): while
        // another worker holds a lease, this one is not done either.
        let remote = usize::try_from(state.remaining).unwrap_or(usize::MAX);
        let unleased = remote.saturating_sub(state.held.len());
        unleased.max(state.ready.len()).saturating_add(state.queued)
    }

    fn leased(&self) -> usize {
        lock(&self.state).held.len()
    }
}

impl RedisBackend {
    /// Tells the cluster the own delay of the download slot `key`, if this worker's
    /// downloader has one that differs from what the cluster was told last (robots.txt
    /// `Crawl-delay`, AutoThrottle).
    fn observe_delay(&mut self, key: Box<str>) {
        let delay = self.politeness.delay(&key).as_millis() as u64;
        let known = self.delays.get(&key).copied().unwrap_or(self.default_delay);
        if delay != known {
            self.send(Command::Delay {
                host: key.to_string(),
                ms: delay,
            });
            self.delays.insert(key, delay);
        }
    }
}
