//! The broad-crawl benchmark's check, small: 50 hosts on one local server (all names
//! resolved to 127.0.0.1 by `DNS_OVERRIDE`), each with `DOWNLOAD_DELAY`; the server's log
//! shows every host's requests at least the delay apart, and the hosts fetched side by side.

#[path = "../bench/broad_site.rs"]
#[allow(dead_code)]
mod broad_site;

use crawl_core::cli::{self, CliConfig};

const HOSTS: usize = 50;
const PAGES: usize = 3;
const DELAY: f64 = 0.3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_host_waits_its_delay_while_the_hosts_go_side_by_side() {
    let site = broad_site::start(HOSTS, PAGES).await.unwrap();
    let args = [
        "broad".to_owned(),
        "crawl".into(),
        "broad_spider".into(),
        "-a".into(),
        format!("hosts={HOSTS}"),
        "-a".into(),
        format!("port={}", site.port()),
        "-s".into(),
        r#"DNS_OVERRIDE={"*.test": "127.0.0.1"}"#.into(),
        "-s".into(),
        format!("DOWNLOAD_DELAY={DELAY}"),
        "-s".into(),
        "RANDOMIZE_DOWNLOAD_DELAY=false".into(),
        "-s".into(),
        "ROBOTSTXT_OBEY=false".into(),
        "-L".into(),
        "WARN".into(),
    ];
    let result = cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let log = site.log();
    let pages = result.stats.get("response_received_count");
    assert_eq!(pages.and_then(|v| v.as_u64()), Some((HOSTS * PAGES) as u64));
    // Jitter between a request's start in the crawl and its arrival: well under the delay.
    let spacing = broad_site::spacing(&log, DELAY, 0.1);
    assert_eq!((spacing.requests, spacing.hosts), (HOSTS * PAGES, HOSTS));
    assert_eq!(spacing.too_close, 0, "shortest gap {}", spacing.min_gap);
    // Every host's front page is ready at once: none waits behind another host's delay.
    assert_eq!(spacing.hosts_before_a_second, HOSTS, "{spacing:?}");
}
