//! Many workers, one crawl: a frontier shared in Redis (feature `redis`).
//!
//! Every worker process of a crawl points at one Redis (`-s SCHEDULER=redis -s
//! REDIS_URL=redis://host:port/db`). The frontier there has lease semantics: a worker
//! *leases* a request for `REDIS_LEASE_SECS`, extends the lease while the page is slow, and
//! *acknowledges* it once the callback's outputs are committed. A worker that dies (kill -9)
//! loses nothing: its leases expire and another worker takes the requests again.
//! Politeness holds for the cluster: each host's next allowed fetch time and its downloads
//! under way are kept in Redis and taken atomically by Lua scripts ([`scripts`]), so
//! `DOWNLOAD_DELAY` and `CONCURRENT_REQUESTS_PER_DOMAIN` bound the cluster as a whole. The
//! seen set is shared and compact (8-byte fingerprints in intsets). The layout of the keys is
//! in [`keys`]. The scripts need Redis 6.2 or later (`ZMSCORE`, `SMISMEMBER`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), crawl_core::cluster::ClusterError> {
//! use crawl_core::cluster::{LeaseOptions, RedisFrontier};
//! use crawl_core::Request;
//!
//! let frontier = RedisFrontier::connect("redis://127.0.0.1:6379/0", "crawl:quotes").await?;
//! frontier.push(&[Request::get("http://127.0.0.1:8000/").unwrap()]).await?;
//! let batch = frontier.lease("worker-1", &LeaseOptions::default(), 8).await?;
//! for lease in &batch.leases {
//!     // ... download lease.request, run its callback, commit its outputs ...
//!     frontier.ack("worker-1", &[lease.id.as_str()]).await?;
//! }
//! # Ok(())
//! # }
//! ```

mod backend;
pub mod keys;
mod scripts;
pub mod server;
#[cfg(test)]
mod tests;
mod worker;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use crate::Request;
pub(crate) use backend::ClusterConfig;
pub use backend::RedisBackend;
use keys::{seen_slot, Keys};
use scripts::Scripts;

/// What can go wrong talking to the shared frontier.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Redis could not be reached or refused a command.
    #[error("Redis at {url}: {source}")]
    Redis {
        /// The `REDIS_URL` (without its password).
        url: String,
        /// What the client reported.
        source: redis::RedisError,
    },
    /// A request in Redis could not be read back (written by another version?).
    #[error("request {id} in Redis is not a request of this version of crawl: {source}")]
    Corrupt {
        /// The request's id.
        id: String,
        /// Why it did not parse.
        source: serde_json::Error,
    },
}

/// How a worker leases: the cluster-wide politeness settings and the lease length.
#[derive(Debug, Clone)]
pub struct LeaseOptions {
    /// How long a lease lasts unless extended (`REDIS_LEASE_SECS`).
    pub lease: Duration,
    /// The wait between two fetches from one host, cluster-wide (`DOWNLOAD_DELAY`).
    pub delay: Duration,
    /// Leases out at once per host, cluster-wide (`CONCURRENT_REQUESTS_PER_DOMAIN`).
    pub per_host: u32,
    /// How long a worker that got fewer leases than it asked for counts as wanting more.
    /// While two or more workers want more, they share each host's `per_host` evenly;
    /// a worker alone takes every place.
    pub share_window: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        LeaseOptions {
            lease: Duration::from_secs(30),
            delay: Duration::ZERO,
            per_host: 8,
            share_window: Duration::from_millis(50),
        }
    }
}

/// A leased request: download it, then [`RedisFrontier::ack`] or [`RedisFrontier::nack`]
/// its id.
#[derive(Debug)]
pub struct Lease {
    /// The request's id in the frontier.
    pub id: String,
    /// The request.
    pub request: Request,
}

