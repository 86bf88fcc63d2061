//! Downloader middlewares: the trait, its outcomes, and the chain that runs them around the
//! downloader.

use std::sync::Arc;

use crate::hook::Hook;
use crate::{BoxError, Crawler, Request, Response, Settings};

/// What `process_request` decided.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "outcomes move once per hook; boxing the response would allocate on every download"
)]
pub enum RequestOutcome {
    /// Go on to the next middleware, then the download.
    Continue,
    /// Skip the download: this is the response (it still goes through `process_response`).
    Respond(Response),
    /// Drop this request and schedule another one instead.
    Reschedule(Request),
}

/// What `process_response` decided.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "outcomes move once per hook; boxing the response would allocate on every download"
)]
pub enum ResponseOutcome {
    /// Pass this response on (changed or not).
    Continue(Response),
    /// Drop the response and schedule this request instead (a retry, a redirect).
    Reschedule(Request),
}

/// What `process_exception` decided.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "outcomes move once per hook; boxing the response would allocate on every download"
)]
pub enum ExceptionOutcome {
    /// Let the next middleware see the error.
    Continue,
    /// Recover with this response.
    Respond(Response),
    /// Recover by scheduling this request.
    Reschedule(Request),
}

macro_rules! outcome_from {
    ($($outcome:ident: $($from:ty => |$v:ident| $to:expr),*;)*) => {$($(
        impl From<$from> for $outcome {
            fn from($v: $from) -> Self {
                $to
            }
        }
    )*)*};
}

outcome_from! {
    RequestOutcome:
        () => |_v| RequestOutcome::Continue,
        Option<Response> => |v| v.map_or(RequestOutcome::Continue, RequestOutcome::Respond),
        Response => |v| RequestOutcome::Respond(v),
        Request => |v| RequestOutcome::Reschedule(v);
    ResponseOutcome:
        Response => |v| ResponseOutcome::Continue(v),
        Request => |v| ResponseOutcome::Reschedule(v);
    ExceptionOutcome:
        () => |_v| ExceptionOutcome::Continue,
        Option<Response> => |v| v.map_or(ExceptionOutcome::Continue, ExceptionOutcome::Respond),
        Option<Request> => |v| v.map_or(ExceptionOutcome::Continue, ExceptionOutcome::Reschedule),
        Response => |v| ExceptionOutcome::Respond(v),
        Request => |v| ExceptionOutcome::Reschedule(v);
}

/// Raised (returned as an error) by a middleware to drop a request quietly.
#[derive(Debug, thiserror::Error)]
#[error("request ignored: {0}")]
pub struct IgnoreRequest(pub String);

/// A downloader middleware. Every hook is optional; a hook that does not await returns
/// `Hook::ready(..)` and costs no allocation. `#[middleware]` implements this trait from
/// annotated async fns.
pub trait DownloaderMiddleware: Send + Sync + 'static {
    /// Sees each request before it is downloaded (ascending order).
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        let _ = (request, crawler);
        Hook::ready(Ok(RequestOutcome::Continue))
    }

    /// Sees each response on its way to the spider (descending order).
    fn process_response<'a>(
        &'a self,
        response: Response,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ResponseOutcome, BoxError>> {
        let _ = crawler;
        Hook::ready(Ok(ResponseOutcome::Continue(response)))
    }

    /// Sees each download error (descending order) and may recover from it.
    fn process_exception<'a>(
        &'a self,
        request: &'a Request,
        error: &'a BoxError,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ExceptionOutcome, BoxError>> {
        let _ = (request, error, crawler);
        Hook::ready(Ok(ExceptionOutcome::Continue))
    }

    /// Which hooks this middleware overrides; the chain calls only those.
    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::ALL
    }
}

/// Which hooks a downloader middleware overrides ([`DownloaderMiddleware::hooks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloaderHooks {
    /// `process_request`.
    pub request: bool,
    /// `process_response`.
    pub response: bool,
    /// `process_exception`.
    pub exception: bool,
}

