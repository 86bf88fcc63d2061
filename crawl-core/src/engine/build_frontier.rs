//! Building a crawl's frontier: in memory, or from its job dir (`JOBDIR`), whose stats,
//! spider state and feed lengths the crawl then continues.

use std::path::Path;

use tokio::sync::mpsc;

use super::Event;
use crate::feed::FeedSpec;
use crate::frontier::{DurableFrontier, Frontier, FrontierConfig, MemoryFrontier};
use crate::scheduler::QueueOrder;
use crate::{Crawler, Error, Settings, Stats};

/// The frontier, and where the start requests resume.
pub(super) struct Built {
    pub(super) frontier: Box<dyn Frontier>,
    /// Outputs of the start requests' stream a previous run handled.
    pub(super) start_consumed: u64,
}

/// Opens the frontier `settings` ask for. A resumed job restores its stats and spider state
/// into `crawler` and cuts `feeds` back to their committed lengths; on any error (another
/// spider's job dir, a corrupt or foreign one, one in use) nothing has changed.
pub(super) async fn build(
    settings: &Settings,
    crawler: &Crawler,
    stats: &Stats,
    feeds: &mut [FeedSpec],
    events: &mpsc::UnboundedSender<Event>,
) -> Result<Built, Error> {
    let order = QueueOrder::from_setting(&settings.scheduler_memory_queue)?;
    let config = FrontierConfig {
        order,
        dedup: settings.dupefilter_enabled,
        politeness: crawler.downloader().shared_slots(),
    };
    match settings.scheduler.trim() {
        "memory" | "" => {}
        "redis" => return join_cluster(settings, crawler, stats, feeds, events, config).await,
        other => {
            return Err(Error::Usage(format!(
                "SCHEDULER `{other}` is not known: use `memory` (the default, with `--job-dir` \
                 for a durable crawl) or `redis` (a crawl shared by many workers)"
            )))
        }
    }
    let dir = settings.jobdir.trim();
    if dir.is_empty() {
        return Ok(Built {
            frontier: Box::new(MemoryFrontier::new(config)),
            start_consumed: 0,
        });
    }
    let (mut frontier, resumed) = DurableFrontier::open(
        Path::new(dir),
        crawler.spider_name(),
        settings.jobdir_sync,
        config,
    )?;
    if resumed.resumed {
        crate::feed::resume_feeds(feeds, &resumed.feeds)?;
        if let Some(json) = &resumed.stats {
            restore_stats(stats, json);
        }
        if let Some(json) = &resumed.spider_state {
            crawler.restore_state(json);
        }
        tracing::info!(
            dir,
            pending = resumed.pending,
            start_requests_done = resumed.start_consumed,
            "Resuming job"
        );
    }
    let events = events.clone();
    frontier.on_commit(Box::new(move |leases| {
        // The engine outlives the committer; a send after it stopped has nobody to serve.
        let _ = events.send(Event::Committed(leases));
    }));
    Ok(Built {
        frontier: Box::new(frontier),
        start_consumed: resumed.start_consumed,
    })
}

/// Joins the crawl shared in Redis (`SCHEDULER=redis`); a restarted worker cuts its feeds
/// back to what its acks committed.
#[cfg(feature = "redis")]
async fn join_cluster(
    settings: &Settings,
    crawler: &Crawler,
    stats: &Stats,
    feeds: &mut [FeedSpec],
    events: &mpsc::UnboundedSender<Event>,
    config: FrontierConfig,
) -> Result<Built, Error> {
    use crate::cluster::{ClusterConfig, LeaseOptions, RedisBackend};
    if !settings.jobdir.trim().is_empty() {
        return Err(Error::Usage(
            "SCHEDULER=redis keeps the crawl in Redis: it takes no `--job-dir`".to_owned(),
        ));
    }
    let prefix = crate::cluster::key_prefix(settings, crawler.spider_name());
    let cluster = ClusterConfig {
        url: settings.redis_url.clone(),
        prefix,
        worker: worker_id(settings, feeds),
        options: LeaseOptions {
            lease: std::time::Duration::from_secs_f64(settings.redis_lease_secs.max(0.1)),
            delay: std::time::Duration::from_secs_f64(settings.download_delay.max(0.0)),
            per_host: u32::try_from(settings.concurrent_requests_per_domain.max(1))
                .unwrap_or(u32::MAX),
            ..LeaseOptions::default()
        },
        concurrency: settings.concurrent_requests.max(1),
        persist: settings.scheduler_persist,
        flush_on_start: settings.scheduler_flush_on_start,
        give_up_after: std::time::Duration::from_secs_f64(settings.redis_retry_secs.max(0.0)),
        items_key: settings.redis_items_key.trim().to_owned(),
    };
    let joined = RedisBackend::join(cluster, config.politeness, stats.clone()).await?;
    if !joined.feeds.is_empty() {
        crate::feed::resume_feeds(feeds, &joined.feeds)?;
        tracing::info!("Resuming this worker's feeds at their committed lengths");
    }
    let mut backend = joined.backend;
    let closer = crawler.clone();
    backend.on_give_up(Box::new(move |reason| closer.close_spider(reason)));
    let events = events.clone();
    backend.on_commit(Box::new(move |leases| {
        let _ = events.send(Event::Committed(leases));
    }));
    Ok(Built {
        frontier: Box::new(backend),
        start_consumed: 0,
    })
}

#[cfg(not(feature = "redis"))]
async fn join_cluster(
    _: &Settings,
    _: &Crawler,
    _: &Stats,
    _: &mut [FeedSpec],
    _: &mpsc::UnboundedSender<Event>,
    _: FrontierConfig,
) -> Result<Built, Error> {
    Err(Error::Usage(
        "SCHEDULER=redis needs crawl-core's `redis` feature".to_owned(),
    ))
}

/// This worker's name in the cluster: `REDIS_WORKER_ID`, or the machine's name and the
/// paths of its feed files (so the same command on the same machine is the same worker).
#[cfg_attr(
    not(feature = "redis"),
    expect(dead_code, reason = "used with `redis`")
)]
fn worker_id(settings: &Settings, feeds: &[FeedSpec]) -> String {
    let id = settings.redis_worker_id.trim();
    if !id.is_empty() {
        return id.to_owned();
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "localhost".to_owned());
    let paths: Vec<String> = feeds
        .iter()
        .filter_map(|spec| match &spec.target {
            crate::feed::FeedTarget::File(path) => Some(
                std::path::absolute(path)
                    .unwrap_or_else(|_| path.clone())
                    .display()
                    .to_string(),
            ),
            crate::feed::FeedTarget::Stdout => None,
        })
        .collect();
    if paths.is_empty() {
        // No feed to resume: any unique name will do.
        return format!("{}:pid{}", host.trim(), std::process::id());
    }
    format!("{}:{}", host.trim(), paths.join(","))
}

/// Adds a previous run's counters to `stats`, so counts add up across runs.
fn restore_stats(stats: &Stats, json: &str) {
    let Ok(serde_json::Value::Object(values)) = serde_json::from_str(json) else {
        tracing::warn!("the job dir's stats cannot be read; counting from zero");
        return;
    };
    for (key, value) in values {
        if let Some(count) = value.as_i64() {
            stats.inc_by(key, count);
        }
    }
}
