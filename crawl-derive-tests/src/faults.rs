//! A fault-injecting HTTP server on 127.0.0.1: each path serves one hostile response
//! (a decompression bomb, a huge or endless body, a pathological page), so run-time tests can
//! crawl it with the real engine and check that the limits hold.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use crawl_derive_tests::faults::{bombs, Fault, FaultServer};
//! let server = FaultServer::start(vec![
//!     ("/nul", Fault::html(vec![0; 1 << 20])),
//!     ("/bomb", Fault::encoded("gzip", bombs::gzip_zeros(1 << 30))),
//!     ("/endless", Fault::endless(vec![0; 64 * 1024])),
//! ])
//! .await?;
//! let start = server.url("/bomb");
//! # Ok(()) }
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;

/// The most bytes an endless body sends before it ends after all (every loop is bounded).
pub const ENDLESS_LIMIT: u64 = 64 << 30;

/// What one path serves.
#[derive(Clone, Debug)]
pub struct Fault {
    headers: Vec<(HeaderName, HeaderValue)>,
    body: FaultBody,
}

#[derive(Clone, Debug)]
enum FaultBody {
    /// The whole body at once, with its `Content-Length`.
    Fixed(Bytes),
    /// The chunk again and again without a `Content-Length`, until the client goes away
    /// (or [`ENDLESS_LIMIT`] bytes went out).
    Endless(Bytes),
}

impl Fault {
    /// A `text/html` page with this body.
    pub fn html(body: impl Into<Bytes>) -> Fault {
        Fault {
            headers: vec![(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
            body: FaultBody::Fixed(body.into()),
        }
    }

    /// A `text/html` page encoded with `coding` (a `Content-Encoding` value such as
    /// `"gzip"` or `"gzip, gzip"`); `body` is already encoded.
    pub fn encoded(coding: &'static str, body: impl Into<Bytes>) -> Fault {
        Fault::html(body).with_header(header::CONTENT_ENCODING, coding)
    }

    /// A `text/html` page that never ends: `chunk` sent over and over, chunked.
    pub fn endless(chunk: impl Into<Bytes>) -> Fault {
        Fault {
            headers: vec![(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
            body: FaultBody::Endless(chunk.into()),
        }
    }

    /// The same fault with one more header.
    pub fn with_header(mut self, name: HeaderName, value: &'static str) -> Fault {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    fn respond(&self, sent: Arc<AtomicU64>) -> Response {
        let body = match &self.body {
            FaultBody::Fixed(bytes) => {
                sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                Body::from(bytes.clone())
            }
            FaultBody::Endless(chunk) => {
                let chunk = chunk.clone();
                let rounds = ENDLESS_LIMIT / chunk.len().max(1) as u64;
                Body::from_stream(futures::stream::iter((0..rounds).map(move |_| {
                    sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    Ok::<_, std::convert::Infallible>(chunk.clone())
                })))
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() = StatusCode::OK;
        for (name, value) in &self.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        response
    }
}

/// A running fault server; it stops when the test's runtime ends.
#[derive(Debug)]
pub struct FaultServer {
    base: String,
    sent: Arc<AtomicU64>,
}

impl FaultServer {
    /// Serves each `(path, fault)` on an ephemeral port of 127.0.0.1; other paths are 404s.
    pub async fn start(faults: Vec<(&str, Fault)>) -> std::io::Result<FaultServer> {
        let sent = Arc::new(AtomicU64::new(0));
        let mut router = axum::Router::new();
        for (path, fault) in faults {
            let sent = sent.clone();
            router = router.route(path, get(move || async move { fault.respond(sent) }));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(FaultServer { base, sent })
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Body bytes the server has handed to its connections so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

/// Compressed bodies that decode to far more than they weigh.
pub mod bombs {
    use std::io::Write;

    /// Zeros per gzip member or zstd frame: big members compress best, small ones build fast.
    const PIECE: usize = 1 << 20;

    /// `body` gzipped.
    pub fn gzip(body: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(body).expect("writing to a Vec");
        encoder.finish().expect("writing to a Vec")
    }

    /// A gzip body decoding to `size` NUL bytes (rounded up to a MiB): one member repeated,
    /// which decoders join as one stream, so a GiB costs a MiB and no time to build.
    pub fn gzip_zeros(size: u64) -> Vec<u8> {
        repeat(&gzip(&[0; PIECE]), size)
    }

    /// A zstd body decoding to `size` NUL bytes (rounded up to a MiB), one frame repeated.
    pub fn zstd_zeros(size: u64) -> Vec<u8> {
        let frame = zstd::encode_all(&[0u8; PIECE][..], 19).expect("encoding in memory");
        repeat(&frame, size)
    }

    fn repeat(piece: &[u8], size: u64) -> Vec<u8> {
        piece.repeat(size.div_ceil(PIECE as u64) as usize)
    }
}
