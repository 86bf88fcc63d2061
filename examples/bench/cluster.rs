//! `--redis`: crawls on a frontier shared in a throwaway `redis-server`, by one worker
//! process and by two at once; their figures are added up as one crawl's.

use std::path::PathBuf;

use crawl_core::cluster::server::RedisServer;

use crate::measure::{self, Figures};

/// Starts the `redis-server` the runs share (each under its own key prefix).
pub fn start_redis() -> anyhow::Result<RedisServer> {
    Ok(RedisServer::start()?)
}

/// The settings that make a crawl a worker of the shared crawl `prefix`.
pub fn shared_args(url: &str, prefix: &str) -> Vec<String> {
    [
        "SCHEDULER=redis".to_owned(),
        format!("REDIS_URL={url}"),
        format!("REDIS_KEY_PREFIX={prefix}"),
    ]
    .into_iter()
    .flat_map(|setting| ["-s".to_owned(), setting])
    .collect()
}

/// Runs the workers (each: its crawl arguments, feed and log) at once and adds up their
/// figures: the crawl's wall time is the slowest worker's, CPU and pages are summed, the
/// peak RSS is the largest, and the items are those of every feed together.
pub fn run_workers(workers: Vec<(Vec<String>, PathBuf, PathBuf)>) -> anyhow::Result<Figures> {
    let mut children = Vec::new();
    for (args, feed, log) in &workers {
        let mut measured = vec!["measure".to_owned()];
        measured.extend(args.iter().cloned());
        children.push((crate::spawn_measured(&measured, log)?, feed, log));
    }
    let mut total = Figures::default();
    for (child, feed, log) in children {
        let figures = crate::wait_measured(child, log)?;
        let (items, digest) = measure::feed_summary(feed)?;
        std::fs::remove_file(feed)?;
        total.pages += figures.pages;
        total.wall = total.wall.max(figures.wall);
        total.user += figures.user;
        total.sys += figures.sys;
        total.max_rss_kib = total.max_rss_kib.max(figures.max_rss_kib);
        total.items += items;
        total.digest = total.digest.wrapping_add(digest);
    }
    Ok(total)
}

/// Bytes per URL of the shared seen set: pushes `urls` requests to a fresh crawl in
/// `server` and divides the memory Redis reports for its seen-set keys.
pub fn seen_set_bytes_per_url(server: &RedisServer, urls: usize) -> anyhow::Result<f64> {
    use crawl_core::cluster::RedisFrontier;
    use crawl_core::Request;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let frontier = RedisFrontier::connect(&server.url(), "bench:seen").await?;
        for start in (0..urls).step_by(10_000) {
            let requests = (start..urls.min(start + 10_000))
                .map(|n| Request::get(format!("http://host{}.test/page/{n}", n % 1000)))
                .collect::<Result<Vec<_>, _>>()?;
            frontier.push(&requests).await?;
        }
        let bytes = frontier.seen_bytes().await?;
        frontier.flush().await?;
        Ok(bytes as f64 / urls as f64)
    })
}
