//! Hostile responses from the fault server (issue 9): decompression bombs, huge and endless
//! bodies, pathological nesting. Each crawl runs for real against 127.0.0.1, and its peak
//! memory is measured from inside this test process by a counting global allocator.

mod common;

use crawl_core::prelude::*;
use crawl_derive_tests::faults::{bombs, Fault, FaultServer};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// The allocator's peak is process-wide: the tests of this file take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const MIB: usize = 1 << 20;
/// What a crawl takes besides the bodies (runtime, clients, buffers, stats, feed).
const OVERHEAD: usize = 16 * MIB;

/// A page's size and links: parses every response.
#[derive(Serialize)]
struct Parsed {
    bytes: usize,
    links: usize,
}

#[derive(Default)]
struct Parse;

#[spider(name = "parse")]
impl Parse {
    async fn parse(&self, response: Response) -> Parsed {
        Parsed {
            bytes: response.body.len(),
            links: response.css("a").len(),
        }
    }
}

/// A page's size only: never parses.
#[derive(Serialize)]
struct Sized {
    bytes: usize,
}

#[derive(Default)]
struct Size;

#[spider(name = "size")]
impl Size {
    async fn parse(&self, response: Response) -> Sized {
        Sized {
            bytes: response.body.len(),
        }
    }
}

