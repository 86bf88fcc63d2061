//! Per-process measurement: `bench measure SUBCOMMAND ARGS...` runs `bench SUBCOMMAND ARGS...`
//! as its only child, waits for it, and reads the child's user and system time and peak RSS
//! with `getrusage(RUSAGE_CHILDREN)`, which covers exactly that one child.
//!
//! (The workspace forbids `unsafe`, so `wait4` through `libc` is out; this wrapper process
//! gets the same figures through `nix`'s safe `getrusage`.)

use std::collections::hash_map::DefaultHasher;
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use nix::sys::resource::{getrusage, UsageWho};
use serde::{Deserialize, Serialize};

/// What one measured run reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Figures {
    /// Pages crawled, as the crawler counts them.
    pub pages: u64,
    /// Wall-clock seconds from spawn to exit.
    pub wall: f64,
    /// User CPU seconds.
    pub user: f64,
    /// System CPU seconds.
    pub sys: f64,
    /// Peak resident set size, KiB.
    pub max_rss_kib: u64,
    /// Items in the feed (counted by the harness).
    #[serde(default)]
    pub items: u64,
    /// An order-independent digest of the feed's lines (computed by the harness).
    #[serde(default)]
    pub digest: u64,
    /// CPU seconds the site's process used during the run (measured by the harness).
    #[serde(default)]
    pub site_cpu: f64,
}

impl Figures {
    /// User + system seconds.
    pub fn cpu(&self) -> f64 {
        self.user + self.sys
    }

    /// Peak RSS in MiB.
    pub fn max_rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

/// `bench measure SUBCOMMAND ARGS...`: prints the child's `{"pages": ..}` merged with its
/// wall time, CPU time and peak RSS, as one JSON line.
pub fn measure_command(args: &[OsString]) -> anyhow::Result<()> {
    if args.is_empty() {
        bail!("usage: bench measure SUBCOMMAND ARGS...");
    }
    let started = Instant::now();
    let output = Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the measured command")?;
    let wall = started.elapsed().as_secs_f64();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    if !output.status.success() {
        bail!("the measured command failed: {}", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reported: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .with_context(|| format!("no JSON line in the child's output: {stdout}"))?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    let figures = Figures {
        pages: reported["pages"].as_u64().unwrap_or(0),
        wall,
        user: seconds(usage.user_time()),
        sys: seconds(usage.system_time()),
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: u64::try_from(usage.max_rss()).unwrap_or(0),
        ..Figures::default()
    };
    println!("{}", serde_json::to_string(&figures)?);
    Ok(())
}

/// The number of lines of a feed and an order-independent digest of them.
pub fn feed_summary(path: &Path) -> anyhow::Result<(u64, u64)> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open the feed {}", path.display()))?;
    let (mut lines, mut digest) = (0u64, 0u64);
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let mut hasher = DefaultHasher::new();
        line.hash(&mut hasher);
        digest = digest.wrapping_add(hasher.finish());
        lines += 1;
    }
    Ok((lines, digest))
}