impl DownloaderHooks {
    /// Every hook: what a middleware that does not say has.
    pub const ALL: DownloaderHooks = DownloaderHooks {
        request: true,
        response: true,
        exception: true,
    };
    /// `process_request` only.
    pub const REQUEST: DownloaderHooks = DownloaderHooks {
        request: true,
        response: false,
        exception: false,
    };
    /// `process_response` only.
    pub const RESPONSE: DownloaderHooks = DownloaderHooks {
        request: false,
        response: true,
        exception: false,
    };
    /// `process_request` and `process_response`, not `process_exception`.
    pub const REQUEST_RESPONSE: DownloaderHooks = DownloaderHooks {
        request: true,
        response: true,
        exception: false,
    };
}

/// A downloader middleware known to the engine: built-in or registered by `#[middleware]`.
pub struct DownloaderMiddlewareEntry {
    /// Its name, as used in `DOWNLOADER_MIDDLEWARES`.
    pub name: &'static str,
    /// Its default order (lower is closer to the engine).
    pub order: i32,
    /// Builds it for a crawl; `None` when the settings turn it off.
    pub create: fn(&Settings) -> Option<Arc<dyn DownloaderMiddleware>>,
}

inventory::collect!(DownloaderMiddlewareEntry);

/// What downloading a request through the chain gave.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "outcomes move once per hook; boxing the response would allocate on every download"
)]
pub enum DownloadResult {
    /// A response for the spider.
    Response(Response),
    /// A request to schedule instead.
    Reschedule(Request),
    /// The download failed and no middleware recovered.
    Failed(BoxError),
}

type Named = (&'static str, Arc<dyn DownloaderMiddleware>);

/// The enabled downloader middlewares, one list per hook, built once per crawl.
#[derive(Default)]
pub struct DownloaderChain {
    request: Vec<Named>,
    response: Vec<Named>,
    exception: Vec<Named>,
}

impl DownloaderChain {
    /// The chain of `middlewares` sorted by order (ascending).
    pub fn new(middlewares: Vec<Named>) -> Self {
        let mut chain = DownloaderChain::default();
        for (name, middleware) in middlewares {
            let hooks = middleware.hooks();
            if hooks.request {
                chain.request.push((name, middleware.clone()));
            }
            if hooks.response {
                chain.response.insert(0, (name, middleware.clone()));
            }
            if hooks.exception {
                chain.exception.insert(0, (name, middleware));
            }
        }
        chain
    }

    /// The names of the middlewares with a `process_request` hook, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.request.iter().map(|(name, _)| *name).collect()
    }

    /// Runs `request` through every hook and the downloader.
    pub async fn download(&self, mut request: Request, crawler: &Crawler) -> DownloadResult {
        let mut answered = None;
        for (_, middleware) in &self.request {
            match middleware.process_request(&mut request, crawler).await {
                Ok(RequestOutcome::Continue) => {}
                Ok(RequestOutcome::Respond(response)) => {
                    answered = Some(response);
                    break;
                }
                Ok(RequestOutcome::Reschedule(other)) => return DownloadResult::Reschedule(other),
                Err(error) => return self.exception(request, error, crawler).await,
            }
        }
        let response = match answered {
            Some(response) => response,
            None => match crawler.downloader().fetch(request).await {
                Ok(response) => response,
                Err((request, error)) => {
                    return self.exception(request, error.into(), crawler).await
                }
            },
        };
        self.response(response, crawler).await
    }

    async fn response(&self, mut response: Response, crawler: &Crawler) -> DownloadResult {
        for (_, middleware) in &self.response {
            match middleware.process_response(response, crawler).await {
                Ok(ResponseOutcome::Continue(next)) => response = next,
                Ok(ResponseOutcome::Reschedule(other)) => return DownloadResult::Reschedule(other),
                Err(error) => return DownloadResult::Failed(error),
            }
        }
        DownloadResult::Response(response)
    }

    async fn exception(
        &self,
        request: Request,
        error: BoxError,
        crawler: &Crawler,
    ) -> DownloadResult {
        for (_, middleware) in &self.exception {
            match middleware
                .process_exception(&request, &error, crawler)
                .await
            {
                Ok(ExceptionOutcome::Continue) => {}
                Ok(ExceptionOutcome::Respond(response)) => {
                    return Box::pin(self.response(response, crawler)).await;
                }
                Ok(ExceptionOutcome::Reschedule(other)) => {
                    return DownloadResult::Reschedule(other)
                }
                Err(other) => return DownloadResult::Failed(other),
            }
        }
        DownloadResult::Failed(error)
    }
}
