//! The shared frontier behind the engine's [`Frontier`] trait (`-s SCHEDULER=redis`).
//!
//! The engine calls the frontier under its lock and never waits on it, so Redis is talked
//! to by a companion thread ([`super::worker`]) with its own small runtime and its own
//! connections (a socket is served by the runtime that opened it; the engine's is busy
//! with pages): the backend hands it pushes, commits and retries in order over a channel,
//! and takes leases from a buffer the companion fills when the engine has free places (no
//! more than it can start at once when hosts have a delay, so a host's cluster-wide delay
//! is not spent waiting in a buffer). When leases arrive, or a commit is done, the
//! companion wakes the engine through the commit hook.
//!
//! Cost per page: every script call costs the server tens of microseconds whatever it
//! carries, so calls carry batches. This worker's own repeated links stop here (it keeps
//! the fingerprints it pushed, about 8 bytes each); the ends of downloads, which free their
//! hosts' places for the whole cluster (`CONCURRENT_REQUESTS_PER_DOMAIN` counts downloads,
//! not callbacks), ride on the next lease call a quarter of `CONCURRENT_REQUESTS` at a
//! time; and a worker's places among `CONCURRENT_REQUESTS` are its downloads, as in
//! memory, while each lease lasts until its ack is committed.
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
use super::LeaseOptions;
use crate::clock::unix_now;
use crate::frontier::{
    take_ready_at, Checkpoint, Frontier, Lease, LeaseId, Next, Politeness, Pushed, SeenSet,
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

impl ClusterConfig {
    /// How many downloads end, or how few leases are left in the buffer, before the
    /// companion leases again: a quarter of `CONCURRENT_REQUESTS` (a lease call costs the
    /// server about the same for one request as for many).
    pub fn batch(&self) -> usize {
        (self.concurrency / 4).max(1)
    }
}

/// Closes the spider with a reason.
pub(crate) type CloseHook = Box<dyn Fn(&str) + Send + Sync>;

/// What the backend and its companion thread share.
#[derive(Default)]
pub(super) struct State {
    /// Leased in Redis, not yet handed to the engine.
    pub ready: VecDeque<(String, Request)>,
    /// Handed to the engine and not yet acked or nacked (extended while held).
    pub held: HashMap<LeaseId, Held>,
    /// Ids in Redis of held leases whose downloads ended, to free their hosts' places with
    /// the next lease.
    pub downloaded: Vec<String>,
    /// Requests left in Redis at the last lease (pending, delayed and leased by anyone).
    pub remaining: u64,
    /// Whether the last lease brought fewer than asked for (the hosts at their
    /// concurrency, or nothing ready).
    pub capped: bool,
    /// Pushes carried out so far: a lease that overlapped one may have counted the
    /// requests left before it.
    pub pushes: u64,
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

    /// Held leases whose downloads have not ended.
    pub fn downloading(&self) -> usize {
        self.held.values().filter(|held| held.downloading).count()
    }

    /// Lets go of the held lease `lease`, returning its id in Redis.
    fn unhold(&mut self, lease: LeaseId) -> Option<String> {
        self.held.remove(&lease).map(|held| held.id)
    }

    /// Wakes the engine with `leases` committed (none: something to lease arrived).
    pub fn wake(&self, leases: Vec<LeaseId>) {
        if let Some(hook) = &self.hook {
            hook(leases);
        }
    }
}

/// A lease the engine holds.
pub(super) struct Held {
    /// Its id in Redis.
    pub id: String,
    /// Its download slot.
    pub key: Box<str>,
    /// Whether its download has not ended yet.
    pub downloading: bool,
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
    /// [`ClusterConfig::batch`].
    batch: usize,
    /// The fingerprints this worker pushed (about 8 bytes each): its own repeats stop
    /// here, since Redis would drop them anyway; the cluster's seen set decides the rest.
    pushed: SeenSet,
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
        let state = Arc::new(Mutex::new(State {
            remaining: u64::MAX,
            ..State::default()
        }));
        let (commands, receiver) = mpsc::unbounded_channel();
        let demand = Arc::new(Notify::new());
        let default_delay = config.options.delay.as_millis() as u64;
        let setup = worker::Setup {
            config: config.clone(),
            state: state.clone(),
            demand: demand.clone(),
            stats,
        };
        // The companion connects from its own thread: a connection's socket is served by
        // the runtime that made it, and the engine's is busy with pages.
        let (joined, connected) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("crawl-redis".to_owned())
            .spawn(move || worker::run(setup, receiver, joined))
            .map_err(|source| Error::Io {
                context: "cannot start the Redis thread".to_owned(),
                source,
            })?;
        let feeds = match connected.await {
            Ok(Ok(feeds)) => feeds,
            Ok(Err(error)) => {
                let _ = thread.join();
                return Err(Error::Usage(error.to_string()));
            }
            Err(_) => {
                let _ = thread.join();
                return Err(Error::Usage("the Redis thread stopped".to_owned()));
            }
        };
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
            batch: config.batch(),
            pushed: SeenSet::default(),
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
        // Most links of a crawl point at pages already pushed: this worker's own repeats
        // cost neither JSON nor a script (Redis keeps every pushed fingerprint, so it would
        // drop them too).
        if !request.dont_filter && !self.pushed.insert(request.fingerprint().0) {
            return Pushed::Duplicate;
        }
        self.send(Command::Push(Box::new(request)));
        Pushed::Queued
    }

    fn lease(&mut self, now: f64) -> Next {
        let mut state = lock(&self.state);
        if let Some((id, mut request)) = state.ready.pop_front() {
            if state.ready.len() == self.batch {
                // Low: more leases before it runs dry.
                self.demand.notify_one();
            }
            request
                .meta
                .insert(crate::frontier::PACED_META.to_owned(), true.into());
            self.next_id += 1;
            let lease = LeaseId(self.next_id);
            let key = self.politeness.key(&request);
            state.held.insert(
                lease,
                Held {
                    id,
                    key,
                    downloading: true,
                },
            );
            return Next::Lease(Lease { id: lease, request });
        }
        if state.failed.is_some() {
            return Next::Empty;
        }
        if !state.capped {
            // While the hosts are at their concurrency, the companion leases again once
            // enough downloads have ended (or after a while), not at every miss.
            self.demand.notify_one();
        }
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
        let key = {
            let mut state = lock(&self.state);
            let Some(held) = state.held.get_mut(&lease).filter(|held| held.downloading) else {
                return;
            };
            held.downloading = false;
            let (id, key) = (held.id.clone(), held.key.clone());
            state.downloaded.push(id);
            // The hosts' places are free for the cluster once the companion says so, a
            // batch at a time (one script call per lease of a whole batch, not per page).
            if state.downloaded.len() >= self.batch {
                self.demand.notify_one();
            }
            key
        };
        self.observe_delay(key);
    }

    fn ack(&mut self, lease: LeaseId) {
        if let Some(id) = lock(&self.state).unhold(lease) {
            self.acked.push((lease, id));
        }
    }

    fn nack(&mut self, lease: LeaseId, mut request: Request, ready_at: f64) {
        let Some(id) = lock(&self.state).unhold(lease) else {
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

    fn holds_places(&self) -> bool {
        // A worker's places are its downloads, as in memory; a killed worker's requests
        // begun and not committed are its leases, fetched again by others.
        false
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
