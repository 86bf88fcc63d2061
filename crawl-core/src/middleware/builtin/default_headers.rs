//! DefaultHeadersMiddleware: adds the `DEFAULT_REQUEST_HEADERS` (by default Scrapy's
//! `Accept` and `Accept-Language`) to requests that do not set them.

use std::sync::Arc;

use http::{HeaderName, HeaderValue};

use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, RequestOutcome,
};
use crate::{BoxError, Crawler, Request, Settings};

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "DefaultHeadersMiddleware",
    order: 400,
    create: |settings| {
        let headers = DefaultHeaders::new(settings);
        (!headers.0.is_empty()).then(|| Arc::new(headers) as Arc<dyn DownloaderMiddleware>)
    },
};

/// The headers to add, parsed once.
struct DefaultHeaders(Vec<(HeaderName, HeaderValue)>);

impl DefaultHeaders {
    /// The valid headers of `DEFAULT_REQUEST_HEADERS`; invalid ones are skipped with a warning.
    fn new(settings: &Settings) -> Self {
        let headers = settings
            .default_request_headers
            .0
            .iter()
            .filter_map(|(name, value)| {
                match (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    (Ok(name), Ok(value)) => Some((name, value)),
                    _ => {
                        tracing::warn!(
                            name,
                            value,
                            "ignoring invalid header in DEFAULT_REQUEST_HEADERS"
                        );
                        None
                    }
                }
            })
            .collect();
        DefaultHeaders(headers)
    }
}

impl DownloaderMiddleware for DefaultHeaders {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        _: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        for (name, value) in &self.0 {
            if !request.headers.contains_key(name) {
                request.headers.insert(name.clone(), value.clone());
            }
        }
        Hook::ready(Ok(RequestOutcome::Continue))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST
    }
}
