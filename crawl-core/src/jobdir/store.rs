//! The job dir's store: one SQLite database in WAL mode (`crawl-job.sqlite`), opened in
//! exclusive locking mode so that a second crawl on the same job dir is refused.
//!
//! Tables: `job` (format, spider, stats, spider state, start requests consumed), `hosts`
//! (each host name once, with a small integer id), `requests` (every request pushed, with its
//! host's id, and its fingerprint when it went through the duplicate filter, so the seen set
//! is rebuilt from it; clustered by host and row, so a host's rows are appended and read back
//! together), `done` (the rows acked: appending an id there dirties a page or two per commit,
//! where marking the request's own row would dirty one page per host) and `feeds` (each feed
//! file's committed length). A request is pending while its row is not in `done`.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};

use super::{Batch, Restored};
use crate::frontier::Checkpoint;
use crate::Error;

/// The store's file in the job dir.
pub(super) const FILE: &str = "crawl-job.sqlite";
/// What the `job` table's `format` says: a job dir of this layout.
const FORMAT: &str = "crawl-jobdir-3";
/// SQLite's page cache, as `PRAGMA cache_size` takes it (negative: KiB).
const CACHE_KIB: i64 = -32 * 1024;

/// Host ids the store keeps in memory at most (the rest are looked up).
const HOST_CACHE: usize = 100_000;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS job (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hosts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS requests (
    host INTEGER NOT NULL,
    id INTEGER NOT NULL,
    fp INTEGER,
    data TEXT NOT NULL,
    PRIMARY KEY (host, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS done (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS feeds (path TEXT PRIMARY KEY, length INTEGER NOT NULL);
";

/// The open store; held by the committer thread.
pub(super) struct Store {
    conn: Connection,
    sync: bool,
    /// Host ids by name (some of them).
    hosts: HashMap<Box<str>, i64>,
    /// Rows up to here may have been acked by an earlier run: reading them back checks
    /// `done`. Rows above were pushed by this run, and none of them is acked before it is
    /// read back.
    earlier: u64,
}

fn usage(dir: &Path, what: impl std::fmt::Display) -> Error {
    Error::Usage(format!("job dir `{}`: {what}", dir.display()))
}

/// Explains a SQLite error met while opening the job dir.
fn open_error(dir: &Path, error: rusqlite::Error) -> Error {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => usage(
            dir,
            "in use by a running crawl (its store is locked); stop that crawl first, or give \
             another --job-dir",
        ),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => usage(
            dir,
            format!("`{FILE}` is corrupt or not a crawl job store ({error}); nothing was changed"),
        ),
        _ => usage(dir, format!("cannot open `{FILE}`: {error}")),
    }
}

impl Store {
    /// Opens (or creates) the store of `dir` for `spider`, and reads what it holds.
    pub(super) fn open(dir: &Path, spider: &str, sync: bool) -> Result<(Store, Restored), Error> {
        let path = dir.join(FILE);
        check_dir(dir, &path)?;
        let mut conn = Connection::open(&path).map_err(|e| open_error(dir, e))?;
        let setup = |conn: &Connection| -> rusqlite::Result<()> {
            // Exclusive: the lock taken by the first write is held until the process ends
            // (the OS drops it on a kill), and no shared-memory file is needed.
            conn.busy_timeout(std::time::Duration::ZERO)?;
            // A refused open must leave the job dir as it was: no checkpoint when closing.
            conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            )?;
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // Without JOBDIR_SYNC nothing is flushed to the disk: a killed process loses
            // nothing (its writes are in the OS's cache); an OS crash or power loss may leave
            // the store corrupt (`NORMAL`, which flushes at each checkpoint, would only lose
            // the last commits, but took twice as long at 10,000,000 requests).
            conn.pragma_update(None, "synchronous", if sync { "FULL" } else { "OFF" })?;
            // Room for the index pages each host appends to and reads from (the default
            // 2 MiB holds those of ~500 hosts).
            conn.pragma_update(None, "cache_size", CACHE_KIB)?;
            // Fewer checkpoints (each one syncs the database): a page written by many
            // commits is copied back once.
            conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
            Ok(())
        };
        setup(&conn).map_err(|e| open_error(dir, e))?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
            .map_err(|e| open_error(dir, e))?;
        let format: Option<String> = match tx
            .query_row("SELECT value FROM job WHERE key = 'format'", [], |row| {
                row.get(0)
            })
            .optional()
        {
            Ok(format) => format,
            Err(rusqlite::Error::SqliteFailure(_, Some(message)))
                if message.starts_with("no such table") =>
            {
                None
            }
            Err(error) => return Err(open_error(dir, error)),
        };
        let restored = match format {
            None => {
                let tables: i64 = tx
                    .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
                    .map_err(|e| open_error(dir, e))?;
                if tables > 0 {
                    return Err(usage(
                        dir,
                        format!("`{FILE}` is not a crawl job store; nothing was changed"),
                    ));
                }
                tx.execute_batch(SCHEMA).map_err(|e| open_error(dir, e))?;
                tx.execute(
                    "INSERT INTO job (key, value) VALUES ('format', ?1), ('spider', ?2)",
                    params![FORMAT, spider],
                )
                .map_err(|e| open_error(dir, e))?;
                Restored::default()
            }
            Some(format) if format != FORMAT => {
                return Err(usage(
                    dir,
                    format!("its store has format `{format}`, this crawl reads `{FORMAT}`; nothing was changed"),
                ))
            }
            Some(_) => {
                let owner: String = tx
                    .query_row("SELECT value FROM job WHERE key = 'spider'", [], |row| {
                        row.get(0)
                    })
                    .map_err(|e| open_error(dir, e))?;
                if owner != spider {
                    return Err(usage(
                        dir,
                        format!(
                            "it belongs to spider `{owner}`, not `{spider}`; resume it with \
                             `crawl {owner}`, or give another --job-dir; nothing was changed"
                        ),
                    ));
                }
                read(&tx).map_err(|e| open_error(dir, e))?
            }
        };
        tx.commit().map_err(|e| open_error(dir, e))?;
        let store = Store {
            conn,
            sync,
            hosts: HashMap::new(),
            earlier: restored.next_row,
        };
        Ok((store, restored))
    }

    /// Commits `batch` in one transaction; with `JOBDIR_SYNC`, the feeds' files reach the
    /// disk first, so a committed length never points past what is stored.
    pub(super) fn commit(&mut self, batch: &Batch) -> Result<(), Error> {
        let failed = |error: rusqlite::Error| Error::Usage(format!("job dir commit: {error}"));
        if self.sync {
            if let Some(checkpoint) = &batch.checkpoint {
                sync_feeds(checkpoint)?;
            }
        }
        let tx = self.conn.transaction().map_err(failed)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO requests (host, id, fp, data) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(failed)?;
            for row in &batch.inserts {
                let host = host_id(&tx, &mut self.hosts, &row.host, true)
                    .map_err(failed)?
                    .expect("created");
                insert
                    .execute(params![
                        host,
                        row.id as i64,
                        row.fp.map(|fp| fp as i64),
                        row.data
                    ])
                    .map_err(failed)?;
            }
            let mut done = tx
                .prepare_cached("INSERT OR IGNORE INTO done (id) VALUES (?1)")
                .map_err(failed)?;
            for id in &batch.done {
                done.execute(params![*id as i64]).map_err(failed)?;
            }
            if let Some(checkpoint) = &batch.checkpoint {
                let mut set = tx
                    .prepare_cached("INSERT OR REPLACE INTO job (key, value) VALUES (?1, ?2)")
                    .map_err(failed)?;
                let stats =
                    serde_json::to_string(&checkpoint.stats.snapshot()).expect("stats serialize");
                set.execute(params!["stats", stats]).map_err(failed)?;
                set.execute(params![
                    "start_consumed",
                    checkpoint.start_consumed.to_string()
                ])
                .map_err(failed)?;
                if let Some(state) = &checkpoint.spider_state {
                    set.execute(params!["spider_state", state])
                        .map_err(failed)?;
                }
                let mut feed = tx
                    .prepare_cached("INSERT OR REPLACE INTO feeds (path, length) VALUES (?1, ?2)")
                    .map_err(failed)?;
                for (path, length) in &checkpoint.feeds {
                    feed.execute(params![path, *length as i64])
                        .map_err(failed)?;
                }
            }
        }
        tx.commit().map_err(failed)
    }

    /// See [`Committer::read_pending`](super::Committer::read_pending).
    pub(super) fn read_pending(
        &mut self,
        host: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, Error> {
        let failed = |error: rusqlite::Error| Error::Usage(format!("job dir read: {error}"));
        let Some(host) = host_id(&self.conn, &mut self.hosts, host, false).map_err(failed)? else {
            return Ok(Vec::new());
        };
        let mut select = self
            .conn
            .prepare_cached(
                "SELECT id, data FROM requests WHERE host = ?1 AND id > ?2 AND (id > ?4 OR \
                 NOT EXISTS (SELECT 1 FROM done WHERE done.id = requests.id)) \
                 ORDER BY id LIMIT ?3",
            )
            .map_err(failed)?;
        let rows = select
            .query_map(
                params![host, after as i64, limit as i64, self.earlier as i64],
                |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, String>(1)?)),
            )
            .map_err(failed)?;
        rows.collect::<rusqlite::Result<_>>().map_err(failed)
    }
}

