//! crawl's macro benchmark: a synthetic site in its own process, crawled by a `#[spider]`
//! and by a plain tokio + reqwest + scraper baseline, each run in a child process whose
//! wall time, CPU time and peak RSS are measured.
//!
//! ```sh
//! cargo run --release -p crawl-examples --example bench -- --pages 20000 --runs 3
//! cargo run --release -p crawl-examples --example bench -- --pages 20000 --runs 1 --concurrency 32 --job-dir
//! cargo run --release -p crawl-examples --example bench -- --pages 20000 --runs 1 --concurrency 32 --redis
//! ```
//!
//! Subcommands (the harness re-executes itself with them):
//! - `serve [--pages N] [--port P] [--heavy]`: the synthetic site; prints its port on stdout.
//! - `crawl ARGS...`: crawl's command line (`crawl bench_spider -a start_url=URL -O FILE ...`).
//! - `baseline --start URL --concurrency N --out FILE`: the baseline crawler.
//! - `measure SUBCOMMAND ARGS...`: runs `SUBCOMMAND` in a child and prints its figures.

mod baseline;
mod cluster;
mod measure;
mod site;
mod spider;

use std::ffi::OsString;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{bail, Context};

use measure::Figures;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let command = args.get(1).and_then(|a| a.to_str()).unwrap_or_default();
    let result = match command {
        "serve" => serve_command(&args[2..]),
        "crawl" => crawl_command(args),
        "baseline" => baseline_command(&args[2..]),
        "measure" => measure::measure_command(&args[2..]),
        "-h" | "--help" | "help" => {
            println!("{}", USAGE.trim());
            Ok(())
        }
        _ => harness(&args[1..]),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "
usage: bench [--pages N] [--runs N] [--concurrency C,C...] [--json FILE] [--heavy] [--job-dir] [--jobdir-sync] [--redis]
       bench serve [--pages N] [--port P] [--heavy]

Crawls a synthetic site of N pages (default 20000) with crawl and with a tokio + reqwest +
scraper baseline, at each concurrency (default 32,128), N runs each (default 3), every run in
its own process, and prints the median figures as a markdown table (and writes them to
FILE as JSON with --json). --heavy serves pages of about 1.5 MB with 3,000 links each
(default 300 pages). --job-dir adds crawl with a fresh --job-dir per run (a durable crawl:
every request and item committed to the job dir), to compare with the in-memory crawl;
--jobdir-sync adds the same with -s JOBDIR_SYNC=true (each commit fsynced).
--redis adds crawl on a shared frontier in a throwaway redis-server (-s SCHEDULER=redis),
with one worker process and with two at once (each with the concurrency given).
";

/// How many pages the site has unless `--pages` says: 300 heavy ones, else 20,000.
fn default_pages(heavy: bool) -> usize {
    if heavy {
        300
    } else {
        20_000
    }
}

/// Takes the value-less flag `flag` out of `args`.
fn take_flag(args: &[OsString], flag: &str) -> (bool, Vec<OsString>) {
    let rest: Vec<OsString> = args.iter().filter(|a| *a != flag).cloned().collect();
    (rest.len() != args.len(), rest)
}

/// `--name value` flags into pairs; anything else is an error.
fn flags(args: &[OsString]) -> anyhow::Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut iter = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(flag) = iter.next() {
        let Some(name) = flag.strip_prefix("--") else {
            bail!("unexpected argument `{flag}`\n{}", USAGE.trim());
        };
        let (name, value) = match name.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (
                name.to_owned(),
                iter.next()
                    .with_context(|| format!("`--{name}` needs a value"))?,
            ),
        };
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn serve_command(args: &[OsString]) -> anyhow::Result<()> {
    let (heavy, args) = take_flag(args, "--heavy");
    let (mut pages, mut port) = (default_pages(heavy), 0);
    for (name, value) in flags(&args)? {
        match name.as_str() {
            "pages" => pages = value.parse()?,
            "port" => port = value.parse()?,
            _ => bail!("unknown flag `--{name}`"),
        }
    }
    site::serve(pages, port, heavy)
}

/// Runs crawl's own command line (as the generated `main` would) and prints the page count.
fn crawl_command(args: Vec<OsString>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime
        .block_on(crawl_core::cli::run(
            args,
            crawl_core::cli::CliConfig::default(),
        ))?
        .context("no crawl was run")?;
    // Responses handed to callbacks (a robots.txt download is not counted here).
    let pages = result
        .stats
        .get("response_received_count")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({ "pages": pages, "finish_reason": result.finish_reason })
    );
    Ok(())
}

