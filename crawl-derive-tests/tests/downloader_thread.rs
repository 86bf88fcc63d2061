//! Downloads run on the downloader's own thread: a callback that holds the crawl's only
//! thread (as parsing a huge page does) does not stop another download from being read.

mod common;

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use crawl_core::cli::{self, CliConfig};
use crawl_core::prelude::*;
use futures::StreamExt;
use tokio::sync::Notify;

/// Bigger than what the loopback socket buffers hold: the server finishes writing it only
/// if the client reads it.
const BIG_BODY: usize = 24 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Tells the blocked callback that the big body was written out (so read by the client).
static BIG_SENT: Mutex<Option<mpsc::Receiver<()>>> = Mutex::new(None);

/// Serves `/hold` once `/big` has been asked for (so that both downloads are in flight),
/// and `/big`, whose end is reported on `sent`. Runs on a thread of its own, so that a
/// blocked crawl cannot block it.
fn start_server(sent: mpsc::Sender<()>) -> String {
    let (url_tx, url_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let big_asked = Arc::new(Notify::new());
            let app = axum::Router::new()
                .route(
                    "/hold",
                    get(|State((asked, _)): State<(Arc<Notify>, _)>| async move {
                        asked.notified().await;
                        axum::response::Html("<title>hold</title>")
                    }),
                )
                .route(
                    "/big",
                    get(
                        |State((asked, sent)): State<(Arc<Notify>, mpsc::Sender<()>)>| async move {
                            asked.notify_one();
                            let chunks =
                                futures::stream::iter(0..=BIG_BODY / CHUNK).map(move |index| {
                                    if index == BIG_BODY / CHUNK {
                                        // Every earlier chunk was taken by the connection.
                                        let _ = sent.send(());
                                        return Ok::<_, std::io::Error>(Vec::new());
                                    }
                                    Ok(vec![b'x'; CHUNK])
                                });
                            Body::from_stream(chunks)
                        },
                    ),
                )
                .with_state((big_asked, sent));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            url_tx
                .send(format!("http://{}/", listener.local_addr().unwrap()))
                .unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    url_rx.recv().unwrap()
}

#[derive(Serialize)]
struct Seen {
    path: String,
    /// For `/hold`: whether `/big` was read to its end while this callback held the thread.
    big_read_meanwhile: Option<bool>,
    bytes: usize,
}

#[derive(Default)]
struct Blocking;

#[spider(name = "blocking")]
impl Blocking {
    async fn start_requests(&self, crawler: &Crawler) {
        let start = &crawler.start_urls()[0];
        yield_!(Request::new(start.join("/hold")?));
        yield_!(Request::new(start.join("/big")?));
    }

    async fn parse(&self, response: Response) -> Seen {
        let path = response.url.path().to_owned();
        let big_read_meanwhile = (path == "/hold").then(|| {
            // Holds the crawl's only thread, as a long parse would; bounded, so a failure
            // ends the test instead of hanging it.
            let sent = BIG_SENT.lock().unwrap().take().unwrap();
            sent.recv_timeout(Duration::from_secs(20)).is_ok()
        });
        Seen {
            path,
            big_read_meanwhile,
            bytes: response.body.len(),
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_blocked_callback_does_not_stop_other_downloads() {
    let (sent_tx, sent_rx) = mpsc::channel();
    *BIG_SENT.lock().unwrap() = Some(sent_rx);
    let url = start_server(sent_tx);
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("seen.jsonl");
    let args = [
        "test",
        "crawl",
        "blocking",
        "-a",
        &format!("start_url={url}"),
        "-O",
        &feed.display().to_string(),
        "-s",
        "ROBOTSTXT_OBEY=false",
    ]
    .map(String::from);
    cli::run(args, CliConfig::default()).await.unwrap().unwrap();
    let seen = common::read_jsonl(&feed);
    let hold = seen.iter().find(|s| s["path"] == "/hold").unwrap();
    assert_eq!(hold["big_read_meanwhile"], true, "{seen:?}");
    let big = seen.iter().find(|s| s["path"] == "/big").unwrap();
    assert_eq!(big["bytes"], BIG_BODY);
}
