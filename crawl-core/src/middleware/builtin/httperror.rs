//! HttpErrorMiddleware: responses outside 2xx do not reach callbacks unless allowed by the
//! request's `handle_httpstatus_list` / `handle_httpstatus_all` meta or the settings.

use std::sync::Arc;

use crate::middleware::{Origin, SpiderMiddleware, SpiderMiddlewareEntry};
use crate::{BoxError, Crawler, OutputStream, Response, Settings};

/// Meta key: a list of non-2xx status codes this request's callback handles.
pub const HANDLE_HTTPSTATUS_LIST_META: &str = "handle_httpstatus_list";
/// Meta key: `true` passes every status to the callback.
pub const HANDLE_HTTPSTATUS_ALL_META: &str = "handle_httpstatus_all";

pub(super) const ENTRY: SpiderMiddlewareEntry = SpiderMiddlewareEntry {
    name: "HttpErrorMiddleware",
    order: 50,
    create: |settings| Some(Arc::new(HttpError::new(settings))),
};

/// The error that keeps a response with a refused status from its callback (Scrapy's
/// `HttpError`): what a request's errback receives for it.
///
/// ```
/// # use crawl_core::middleware::HttpStatusError;
/// # let error = crawl_core::BoxError::from(HttpStatusError(404));
/// if let Some(HttpStatusError(status)) = error.downcast_ref::<HttpStatusError>() {
///     assert_eq!(*status, 404);
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[error("ignoring non-2xx response ({0})")]
pub struct HttpStatusError(pub u16);

struct HttpError {
    allowed: Vec<u16>,
    allow_all: bool,
}

impl HttpError {
    fn new(settings: &Settings) -> Self {
        HttpError {
            allowed: settings.httperror_allowed_codes.clone(),
            allow_all: settings.httperror_allow_all,
        }
    }

    fn allowed(&self, response: &Response) -> bool {
        let status = response.status.as_u16();
        if (200..300).contains(&status) {
            return true;
        }
        let meta = response.meta();
        if let Some(all) = meta
            .get(HANDLE_HTTPSTATUS_ALL_META)
            .and_then(|v| v.as_bool())
        {
            return all;
        }
        if let Some(list) = meta
            .get(HANDLE_HTTPSTATUS_LIST_META)
            .and_then(|v| v.as_array())
        {
            return list
                .iter()
                .any(|code| code.as_u64() == Some(u64::from(status)));
        }
        self.allow_all || self.allowed.contains(&status)
    }
}

impl SpiderMiddleware for HttpError {
    fn process_spider_input(&self, response: &Response, _: &Crawler) -> Result<(), BoxError> {
        if self.allowed(response) {
            Ok(())
        } else {
            Err(HttpStatusError(response.status.as_u16()).into())
        }
    }

    fn process_spider_exception(
        &self,
        origin: &Origin,
        error: &BoxError,
        crawler: &Crawler,
    ) -> Option<OutputStream> {
        let HttpStatusError(status) = error.downcast_ref::<HttpStatusError>()?;
        crawler.stats().inc("httperror/response_ignored_count");
        crawler
            .stats()
            .inc_named("httperror/response_ignored_status_count/", status);
        tracing::info!(
            "Ignoring response <{status} {}>: HTTP status code is not handled or not allowed",
            origin.url
        );
        Some(Box::pin(futures::stream::empty()))
    }
}
