//! A deterministic local demo website for examples and tests.
//!
//! [`DemoSite`] serves, on `127.0.0.1` with an ephemeral port, a quotes site
//! modelled on quotes.toscrape.com (`/`, `/page/N/`, `/author/SLUG/`,
//! `/tag/TAG/page/N/`), a `/robots.txt` disallowing `/private/`, a static
//! `/book/` tree, binary files under `/files/`, and endpoints for testing
//! crawler middleware: status codes, redirects, flaky and throttled resources,
//! compressed bodies, cookies, header echo, slow and big responses; and for the spider
//! toolkit a login form with a CSRF token guarding `/members/`, a JSON API
//! (`/api/quotes?page=N`), sitemaps (`/sitemap.xml`, named by robots.txt) and failing
//! pages (`/fail/`). The content
//! is described in [`data`]; every request is recorded (see
//! [`DemoSite::requests`]).

mod api;
pub mod data;
mod endpoints;
mod failures;
mod files;
mod login;
mod pages;
mod sitemaps;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_toolkit;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get};
use axum::Router;
use tokio::sync::watch;

/// A request received by the demo site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path without the query string, e.g. `/page/2/`.
    pub path: String,
    /// Raw query string without `?`, if the request had one.
    pub query: Option<String>,
    /// Request headers in received order, names lowercased (values decoded lossily as UTF-8).
    pub headers: Vec<(String, String)>,
    /// When the request arrived (to check delays between requests).
    pub received: std::time::Instant,
}

impl SeenRequest {
    /// The first value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Shared mutable state of a running site.
#[derive(Default)]
struct SiteState {
    log: Mutex<Vec<SeenRequest>>,
    /// Milliseconds every response waits before it is sent (0: none).
    latency_ms: std::sync::atomic::AtomicU64,
    flaky: Mutex<HashMap<String, u32>>,
    throttled: Mutex<HashSet<String>>,
    /// How many CSRF and session tokens were issued.
    tokens: AtomicU64,
    csrf_tokens: Mutex<HashSet<String>>,
    sessions: Mutex<HashSet<String>>,
}

/// Locks `mutex`, ignoring poisoning (the data stays consistent: every
/// critical section is a single insert or increment).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl SiteState {
    fn lock_flaky(&self) -> MutexGuard<'_, HashMap<String, u32>> {
        lock(&self.flaky)
    }

    fn lock_throttled(&self) -> MutexGuard<'_, HashSet<String>> {
        lock(&self.throttled)
    }
}

/// How the server task runs, so that dropping the site can stop it.
enum Runner {
    /// A task on the caller's runtime; it finishes on its own after the shutdown signal.
    Task,
    /// A dedicated thread with its own runtime, joined on drop.
    Thread(std::thread::JoinHandle<()>),
}

/// A running demo site on 127.0.0.1 with an ephemeral port. Dropping it stops the server.
pub struct DemoSite {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    runner: Runner,
    state: Arc<SiteState>,
}

impl std::fmt::Debug for DemoSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSite")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl DemoSite {
    /// Binds 127.0.0.1:0 and serves in a background tokio task on the current runtime.
    ///
    /// Must be called from within a tokio runtime. After the site is dropped
    /// the listener closes, idle connections are closed and in-flight requests
    /// are allowed to finish.
    pub async fn start() -> std::io::Result<DemoSite> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(SiteState::default());
        let (shutdown, rx) = watch::channel(false);
        let app = router(state.clone());
        tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(wait_for_shutdown(rx))
                .await;
            if let Err(e) = result {
                tracing::warn!("demo site server error: {e}");
            }
        });
        tracing::debug!("demo site listening on http://{addr}/");
        Ok(DemoSite {
            addr,
            shutdown,
            runner: Runner::Task,
            state,
        })
    }

    /// Starts the site on its own dedicated thread with its own current-thread runtime (for use from sync code, e.g. a CLI main before the crawler runtime exists). The server lives until the returned DemoSite is dropped.
    ///
    /// Dropping the site stops the server within about 250 ms (in-flight
    /// requests get that long to finish) and joins the thread.
    pub fn start_in_background() -> std::io::Result<DemoSite> {
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let state = Arc::new(SiteState::default());
        let (shutdown, rx) = watch::channel(false);
        let app = router(state.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("demo-site".to_string())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(std_listener) {
                        Ok(listener) => listener,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let serve = axum::serve(listener, app)
                        .with_graceful_shutdown(wait_for_shutdown(rx.clone()));
                    let deadline = async {
                        wait_for_shutdown(rx).await;
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    };
                    tokio::select! {
                        result = serve => {
                            if let Err(e) = result {
                                tracing::warn!("demo site server error: {e}");
                            }
                        }
                        () = deadline => {}
                    }
                });
                // Dropping the runtime here aborts any connection still open.
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = handle.join();
                return Err(e);
            }
            Err(_) => {
                let _ = handle.join();
                return Err(std::io::Error::other("demo site thread exited early"));
            }
        }
        tracing::debug!("demo site listening on http://{addr}/ (background thread)");
        Ok(DemoSite {
            addr,
            shutdown,
            runner: Runner::Thread(handle),
            state,
        })
    }

    /// The address the site listens on (127.0.0.1 and an ephemeral port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// "http://127.0.0.1:PORT/" joined with `path` (path may start with '/').
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// Every request the server received so far, in arrival order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.state.log).clone()
    }

    /// Makes every response wait `latency` before it is sent (a slow site), from now on.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.state
            .latency_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Number of received requests whose path (without query) equals `path`.
    pub fn hits(&self, path: &str) -> usize {
        lock(&self.state.log)
            .iter()
            .filter(|r| r.path == path)
            .count()
    }
}