/// The id of `host` (from `cache`, or the store, which gives it one if `create`).
fn host_id(
    conn: &Connection,
    cache: &mut HashMap<Box<str>, i64>,
    host: &str,
    create: bool,
) -> rusqlite::Result<Option<i64>> {
    if let Some(&id) = cache.get(host) {
        return Ok(Some(id));
    }
    let mut select = conn.prepare_cached("SELECT id FROM hosts WHERE name = ?1")?;
    let mut id = select
        .query_row([host], |row| row.get::<_, i64>(0))
        .optional()?;
    if id.is_none() && create {
        conn.prepare_cached("INSERT INTO hosts (name) VALUES (?1)")?
            .execute([host])?;
        id = Some(conn.last_insert_rowid());
    }
    if let Some(id) = id {
        if cache.len() >= HOST_CACHE {
            cache.clear();
        }
        cache.insert(host.into(), id);
    }
    Ok(id)
}

/// A job dir is new (absent or empty) or holds our store: anything else is another tool's.
fn check_dir(dir: &Path, store: &Path) -> Result<(), Error> {
    if store.exists() {
        return Ok(());
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(usage(
                    dir,
                    format!(
                        "not a crawl job dir (it holds files but no `{FILE}`); give an empty or \
                         new directory; nothing was changed"
                    ),
                ));
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(dir)
            .map_err(|source| Error::Io {
                context: format!("cannot create job dir `{}`", dir.display()),
                source,
            }),
        Err(source) => Err(Error::Io {
            context: format!("cannot read job dir `{}`", dir.display()),
            source,
        }),
    }
}

