//! Durable crawls (issue 10): a real crawl process with `--job-dir`, killed with SIGKILL at
//! random instants and resumed, checked against the demo site's own fetch log: the feeds
//! hold exactly the items of an uninterrupted crawl, each once, in valid documents; a page
//! is fetched again only if it was in flight at a kill; start requests are not reissued;
//! stats and the spider's state carry over. Then the refusals: another spider's job dir, a
//! corrupt or foreign one, one in use.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crawl_core::demo_site::DemoSite;
use serde_json::Value;

mod common;
use common::{read_jsonl, read_until, send_signal};

const BIN: &str = env!("CARGO_BIN_EXE_durable_crawl");
/// The spider's `CONCURRENT_REQUESTS`.
const CONCURRENT: usize = 4;
/// Kills per run of the test.
const KILLS: usize = 3;
/// Each response waits this long, so that kills land mid-crawl.
const LATENCY: Duration = Duration::from_millis(25);

/// A random number below `n` (the kill instants).
fn random_below(n: usize) -> usize {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() % n as u64) as usize
}

/// The four feeds of one crawl, one per format.
struct Feeds {
    dir: PathBuf,
}

impl Feeds {
    const NAMES: [&'static str; 4] = ["items.jsonl", "items.json", "items.csv", "items.xml"];

    fn args(&self) -> Vec<String> {
        Self::NAMES
            .iter()
            .flat_map(|name| ["-O".to_owned(), self.dir.join(name).display().to_string()])
            .collect()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn crawl_command(site: &DemoSite, feeds: &Feeds, job: Option<&Path>) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["-a", &format!("start_url={}", site.url("/"))])
        .args(feeds.args())
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    if let Some(job) = job {
        command.args(["--job-dir", &job.display().to_string()]);
    }
    command
}

/// Waits (bounded) until the site has seen `more` requests after `from` of its log, or the
/// child has exited.
fn wait_for_fetches(site: &DemoSite, from: usize, more: usize, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while site.requests().len() < from + more {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "the crawl made no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Requests per path and query in `log`, robots.txt left out (fetched once per run).
fn fetches(log: &[crawl_core::demo_site::SeenRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for seen in log.iter().filter(|seen| seen.path != "/robots.txt") {
        let key = format!("{}?{}", seen.path, seen.query.as_deref().unwrap_or(""));
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// Items as sorted JSON texts.
fn sorted(values: Vec<Value>) -> Vec<String> {
    let mut texts: Vec<String> = values.iter().map(Value::to_string).collect();
    texts.sort();
    texts
}

/// Asserts `got` holds exactly the items `expected` (sorted), naming those missing and
/// those extra.
fn same_items(got: Vec<Value>, expected: &[String], what: &str, context: &str) {
    let got = sorted(got);
    if got == expected {
        return;
    }
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for text in expected {
        *counts.entry(text).or_default() += 1;
    }
    for text in &got {
        *counts.entry(text).or_default() -= 1;
    }
    let missing: Vec<_> = counts.iter().filter(|(_, n)| **n > 0).collect();
    let extra: Vec<_> = counts.iter().filter(|(_, n)| **n < 0).collect();
    panic!(
        "{what}: {} items, {} expected; missing {missing:?}; extra {extra:?}; {context}",
        got.len(),
        expected.len()
    );
}

fn csv_records(path: &Path) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let mut count = 0;
    for record in reader.records() {
        record.unwrap_or_else(|error| panic!("{} is not valid CSV: {error}", path.display()));
        count += 1;
    }
    count
}

fn xml_items(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut items, mut depth) = (0, 0i32);
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(start) => {
                depth += 1;
                if depth == 2 && start.name().as_ref() == b"item" {
                    items += 1;
                }
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "the XML document is closed");
    items
}

/// The integer stat `key` in a crawl's final stats dump.
fn stat(log: &str, key: &str) -> i64 {
    let needle = format!("\"{key}\": ");
    let start = log
        .rfind(&needle)
        .unwrap_or_else(|| panic!("no {key} in {log}"))
        + needle.len();
    log[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn finish(child: Child) -> (std::process::ExitStatus, String) {
    let output = child.wait_with_output().unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_resumed_crawls_write_every_item_exactly_once() {
    let started = Instant::now();
    let site = DemoSite::start().await.unwrap();
    site.set_latency(LATENCY);
    let temp = tempfile::tempdir().unwrap();

    // One uninterrupted crawl: the items to expect and the pages it fetches.
    let reference = Feeds {
        dir: temp.path().join("reference"),
    };
    let (status, log) = finish(crawl_command(&site, &reference, None).spawn().unwrap());
    assert!(status.success(), "{log}");
    let expected = sorted(read_jsonl(&reference.path("items.jsonl")));
    let reference_fetches = fetches(&site.requests());
    assert!(expected.len() > 100, "{} items", expected.len());

    // Kills at random instants, a pause with Ctrl-C, then a run to the end.
    let job = temp.path().join("job");
    let feeds = Feeds {
        dir: temp.path().join("durable"),
    };
    let from = site.requests().len();
    let mut instants = Vec::new();
    for _ in 0..KILLS {
        let mut child = crawl_command(&site, &feeds, Some(&job))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let more = 2 + random_below(12);
        instants.push(more);
        wait_for_fetches(&site, site.requests().len(), more, &mut child);
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let mut child = crawl_command(&site, &feeds, Some(&job)).spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = stderr.lines().map_while(Result::ok);
    let mut seen = Vec::new();
    read_until(&mut lines, "Resuming job", &mut seen);
    wait_for_fetches(&site, site.requests().len(), 3, &mut child);
    send_signal(child.id(), "INT");
    seen.extend(lines);
    let paused = child.wait().unwrap();
    let log = seen.join("\n");
    assert!(paused.success(), "{log}");
    let (status, log) = finish(crawl_command(&site, &feeds, Some(&job)).spawn().unwrap());
    assert!(status.success(), "{log}");
    let context = format!("kills after {instants:?} fetches; last log:\n{log}");

    // Every item exactly once, in every format, each a valid document.
    let items = read_jsonl(&feeds.path("items.jsonl"));
    same_items(items, &expected, "items.jsonl", &context);
    let array: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(feeds.path("items.json")).unwrap())
            .unwrap_or_else(|error| panic!("items.json is not one array ({error}); {context}"));
    same_items(array, &expected, "items.json", &context);
    assert_eq!(
        csv_records(&feeds.path("items.csv")),
        expected.len(),
        "{context}"
    );
    assert_eq!(
        xml_items(&feeds.path("items.xml")),
        expected.len(),
        "{context}"
    );

    // Pages fetched again only if in flight at a kill; start requests (dont_filter) not
    // reissued, or they would be fetched once per run.
    let durable_fetches = fetches(&site.requests()[from..]);
    let pages: Vec<&String> = durable_fetches.keys().collect();
    assert_eq!(
        pages,
        reference_fetches.keys().collect::<Vec<_>>(),
        "{context}"
    );
    let again: usize = durable_fetches.values().map(|count| count - 1).sum();
    assert!(
        again <= KILLS * CONCURRENT,
        "{again} pages fetched again: {durable_fetches:?}; {context}"
    );

    // Stats add up across runs; the spider's state came back.
    assert_eq!(
        stat(&log, "item_scraped_count"),
        expected.len() as i64,
        "{context}"
    );
    assert!(
        stat(&log, "response_received_count") >= reference_fetches.len() as i64,
        "{context}"
    );
    let restored = log
        .lines()
        .find_map(|line| line.split("spider state: ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no spider state line; {context}"));
    assert!(restored > 0, "{context}");
    assert!(
        started.elapsed() < Duration::from_secs(50),
        "{:?}",
        started.elapsed()
    );
}

/// The bytes of every file under `dir`, by name.
fn snapshot(dir: &Path) -> HashMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

fn refused(output: Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_dirs_of_others_corrupt_or_in_use_are_refused_and_left_as_they_are() {
    let site = DemoSite::start().await.unwrap();
    let temp = tempfile::tempdir().unwrap();
    let feeds = Feeds {
        dir: temp.path().join("feeds"),
    };
    let job = temp.path().join("job");

    // In use: a second crawl on a running crawl's job dir.
    site.set_latency(Duration::from_millis(300));
    let mut first = crawl_command(&site, &feeds, Some(&job))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_fetches(&site, 0, 2, &mut first);
    let second = crawl_command(&site, &feeds, Some(&job)).output().unwrap();
    refused(second, "in use by a running crawl");
    first.kill().unwrap();
    first.wait().unwrap();

    // Another spider: the job dir and the feed it names stay as they were.
    let feed = temp.path().join("other.jsonl");
    std::fs::write(&feed, "{\"kept\":1}\n").unwrap();
    let before = snapshot(&job);
    let other = Command::new(env!("CARGO_BIN_EXE_slow_crawl"))
        .args(["-a", &format!("start_url={}", site.url("/"))])
        .args(["-O", &feed.display().to_string()])
        .args(["--job-dir", &job.display().to_string()])
        .output()
        .unwrap();
    refused(other, "belongs to spider `durable`");
    assert_eq!(snapshot(&job), before);
    assert_eq!(std::fs::read_to_string(&feed).unwrap(), "{\"kept\":1}\n");

    // Corrupt: a store that is not a database.
    let corrupt = temp.path().join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(
        corrupt.join("crawl-job.sqlite"),
        b"not a database, not at all",
    )
    .unwrap();
    let before = snapshot(&corrupt);
    let output = crawl_command(&site, &feeds, Some(&corrupt))
        .output()
        .unwrap();
    refused(output, "is corrupt or not a crawl job store");
    assert_eq!(snapshot(&corrupt), before);

    // Foreign: another tool's job dir (Scrapy's JOBDIR layout).
    let foreign = temp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("requests.seen"), b"0123\n").unwrap();
    let before = snapshot(&foreign);
    let output = crawl_command(&site, &feeds, Some(&foreign))
        .output()
        .unwrap();
    refused(output, "not a crawl job dir");
    assert_eq!(snapshot(&foreign), before);
}
