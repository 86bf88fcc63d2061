//! The broad-crawl benchmark: many hosts, each with `DOWNLOAD_DELAY`, on one local server
//! that logs every request's `Host` and arrival time.
//!
//! ```sh
//! cargo run --release -p crawl-examples --example broad                 # 10,000 hosts × 3 pages, delay 1 s
//! cargo run --release -p crawl-examples --example broad -- --hosts 1000 --pages 5 --delay 0.5
//! ```
//!
//! Two crawls of the same spider, each in its own process (wall time from spawn to exit, CPU
//! time from `getrusage(RUSAGE_CHILDREN)`):
//! - **broad**: `--hosts` hosts `hI.test` (all resolved to 127.0.0.1 by
//!   `-s DNS_OVERRIDE={"*.test": "127.0.0.1"}`) of `--pages` pages each, with
//!   `DOWNLOAD_DELAY=--delay` (not randomized). The server's log must show every host's
//!   requests at least the delay apart (less `--tolerance` of jitter between a request's
//!   start and its arrival).
//! - **one host**: the same number of pages on one host without a delay: the rate the
//!   crawl reaches when only its CPU bounds it. One host with the delay would make at most
//!   1/delay pages a second.
//!
//! The broad crawl is CPU-bound, not delay-bound, when its pages/s is close to the one-host
//! crawl's and its CPU time close to its wall time.
//!
//! Subcommands (the harness re-executes itself with them): `serve --hosts N --pages P`
//! (prints the port; `GET /__log` gives the log) and `crawl ARGS...` (crawl's command line).

#[path = "broad_site.rs"]
mod broad_site;

use std::ffi::OsString;
use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use nix::sys::resource::{getrusage, UsageWho};

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let result = match args.get(1).and_then(|a| a.to_str()).unwrap_or_default() {
        "serve" => serve(&args[2..]),
        "crawl" => crawl(args),
        _ => harness(&args[1..]),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("broad: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `--name value` pairs.
fn flags(args: &[OsString]) -> anyhow::Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut iter = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(flag) = iter.next() {
        let name = flag
            .strip_prefix("--")
            .with_context(|| format!("unexpected argument `{flag}`"))?;
        let value = iter
            .next()
            .with_context(|| format!("`{flag}` needs a value"))?;
        pairs.push((name.to_owned(), value));
    }
    Ok(pairs)
}

/// Lets this process hold as many sockets as the hard limit allows: a connection per host.
fn raise_open_files() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

fn serve(args: &[OsString]) -> anyhow::Result<()> {
    let (mut hosts, mut pages) = (1, 1);
    for (name, value) in flags(args)? {
        match name.as_str() {
            "hosts" => hosts = value.parse()?,
            "pages" => pages = value.parse()?,
            _ => bail!("unknown flag `--{name}`"),
        }
    }
    raise_open_files();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let site = broad_site::start(hosts, pages).await?;
        println!("{}", site.port());
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok(())
    })
}

/// Runs crawl's own command line and prints the pages it got.
fn crawl(args: Vec<OsString>) -> anyhow::Result<()> {
    raise_open_files();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let config = crawl_core::cli::CliConfig::default();
    let result = runtime
        .block_on(crawl_core::cli::run(args, config))?
        .context("no crawl was run")?;
    let pages = result.stats.get("response_received_count");
    let pages = pages.and_then(|v| v.as_u64()).unwrap_or(0);
    println!("{}", serde_json::json!({ "pages": pages }));
    Ok(())
}

/// Kills the server when dropped.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    fn start(hosts: usize, pages: usize) -> anyhow::Result<Server> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", "--hosts", &hosts.to_string()])
            .args(["--pages", &pages.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let port = line.trim().parse().context("the server printed no port")?;
        Ok(Server(child, port))
    }

    /// The server's log: (host, seconds) per request.
    fn log(&self) -> anyhow::Result<Vec<(String, f64)>> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.1))?;
        write!(
            stream,
            "GET /__log HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )?;
        let mut text = String::new();
        stream.read_to_string(&mut text)?;
        let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        body.lines()
            .map(|line| {
                let (host, at) = line.split_once(' ').context("malformed log line")?;
                Ok((host.to_owned(), at.parse()?))
            })
            .collect()
    }
}

