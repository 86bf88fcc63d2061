//! Frontier scale: the memory a crawl's frontier takes, measured as the growth of the
//! process's resident set (VmRSS in /proc/self/status) while it fills.
//!
//! ```sh
//! cargo run --release -p crawl-examples --example frontier
//! cargo run --release -p crawl-examples --example frontier -- --requests 1000000 --fingerprints 10000000
//! cargo run --release -p crawl-examples --example frontier -- --job-dir [--requests 10000000] [--hosts 1000]
//! ```
//!
//! - `Scheduler` with 1,000,000 pending requests (typical ~60-byte URLs), as the engine
//!   builds it (duplicate filter on) and as a bare queue (filter off). Target: ≤ 200 B each.
//! - `DupeFilter` with 10,000,000 fingerprints. Target: ≤ 20 B each.
//!
//! - `MemoryFrontier` and the job dir's `DurableFrontier` with 1,000,000 requests: memory, and
//!   push + lease throughput (each request pushed, then leased, its download ended and acked;
//!   the durable one records a checkpoint per ack, as the engine does, and waits for its last
//!   commit). Target: ≥ 100,000 requests/s.
//!
//! - `--job-dir`: a crawl-sized job dir instead (`--requests` defaults to 10,000,000 there):
//!   the `DurableFrontier` takes `--requests` requests for `--hosts` hosts (1,000) as a crawl
//!   gives them (a callback name, a checkpoint per 1,000 pushes), then leases, ends and acks
//!   each (a checkpoint per ack). Reports the push rate, the lease + ack rate, the job dir's
//!   size and the peak RSS of the whole process (VmHWM). Target: ≤ 256 MiB, ≥ 100,000
//!   requests/s.
//!
//! Each measurement runs in a fresh child process (this binary re-executed), so memory freed
//! by one cannot be reused by the next and hide its cost.

use std::hint::black_box;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use crawl_core::frontier::{
    Checkpoint, DurableFrontier, Frontier, FrontierConfig, MemoryFrontier, Next,
};
use crawl_core::scheduler::{DupeFilter, QueueOrder, Scheduler};
use crawl_core::{Callback, Request};
use url::Url;

const REQUEST_TARGET: f64 = 200.0;
const FINGERPRINT_TARGET: f64 = 20.0;
const THROUGHPUT_TARGET: f64 = 100_000.0;

/// Pushes `entries` requests, then leases, ends and acks each; returns the RSS after the
/// pushes and the seconds the whole took.
fn push_and_lease(frontier: &mut dyn Frontier, entries: usize) -> anyhow::Result<u64> {
    let durable = frontier.commits();
    for i in 0..entries {
        frontier.push(request(i)?);
        // As the engine does after each start request (or each done request's outputs).
        if durable && i % 1000 == 999 {
            frontier.record(Checkpoint::default());
        }
    }
    let after = rss_bytes()?;
    let mut leased = 0;
    while let Next::Lease(lease) = frontier.lease(0.0) {
        frontier.downloaded(lease.id);
        frontier.ack(lease.id);
        if durable {
            frontier.record(Checkpoint::default());
        }
        leased += 1;
    }
    frontier.close();
    if leased != entries {
        bail!("leased {leased} of {entries} requests");
    }
    Ok(after)
}

/// A typical URL of about 60 bytes; `i` makes it unique.
fn url(i: usize) -> String {
    format!(
        "https://shop.example.com/catalog/c{:04}/product-{i:07}.html",
        i % 1000
    )
}

fn request(i: usize) -> anyhow::Result<Request> {
    Ok(Request::new(Url::parse(&url(i))?).with_callback(Callback::from_static("parse_product")))
}

/// The resident set size of this process, in bytes.
fn rss_bytes() -> anyhow::Result<u64> {
    status_bytes("VmRSS:")
}

