//! Signals: async handlers called at each step of a crawl, on a spider (`#[on(signal)]`
//! methods) or as free fns (`#[on(signal)] async fn`).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use crate::hook::Hook;
use crate::{BoxError, BoxedItem, Crawler, Request, Response};

macro_rules! define_signals {
    ($( $(#[$doc:meta])* $variant:ident $name:ident $({ $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? })?; )*) => {
        /// The kinds of signal, named as in Scrapy.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SignalKind {
            $( $(#[$doc])* $variant, )*
        }

        impl SignalKind {
            /// Every kind, in table order.
            pub const ALL: [SignalKind; [$(stringify!($variant)),*].len()] =
                [$(SignalKind::$variant),*];
        }

        /// A signal with its payload.
        #[derive(Debug)]
        pub enum Signal<'a> {
            $(
                #[doc = concat!("See [`SignalKind::", stringify!($variant), "`].")]
                $variant $({ $( $(#[$fdoc])* $field: $ty ),* })?,
            )*
        }

        impl Signal<'_> {
            /// The signal's kind.
            pub fn kind(&self) -> SignalKind {
                match self {
                    $( Signal::$variant { .. } => SignalKind::$variant, )*
                }
            }
        }
    };
}

// The table is shared with `crawl-macros`, which checks `#[on(NAME)]` handlers against it.
crawl_dsl::crawl_signals_table!(define_signals);

impl SignalKind {
    fn index(self) -> usize {
        self as usize
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