/// What one [`RedisFrontier::lease`] call returns.
#[derive(Debug)]
pub struct LeaseBatch {
    /// The requests leased (possibly none).
    pub leases: Vec<Lease>,
    /// When the next request will be ready (a host's delay, a retry's backoff or a lease's
    /// deadline), if anything is left at all.
    pub next_ready: Option<Duration>,
    /// Requests left in the frontier: pending, delayed and leased. Zero means the crawl is
    /// over (once no worker still reads start requests).
    pub remaining: u64,
}

/// The frontier of one crawl, shared by every worker through Redis.
#[derive(Clone)]
pub struct RedisFrontier {
    connection: ConnectionManager,
    keys: Keys,
    url: String,
    scripts: std::sync::Arc<Scripts>,
}

impl std::fmt::Debug for RedisFrontier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisFrontier({} {})", self.url, self.keys.prefix())
    }
}

/// How long a worker waits for Redis to answer before it retries.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);

/// How many requests one push script takes at most (keeps each script call short).
const PUSH_BATCH: usize = 512;

impl RedisFrontier {
    /// Connects to the Redis at `url` (`redis://host:port/db`) for the crawl whose keys start
    /// with `prefix`. Fails at once, with a clear error, if Redis cannot be reached.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisFrontier, ClusterError> {
        let shown = redact(url);
        let error = |source| ClusterError::Redis {
            url: shown.clone(),
            source,
        };
        let client = redis::Client::open(url).map_err(error)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(2);
        let mut connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(error)?;
        let _: String = redis::cmd("PING")
            .query_async(&mut connection)
            .await
            .map_err(error)?;
        Ok(RedisFrontier {
            connection,
            keys: Keys::new(prefix),
            url: shown,
            scripts: std::sync::Arc::new(Scripts::new()),
        })
    }

    fn error(&self, source: redis::RedisError) -> ClusterError {
        ClusterError::Redis {
            url: self.url.clone(),
            source,
        }
    }

    /// Adds requests, dropping those whose fingerprint was seen before (unless
    /// `dont_filter`). Returns how many were new.
    pub async fn push(&self, requests: &[Request]) -> Result<u64, ClusterError> {
        let mut added = 0;
        for chunk in requests.chunks(PUSH_BATCH) {
            let mut invocation = self.scripts.push.prepare_invoke();
            invocation.arg(self.keys.prefix());
            for request in chunk {
                let (set, member) = seen_member(request);
                let not_before = crate::frontier::NOT_BEFORE_META;
                let not_before_ms = request
                    .meta
                    .get(not_before)
                    .and_then(serde_json::Value::as_f64)
                    .map_or(0, |secs| (secs * 1000.0) as u64);
                invocation
                    .arg(set)
                    .arg(member)
                    .arg(request.url.host_str().unwrap_or(""))
                    .arg(request.priority)
                    .arg(not_before_ms)
                    .arg(serde_json::to_string(request).expect("requests serialize"));
            }
            let n: u64 = invocation
                .invoke_async(&mut self.connection.clone())
                .await
                .map_err(|error| self.error(error))?;
            added += n;
        }
        Ok(added)
    }

    /// Leases up to `max` ready requests for `worker`, the highest priority first among the
    /// hosts that may be fetched now. Expired leases of any worker are released first.
    pub async fn lease(
        &self,
        worker: &str,
        options: &LeaseOptions,
        max: usize,
    ) -> Result<LeaseBatch, ClusterError> {
        self.lease_after(worker, options, &[], max).await
    }

    /// Like [`lease`](Self::lease), after freeing the places of `downloaded`: leases of
    /// `worker` whose downloads ended, so their hosts may start others
    /// (`CONCURRENT_REQUESTS_PER_DOMAIN` counts downloads, not callbacks) while the leases
    /// stay `worker`'s until acked. Repeating an id is harmless.
    pub async fn lease_after(
        &self,
        worker: &str,
        options: &LeaseOptions,
        downloaded: &[&str],
        max: usize,
    ) -> Result<LeaseBatch, ClusterError> {
        let (flat, wait, remaining): (Vec<String>, i64, u64) = self
            .scripts
            .lease
            .prepare_invoke()
            .arg(self.keys.prefix())
            .arg(worker)
            .arg(options.lease.as_millis() as u64)
            .arg(options.delay.as_millis() as u64)
            .arg(options.per_host.max(1))
            .arg(max)
            .arg(64)
            .arg(options.share_window.as_millis() as u64)
            .arg(downloaded)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))?;
        let mut leases = Vec::with_capacity(flat.len() / 2);
        let mut unreadable = Vec::new();
        for pair in flat.chunks_exact(2) {
            match serde_json::from_str(&pair[1]) {
                Ok(request) => leases.push(Lease {
                    id: pair[0].clone(),
                    request,
                }),
                Err(source) => {
                    let id = pair[0].clone();
                    let error = ClusterError::Corrupt { id, source };
                    let shown: String = pair[1].chars().take(200).collect();
                    let aside = self.keys.key("unreadable");
                    tracing::error!("{error}; it is set aside in `{aside}`: {shown}");
                    unreadable.push((pair[0].as_str(), pair[1].as_str()));
                }
            }
        }
        let mut remaining = remaining;
        if !unreadable.is_empty() {
            self.set_aside(worker, &unreadable).await?;
            remaining = remaining.saturating_sub(unreadable.len() as u64);
        }
        Ok(LeaseBatch {
            leases,
            next_ready: u64::try_from(wait).ok().map(Duration::from_millis),
            remaining,
        })
    }

    /// Moves `worker`'s leased requests that this version cannot read (id and JSON) out of
    /// the frontier into `P:unreadable`, counted in `redis/unreadable_request_count`: one
    /// such request neither stops the crawl nor comes back to every lease, and is kept
    /// there (and logged) until the crawl's keys are deleted.
    async fn set_aside(&self, worker: &str, requests: &[(&str, &str)]) -> Result<(), ClusterError> {
        let mut pipe = redis::pipe();
        for (id, json) in requests {
            pipe.hset(self.keys.key("unreadable"), *id, *json).ignore();
        }
        let count = requests.len() as i64;
        pipe.hincr(
            self.keys.key("stats"),
            "redis/unreadable_request_count",
            count,
        )
        .ignore();
        pipe.query_async::<()>(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))?;
        let ids: Vec<&str> = requests.iter().map(|(id, _)| *id).collect();
        self.commit(worker, &ids, &[], None).await.map(drop)
    }

    /// The callbacks of these leases finished and their outputs are committed: the requests
    /// are done. Returns how many were still `worker`'s (an expired lease taken by another
    /// worker is not acknowledged, and counted in `redis/ack_lost_count`).
    pub async fn ack(&self, worker: &str, ids: &[&str]) -> Result<u64, ClusterError> {
        self.commit(worker, ids, &[], None).await
    }

    /// [`ack`](Self::ack)s `ids` and records, in the same atomic step, how long each of
    /// `worker`'s feed files is with their items (what a restarted worker cuts its feeds
    /// back to: see [`feeds`](Self::feeds)), and appends their items (JSON) to a stream,
    /// each as the field `item` of one entry (`REDIS_ITEMS_KEY`).
    pub async fn commit(
        &self,
        worker: &str,
        ids: &[&str],
        feeds: &[(String, u64)],
        items: Option<(&str, &[String])>,
    ) -> Result<u64, ClusterError> {
        let (stream, items) = items.unwrap_or(("", &[]));
        let mut invocation = self.scripts.ack.prepare_invoke();
        invocation
            .arg(self.keys.prefix())
            .arg(worker)
            .arg(ids.len())
            .arg(ids)
            .arg(stream)
            .arg(items.len())
            .arg(items);
        for (path, length) in feeds {
            invocation.arg(path).arg(*length);
        }
        invocation
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))
    }

    /// Each of `worker`'s feed files and its committed length (empty for a new worker).
    pub async fn feeds(&self, worker: &str) -> Result<HashMap<String, u64>, ClusterError> {
        self.connection
            .clone()
            .hgetall(self.keys.key(&format!("feeds:{worker}")))
            .await
            .map_err(|error| self.error(error))
    }

    /// Marks `worker` alive (`P:workers`): the crawl's keys are not flushed while it runs.
    pub async fn heartbeat(&self, worker: &str) -> Result<(), ClusterError> {
        let _: u64 = self
            .scripts
            .heartbeat
            .prepare_invoke()
            .arg(self.keys.prefix())
            .arg(worker)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))?;
        Ok(())
    }

    /// `worker` leaves the crawl; workers silent for `stale` count as gone. Returns how many
    /// workers are still alive and how many requests are left.
    pub async fn leave(&self, worker: &str, stale: Duration) -> Result<(u64, u64), ClusterError> {
        self.scripts
            .leave
            .prepare_invoke()
            .arg(self.keys.prefix())
            .arg(worker)
            .arg(stale.as_millis() as u64)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))
    }

    /// The crawl's shape now: requests left (pending, delayed and leased), leased, and
    /// workers alive.
    pub async fn counts(&self) -> Result<Counts, ClusterError> {
        let (requests, leased, workers): (u64, u64, u64) = redis::pipe()
            .hlen(self.keys.key("req"))
            .zcard(self.keys.key("leases"))
            .zcard(self.keys.key("workers"))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))?;
        Ok(Counts {
            requests,
            leased,
            workers,
        })
    }

    /// Gives a lease back without a result: `request` (possibly changed, e.g. its retry
    /// count) is pending again, ready after `after`. Returns whether the lease was still
    /// `worker`'s.
    pub async fn nack(
        &self,
        worker: &str,
        id: &str,
        request: &Request,
        after: Duration,
    ) -> Result<bool, ClusterError> {
        let kept: u64 = self
            .scripts
            .nack
            .prepare_invoke()
            .arg(self.keys.prefix())
            .arg(worker)
            .arg(id)
            .arg(after.as_millis() as u64)
            .arg(serde_json::to_string(request).expect("requests serialize"))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))?;
        Ok(kept == 1)
    }

    /// Ends `worker`'s leases `ids` without a result: the requests are pending again at
    /// once (a worker that stops gives back what it will not do). Returns how many were
    /// still `worker`'s.
    pub async fn release(&self, worker: &str, ids: &[&str]) -> Result<u64, ClusterError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.scripts
            .release
            .prepare_invoke()
            .arg(self.keys.prefix())
            .arg(worker)
            .arg(ids)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))
    }

    /// Pushes the deadlines of `worker`'s leases `ids` forward by the lease length (a page
    /// still downloading keeps its lease). Returns how many were still `worker`'s.
    pub async fn extend(
        &self,
        worker: &str,
        options: &LeaseOptions,
        ids: &[&str],
    ) -> Result<u64, ClusterError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.scripts
            .extend
            .prepare_invoke()
            .arg(self.keys.prefix())
            .arg(worker)
            .arg(options.lease.as_millis() as u64)
            .arg(ids)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))
    }

    /// Sets `host`'s own delay between fetches, cluster-wide, in ms (robots.txt
    /// `Crawl-delay`, AutoThrottle); `LeaseOptions::delay` holds for the other hosts.
    pub async fn set_delay(&self, host: &str, ms: u64) -> Result<(), ClusterError> {
        self.connection
            .clone()
            .hset(self.keys.key("delay"), host, ms)
            .await
            .map_err(|error| self.error(error))
    }

    /// Adds one worker's stat changes to the cluster's (`P:stats`).
    pub async fn add_stats(&self, deltas: &BTreeMap<String, i64>) -> Result<(), ClusterError> {
        if deltas.is_empty() {
            return Ok(());
        }
        let key = self.keys.key("stats");
        let mut pipe = redis::pipe();
        for (name, delta) in deltas {
            pipe.hincr(&key, name, *delta).ignore();
        }
        pipe.query_async::<()>(&mut self.connection.clone())
            .await
            .map_err(|error| self.error(error))
    }

    /// The cluster's stats: every worker's counts added up.
    pub async fn stats(&self) -> Result<BTreeMap<String, i64>, ClusterError> {
        self.connection
            .clone()
            .hgetall(self.keys.key("stats"))
            .await
            .map_err(|error| self.error(error))
    }

    /// Deletes every key of this crawl (`SCHEDULER_FLUSH_ON_START`, or the end of a crawl
    /// without `SCHEDULER_PERSIST`). Returns how many keys went.
    pub async fn flush(&self) -> Result<u64, ClusterError> {
        let keys = self.scan(&self.keys.pattern()).await?;
        let mut connection = self.connection.clone();
        let mut deleted = 0;
        for chunk in keys.chunks(512) {
            let n: u64 = connection
                .del(chunk)
                .await
                .map_err(|error| self.error(error))?;
            deleted += n;
        }
        Ok(deleted)
    }

    /// Every key matching `pattern`.
    async fn scan(&self, pattern: &str) -> Result<Vec<String>, ClusterError> {
        let mut connection = self.connection.clone();
        let mut iter: redis::AsyncIter<String> = connection
            .scan_match(pattern)
            .await
            .map_err(|error| self.error(error))?;
        let mut keys = Vec::new();
        while let Some(key) = futures::StreamExt::next(&mut iter).await {
            keys.push(key.map_err(|error| self.error(error))?);
        }
        Ok(keys)
    }

    /// Bytes Redis uses for this crawl's seen set (`MEMORY USAGE` of every bucket).
    pub async fn seen_bytes(&self) -> Result<u64, ClusterError> {
        let keys = self.scan(&self.keys.key("seen:*")).await?;
        let mut connection = self.connection.clone();
        let mut total = 0;
        for key in keys {
            let bytes: Option<u64> = redis::cmd("MEMORY")
                .arg("USAGE")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .map_err(|error| self.error(error))?;
            total += bytes.unwrap_or(0);
        }
        Ok(total)
    }
}