/// A size from /proc/self/status (`VmRSS:`, `VmHWM:`), in bytes.
fn status_bytes(field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|line| line.starts_with(field))
        .with_context(|| format!("no {field} in /proc/self/status"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .with_context(|| format!("malformed {field}"))?
        .parse()?;
    Ok(kib * 1024)
}

/// A crawl-sized job dir: `entries` requests over `hosts` hosts pushed, then leased and
/// acked. Prints the figures as JSON.
fn job_dir_scale(entries: usize, hosts: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let job = dir.path().join("job");
    let (mut frontier, _) = DurableFrontier::open(&job, "bench", false, FrontierConfig::default())?;
    let url = |i: usize| {
        format!(
            "https://www{}.example.com/catalog/c{:04}/product-{i:09}.html",
            i % hosts,
            (i / hosts) % 1000
        )
    };
    let started = Instant::now();
    let mut most_in_memory = 0;
    for i in 0..entries {
        let request = Request::new(Url::parse(&url(i))?)
            .with_callback(Callback::from_static("parse_product"));
        frontier.push(request);
        if i % 1000 == 999 {
            frontier.record(Checkpoint::default());
            most_in_memory = most_in_memory.max(frontier.in_memory());
        }
    }
    frontier.record(Checkpoint::default());
    let pushed = started.elapsed().as_secs_f64();
    let rss_full = rss_bytes()?;
    let pending = frontier.pending();
    let seen = frontier.seen();
    let started = Instant::now();
    let mut leased = 0;
    while let Next::Lease(lease) = frontier.lease(0.0) {
        frontier.downloaded(lease.id);
        frontier.ack(lease.id);
        frontier.record(Checkpoint::default());
        leased += 1;
        if leased % 1000 == 0 {
            most_in_memory = most_in_memory.max(frontier.in_memory());
        }
    }
    frontier.close();
    let drained = started.elapsed().as_secs_f64();
    if leased != entries || pending != entries || seen != entries {
        bail!("pushed {entries}, pending {pending}, seen {seen}, leased {leased}");
    }
    let disk: u64 = std::fs::read_dir(&job)?
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|meta| meta.len())
        .sum();
    println!(
        "{}",
        serde_json::json!({
            "entries": entries,
            "hosts": hosts,
            "push_seconds": pushed,
            "lease_seconds": drained,
            "rss_full": rss_full,
            "hwm": status_bytes("VmHWM:")?,
            "most_in_memory": most_in_memory,
            "disk": disk,
        })
    );
    Ok(())
}