/// Crawls the `paths` of `server` with `spider` and returns the run and the peak memory it
/// added, in bytes.
async fn crawl(
    spider: &str,
    server: &FaultServer,
    paths: &[&str],
    settings: &[&str],
) -> (common::Run, usize) {
    let start: Vec<String> = paths.iter().map(|path| server.url(path)).collect();
    let mut extra = vec!["-s", "ROBOTSTXT_OBEY=false"];
    for setting in settings {
        extra.extend(["-s", setting]);
    }
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let run = common::crawl_url(spider, &start.join(","), &extra).await;
    let peak = ALLOCATOR.peak_usage().saturating_sub(before);
    eprintln!("{spider} {paths:?}: peak +{} MiB", peak / MIB);
    (run, peak)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_nul_bytes_costs_a_small_multiple_of_its_size() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let size = 4 * MIB;
    let server = FaultServer::start(vec![("/nul", Fault::html(vec![0; size]))])
        .await
        .unwrap();
    let (run, peak) = crawl("parse", &server, &["/nul"], &[]).await;
    assert_eq!(run.items.len(), 1);
    assert_eq!(run.items[0]["bytes"], size);
    // The body, the parser's copy of its text and little else (it was 100 times its size
    // while the parser kept a message per NUL byte).
    assert!(peak < 4 * size + OVERHEAD, "peak {peak} B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzipped_page_costs_a_small_multiple_of_its_decoded_size() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let size = 32 * MIB;
    let server = FaultServer::start(vec![(
        "/gz",
        Fault::encoded("gzip", bombs::gzip_zeros(size as u64)),
    )])
    .await
    .unwrap();
    let (run, peak) = crawl("size", &server, &["/gz"], &[]).await;
    assert_eq!(run.items.len(), 1);
    assert_eq!(run.items[0]["bytes"], size);
    assert_eq!(run.stat("httpcompression/response_count"), 1);
    assert!(peak < 2 * size + OVERHEAD, "peak {peak} B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bombs_stop_at_the_memory_budget_while_inflating() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let gib = 1 << 30;
    let server = FaultServer::start(vec![
        ("/gzip", Fault::encoded("gzip", bombs::gzip_zeros(gib))),
        (
            "/gzip-in-gzip",
            Fault::encoded("gzip, gzip", bombs::gzip(&bombs::gzip_zeros(gib))),
        ),
        ("/zstd", Fault::encoded("zstd", bombs::zstd_zeros(gib))),
    ])
    .await
    .unwrap();
    let budget = 32 * MIB;
    let (run, peak) = crawl(
        "size",
        &server,
        &["/gzip", "/gzip-in-gzip", "/zstd"],
        &[
            &format!("DOWNLOAD_MAXMEMORY={budget}"),
            "CONCURRENT_REQUESTS=1",
        ],
    )
    .await;
    assert!(run.items.is_empty());
    assert_eq!(run.stat("downloader/response_refused_memory"), 3);
    assert_eq!(run.stat("httpcompression/response_count"), 0);
    assert!(peak < budget + OVERHEAD, "peak {peak} B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_codings_stop_at_download_maxsize_while_inflating() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = FaultServer::start(vec![(
        "/gzip-in-gzip",
        Fault::encoded("gzip, gzip", bombs::gzip(&bombs::gzip_zeros(1 << 30))),
    )])
    .await
    .unwrap();
    let maxsize = 8 * MIB;
    let (run, peak) = crawl(
        "size",
        &server,
        &["/gzip-in-gzip"],
        &[&format!("DOWNLOAD_MAXSIZE={maxsize}")],
    )
    .await;
    assert!(run.items.is_empty());
    assert_eq!(run.stat("downloader/response_refused_maxsize"), 1);
    assert!(peak < 2 * maxsize + OVERHEAD, "peak {peak} B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_bodies_at_once_stay_under_the_budget() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let paths = ["/a", "/b", "/c", "/d"];
    let server = FaultServer::start(
        paths
            .iter()
            .map(|path| (*path, Fault::endless(vec![0; 64 * 1024])))
            .collect(),
    )
    .await
    .unwrap();
    let budget = 32 * MIB;
    let (run, peak) = crawl(
        "size",
        &server,
        &paths,
        &[
            &format!("DOWNLOAD_MAXMEMORY={budget}"),
            "CONCURRENT_REQUESTS=4",
        ],
    )
    .await;
    assert!(run.items.is_empty());
    assert_eq!(run.stat("downloader/response_refused_memory"), 4);
    assert_eq!(
        run.stat("downloader/exception_type_count/OverMemoryBudget"),
        4
    );
    // Each was refused, not read to DOWNLOAD_MAXSIZE: the server sent about the budget.
    assert!(
        server.bytes_sent() < 4 * budget as u64,
        "{}",
        server.bytes_sent()
    );
    assert!(peak < budget + OVERHEAD, "peak {peak} B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_is_cut_at_html_maxdepth_and_counted() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let depth = 100_000;
    let page = format!(
        "{}<a href=x>deep</a>{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let size = page.len();
    let server = FaultServer::start(vec![("/deep", Fault::html(page))])
        .await
        .unwrap();
    let (run, peak) = crawl("parse", &server, &["/deep"], &["HTML_MAXDEPTH=256"]).await;
    assert_eq!(run.items.len(), 1);
    assert_eq!(run.items[0]["links"], 0, "the link was nested too deep");
    assert_eq!(run.stat("html_maxdepth/response_count"), 1);
    // 254 divs kept; the rest and the link dropped.
    assert_eq!(
        run.stat("html_maxdepth/dropped_tags"),
        (depth - 254 + 1) as i64
    );
    assert!(peak < 8 * size + OVERHEAD, "peak {peak} B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_tiny_tags_stops_its_tree_at_the_memory_budget() {
    let _turn = ONE_AT_A_TIME.lock().await;
    // 8 MiB of `<a>`: some 2.8 million nodes, near 1 GiB of tree if nothing stopped it.
    let size = 8 * MIB;
    let page = "<a>".repeat(size / 3);
    let server = FaultServer::start(vec![("/tiny", Fault::html(page))])
        .await
        .unwrap();
    let budget = 64 * MIB;
    let (run, peak) = crawl(
        "parse",
        &server,
        &["/tiny"],
        &[&format!("DOWNLOAD_MAXMEMORY={budget}")],
    )
    .await;
    assert_eq!(run.items.len(), 1, "the page is still scraped");
    let links = run.items[0]["links"].as_u64().unwrap() as usize;
    assert!(
        links > 0 && links < size / 3,
        "a prefix of the links is kept: {links}"
    );
    assert_eq!(run.stat("download_maxmemory/truncated_documents"), 1);
    assert_eq!(
        run.stat("download_maxmemory/dropped_tokens") as usize,
        size / 3 - links,
        "every dropped tag is counted"
    );
    assert!(peak < budget + OVERHEAD, "peak {peak} B");
}
