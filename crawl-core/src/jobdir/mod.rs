//! The job dir (`--job-dir DIR`, `-s JOBDIR=DIR`): what a crawl needs to go on after a pause
//! (Ctrl-C) or a kill, kept in an embedded store ([`store`]).
//!
//! Group commits: the engine hands each done request (its outputs, and where its items ended
//! in each feed) to a [`Committer`] thread, which commits whatever gathered while it was
//! busy in one transaction and then reports those requests done. A commit costs about the
//! same for one request as for many (each page it touches is written to the WAL again), so
//! a batch of fewer than 16 acks gathers 2 ms more first. A request keeps its place
//! among `CONCURRENT_REQUESTS` until then, so a kill at any instant finds at most
//! `CONCURRENT_REQUESTS` requests begun and not committed: those are fetched again on resume.
//!
//! The store is also where pending requests wait beyond each host's head window (the
//! frontier reads them back with [`Committer::read_pending`]); a committer that falls behind
//! holds up whoever hands it more rows, so the rows waiting for it stay few.

mod store;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use crate::frontier::{Checkpoint, LeaseId};
use crate::Error;
use store::Store;

/// A request row to write.
pub(crate) struct Insert {
    pub(crate) id: u64,
    /// The request's host (its download slot): pending rows are read back by host.
    pub(crate) host: Box<str>,
    /// The fingerprint, when the request went through the duplicate filter.
    pub(crate) fp: Option<u64>,
    /// The request as JSON.
    pub(crate) data: String,
}

/// What one commit writes.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) inserts: Vec<Insert>,
    pub(crate) done: Vec<u64>,
    /// The leases these rows complete, reported once committed.
    pub(crate) acked: Vec<LeaseId>,
    /// The crawl's own state as of the last ack in the batch.
    pub(crate) checkpoint: Option<Checkpoint>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.inserts.is_empty()
            && self.done.is_empty()
            && self.acked.is_empty()
            && self.checkpoint.is_none()
    }
}

/// What a job dir held when the crawl started.
#[derive(Default)]
pub(crate) struct Restored {
    /// Whether the job dir had been used before.
    pub(crate) resumed: bool,
    /// Hosts with pending requests (in flight at a kill included): host, how many, and the
    /// lowest row.
    pub(crate) pending: Vec<(String, u64, u64)>,
    /// Fingerprints of every request that went through the duplicate filter.
    pub(crate) seen: Vec<u64>,
    /// The highest row id used.
    pub(crate) next_row: u64,
    /// Stats as JSON.
    pub(crate) stats: Option<String>,
    /// The spider's state as JSON.
    pub(crate) spider_state: Option<String>,
    /// Outputs of the start requests' stream already handled.
    pub(crate) start_consumed: u64,
    /// Each feed file's committed length, by path.
    pub(crate) feeds: HashMap<String, u64>,
}

/// Called with the leases whose acks are committed.
pub type CommitHook = Box<dyn Fn(Vec<LeaseId>) + Send + Sync>;

struct Gathered {
    batch: Batch,
    /// Whether a batch is being committed.
    busy: bool,
    /// Whether the committer waits for something to commit (only then is it woken).
    idle: bool,
    closing: bool,
    hook: Option<CommitHook>,
}

/// The batch being gathered, shared with the committer thread.
struct Shared {
    gathered: Mutex<Gathered>,
    /// Something was gathered (or the end came).
    ready: Condvar,
    /// A commit ended.
    committed: Condvar,
    /// The store; taken out when the committer stops, which closes it.
    store: Mutex<Option<Store>>,
}

/// A batch with fewer acks than this waits [`GATHER`] before it is committed.
const GATHER_ACKS: usize = 16;
/// How long a small batch gathers.
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);

