//! Built-in extensions: components driven by signals rather than by requests (Scrapy's
//! AutoThrottle and CloseSpider), enabled by their settings.

pub mod autothrottle;
pub mod closespider;

use std::sync::Arc;

use crate::hook::Hook;
use crate::signals::{Signal, SignalHandler, SignalKind};
use crate::{BoxError, Crawler, Settings};

/// The signal handlers of the extensions the settings turn on.
pub fn handlers(settings: &Settings) -> Vec<Arc<dyn SignalHandler>> {
    let mut handlers = autothrottle::handlers(settings);
    handlers.extend(closespider::handlers(settings));
    handlers
}

/// A handler that runs a plain fn on each signal of one kind.
struct FnHandler<F> {
    kind: SignalKind,
    run: F,
}

impl<F> SignalHandler for FnHandler<F>
where
    F: Fn(&Signal<'_>, &Crawler) + Send + Sync + 'static,
{
    fn kind(&self) -> SignalKind {
        self.kind
    }

    fn handle<'a>(
        &'a self,
        signal: &'a Signal<'a>,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<(), BoxError>> {
        (self.run)(signal, crawler);
        Hook::ready(Ok(()))
    }
}

/// A signal handler of `kind` running `run`, which must not block.
fn handler(
    kind: SignalKind,
    run: impl Fn(&Signal<'_>, &Crawler) + Send + Sync + 'static,
) -> Arc<dyn SignalHandler> {
    Arc::new(FnHandler { kind, run })
}