/// What a job store holds, for the resumed crawl.
fn read(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<Restored> {
    let value = |key: &str| -> rusqlite::Result<Option<String>> {
        tx.query_row("SELECT value FROM job WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()
    };
    let mut restored = Restored {
        resumed: true,
        stats: value("stats")?,
        spider_state: value("spider_state")?,
        start_consumed: value("start_consumed")?
            .and_then(|text| text.parse().ok())
            .unwrap_or(0),
        ..Restored::default()
    };
    // One pass over the requests for the seen set and the highest row.
    let mut seen = tx.prepare("SELECT fp, id FROM requests")?;
    let mut rows = seen.query([])?;
    while let Some(row) = rows.next()? {
        if let Some(fp) = row.get::<_, Option<i64>>(0)? {
            restored.seen.push(fp as u64);
        }
        restored.next_row = restored.next_row.max(row.get::<_, i64>(1)? as u64);
    }
    drop(rows);
    let mut pending = tx.prepare(
        "SELECT hosts.name, count(*), min(requests.id) FROM requests \
         JOIN hosts ON hosts.id = requests.host \
         WHERE NOT EXISTS (SELECT 1 FROM done WHERE done.id = requests.id) \
         GROUP BY requests.host ORDER BY 3",
    )?;
    restored.pending = pending
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)? as u64,
                row.get::<_, i64>(2)? as u64,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut feeds = tx.prepare("SELECT path, length FROM feeds")?;
    restored.feeds = feeds
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64))
        })?
        .collect::<rusqlite::Result<HashMap<_, _>>>()?;
    Ok(restored)
}

/// Flushes each feed file's data to the disk.
fn sync_feeds(checkpoint: &Checkpoint) -> Result<(), Error> {
    for (path, _) in &checkpoint.feeds {
        let synced = std::fs::File::open(path).and_then(|file| file.sync_data());
        synced.map_err(|source| Error::Io {
            context: format!("cannot sync feed `{path}`"),
            source,
        })?;
    }
    Ok(())
}