/// Rows a batch may gather before whoever adds more waits for the committer.
const MOST_GATHERED: usize = 50_000;

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Gathered> {
        self.gathered.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn store(&self) -> MutexGuard<'_, Option<Store>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Commits batches on a thread of its own, one transaction per batch.
pub(crate) struct Committer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    /// Opens the store of `dir` for `spider`, and starts committing.
    pub(crate) fn open(dir: &Path, spider: &str, sync: bool) -> Result<(Self, Restored), Error> {
        let (store, restored) = Store::open(dir, spider, sync)?;
        let shared = Arc::new(Shared {
            gathered: Mutex::new(Gathered {
                batch: Batch::default(),
                busy: false,
                idle: false,
                closing: false,
                hook: None,
            }),
            ready: Condvar::new(),
            committed: Condvar::new(),
            store: Mutex::new(Some(store)),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("crawl-jobdir".to_owned())
            .spawn(move || commit_loop(&worker))
            .map_err(|source| Error::Io {
                context: "cannot start the job dir's committer".to_owned(),
                source,
            })?;
        Ok((
            Committer {
                shared,
                thread: Some(thread),
            },
            restored,
        ))
    }

    /// Adds to the batch being gathered; waits first while the batch is full.
    pub(crate) fn with_batch(&self, add: impl FnOnce(&mut Batch)) {
        let mut gathered = self.shared.lock();
        while gathered.batch.inserts.len() + gathered.batch.done.len() >= MOST_GATHERED
            && self.thread.is_some()
        {
            gathered = self
                .shared
                .committed
                .wait(gathered)
                .unwrap_or_else(PoisonError::into_inner);
        }
        add(&mut gathered.batch);
        if gathered.idle {
            gathered.idle = false;
            self.shared.ready.notify_one();
        }
    }

    /// Waits until everything handed to the committer is committed.
    pub(crate) fn wait_idle(&self) {
        let mut gathered = self.shared.lock();
        while (gathered.busy || !gathered.batch.is_empty()) && self.thread.is_some() {
            gathered = self
                .shared
                .committed
                .wait(gathered)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Up to `limit` committed pending requests of `host` with rows above `after`, as
    /// `(row, JSON)` in row order.
    pub(crate) fn read_pending(
        &self,
        host: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, Error> {
        match &mut *self.shared.store() {
            Some(store) => store.read_pending(host, after, limit),
            None => Err(Error::Usage("the job dir is closed".to_owned())),
        }
    }

    /// Sets what to call with the leases committed.
    pub(crate) fn on_commit(&self, hook: CommitHook) {
        self.shared.lock().hook = Some(hook);
    }

    /// Commits what is gathered and stops the thread.
    pub(crate) fn close(&mut self) {
        self.shared.lock().closing = true;
        self.shared.ready.notify_one();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the job dir's committer panicked");
            }
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.close();
    }
}

fn commit_loop(shared: &Shared) {
    loop {
        let batch = {
            let mut gathered = shared.lock();
            while gathered.batch.is_empty() && !gathered.closing {
                gathered.idle = true;
                gathered = shared
                    .ready
                    .wait(gathered)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            gathered.idle = false;
            if gathered.batch.acked.len() < GATHER_ACKS && !gathered.closing {
                // A commit costs about the same for one ack as for many (each page it
                // touches is written again): let a small batch gather a little.
                drop(gathered);
                std::thread::sleep(GATHER);
                gathered = shared.lock();
            }
            if gathered.batch.is_empty() {
                shared.store().take();
                shared.committed.notify_all();
                return;
            }
            gathered.busy = true;
            std::mem::take(&mut gathered.batch)
        };
        let committed = match &mut *shared.store() {
            Some(store) => store.commit(&batch),
            None => Ok(()),
        };
        if let Err(error) = committed {
            // The crawl goes on; what was not committed is fetched again on resume.
            tracing::error!("{error}");
        }
        let mut gathered = shared.lock();
        gathered.busy = false;
        shared.committed.notify_all();
        if !batch.acked.is_empty() {
            if let Some(hook) = &gathered.hook {
                hook(batch.acked);
            }
        }
    }
}
