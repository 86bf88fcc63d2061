//! Signals: async handlers called at each step of a crawl, on a spider (`#[on(signal)]`
//! methods) or as free fns (`#[on(signal)] async fn`).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use crate::hook::Hook;
use crate::{BoxError, BoxedItem, Crawler, Request, Response};

/// The kinds of signal, named as in Scrapy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalKind {
    /// The engine started (before the spider opens).
    EngineStarted,
    /// The spider opened; the crawl waits for every handler before the first request.
    SpiderOpened,
    /// Nothing is left to do; a handler may schedule requests to keep the spider open.
    SpiderIdle,
    /// The spider closed, with its reason.
    SpiderClosed,
    /// An item passed every pipeline.
    ItemScraped,
    /// A pipeline dropped an item.
    ItemDropped,
    /// A pipeline failed on an item.
    ItemError,
    /// A request was queued.
    RequestScheduled,
    /// A request was dropped by the scheduler (a duplicate).
    RequestDropped,
    /// A response arrived from the downloader.
    ResponseReceived,
    /// A callback failed or panicked.
    SpiderError,
}

impl SignalKind {
    /// Every kind, in table order.
    pub const ALL: [SignalKind; 11] = [
        SignalKind::EngineStarted,
        SignalKind::SpiderOpened,
        SignalKind::SpiderIdle,
        SignalKind::SpiderClosed,
        SignalKind::ItemScraped,
        SignalKind::ItemDropped,
        SignalKind::ItemError,
        SignalKind::RequestScheduled,
        SignalKind::RequestDropped,
        SignalKind::ResponseReceived,
        SignalKind::SpiderError,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// A signal with its payload.
#[derive(Debug)]
pub enum Signal<'a> {
    /// See [`SignalKind::EngineStarted`].
    EngineStarted,
    /// See [`SignalKind::SpiderOpened`].
    SpiderOpened,
    /// See [`SignalKind::SpiderIdle`].
    SpiderIdle,
    /// See [`SignalKind::SpiderClosed`].
    SpiderClosed {
        /// The finish reason.
        reason: &'a str,
    },
    /// See [`SignalKind::ItemScraped`].
    ItemScraped {
        /// The item.
        item: &'a BoxedItem,
    },
    /// See [`SignalKind::ItemDropped`].
    ItemDropped {
        /// The item, when the pipeline gave it back.
        item: Option<&'a BoxedItem>,
        /// Why it was dropped.
        reason: &'a str,
    },
    /// See [`SignalKind::ItemError`].
    ItemError {
        /// The item, when the pipeline gave it back.
        item: Option<&'a BoxedItem>,
        /// The failure.
        error: &'a BoxError,
    },
    /// See [`SignalKind::RequestScheduled`].
    RequestScheduled {
        /// The request.
        request: &'a Request,
    },
    /// See [`SignalKind::RequestDropped`].
    RequestDropped {
        /// The request.
        request: &'a Request,
    },
    /// See [`SignalKind::ResponseReceived`].
    ResponseReceived {
        /// The response.
        response: &'a Response,
    },
    /// See [`SignalKind::SpiderError`].
    SpiderError {
        /// The URL of the response whose callback failed.
        url: &'a str,
        /// The failure.
        error: &'a BoxError,
    },
}

impl Signal<'_> {
    /// The signal's kind.
    pub fn kind(&self) -> SignalKind {
        match self {
            Signal::EngineStarted => SignalKind::EngineStarted,
            Signal::SpiderOpened => SignalKind::SpiderOpened,
            Signal::SpiderIdle => SignalKind::SpiderIdle,
            Signal::SpiderClosed { .. } => SignalKind::SpiderClosed,
            Signal::ItemScraped { .. } => SignalKind::ItemScraped,
            Signal::ItemDropped { .. } => SignalKind::ItemDropped,
            Signal::ItemError { .. } => SignalKind::ItemError,
            Signal::RequestScheduled { .. } => SignalKind::RequestScheduled,
            Signal::RequestDropped { .. } => SignalKind::RequestDropped,
            Signal::ResponseReceived { .. } => SignalKind::ResponseReceived,
            Signal::SpiderError { .. } => SignalKind::SpiderError,
        }
    }
}

/// An async signal handler.
pub trait SignalHandler: Send + Sync + 'static {
    /// The signal it handles.
    fn kind(&self) -> SignalKind;
    /// Handles one signal; an error is logged and the crawl goes on.
    fn handle<'a>(
        &'a self,
        signal: &'a Signal<'a>,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<(), BoxError>>;
}

/// A free-fn handler registered by `#[on(signal)]`.
pub struct SignalHandlerEntry {
    /// The handler fn's name, for logs.
    pub name: &'static str,
    /// Builds the handler.
    pub create: fn() -> Arc<dyn SignalHandler>,
}

inventory::collect!(SignalHandlerEntry);

/// Every handler of a crawl, by kind.
#[derive(Default)]
pub struct Signals {
    by_kind: [Vec<Arc<dyn SignalHandler>>; SignalKind::ALL.len()],
}

impl Signals {
    /// The handlers registered as free fns, plus `extra` (a spider's own).
    pub fn new(extra: Vec<Arc<dyn SignalHandler>>) -> Self {
        let mut signals = Signals::default();
        let free = inventory::iter::<SignalHandlerEntry>
            .into_iter()
            .map(|entry| (entry.create)());
        for handler in free.chain(extra) {
            signals.by_kind[handler.kind().index()].push(handler);
        }
        signals
    }

    /// Whether any handler listens for `kind` (so the engine can skip building the signal).
    pub fn has(&self, kind: SignalKind) -> bool {
        !self.by_kind[kind.index()].is_empty()
    }

    /// Calls every handler of the signal in turn and waits for each; errors are logged.
    pub async fn send(&self, signal: Signal<'_>, crawler: &Crawler) {
        for handler in &self.by_kind[signal.kind().index()] {
            // A failing or panicking handler is logged; the crawl and the other handlers go on.
            match AssertUnwindSafe(handler.handle(&signal, crawler))
                .catch_unwind()
                .await
            {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::error!(signal = ?signal.kind(), "Error caught on signal handler: {error:#}");
                }
                Err(panic) => {
                    let message = crate::error::panic_message(&*panic);
                    tracing::error!(signal = ?signal.kind(), "Signal handler panicked: {message}");
                }
            }
        }
    }
}
