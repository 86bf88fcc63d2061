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
pub(super) fn build(
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
