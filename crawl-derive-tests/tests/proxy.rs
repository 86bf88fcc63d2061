//! HttpProxyMiddleware: the `proxy` meta routes requests through a real forward proxy.

mod builtins;
mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use builtins::*;
use crawl_core::demo_site::DemoSite;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// A forward proxy for plain HTTP: reads the absolute-form request line, records it with its
/// `Proxy-Authorization`, and forwards the request (without that header) to the origin.
async fn forward_proxy() -> (SocketAddr, Arc<Mutex<Vec<(String, Option<String>)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut client).await else {
                    return;
                };
                let mut lines = head.split("\r\n");
                let line = lines.next().unwrap_or_default().to_owned();
                let mut parts = line.split(' ');
                let (method, target) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
                let url = url::Url::parse(target).unwrap();
                let mut forwarded = format!(
                    "{method} {}{} HTTP/1.1\r\n",
                    url.path(),
                    url.query().map(|q| format!("?{q}")).unwrap_or_default()
                );
                let mut auth = None;
                for header in lines.filter(|l| !l.is_empty()) {
                    let name = header
                        .split(':')
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    match name.as_str() {
                        "proxy-authorization" => {
                            auth = header.split_once(": ").map(|(_, v)| v.to_owned())
                        }
                        "connection" | "proxy-connection" => {}
                        _ => forwarded.push_str(&format!("{header}\r\n")),
                    }
                }
                forwarded.push_str("Connection: close\r\n\r\n");
                log.lock().unwrap().push((line, auth));
                let origin = (url.host_str().unwrap().to_owned(), url.port().unwrap_or(80));
                let mut upstream = TcpStream::connect(origin).await.unwrap();
                upstream.write_all(forwarded.as_bytes()).await.unwrap();
                let _ = tokio::io::copy(&mut upstream, &mut client).await;
                let _ = client.shutdown().await;
            });
        }
    });
    (addr, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_meta_routes_requests_through_a_real_proxy() {
    let site = DemoSite::start().await.unwrap();
    let (proxy, seen) = forward_proxy().await;
    let steps = json!([
        {"path": "/headers?via=proxy", "meta": {"proxy": format!("http://us%20er:pa%3Ass@{proxy}")}},
        {"path": "/headers?direct"},
    ]);
    let run = plan(&site, steps, &[]).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        1,
        "only the request with the meta went through the proxy"
    );
    assert_eq!(
        seen[0].0,
        format!("GET {} HTTP/1.1", site.url("/headers?via=proxy"))
    );
    // base64("us er:pa:ss")
    assert_eq!(seen[0].1.as_deref(), Some("Basic dXMgZXI6cGE6c3M="));
    let via: Value = serde_json::from_str(
        by_path(&run, "/headers?via=proxy")["text"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert!(
        via.get("proxy-authorization").is_none(),
        "the credentials went to the proxy only"
    );
    assert_eq!(site.hits("/headers"), 2);
    assert_eq!(run.stat("downloader/response_count"), 2);
}