/// Runs [`job_dir_scale`] in a child and prints its row.
fn job_dir_table(entries: usize, hosts: usize) -> anyhow::Result<()> {
    let output = Command::new(std::env::current_exe()?)
        .args([
            "--measure",
            "job-dir-scale",
            "--entries",
            &entries.to_string(),
        ])
        .args(["--hosts", &hosts.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        bail!("measuring the job dir failed: {}", output.status);
    }
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let number = |key: &str| figures[key].as_f64().unwrap_or(f64::NAN);
    let mib = |key: &str| number(key) / (1024.0 * 1024.0);
    let (push, lease) = (number("push_seconds"), number("lease_seconds"));
    let rate = entries as f64 / (push + lease);
    println!("DurableFrontier (job dir, JOBDIR_SYNC off): {entries} requests over {hosts} hosts, pushed, then leased and acked, in one fresh process.");
    println!();
    println!("| requests | hosts | push/s | lease + ack/s | push + lease/s (whole) | requests in RAM at most | RSS all pending MiB | peak RSS (VmHWM) MiB | job dir MiB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {entries} | {hosts} | {:.0} | {:.0} | {rate:.0} | {} | {:.1} | {:.1} | {:.0} |",
        entries as f64 / push,
        entries as f64 / lease,
        number("most_in_memory"),
        mib("rss_full"),
        mib("hwm"),
        mib("disk"),
    );
    let hwm = mib("hwm");
    println!();
    println!(
        "peak RSS ≤ 256 MiB: {}; push + lease ≥ {THROUGHPUT_TARGET:.0}/s: {}",
        if hwm <= 256.0 { "yes" } else { "**no**" },
        if rate >= THROUGHPUT_TARGET {
            "yes"
        } else {
            "**no**"
        },
    );
    Ok(())
}

/// One measurement, in this process: prints `{"bytes": .., "entries": .., "seconds": ..}`.
fn measure(what: &str, entries: usize) -> anyhow::Result<()> {
    let before = rss_bytes()?;
    let started = Instant::now();
    let after = match what {
        "scheduler" | "queue" => {
            let mut scheduler = Scheduler::new(QueueOrder::Lifo, what == "scheduler");
            for i in 0..entries {
                scheduler.enqueue(request(i)?);
            }
            let after = rss_bytes()?;
            black_box(scheduler.len());
            drop(black_box(scheduler));
            after
        }
        "memory-frontier" => {
            let mut frontier = MemoryFrontier::new(FrontierConfig::default());
            push_and_lease(&mut frontier, entries)?
        }
        "durable-frontier" => {
            let dir = tempfile::tempdir()?;
            let job = dir.path().join("job");
            let (mut frontier, _) =
                DurableFrontier::open(&job, "bench", false, FrontierConfig::default())?;
            push_and_lease(&mut frontier, entries)?
        }
        "dupefilter" => {
            let mut filter = DupeFilter::default();
            for i in 0..entries {
                filter.seen_before(request(i)?.fingerprint());
            }
            let after = rss_bytes()?;
            black_box(filter.len());
            after
        }
        _ => bail!("unknown measurement `{what}`"),
    };
    println!(
        "{}",
        serde_json::json!({
            "bytes": after.saturating_sub(before),
            "entries": entries,
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}

/// Runs `frontier --measure WHAT --entries N` in a child and reads its figures.
fn run_child(what: &str, entries: usize) -> anyhow::Result<(f64, f64)> {
    let output = Command::new(std::env::current_exe()?)
        .args(["--measure", what, "--entries", &entries.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        bail!("measuring {what} failed: {}", output.status);
    }
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let bytes = figures["bytes"].as_f64().unwrap_or(f64::NAN);
    let seconds = figures["seconds"].as_f64().unwrap_or(f64::NAN);
    Ok((bytes, seconds))
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut requests, mut fingerprints, mut only) = (None, 10_000_000usize, None);
    let (mut entries, mut job_dir, mut hosts) = (None, false, 1000);
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut value = || iter.next().context("a flag needs a value");
        match flag.as_str() {
            "--requests" => requests = Some(value()?.parse()?),
            "--hosts" => hosts = value()?.parse()?,
            "--job-dir" => job_dir = true,
            "--fingerprints" => fingerprints = value()?.parse()?,
            "--measure" => only = Some(value()?.clone()),
            "--entries" => entries = Some(value()?.parse()?),
            _ => bail!(
                "usage: frontier [--requests N] [--fingerprints N] [--job-dir [--hosts N]]  (unknown argument `{flag}`)"
            ),
        }
    }
    if let Some(what) = only {
        let entries = entries.context("--entries N is required")?;
        if what == "job-dir-scale" {
            return job_dir_scale(entries, hosts);
        }
        return measure(&what, entries);
    }
    if job_dir {
        return job_dir_table(requests.unwrap_or(10_000_000), hosts);
    }
    let requests = requests.unwrap_or(1_000_000);
    println!(
        "Frontier memory: growth of VmRSS while filling, one fresh process per row. \
         size_of::<Request>() = {} B; example URL ({} B): {}",
        std::mem::size_of::<Request>(),
        url(123_456).len(),
        url(123_456)
    );
    println!();
    println!("| structure | entries | RSS growth MiB | bytes per entry | target | meets target | fill time s |");
    println!("|---|---:|---:|---:|---:|---|---:|");
    let rows = [
        (
            "Scheduler (as the engine builds it: queue + duplicate filter)",
            "scheduler",
            requests,
            REQUEST_TARGET,
        ),
        (
            "Scheduler queue only (duplicate filter off)",
            "queue",
            requests,
            REQUEST_TARGET,
        ),
        ("DupeFilter", "dupefilter", fingerprints, FINGERPRINT_TARGET),
    ];
    for (label, what, entries, target) in rows {
        let (bytes, seconds) = run_child(what, entries)?;
        let per = bytes / entries as f64;
        println!(
            "| {label} | {entries} | {:.1} | {per:.1} | ≤ {target:.0} B | {} | {seconds:.2} |",
            bytes / (1024.0 * 1024.0),
            if per <= target { "yes" } else { "**no**" },
        );
    }
    println!();
    println!("| frontier | requests | RSS growth MiB (all pending) | bytes per request | push + lease + ack, requests/s | target | meets target |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (label, what) in [
        ("MemoryFrontier (in memory)", "memory-frontier"),
        (
            "DurableFrontier (job dir, JOBDIR_SYNC off)",
            "durable-frontier",
        ),
    ] {
        let (bytes, seconds) = run_child(what, requests)?;
        let rate = requests as f64 / seconds;
        println!(
            "| {label} | {requests} | {:.1} | {:.1} | {rate:.0} | ≥ {THROUGHPUT_TARGET:.0} | {} |",
            bytes / (1024.0 * 1024.0),
            bytes / requests as f64,
            if rate >= THROUGHPUT_TARGET {
                "yes"
            } else {
                "**no**"
            },
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("frontier: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
