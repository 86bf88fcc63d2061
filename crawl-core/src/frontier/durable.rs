//! The job dir's frontier: the in-memory frontier as the index, every push, ack and retry
//! journaled to the job dir's store by group commits.

use std::collections::HashMap;
use std::path::Path;

use super::{
    take_ready_at, Checkpoint, Frontier, FrontierConfig, LeaseId, MemoryFrontier, Next, Pushed,
};
use crate::jobdir::{Batch, Committer, Insert, Restored};
use crate::{Error, Request};

/// A [`Frontier`] that survives the process: `--job-dir DIR`.
pub struct DurableFrontier {
    memory: MemoryFrontier,
    committer: Committer,
    /// The row of each leased request.
    rows: HashMap<u64, u64>,
    next_row: u64,
    /// Pushes and acks since the last checkpoint: they go to the committer together with
    /// it, so a commit never holds an ack without the feed lengths that include its items,
    /// nor a request's outputs without its ack.
    local: Batch,
}

/// What a resumed job brings back besides its requests.
#[derive(Debug, Default)]
pub struct Resumed {
    /// Whether the job dir had been used before.
    pub resumed: bool,
    /// Stats as a JSON object.
    pub stats: Option<String>,
    /// The spider's state as JSON.
    pub spider_state: Option<String>,
    /// Outputs of the start requests' stream already handled.
    pub start_consumed: u64,
    /// Each feed file's committed length, by path.
    pub feeds: HashMap<String, u64>,
    /// Requests pending (in flight at a kill included).
    pub pending: usize,
}

impl DurableFrontier {
    /// Opens (or creates) the job dir `dir` for `spider`; its pending requests are pending
    /// again, its seen set is restored.
    pub fn open(
        dir: &Path,
        spider: &str,
        sync: bool,
        config: FrontierConfig,
    ) -> Result<(Self, Resumed), Error> {
        let (committer, restored) = Committer::open(dir, spider, sync)?;
        let Restored {
            resumed,
            pending,
            seen,
            next_row,
            stats,
            spider_state,
            start_consumed,
            feeds,
        } = restored;
        let mut memory = MemoryFrontier::new(config);
        for fp in seen {
            memory.mark_seen(crate::scheduler::Fingerprint(fp));
        }
        let count = pending.len();
        for (row, data) in pending {
            let mut request: Request = serde_json::from_str(&data).map_err(|error| {
                Error::Usage(format!(
                    "job dir `{}`: request {row} cannot be read ({error}); the store is corrupt",
                    dir.display()
                ))
            })?;
            let ready_at = take_ready_at(&mut request);
            memory.insert_tagged(request, ready_at, row);
        }
        let frontier = DurableFrontier {
            memory,
            committer,
            rows: HashMap::new(),
            next_row,
            local: Batch::default(),
        };
        let resumed = Resumed {
            resumed,
            stats,
            spider_state,
            start_consumed,
            feeds,
            pending: count,
        };
        Ok((frontier, resumed))
    }
}

impl Frontier for DurableFrontier {
    fn push(&mut self, mut request: Request) -> Pushed {
        if self.memory.seen_before(&request) {
            return Pushed::Duplicate;
        }
        self.next_row += 1;
        let row = self.next_row;
        let fp = (!request.dont_filter).then(|| request.fingerprint().0);
        let data = match serde_json::to_string(&request) {
            Ok(data) => data,
            Err(error) => {
                tracing::error!("cannot keep {request:?} in the job dir: {error}");
                return Pushed::Duplicate;
            }
        };
        self.local.inserts.push(Insert { id: row, fp, data });
        let ready_at = take_ready_at(&mut request);
        self.memory.insert_tagged(request, ready_at, row);
        Pushed::Queued
    }

    fn lease(&mut self, now: f64) -> Next {
        let (next, row) = self.memory.lease_tagged(now);
        if let Next::Lease(lease) = &next {
            self.rows.insert(lease.id.0, row);
        }
        next
    }

    fn downloaded(&mut self, lease: LeaseId) {
        self.memory.downloaded(lease);
    }

    fn ack(&mut self, lease: LeaseId) {
        self.memory.ack(lease);
        let row = self.rows.remove(&lease.0);
        self.local.done.extend(row);
        self.local.acked.push(lease);
    }

    fn nack(&mut self, lease: LeaseId, mut request: Request, ready_at: f64) {
        self.memory.ack(lease);
        let row = self.rows.remove(&lease.0).unwrap_or_else(|| {
            self.next_row += 1;
            self.next_row
        });
        request
            .meta
            .insert(super::NOT_BEFORE_META.to_owned(), ready_at.into());
        if let Ok(data) = serde_json::to_string(&request) {
            let fp = (!request.dont_filter).then(|| request.fingerprint().0);
            self.local.inserts.push(Insert { id: row, fp, data });
        }
        request.meta.remove(super::NOT_BEFORE_META);
        self.memory.insert_tagged(request, ready_at, row);
    }

    fn commits(&self) -> bool {
        true
    }

    fn on_commit(&mut self, hook: Box<dyn Fn(Vec<LeaseId>) + Send + Sync>) {
        self.committer.on_commit(hook);
    }

    fn record(&mut self, checkpoint: Checkpoint) {
        let local = std::mem::take(&mut self.local);
        self.committer.with_batch(|batch| {
            batch.inserts.extend(local.inserts);
            batch.done.extend(local.done);
            batch.acked.extend(local.acked);
            batch.checkpoint = Some(checkpoint);
        });
    }

    fn close(&mut self) {
        let local = std::mem::take(&mut self.local);
        self.committer.with_batch(|batch| {
            batch.inserts.extend(local.inserts);
            batch.done.extend(local.done);
            batch.acked.extend(local.acked);
        });
        self.committer.close();
    }

    fn pending(&self) -> usize {
        self.memory.pending()
    }

    fn leased(&self) -> usize {
        self.memory.leased()
    }
}
