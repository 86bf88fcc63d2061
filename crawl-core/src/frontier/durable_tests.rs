//! The job dir's frontier: requests beyond the head windows wait on disk and each comes back
//! exactly once, from the store, from a batch not yet committed, or after a resume.

use std::collections::BTreeSet;

use super::durable::{HEAD, IN_RAM};
use super::*;

fn open(dir: &std::path::Path) -> (DurableFrontier, Resumed) {
    let config = FrontierConfig {
        order: crate::scheduler::QueueOrder::Fifo,
        ..FrontierConfig::default()
    };
    DurableFrontier::open(dir, "test", false, config).unwrap()
}

fn url(i: usize) -> String {
    format!("http://h{}.test/p/{i}", i % 7)
}

/// Leases, acks and records everything pending; returns the URLs leased.
fn drain(frontier: &mut DurableFrontier) -> Vec<String> {
    let mut leased = Vec::new();
    while let Next::Lease(lease) = frontier.lease(0.0) {
        assert!(frontier.in_memory() <= IN_RAM + 7 * HEAD);
        leased.push(lease.request.url.to_string());
        frontier.downloaded(lease.id);
        frontier.ack(lease.id);
        frontier.record(Checkpoint::default());
    }
    leased
}

fn assert_once(leased: &[String], expected: impl Iterator<Item = String>) {
    let set: BTreeSet<&String> = leased.iter().collect();
    assert_eq!(set.len(), leased.len(), "a request was leased twice");
    let expected: BTreeSet<String> = expected.collect();
    assert_eq!(set, expected.iter().collect());
}

#[test]
fn requests_beyond_the_windows_wait_on_disk_and_come_back_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut frontier, _) = open(&dir.path().join("job"));
    let total = 10 * IN_RAM;
    for i in 0..total {
        assert_eq!(frontier.push(Request::get(url(i)).unwrap()), Pushed::Queued);
        // Half of them recorded (committed), the rest still in the frontier's own batch.
        if i == total / 2 {
            frontier.record(Checkpoint::default());
        }
        assert!(frontier.in_memory() <= IN_RAM + 7 * HEAD);
    }
    assert_eq!(
        frontier.push(Request::get(url(3)).unwrap()),
        Pushed::Duplicate
    );
    assert_eq!(frontier.pending(), total);
    assert!(frontier.in_memory() < total / 2);
    let leased = drain(&mut frontier);
    assert_once(&leased, (0..total).map(url));
    assert_eq!(frontier.pending(), 0);
    frontier.close();
}

#[test]
fn a_resumed_job_reads_its_pending_requests_back_by_host() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job");
    let total = 5 * IN_RAM;
    {
        let (mut frontier, _) = open(&job);
        for i in 0..total {
            frontier.push(Request::get(url(i)).unwrap());
        }
        // Some leased and acked, one leased and never acked (in flight at a kill).
        let mut done = Vec::new();
        for _ in 0..20 {
            let Next::Lease(lease) = frontier.lease(0.0) else {
                panic!("nothing to lease")
            };
            done.push(lease.request.url.to_string());
            frontier.ack(lease.id);
        }
        let Next::Lease(_in_flight) = frontier.lease(0.0) else {
            panic!("nothing to lease")
        };
        frontier.record(Checkpoint::default());
        frontier.close();
        let (mut frontier, resumed) = open(&job);
        assert_eq!(resumed.pending, total - 20);
        assert_eq!(frontier.pending(), total - 20);
        assert!(frontier.in_memory() <= IN_RAM + 7 * HEAD);
        assert_eq!(
            frontier.push(Request::get(url(1)).unwrap()),
            Pushed::Duplicate
        );
        let leased = drain(&mut frontier);
        let rest = (0..total).map(url).filter(|url| !done.contains(url));
        assert_once(&leased, rest);
        frontier.close();
    }
    let (frontier, resumed) = open(&job);
    assert_eq!((resumed.pending, frontier.pending()), (0, 0));
    assert_eq!(frontier.seen(), total);
}

