//! Download slots and AutoThrottle: concurrency per slot, delays following the latency.

mod builtins;
mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use builtins::*;
use crawl_core::demo_site::DemoSite;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// A server answering every request after `delay`, counting connections in flight.
async fn counting_server(delay: Duration) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (current, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let peak = max.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (current, max) = (current.clone(), max.clone());
            tokio::spawn(async move {
                if read_head(&mut stream).await.is_none() {
                    return;
                }
                max.fetch_max(current.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                current.fetch_sub(1, Ordering::SeqCst);
                let body = "<html><head><title>Counted</title></head></html>";
                let reply = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (addr, peak)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_slots_limit_concurrency_per_slot() {
    let site = DemoSite::start().await.unwrap();
    let cases = [
        (r#"{"127.0.0.1": {"concurrency": 1}}"#, None, 1),
        (
            r#"{"serial": {"concurrency": 1, "delay": 0}}"#,
            Some("serial"),
            1,
        ),
        ("", None, 4),
    ];
    for (slots, slot_meta, expected_peak) in cases {
        let (addr, peak) = counting_server(Duration::from_millis(300)).await;
        let meta = slot_meta.map_or(json!({}), |key| json!({"download_slot": key}));
        let steps: Vec<Value> = (0..4)
            .map(|i| json!({"path": format!("http://{addr}/?i={i}"), "meta": meta}))
            .collect();
        let slots = format!("DOWNLOAD_SLOTS={slots}");
        let run = plan(&site, json!(steps), &["-s", &slots]).await;
        let peak = peak.load(Ordering::SeqCst);
        match expected_peak {
            1 => assert_eq!(peak, 1, "{slots}"),
            _ => assert!(peak > 1, "without a per-slot limit the downloads overlap"),
        }
        assert_eq!(run.items.len(), 4);
        for item in &run.items {
            let latency = item["latency"].as_f64().unwrap();
            assert!((0.29..5.0).contains(&latency), "download_latency {latency}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autothrottle_spaces_requests_by_the_latency() {
    let site = DemoSite::start().await.unwrap();
    let then: Vec<Value> = (1..=4)
        .map(|i| json!({"path": format!("/slow?ms=200&i={i}")}))
        .collect();
    let steps = json!([{"path": "/slow?ms=200&i=0", "then": then}]);
    let throttled = [
        "-s",
        "AUTOTHROTTLE_ENABLED=true",
        "-s",
        "AUTOTHROTTLE_START_DELAY=0",
        "-s",
        "AUTOTHROTTLE_DEBUG=true",
    ];
    let run = plan(
        &site,
        steps.clone(),
        &[&throttled[..], &["-s", "RANDOMIZE_DOWNLOAD_DELAY=false"]].concat(),
    )
    .await;
    assert_eq!(run.items.len(), 5);
    // After the first 200 ms response the slot's delay is 200 ms: the four followers start
    // 200 ms apart instead of together.
    assert!(
        elapsed(&run) >= 0.95,
        "throttled crawl took {}",
        elapsed(&run)
    );
    let free = plan(&site, steps, &[]).await;
    assert!(
        elapsed(&free) < 0.9,
        "unthrottled crawl took {}",
        elapsed(&free)
    );
}
