//! The job dir's frontier: pending requests live in the job dir's store, with only the head
//! of each host's queue in memory (in a [`MemoryFrontier`], which orders and paces them);
//! every push, ack and retry is journaled by group commits.
//!
//! Memory: a request pushed goes to its host's head window while the host has nothing
//! waiting on disk and the window is small ([`HEAD`]) or the windows together hold fewer
//! than [`IN_RAM`] requests; otherwise it waits on disk only. When a host's window runs out,
//! the next of its requests are read back from the store in push order. So RAM holds the
//! windows, one small record per host with requests pending, and the seen set ([`SeenSet`],
//! about 8 bytes a fingerprint), whatever the number of requests pending.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::seen::SeenSet;
use super::{
    take_ready_at, Checkpoint, Frontier, FrontierConfig, LeaseId, MemoryFrontier, Next, Politeness,
    Pushed,
};
use crate::jobdir::{Batch, Committer, Insert, Restored};
use crate::{Error, Request};

/// Requests a host keeps in memory however full the windows are.
pub(super) const HEAD: usize = if cfg!(test) { 4 } else { 16 };
/// Requests the windows hold together before pushes go to disk only (beyond each host's
/// [`HEAD`]): about 10 MiB.
pub(super) const IN_RAM: usize = if cfg!(test) { 50 } else { 50_000 };
/// The most requests read back for a host at once.
const REFILL: usize = if cfg!(test) { 16 } else { 1_024 };

/// A host's requests: how many are in memory and on disk only.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// Pending in memory (not leased).
    ram: usize,
    /// Pending on disk only: the host's pending rows above `cursor`.
    disk: u64,
    /// Every row of the host up to here is in memory, leased or done.
    cursor: u64,
}

/// A [`Frontier`] that survives the process: `--job-dir DIR`.
pub struct DurableFrontier {
    memory: MemoryFrontier,
    politeness: Arc<dyn Politeness>,
    dedup: bool,
    seen: SeenSet,
    committer: Committer,
    /// Hosts with requests pending in memory or on disk.
    windows: HashMap<Box<str>, Window>,
    in_ram: usize,
    on_disk: u64,
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
        let mut frontier = DurableFrontier {
            politeness: config.politeness.clone(),
            dedup: config.dedup,
            memory: MemoryFrontier::new(config),
            seen: SeenSet::from_vec(seen),
            committer,
            windows: HashMap::new(),
            in_ram: 0,
            on_disk: 0,
            rows: HashMap::new(),
            next_row,
            local: Batch::default(),
        };
        let mut count = 0;
        for (host, disk, first) in pending {
            count += disk;
            frontier.on_disk += disk;
            let window = Window {
                ram: 0,
                disk,
                cursor: first.saturating_sub(1),
            };
            frontier.windows.insert(host.clone().into(), window);
            frontier.refill(&host).map_err(|error| {
                Error::Usage(format!(
                    "job dir `{}`: {error}; the store is corrupt",
                    dir.display()
                ))
            })?;
        }
        let resumed = Resumed {
            resumed,
            stats,
            spider_state,
            start_consumed,
            feeds,
            pending: usize::try_from(count).unwrap_or(usize::MAX),
        };
        Ok((frontier, resumed))
    }

    /// Requests in memory, waiting for a lease (the rest of those pending are on disk only).
    pub fn in_memory(&self) -> usize {
        self.in_ram
    }

    /// Fingerprints in the seen set.
    pub fn seen(&self) -> usize {
        self.seen.len()
    }

    /// Reads the next of `host`'s requests from the store into its window.
    fn refill(&mut self, host: &str) -> Result<(), Error> {
        let Some(&window) = self.windows.get(host) else {
            return Ok(());
        };
        let room = IN_RAM.saturating_sub(self.in_ram).clamp(HEAD, REFILL);
        let want = room.min(usize::try_from(window.disk).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(());
        }
        let mut rows = self.committer.read_pending(host, window.cursor, want)?;
        if rows.len() < want {
            // The rest may be on their way to the store, or not handed to it yet.
            self.committer.wait_idle();
            let after = rows.last().map_or(window.cursor, |row| row.0);
            rows.extend(
                self.committer
                    .read_pending(host, after, want - rows.len())?,
            );
            let after = rows.last().map_or(window.cursor, |row| row.0);
            let local = self.local.inserts.iter();
            let unsent = local.filter(|row| row.id > after && &*row.host == host);
            let unsent = unsent.map(|row| (row.id, row.data.clone()));
            rows.extend(unsent.take(want - rows.len()).collect::<Vec<_>>());
        }
        for (row, data) in rows {
            let mut request: Request = serde_json::from_str(&data)
                .map_err(|error| Error::Usage(format!("request {row} cannot be read: {error}")))?;
            let ready_at = take_ready_at(&mut request);
            self.memory.insert_tagged(request, ready_at, row);
            let window = self.windows.get_mut(host).expect("checked above");
            window.cursor = row;
            window.ram += 1;
            window.disk -= 1;
            self.in_ram += 1;
            self.on_disk -= 1;
        }
        Ok(())
    }

    /// Reads back the requests of hosts whose window ran out (after a failed read).
    fn refill_all(&mut self) {
        let empty: Vec<Box<str>> = self
            .windows
            .iter()
            .filter(|(_, window)| window.ram == 0 && window.disk > 0)
            .map(|(host, _)| host.clone())
            .collect();
        for host in empty {
            if let Err(error) = self.refill(&host) {
                tracing::error!("cannot read back the requests of `{host}`: {error}");
            }
        }
    }

    /// `host`'s window, created with nothing in it.
    fn window(&mut self, host: Box<str>) -> &mut Window {
        // Every row of a host without a window is leased or done.
        let cursor = self.next_row;
        self.windows.entry(host).or_insert(Window {
            ram: 0,
            disk: 0,
            cursor,
        })
    }

    /// Hands the pushes and acks since the last checkpoint to the committer, with
    /// `checkpoint` (the crawl's state that covers them) if there is one.
    fn hand_over(&mut self, checkpoint: Option<Checkpoint>) {
        let local = std::mem::take(&mut self.local);
        self.committer.with_batch(|batch| {
            batch.inserts.extend(local.inserts);
            batch.done.extend(local.done);
            batch.acked.extend(local.acked);
            match (&mut batch.checkpoint, checkpoint) {
                (Some(gathered), Some(newer)) => gathered.absorb(newer),
                (gathered, newer @ Some(_)) => *gathered = newer,
                (_, None) => {}
            }
        });
    }

    /// A request went from memory to a lease.
    fn leased_from(&mut self, host: &str) {
        self.in_ram = self.in_ram.saturating_sub(1);
        let Some(window) = self.windows.get_mut(host) else {
            return;
        };
        window.ram = window.ram.saturating_sub(1);
        if window.ram > 0 {
            return;
        }
        if window.disk == 0 {
            self.windows.remove(host);
        } else if let Err(error) = self.refill(host) {
            tracing::error!("cannot read back the requests of `{host}`: {error}");
        }
    }
}

