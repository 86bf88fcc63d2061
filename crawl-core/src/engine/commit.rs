//! Exactly once with a job dir: a leased request's outputs (requests and items) are held
//! until its callback has ended and its items are through the pipelines; then, under the
//! engine's lock, its requests go to the frontier, its items to the feeds, the request is
//! acked, and the feeds' lengths, the stats and the spider's state are recorded with that
//! ack. The frontier commits them together, so after a kill every feed is cut back to a
//! length that holds the items of committed requests only, and the requests not committed
//! run again.

use std::sync::Arc;

use super::shared::{Core, Shared};
use crate::frontier::{Checkpoint, LeaseId};
use crate::pipeline::ItemFate;
use crate::{BoxedItem, Request};

/// What a leased request gave, held until it is done.
#[derive(Default)]
pub(super) struct Staged {
    pub(super) requests: Vec<Request>,
    pub(super) items: Vec<BoxedItem>,
    /// Its items still in the pipelines.
    pub(super) in_pipelines: usize,
    /// Whether its task (download and callback) ended.
    pub(super) task_done: bool,
}

impl Shared {
    /// Releases `lease`'s outputs and acks it, if it is done.
    pub(super) fn finish_staged(self: &Arc<Self>, core: &mut Core, lease: LeaseId) {
        let done = core
            .staged
            .get(&lease)
            .is_some_and(|staged| staged.task_done && staged.in_pipelines == 0);
        if !done {
            return;
        }
        let Some(staged) = core.staged.remove(&lease) else {
            return;
        };
        for request in staged.requests {
            self.schedule(core, request);
        }
        for item in staged.items {
            self.item_fate(core, ItemFate::Scraped(item));
        }
        core.frontier.ack(lease);
        self.checkpoint(core);
    }

    /// Records the crawl's state with the acks so far: the feeds, flushed to whole records,
    /// their lengths, the stats and the spider's state.
    pub(super) fn checkpoint(self: &Arc<Self>, core: &mut Core) {
        core.feeds.flush(&self.stats);
        let checkpoint = Checkpoint {
            feeds: core.feeds.lengths(),
            stats: self.stats.clone(),
            spider_state: self.crawler.take_state_change(),
            start_consumed: core.start_consumed,
            items: std::mem::take(&mut core.items_json),
        };
        core.frontier.record(checkpoint);
    }

    /// The frontier committed `count` leases: their places among `CONCURRENT_REQUESTS` are
    /// free, if they were held until now.
    pub(super) fn committed(self: &Arc<Self>, count: usize) {
        let mut core = self.lock();
        if self.holds_places {
            core.downloads = core.downloads.saturating_sub(count);
        }
        self.settle(&mut core);
    }
}
