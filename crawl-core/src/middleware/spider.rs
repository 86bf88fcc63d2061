//! Spider middlewares: the trait and the chain around the start requests and callbacks.

use std::sync::Arc;

use url::Url;

use crate::{BoxError, Crawler, OutputStream, Response, Settings};

/// Where a callback's outputs come from: the response's URL and status, and its request.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The response's URL.
    pub url: Url,
    /// The response's status.
    pub status: u16,
    /// The depth of the request that produced the response.
    pub depth: u32,
    /// The response's request meta.
    pub meta: serde_json::Map<String, serde_json::Value>,
}

impl Origin {
    /// The origin of `response`'s outputs.
    pub fn of(response: &Response) -> Self {
        Origin {
            url: response.url.clone(),
            status: response.status.as_u16(),
            depth: response.request.depth,
            meta: response.request.meta.clone(),
        }
    }
}

/// A spider middleware: every hook optional. Output processing is a stream in, a stream
/// out, so it may await, filter, add or reorder outputs.
pub trait SpiderMiddleware: Send + Sync + 'static {
    /// Processes the start requests (descending order, as Scrapy's: the highest order sees
    /// the spider's start requests first, the lowest hands them to the engine).
    fn process_start(&self, start: OutputStream, crawler: &Crawler) -> OutputStream {
        let _ = crawler;
        start
    }

    /// Sees each response before its callback; an error skips the callback and goes to
    /// `process_spider_exception`.
    fn process_spider_input(&self, response: &Response, crawler: &Crawler) -> Result<(), BoxError> {
        let _ = (response, crawler);
        Ok(())
    }

    /// Processes a callback's outputs (descending order: the last one sees them first).
    fn process_spider_output(
        &self,
        origin: Arc<Origin>,
        outputs: OutputStream,
        crawler: &Crawler,
    ) -> OutputStream {
        let _ = (origin, crawler);
        outputs
    }

    /// Handles an error from a callback or an input hook: `Some` outputs replace it.
    fn process_spider_exception(
        &self,
        origin: &Origin,
        error: &BoxError,
        crawler: &Crawler,
    ) -> Option<OutputStream> {
        let _ = (origin, error, crawler);
        None
    }
}

/// A spider middleware known to the engine: built-in or registered by `#[middleware]`.
pub struct SpiderMiddlewareEntry {
    /// Its name, as used in `SPIDER_MIDDLEWARES`.
    pub name: &'static str,
    /// Its default order (lower is closer to the engine).
    pub order: i32,
    /// Builds it for a crawl; `None` when the settings turn it off.
    pub create: fn(&Settings) -> Option<Arc<dyn SpiderMiddleware>>,
}

inventory::collect!(SpiderMiddlewareEntry);

/// The enabled spider middlewares in ascending order.
#[derive(Default)]
pub struct SpiderChain {
    middlewares: Vec<(&'static str, Arc<dyn SpiderMiddleware>)>,
}

impl SpiderChain {
    /// The chain of `middlewares` sorted by order (ascending).
    pub fn new(middlewares: Vec<(&'static str, Arc<dyn SpiderMiddleware>)>) -> Self {
        SpiderChain { middlewares }
    }

    /// The enabled middlewares' names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.middlewares.iter().map(|(name, _)| *name).collect()
    }

    /// The start requests after every `process_start`, the highest order first.
    pub fn start(&self, mut start: OutputStream, crawler: &Crawler) -> OutputStream {
        for (_, middleware) in self.middlewares.iter().rev() {
            start = middleware.process_start(start, crawler);
        }
        start
    }

    /// Runs the input hooks; the first error stops them.
    pub fn input(&self, response: &Response, crawler: &Crawler) -> Result<(), BoxError> {
        for (_, middleware) in &self.middlewares {
            middleware.process_spider_input(response, crawler)?;
        }
        Ok(())
    }

    /// A callback's outputs after every `process_spider_output`, the highest order first.
    pub fn output(
        &self,
        origin: &Arc<Origin>,
        mut outputs: OutputStream,
        crawler: &Crawler,
    ) -> OutputStream {
        for (_, middleware) in self.middlewares.iter().rev() {
            outputs = middleware.process_spider_output(origin.clone(), outputs, crawler);
        }
        outputs
    }

    /// The outputs replacing `error`, from the first middleware (highest order) that handles it.
    pub fn exception(
        &self,
        origin: &Origin,
        error: &BoxError,
        crawler: &Crawler,
    ) -> Option<OutputStream> {
        self.middlewares
            .iter()
            .rev()
            .find_map(|(_, middleware)| middleware.process_spider_exception(origin, error, crawler))
    }

    /// Whether no middleware is enabled.
    pub fn is_empty(&self) -> bool {
        self.middlewares.is_empty()
    }
}