fn baseline_command(args: &[OsString]) -> anyhow::Result<()> {
    let (mut start, mut concurrency, mut out) = (None, 16, None);
    for (name, value) in flags(args)? {
        match name.as_str() {
            "start" => start = Some(url::Url::parse(&value)?),
            "concurrency" => concurrency = value.parse()?,
            "out" => out = Some(value),
            _ => bail!("unknown flag `--{name}`"),
        }
    }
    let start = start.context("`--start URL` is required")?;
    let out = out.context("`--out FILE` is required")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let pages = runtime.block_on(baseline::run(start, concurrency, Path::new(&out)))?;
    println!("{}", serde_json::json!({ "pages": pages }));
    Ok(())
}

/// Kills the site's process when the harness ends, however it ends.
struct ServerGuard(Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bench serve` and reads the port it prints.
fn start_server(pages: usize, heavy: bool) -> anyhow::Result<(ServerGuard, u16)> {
    let child = Command::new(std::env::current_exe()?)
        .args(["serve", "--pages", &pages.to_string()])
        .args(heavy.then_some("--heavy"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start the site")?;
    let mut guard = ServerGuard(child);
    let stdout = guard.0.stdout.take().context("no stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let port = line
        .trim()
        .parse()
        .with_context(|| format!("the site printed `{}`, not a port", line.trim()))?;
    Ok((guard, port))
}

/// One configuration: which crawler, at which concurrency.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Crawl,
    /// crawl with `--job-dir`.
    JobDir,
    /// crawl with `--job-dir` and `-s JOBDIR_SYNC=true`.
    JobDirSync,
    /// crawl with `-s SCHEDULER=redis`, this many worker processes at once.
    Redis(usize),
    Baseline,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Crawl => "crawl",
            Kind::JobDir => "crawl --job-dir",
            Kind::JobDirSync => "crawl --job-dir JOBDIR_SYNC=true",
            Kind::Redis(1) => "crawl redis 1 worker",
            Kind::Redis(_) => "crawl redis 2 workers",
            Kind::Baseline => "baseline",
        }
    }
}

fn harness(args: &[OsString]) -> anyhow::Result<()> {
    let (heavy, args) = take_flag(args, "--heavy");
    let (job_dir, args) = take_flag(&args, "--job-dir");
    let (job_dir_sync, args) = take_flag(&args, "--jobdir-sync");
    let (redis, args) = take_flag(&args, "--redis");
    let redis_server = redis.then(cluster::start_redis).transpose()?;
    let (mut pages, mut runs, mut levels) = (default_pages(heavy), 3usize, vec![32usize, 128]);
    let mut json = None;
    for (name, value) in flags(&args)? {
        match name.as_str() {
            "pages" => pages = value.parse()?,
            "runs" => runs = value.parse::<usize>()?.max(1),
            "concurrency" => {
                levels = value
                    .split(',')
                    .map(|c| c.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            "json" => json = Some(value),
            _ => bail!("unknown flag `--{name}`\n{}", USAGE.trim()),
        }
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mode = if heavy { " (heavy pages)" } else { "" };
    eprintln!("bench: {pages} pages{mode}, {runs} runs per configuration, {cores} cores");
    let load = load_average();
    if load > 0.5 {
        eprintln!(
            "bench: warning: load average is {load:.2} before starting: other processes share the cores, so figures will be noisy"
        );
    }
    let (server, port) = start_server(pages, heavy)?;
    let start = format!("http://127.0.0.1:{port}/");
    let dir = tempfile::tempdir()?;
    let configs: Vec<(Kind, usize)> = levels
        .iter()
        .flat_map(|&c| {
            let durable = job_dir.then_some((Kind::JobDir, c));
            let synced = job_dir_sync.then_some((Kind::JobDirSync, c));
            let one = redis.then_some((Kind::Redis(1), c));
            let two = redis.then_some((Kind::Redis(2), c));
            [
                Some((Kind::Crawl, c)),
                durable,
                synced,
                one,
                two,
                Some((Kind::Baseline, c)),
            ]
        })
        .flatten()
        .collect();
    let mut results: Vec<Vec<Figures>> = vec![Vec::new(); configs.len()];
    // Runs are interleaved (all configurations, then again), so drift hits all alike.
    for run in 1..=runs {
        for (index, &(kind, concurrency)) in configs.iter().enumerate() {
            let label = format!("{} c={concurrency}", kind.name());
            let feed = dir
                .path()
                .join(format!("{}-c{concurrency}.jsonl", kind.name()));
            let log = dir
                .path()
                .join(format!("{}-c{concurrency}.log", kind.name()));
            let site_before = process_cpu_seconds(server.0.id());
            let job = dir
                .path()
                .join(format!("job-{index}-c{concurrency}-run{run}"));
            let mut figures = match (kind, &redis_server) {
                (Kind::Redis(workers), Some(server)) => {
                    let prefix = format!("bench:c{concurrency}:w{workers}:run{run}");
                    let shared = cluster::shared_args(&server.url(), &prefix);
                    let runs = (1..=workers).map(|n| {
                        let worker_feed = feed.with_extension(format!("w{n}.jsonl"));
                        let worker_log = log.with_extension(format!("w{n}.log"));
                        let args = crawl_args(concurrency, &start, &worker_feed, &shared);
                        (args, worker_feed, worker_log)
                    });
                    cluster::run_workers(runs.collect())
                }
                _ => run_one(kind, concurrency, &start, &feed, &log, &job),
            }
            .with_context(|| format!("{label}, run {run}"))?;
            figures.site_cpu = process_cpu_seconds(server.0.id()) - site_before;
            eprintln!(
                "bench: {label:<14} run {run}/{runs}: {} pages, {} items, {:.2} s, CPU {:.2} s, peak RSS {:.1} MiB, site CPU {:.2} s",
                figures.pages,
                figures.items,
                figures.wall,
                figures.cpu(),
                figures.max_rss_mib(),
                figures.site_cpu,
            );
            results[index].push(figures);
        }
    }
    let rows: Vec<Row> = results.iter().map(|r| summarize(r)).collect();
    print_table(pages, heavy, runs, &configs, &rows);
    if let Some(path) = json {
        write_json(Path::new(&path), &configs, &rows)?;
    }
    println!(
        "Load average before: {load:.2}, after: {:.2} ({cores} cores; the site's process runs on the same cores).",
        load_average()
    );
    check_counts(pages, &configs, &results);
    if let Some(server) = &redis_server {
        let urls = 1_000_000;
        let bytes = cluster::seen_set_bytes_per_url(server, urls)?;
        println!(
            "Redis seen set: {bytes:.1} bytes per URL ({urls} URLs, MEMORY USAGE of its keys)."
        );
    }
    Ok(())
}

/// The 1-minute load average.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// User + system seconds a running process has used so far (from /proc/PID/stat).
fn process_cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the parenthesized command name: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        // /proc reports clock ticks of USER_HZ, 100 per second on Linux.
        (Some(user), Some(sys)) => (user + sys) / 100.0,
        _ => f64::NAN,
    }
}

/// Runs one crawl in a measured child process.
fn run_one(
    kind: Kind,
    concurrency: usize,
    start: &str,
    feed: &Path,
    log: &Path,
    job: &Path,
) -> anyhow::Result<Figures> {
    let c = concurrency.to_string();
    let feed_arg = feed.display().to_string();
    let mut args: Vec<String> = vec!["measure".into()];
    match kind {
        Kind::Crawl | Kind::JobDir | Kind::JobDirSync | Kind::Redis(_) => {
            args.extend(crawl_args(concurrency, start, feed, &[]));
        }
        Kind::Baseline => args.extend(
            [
                "baseline",
                "--start",
                start,
                "--concurrency",
                &c,
                "--out",
                &feed_arg,
            ]
            .map(String::from),
        ),
    }
    if matches!(kind, Kind::JobDir | Kind::JobDirSync) {
        args.extend(["--job-dir".to_owned(), job.display().to_string()]);
    }
    if kind == Kind::JobDirSync {
        args.extend(["-s".to_owned(), "JOBDIR_SYNC=true".to_owned()]);
    }
    let child = spawn_measured(&args, log)?;
    let mut figures = wait_measured(child, log)?;
    (figures.items, figures.digest) = measure::feed_summary(feed)?;
    std::fs::remove_file(feed)?;
    Ok(figures)
}

/// The arguments of one crawl of the site (after `measure`), with `extra` ones.
fn crawl_args(concurrency: usize, start: &str, feed: &Path, extra: &[String]) -> Vec<String> {
    let c = concurrency.to_string();
    let mut args: Vec<String> = [
        "crawl",
        "bench_spider",
        "-a",
        &format!("start_url={start}"),
        "-O",
        &feed.display().to_string(),
        "-s",
        &format!("CONCURRENT_REQUESTS={c}"),
        "-s",
        &format!("CONCURRENT_REQUESTS_PER_DOMAIN={c}"),
    ]
    .map(String::from)
    .to_vec();
    args.extend_from_slice(extra);
    args
}

/// Starts `bench measure ARGS...` (`args` begins with `measure`), logging to `log`.
fn spawn_measured(args: &[String], log: &Path) -> anyhow::Result<Child> {
    Ok(Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log)?)
        .spawn()?)
}

/// Waits for a measured run and reads its figures.
fn wait_measured(child: Child, log: &Path) -> anyhow::Result<Figures> {
    let output = child.wait_with_output()?;
    if !output.status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("the run failed ({}):\n{}", output.status, tail.join("\n"));
    }
    serde_json::from_slice(&output.stdout)
        .with_context(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

struct Row {
    pages: f64,
    items: f64,
    wall: f64,
    cpu: f64,
    rss: f64,
    site_cpu: f64,
}

fn summarize(runs: &[Figures]) -> Row {
    Row {
        pages: median(runs.iter().map(|f| f.pages as f64)),
        items: median(runs.iter().map(|f| f.items as f64)),
        wall: median(runs.iter().map(|f| f.wall)),
        cpu: median(runs.iter().map(Figures::cpu)),
        rss: median(runs.iter().map(Figures::max_rss_mib)),
        site_cpu: median(runs.iter().map(|f| f.site_cpu)),
    }
}

/// `--json FILE`: the table's rows, for scripts (`scrapy_compare.sh`).
fn write_json(path: &Path, configs: &[(Kind, usize)], rows: &[Row]) -> anyhow::Result<()> {
    let rows: Vec<serde_json::Value> = configs
        .iter()
        .zip(rows)
        .map(|(&(kind, concurrency), row)| {
            serde_json::json!({
                "crawler": kind.name(),
                "concurrency": concurrency,
                "pages": row.pages,
                "items": row.items,
                "wall": row.wall,
                "cpu": row.cpu,
                "rss_mib": row.rss,
                "site_cpu": row.site_cpu,
            })
        })
        .collect();
    std::fs::write(path, serde_json::to_string_pretty(&rows)?)?;
    Ok(())
}

fn print_table(pages: usize, heavy: bool, runs: usize, configs: &[(Kind, usize)], rows: &[Row]) {
    println!();
    let mode = if heavy {
        " (heavy: ~1.5 MB and ~3,000 links a page)"
    } else {
        ""
    };
    println!(
        "Synthetic site: {pages} pages{mode}; median of {runs} run(s); CPU = user + sys of the crawler's process; site CPU = the server's."
    );
    println!();
    println!("| configuration | pages | items | wall s | pages/s | CPU s | peak RSS MiB | wall / baseline | CPU / baseline | site CPU s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (&(kind, concurrency), row) in configs.iter().zip(rows) {
        let baseline = configs
            .iter()
            .position(|&(k, c)| k == Kind::Baseline && c == concurrency)
            .map(|i| &rows[i]);
        let (wall_ratio, cpu_ratio) = match (kind, baseline) {
            (Kind::Crawl | Kind::JobDir | Kind::JobDirSync | Kind::Redis(_), Some(base)) => (
                format!("{:.2}", row.wall / base.wall),
                format!("{:.2}", row.cpu / base.cpu),
            ),
            _ => ("".to_owned(), "".to_owned()),
        };
        println!(
            "| {} c={concurrency} | {:.0} | {:.0} | {:.2} | {:.0} | {:.2} | {:.1} | {wall_ratio} | {cpu_ratio} | {:.2} |",
            kind.name(),
            row.pages,
            row.items,
            row.wall,
            row.pages / row.wall,
            row.cpu,
            row.rss,
            row.site_cpu,
        );
    }
    println!();
    for (&(kind, concurrency), row) in configs.iter().zip(rows) {
        let memory = configs
            .iter()
            .position(|&(k, c)| k == Kind::Crawl && c == concurrency)
            .map(|i| &rows[i]);
        let (what, target) = match kind {
            Kind::JobDir => ("With --job-dir", "wall ≤ 1.3x"),
            Kind::JobDirSync => ("With --job-dir and JOBDIR_SYNC=true", "none"),
            Kind::Redis(1) => ("On Redis, one worker", "wall ≤ 1.5x"),
            Kind::Redis(_) => ("On Redis, two workers", "wall ≤ one worker's"),
            _ => continue,
        };
        if let Some(memory) = memory {
            println!(
                "{what} at c={concurrency}: wall {:.2}x, CPU {:.2}x the in-memory crawl (target: {target}).",
                row.wall / memory.wall,
                row.cpu / memory.cpu
            );
        }
    }
}

/// Warns when a run crawled another number of pages or items than the others.
fn check_counts(pages: usize, configs: &[(Kind, usize)], results: &[Vec<Figures>]) {
    let expected_items = 3 * pages as u64;
    let reference = results.iter().flatten().next().map(|f| f.digest);
    let mut ok = true;
    for (&(kind, concurrency), runs) in configs.iter().zip(results) {
        for (run, figures) in runs.iter().enumerate() {
            let label = format!("{} c={concurrency} run {}", kind.name(), run + 1);
            if figures.pages != pages as u64 || figures.items != expected_items {
                ok = false;
                println!(
                    "WARNING: {label} crawled {} pages and {} items; the site has {pages} pages and {expected_items} items",
                    figures.pages, figures.items
                );
            } else if Some(figures.digest) != reference {
                ok = false;
                println!("WARNING: {label} wrote other items than the first run");
            }
        }
    }
    if ok {
        println!(
            "Every run crawled all {pages} pages and wrote the same {expected_items} items (same lines, any order)."
        );
    }
}