impl Drop for DemoSite {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Runner::Thread(handle) = std::mem::replace(&mut self.runner, Runner::Task) {
            if handle.join().is_err() {
                tracing::warn!("demo site thread panicked");
            }
        }
    }
}

/// Resolves once `true` is sent on the shutdown channel or the sender is dropped.
async fn wait_for_shutdown(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Records every request in the log before handing it on.
async fn record(State(state): State<Arc<SiteState>>, request: Request, next: Next) -> Response {
    let seen = SeenRequest {
        method: request.method().as_str().to_string(),
        path: request.uri().path().to_string(),
        query: request.uri().query().map(str::to_string),
        headers: request
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        received: std::time::Instant::now(),
    };
    tracing::trace!(method = %seen.method, path = %seen.path, "demo site request");
    lock(&state.log).push(seen);
    let latency = state.latency_ms.load(std::sync::atomic::Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    next.run(request).await
}

/// All routes of the site.
fn router(state: Arc<SiteState>) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/page/{n}/", get(pages::quote_page))
        .route("/author/{slug}/", get(pages::author_page))
        .route("/tag/{tag}/", get(pages::tag_index))
        .route("/tag/{tag}/page/{n}/", get(pages::tag_page))
        .route("/robots.txt", get(sitemaps::robots))
        .route("/sitemap.xml", get(sitemaps::sitemap_index))
        .route("/sitemaps/{name}", get(sitemaps::sitemap))
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/members/", get(login::members))
        .route("/api/quotes", get(api::quotes))
        .route("/fail/", get(failures::index))
        .route("/fail/truncated", get(failures::truncated))
        .route("/private/secret.html", get(pages::secret))
        .route("/book/", get(pages::book_root))
        .route("/book/{*rest}", get(pages::book))
        .route("/files/", get(pages::files_index))
        .route("/files/{name}", get(pages::file))
        .route("/api/born", get(pages::api_born))
        .route("/offsite", get(pages::offsite))
        .route("/status/{code}", any(endpoints::status))
        .route("/redirect", get(endpoints::redirect_to))
        .route("/redirect/chain/{n}", get(endpoints::redirect_chain))
        .route("/redirect/loop", get(endpoints::redirect_loop))
        .route("/redirect/code/{code}", any(endpoints::redirect_code))
        .route("/meta-refresh", get(endpoints::meta_refresh))
        .route("/slow", get(endpoints::slow))
        .route("/flaky/{key}", any(endpoints::flaky))
        .route("/throttled/{key}", any(endpoints::throttled))
        .route("/compressed/{encoding}", get(endpoints::compressed))
        .route("/bomb/gzip", get(endpoints::gzip_bomb))
        .route("/big", get(endpoints::big))
        .route("/cookies/set", get(endpoints::cookies_set))
        .route("/cookies/echo", get(endpoints::cookies_echo))
        .route("/headers", any(endpoints::headers))
        .route("/echo", any(endpoints::echo))
        .fallback(|| async { pages::not_found() })
        .layer(middleware::from_fn_with_state(state.clone(), record))
        .with_state(state)
}
