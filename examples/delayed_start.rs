//! Holding a crawl until something outside is ready: an `#[on(spider_opened)]` handler that
//! waits, before any request is sent, for a local TCP port to accept connections (a proxy,
//! a database, a service the crawl depends on). The engine awaits every `spider_opened`
//! handler before it starts the start requests, so nothing reaches the site until the
//! handler returns. If the port is not ready within the timeout, the handler logs it and
//! closes the spider with `crawler.close_spider("not_ready")`: the crawl ends without a
//! single request, its `finish_reason` being `not_ready`.
//!
//! ```sh
//! cargo run --release --example delayed_start                     # provides the event itself
//! cargo run --release --example delayed_start -- -a ready_port=5432 -a ready_timeout=30
//! ```
//!
//! Arguments: `ready_port` (the port on 127.0.0.1 to wait for), `ready_timeout` (seconds,
//! default 10). Without `ready_port` the example provides the event itself: it opens a
//! listener on a free port about half a second after the spider opens, and waits for that.
//! Stats: `delayed_start/refused_probes` (connection attempts refused while waiting),
//! `delayed_start/waited_seconds`.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crawl_core::prelude::*;
use tokio::net::{TcpListener, TcpStream};

/// How long the handler waits when no `-a ready_timeout=SECS` is given.
pub const DEFAULT_READY_TIMEOUT_SECS: f64 = 10.0;

/// When run without `ready_port`: how long after the spider opens the listener comes up.
pub const SELF_PROVIDED_DELAY: Duration = Duration::from_millis(500);

/// Pause between two connection attempts while the port is closed.
const PROBE_INTERVAL: Duration = Duration::from_millis(50);

/// One quote from a listing page.
#[derive(Debug, Serialize)]
pub struct Quote {
    /// The quote's text, with its curly quotes.
    pub text: String,
    /// Who said it.
    pub author: String,
}

/// The quotes of every listing page, once 127.0.0.1:`ready_port` accepts connections.
#[derive(Default)]
pub struct DelayedStart;

#[spider(name = "delayed_start", args = ["ready_port", "ready_timeout"])]
impl DelayedStart {
    /// A listing page: yields its quotes, then a request for the next page.
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
            });
        }
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }

    /// Waits for the port before the first request; closes the spider on timeout.
    #[on(spider_opened)]
    async fn wait_until_ready(&self, crawler: &Crawler) -> Result<()> {
        let (port, timeout) = match ready_args(crawler) {
            Ok(args) => args,
            Err(error) => {
                crawler.close_spider("invalid_arguments");
                return Err(error);
            }
        };
        let port = match port {
            Some(port) => port,
            None => provide_event().await?,
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        tracing::info!(
            "Waiting up to {}s for {address} to accept connections",
            timeout.as_secs_f64()
        );
        let started = Instant::now();
        let ready = tokio::time::timeout(timeout, wait_for(address, crawler)).await;
        let waited = started.elapsed().as_secs_f64();
        crawler.stats().set(
            "delayed_start/waited_seconds",
            (waited * 1000.0).round() / 1000.0,
        );
        match ready {
            Ok(()) => tracing::info!("{address} is ready after {waited:.3}s: starting the crawl"),
            Err(_) => {
                tracing::warn!("{address} not ready after {waited:.3}s: closing the spider");
                crawler.close_spider("not_ready");
            }
        }
        Ok(())
    }
}

/// `ready_port` (if given) and `ready_timeout` (or the default), checked.
fn ready_args(crawler: &Crawler) -> Result<(Option<u16>, Duration)> {
    let port = crawler.args().parse::<u16>("ready_port")?;
    let seconds = crawler
        .args()
        .parse::<f64>("ready_timeout")?
        .unwrap_or(DEFAULT_READY_TIMEOUT_SECS);
    let timeout = Duration::try_from_secs_f64(seconds)
        .with_context(|| format!("invalid value `{seconds}` for argument `ready_timeout`"))?;
    Ok((port, timeout))
}

/// Connects to `address` until it accepts a connection.
async fn wait_for(address: SocketAddr, crawler: &Crawler) {
    loop {
        match TcpStream::connect(address).await {
            Ok(_) => return,
            Err(error) => {
                crawler.stats().inc("delayed_start/refused_probes");
                tracing::debug!("{address} not ready yet: {error}");
                tokio::time::sleep(PROBE_INTERVAL).await;
            }
        }
    }
}

/// The event, when nobody else provides it: picks a free port and, after
/// [`SELF_PROVIDED_DELAY`], listens on it (accepting and dropping connections for as long as
/// the program runs). Returns the port.
async fn provide_event() -> Result<u16> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await?
        .local_addr()?
        .port();
    tracing::info!(
        "No `-a ready_port=`: 127.0.0.1:{port} will accept connections in {SELF_PROVIDED_DELAY:?}"
    );
    tokio::spawn(async move {
        tokio::time::sleep(SELF_PROVIDED_DELAY).await;
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(listener) => while listener.accept().await.is_ok() {},
            Err(error) => tracing::error!("cannot listen on 127.0.0.1:{port}: {error}"),
        }
    });
    Ok(port)
}

crawl_core::main!(demo_site);
