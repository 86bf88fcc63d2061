//! DownloadTimeoutMiddleware: sets each request's `download_timeout` meta (seconds) from
//! `DOWNLOAD_TIMEOUT` unless the request sets it; the downloader reads that meta key.

use std::sync::Arc;

use crate::downloader::DOWNLOAD_TIMEOUT_META;
use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, RequestOutcome,
};
use crate::{BoxError, Crawler, Request};

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "DownloadTimeoutMiddleware",
    order: 350,
    create: |settings| Some(Arc::new(DownloadTimeout(settings.download_timeout))),
};

/// The default timeout in seconds.
struct DownloadTimeout(f64);

impl DownloaderMiddleware for DownloadTimeout {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        _: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        if !request.meta.contains_key(DOWNLOAD_TIMEOUT_META) {
            request
                .meta
                .insert(DOWNLOAD_TIMEOUT_META.to_owned(), self.0.into());
        }
        Hook::ready(Ok(RequestOutcome::Continue))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST
    }
}