impl Frontier for DurableFrontier {
    fn push(&mut self, mut request: Request) -> Pushed {
        let fp = (!request.dont_filter).then(|| request.fingerprint().0);
        if let Some(fp) = fp.filter(|_| self.dedup) {
            if !self.seen.insert(fp) {
                return Pushed::Duplicate;
            }
        }
        let data = match serde_json::to_string(&request) {
            Ok(data) => data,
            Err(error) => {
                tracing::error!("cannot keep {request:?} in the job dir: {error}");
                return Pushed::Duplicate;
            }
        };
        let host = self.politeness.key(&request);
        let in_ram = self.in_ram;
        let row = self.next_row + 1;
        let window = self.window(host.clone());
        let keep = window.disk == 0 && (window.ram < HEAD || in_ram < IN_RAM);
        if keep {
            window.ram += 1;
            window.cursor = row;
        } else {
            window.disk += 1;
        }
        self.next_row = row;
        if keep {
            self.in_ram += 1;
            let ready_at = take_ready_at(&mut request);
            self.memory.insert_tagged(request, ready_at, row);
        } else {
            self.on_disk += 1;
        }
        self.local.inserts.push(Insert {
            id: row,
            host,
            fp,
            data,
        });
        Pushed::Queued
    }

    fn lease(&mut self, now: f64) -> Next {
        let (mut next, mut row) = self.memory.lease_tagged(now);
        if matches!(next, Next::Empty) && self.on_disk > 0 {
            self.refill_all();
            (next, row) = self.memory.lease_tagged(now);
        }
        if let Next::Lease(lease) = &next {
            self.rows.insert(lease.id.0, row);
            let host = self.politeness.key(&lease.request);
            self.leased_from(&host);
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
        let host = self.politeness.key(&request);
        if let Ok(data) = serde_json::to_string(&request) {
            let fp = (!request.dont_filter).then(|| request.fingerprint().0);
            let host = host.clone();
            self.local.inserts.push(Insert {
                id: row,
                host,
                fp,
                data,
            });
        }
        request.meta.remove(super::NOT_BEFORE_META);
        // Back to its window: its row is at or below the window's cursor.
        self.window(host).ram += 1;
        self.in_ram += 1;
        self.memory.insert_tagged(request, ready_at, row);
    }

    fn commits(&self) -> bool {
        true
    }

    fn on_commit(&mut self, hook: Box<dyn Fn(Vec<LeaseId>) + Send + Sync>) {
        self.committer.on_commit(hook);
    }

    fn record(&mut self, checkpoint: Checkpoint) {
        self.hand_over(Some(checkpoint));
    }

    fn close(&mut self) {
        self.hand_over(None);
        self.committer.close();
    }

    fn pending(&self) -> usize {
        self.memory.pending() + usize::try_from(self.on_disk).unwrap_or(usize::MAX)
    }

    fn leased(&self) -> usize {
        self.memory.leased()
    }
}