/// The cluster's view of spider `spider`'s shared crawl, as pretty JSON: requests left,
/// leased, workers alive, and every worker's stats added up (the `stats` command).
pub async fn report(settings: &crate::Settings, spider: &str) -> Result<String, crate::Error> {
    let error = |error: ClusterError| crate::Error::Usage(error.to_string());
    let frontier = RedisFrontier::connect(&settings.redis_url, &key_prefix(settings, spider))
        .await
        .map_err(error)?;
    let counts = frontier.counts().await.map_err(error)?;
    let stats = frontier.stats().await.map_err(error)?;
    let report = serde_json::json!({
        "requests_left": counts.requests,
        "leased": counts.leased,
        "workers": counts.workers,
        "stats": stats,
    });
    Ok(serde_json::to_string_pretty(&report).unwrap_or_default())
}

/// The prefix of spider `spider`'s keys: `REDIS_KEY_PREFIX`, or `crawl:<spider>`.
pub(crate) fn key_prefix(settings: &crate::Settings, spider: &str) -> String {
    match settings.redis_key_prefix.trim() {
        "" => format!("crawl:{spider}"),
        prefix => prefix.to_owned(),
    }
}

/// The crawl's shape in Redis ([`RedisFrontier::counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Requests left: pending, delayed and leased.
    pub requests: u64,
    /// Requests leased by a worker now.
    pub leased: u64,
    /// Workers that joined and have not left (a killed one until its heartbeat is stale).
    pub workers: u64,
}

/// The seen set and member that deduplicate `request`: its fingerprint in the seen set, or,
/// for a start request that skips the filter (`dont_filter` at depth 0), in the start set,
/// so each worker's copy of the start requests runs once in the cluster; nothing for other
/// requests that skip the filter.
fn seen_member(request: &Request) -> (String, String) {
    match (request.dont_filter, request.depth) {
        (false, _) => {
            let (bucket, member) = seen_slot(request.fingerprint());
            (format!("seen:{bucket}"), member)
        }
        (true, 0) => (
            "start".to_owned(),
            format!("{:016x}", request.fingerprint().0),
        ),
        (true, _) => (String::new(), String::new()),
    }
}

/// `url` without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