/// One crawl's figures.
struct Run {
    pages: u64,
    wall: f64,
    cpu: f64,
    log: Vec<(String, f64)>,
}

/// CPU seconds of the children waited for so far.
fn children_cpu() -> anyhow::Result<f64> {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(seconds(usage.user_time()) + seconds(usage.system_time()))
}

fn run(hosts: usize, pages: usize, delay: f64, concurrency: usize) -> anyhow::Result<Run> {
    let server = Server::start(hosts, pages)?;
    let cpu_before = children_cpu()?;
    let started = Instant::now();
    let output = Command::new(std::env::current_exe()?)
        .args(["crawl", "broad_spider", "-L", "WARN"])
        .args(["-a", &format!("hosts={hosts}"), "-a"])
        .arg(format!("port={}", server.1))
        .args(["-s", r#"DNS_OVERRIDE={"*.test": "127.0.0.1"}"#, "-s"])
        .arg(format!("DOWNLOAD_DELAY={delay}"))
        .args(["-s", "RANDOMIZE_DOWNLOAD_DELAY=false", "-s"])
        .arg(format!("CONCURRENT_REQUESTS={concurrency}"))
        .args(["-s", "ROBOTSTXT_OBEY=false"])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = children_cpu()? - cpu_before;
    if !output.status.success() {
        bail!("the crawl failed: {}", output.status);
    }
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    Ok(Run {
        pages: figures["pages"].as_u64().unwrap_or(0),
        wall,
        cpu,
        log: server.log()?,
    })
}

fn harness(args: &[OsString]) -> anyhow::Result<()> {
    let (mut hosts, mut pages, mut delay, mut concurrency, mut tolerance) =
        (10_000, 3, 1.0, 64, 0.05);
    for (name, value) in flags(args)? {
        match name.as_str() {
            "hosts" => hosts = value.parse()?,
            "pages" => pages = value.parse()?,
            "delay" => delay = value.parse()?,
            "concurrency" => concurrency = value.parse()?,
            "tolerance" => tolerance = value.parse()?,
            _ => bail!(
                "usage: broad [--hosts N] [--pages P] [--delay S] [--concurrency C] \
                 [--tolerance S]  (unknown flag `--{name}`)"
            ),
        }
    }
    let broad = run(hosts, pages, delay, concurrency)?;
    let one = run(1, hosts * pages, 0.0, concurrency)?;
    println!("Broad crawl: {hosts} hosts × {pages} pages, CONCURRENT_REQUESTS={concurrency}, each crawl in its own process.");
    println!();
    println!(
        "| crawl | hosts | DOWNLOAD_DELAY s | pages | wall s | CPU s | CPU / wall | pages/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (label, run, hosts, delay) in [
        ("broad", &broad, hosts, delay),
        ("one host, no delay", &one, 1, 0.0),
    ] {
        println!(
            "| {label} | {hosts} | {delay} | {} | {:.2} | {:.2} | {:.2} | {:.0} |",
            run.pages,
            run.wall,
            run.cpu,
            run.cpu / run.wall,
            run.pages as f64 / run.wall,
        );
    }
    let spacing = broad_site::spacing(&broad.log, delay, tolerance);
    println!();
    println!(
        "Server log of the broad crawl: {} requests to {} hosts; shortest gap between two \
         requests of one host {:.3} s; gaps shorter than {delay} - {tolerance} s: {} ({} of \
         them after a host's first request); {} hosts fetched before any host's second request.",
        spacing.requests,
        spacing.hosts,
        spacing.min_gap,
        spacing.too_close,
        spacing.too_close_first,
        spacing.hosts_before_a_second,
    );
    println!(
        "broad / one-host pages/s: {:.2} (one host with the delay: at most {:.0} pages/s)",
        (broad.pages as f64 / broad.wall) / (one.pages as f64 / one.wall),
        1.0 / delay,
    );
    if spacing.too_close > 0 || broad.pages as usize != hosts * pages {
        bail!("a host was fetched faster than its delay, or pages are missing");
    }
    Ok(())
}