#[test]
fn a_retry_goes_back_to_its_window() {
    let dir = tempfile::tempdir().unwrap();
    let (mut frontier, _) = open(&dir.path().join("job"));
    let total = 3 * IN_RAM;
    for i in 0..total {
        frontier.push(Request::get(url(i)).unwrap());
    }
    frontier.record(Checkpoint::default());
    let mut leased = Vec::new();
    let mut retried = 0;
    while let Next::Lease(lease) = frontier.lease(0.0) {
        // Every third request fails once and is retried at once.
        let url = lease.request.url.to_string();
        if retried < total / 3 && !leased.contains(&format!("retried {url}")) {
            retried += 1;
            leased.push(format!("retried {url}"));
            frontier.nack(lease.id, lease.request, 0.0);
            continue;
        }
        leased.push(url);
        frontier.ack(lease.id);
        frontier.record(Checkpoint::default());
    }
    leased.retain(|url| !url.starts_with("retried "));
    assert_once(&leased, (0..total).map(url));
    frontier.close();
}

#[test]
fn requests_acked_before_older_ones_of_their_host_stay_done_after_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job");
    let total = 3 * IN_RAM;
    let mut done = Vec::new();
    {
        let (mut frontier, _) = open(&job);
        // The urgent ones (every tenth) are leased before the older ones of their host.
        for i in 0..total {
            let priority = if i % 10 == 0 { 1 } else { 0 };
            frontier.push(Request::get(url(i)).unwrap().with_priority(priority));
        }
        while done.len() < 2 * HEAD {
            let Next::Lease(lease) = frontier.lease(0.0) else {
                panic!("nothing to lease")
            };
            done.push(lease.request.url.to_string());
            frontier.ack(lease.id);
        }
        frontier.record(Checkpoint::default());
        frontier.close();
    }
    // Some were acked while older requests of their host were pending.
    let urgent = done
        .iter()
        .filter(|url| url.ends_with('0') && !url.ends_with("/0"));
    assert!(urgent.count() >= 3, "{done:?}");
    let (mut frontier, resumed) = open(&job);
    assert_eq!(resumed.pending, total - done.len());
    let leased = drain(&mut frontier);
    let rest = (0..total).map(url).filter(|url| !done.contains(url));
    assert_once(&leased, rest);
    frontier.close();
}

#[test]
fn a_job_dir_of_an_earlier_format_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job");
    open(&job).0.close();
    let store = job.join("crawl-job.sqlite");
    {
        let conn = rusqlite::Connection::open(&store).unwrap();
        conn.execute(
            "UPDATE job SET value = 'crawl-jobdir-2' WHERE key = 'format'",
            [],
        )
        .unwrap();
    }
    let before = std::fs::read(&store).unwrap();
    let config = FrontierConfig::default();
    let Err(error) = DurableFrontier::open(&job, "test", false, config) else {
        panic!("an earlier format was opened")
    };
    let message = error.to_string();
    assert!(
        message.contains("format `crawl-jobdir-2`, this crawl reads `crawl-jobdir-3`"),
        "{message}"
    );
    assert_eq!(std::fs::read(&store).unwrap(), before);
}

#[test]
fn a_spider_state_recorded_before_checkpoints_without_one_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job");
    {
        let (mut frontier, _) = open(&job);
        frontier.record(Checkpoint {
            spider_state: Some("7".into()),
            items: vec!["{\"a\":1}".into()],
            ..Checkpoint::default()
        });
        // Later checkpoints, gathered into the same batch, leave the state as it was.
        for consumed in 1..=100 {
            frontier.record(Checkpoint {
                start_consumed: consumed,
                ..Checkpoint::default()
            });
        }
        frontier.close();
    }
    let (frontier, resumed) = open(&job);
    assert_eq!(resumed.spider_state.as_deref(), Some("7"));
    assert_eq!(resumed.start_consumed, 100);
    drop(frontier);
}

#[test]
fn a_checkpoint_absorbs_a_newer_one() {
    let mut older = Checkpoint {
        feeds: vec![("a.jsonl".into(), 10)],
        spider_state: Some("1".into()),
        start_consumed: 1,
        items: vec!["x".into()],
        ..Checkpoint::default()
    };
    older.absorb(Checkpoint {
        feeds: vec![("a.jsonl".into(), 20)],
        start_consumed: 2,
        items: vec!["y".into()],
        ..Checkpoint::default()
    });
    assert_eq!(older.feeds, vec![("a.jsonl".to_owned(), 20)]);
    assert_eq!(older.spider_state.as_deref(), Some("1"));
    assert_eq!(older.start_consumed, 2);
    assert_eq!(older.items, ["x", "y"]);
    older.absorb(Checkpoint {
        spider_state: Some("2".into()),
        ..Checkpoint::default()
    });
    assert_eq!(older.spider_state.as_deref(), Some("2"));
}
