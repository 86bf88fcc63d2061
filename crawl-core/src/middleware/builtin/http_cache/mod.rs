//! HttpCacheMiddleware: caches responses on disk (`HTTPCACHE_ENABLED`, `HTTPCACHE_DIR`,
//! `HTTPCACHE_EXPIRATION_SECS`, `HTTPCACHE_POLICY`, `HTTPCACHE_IGNORE_HTTP_CODES`) and answers
//! from the cache without downloading, as Scrapy's. A response served from the cache has
//! `cached: true` in its request's meta; `dont_cache: true` keeps a request out of the cache.
//!
//! Stats: `httpcache/hit`, `httpcache/miss`, `httpcache/store`, `httpcache/uncacheable`,
//! `httpcache/firsthand`, `httpcache/revalidate`, `httpcache/invalidate`,
//! `httpcache/errorrecovery`.

mod policy;
mod storage;

use std::sync::Arc;

use http::header::DATE;
use http::HeaderValue;

use self::policy::{Dummy, Policy, Rfc2616};
use self::storage::{Cached, Storage};
use crate::downloader::DOWNLOAD_LATENCY_META;
use crate::hook::Hook;
use crate::middleware::{
    DownloaderMiddleware, DownloaderMiddlewareEntry, ExceptionOutcome, RequestOutcome,
    ResponseOutcome,
};
use crate::{BoxError, Crawler, Error, Request, Response, Settings};

/// Meta key set to `true` on the request of a response served from the cache.
pub const CACHED_META: &str = "cached";
/// Meta key: `true` neither serves this request from the cache nor stores its response.
pub const DONT_CACHE_META: &str = "dont_cache";
/// Meta key: the policy said this request is not cacheable.
const UNCACHEABLE_META: &str = "_dont_cache";
/// Meta key: a stale cached response waits for the server's answer (revalidation).
const STALE_META: &str = "_httpcache_stale";

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "HttpCacheMiddleware",
    order: 900,
    create: |settings| {
        settings
            .httpcache_enabled
            .then(|| Arc::new(HttpCache::new(settings)) as Arc<dyn DownloaderMiddleware>)
    },
};

struct HttpCache {
    storage: Arc<Storage>,
    policy: Box<dyn Policy>,
    ignore_http_codes: Vec<u16>,
}

impl HttpCache {
    fn new(settings: &Settings) -> Self {
        let name = settings.httpcache_policy.to_ascii_lowercase();
        let policy: Box<dyn Policy> = if name.contains("rfc2616") {
            Box::new(Rfc2616)
        } else {
            if !name.contains("dummy") {
                tracing::error!(
                    "Unknown HTTPCACHE_POLICY `{}`, using `dummy`",
                    settings.httpcache_policy
                );
            }
            Box::new(Dummy)
        };
        HttpCache {
            storage: Arc::new(Storage::new(
                &settings.httpcache_dir,
                settings.httpcache_expiration_secs,
            )),
            policy,
            ignore_http_codes: settings.httpcache_ignore_http_codes.clone(),
        }
    }

    /// Reads the cached answer to `request` on a blocking thread.
    async fn retrieve(&self, request: &Request, crawler: &Crawler) -> Option<Cached> {
        // Only the entry's path goes to the blocking thread, not a copy of the request.
        let entry = self.storage.entry(crawler.spider_name(), request);
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || storage.read(&entry))
            .await
            .ok()
            .flatten()
    }

    /// Stores `response` if the policy allows, counting `store` or `uncacheable`.
    async fn cache_response(&self, response: Response, crawler: &Crawler) -> Response {
        let status = response.status.as_u16();
        if self.ignore_http_codes.contains(&status) || !self.policy.should_cache_response(&response)
        {
            crawler.stats().inc("httpcache/uncacheable");
            return response;
        }
        crawler.stats().inc("httpcache/store");
        let (storage, spider) = (self.storage.clone(), crawler.spider_name());
        let stored = tokio::task::spawn_blocking(move || {
            let result = storage.store(spider, &response);
            (response, result)
        })
        .await;
        match stored {
            Ok((response, Ok(()))) => response,
            Ok((response, Err(error))) => {
                tracing::warn!("Cannot store {response:?} in the HTTP cache: {error}");
                response
            }
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
}

/// The response `cached` answers `request` with, flagged as cached.
fn served(cached: Cached, request: &Request) -> Response {
    let mut request = request.clone();
    request.meta.remove(STALE_META);
    request.meta.remove(DOWNLOAD_LATENCY_META);
    request.meta.insert(CACHED_META.to_owned(), true.into());
    Response::new(
        request,
        cached.url,
        cached.status,
        cached.headers,
        cached.body,
    )
}

impl DownloaderMiddleware for HttpCache {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        // A copy of an earlier request (a redirect, a retry) is not itself from the cache.
        request.meta.remove(CACHED_META);
        request.meta.remove(STALE_META);
        if request.meta_flag(DONT_CACHE_META) {
            return Hook::ready(Ok(RequestOutcome::Continue));
        }
        if !self.policy.should_cache_request(request) {
            request
                .meta
                .insert(UNCACHEABLE_META.to_owned(), true.into());
            return Hook::ready(Ok(RequestOutcome::Continue));
        }
        Hook::boxed(async move {
            let Some(cached) = self.retrieve(request, crawler).await else {
                crawler.stats().inc("httpcache/miss");
                return Ok(RequestOutcome::Continue);
            };
            if self.policy.is_cached_response_fresh(&cached, request) {
                crawler.stats().inc("httpcache/hit");
                return Ok(RequestOutcome::Respond(served(cached, request)));
            }
            request.meta.insert(STALE_META.to_owned(), true.into());
            Ok(RequestOutcome::Continue)
        })
    }

    fn process_response<'a>(
        &'a self,
        mut response: Response,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ResponseOutcome, BoxError>> {
        if response.request.meta_flag(DONT_CACHE_META) || response.request.meta_flag(CACHED_META) {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        }
        let meta = &mut response.request.meta;
        if meta.remove(UNCACHEABLE_META).is_some() {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        }
        let stale = meta.remove(STALE_META).is_some();
        if !response.headers.contains_key(DATE) {
            let now = httpdate::fmt_http_date(std::time::SystemTime::now());
            if let Ok(value) = HeaderValue::from_str(&now) {
                response.headers.insert(DATE, value);
            }
        }
        Hook::boxed(async move {
            if stale {
                if let Some(cached) = self.retrieve(&response.request, crawler).await {
                    if self.policy.is_cached_response_valid(&cached, &response) {
                        crawler.stats().inc("httpcache/revalidate");
                        return Ok(ResponseOutcome::Continue(served(cached, &response.request)));
                    }
                }
                crawler.stats().inc("httpcache/invalidate");
            } else {
                crawler.stats().inc("httpcache/firsthand");
            }
            Ok(ResponseOutcome::Continue(
                self.cache_response(response, crawler).await,
            ))
        })
    }

    fn process_exception<'a>(
        &'a self,
        request: &'a Request,
        error: &'a BoxError,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ExceptionOutcome, BoxError>> {
        let network = matches!(error.downcast_ref::<Error>(), Some(Error::Download { .. }));
        if !network || !request.meta_flag(STALE_META) {
            return Hook::ready(Ok(ExceptionOutcome::Continue));
        }
        Hook::boxed(async move {
            Ok(match self.retrieve(request, crawler).await {
                Some(cached) => {
                    crawler.stats().inc("httpcache/errorrecovery");
                    ExceptionOutcome::Respond(served(cached, request))
                }
                None => ExceptionOutcome::Continue,
            })
        })
    }
}
