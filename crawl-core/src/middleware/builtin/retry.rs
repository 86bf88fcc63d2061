//! RetryMiddleware: retries network errors (timeouts, refused or reset connections) and
//! responses whose status is in `RETRY_HTTP_CODES`, at most `RETRY_TIMES` times per request
//! (meta `max_retry_times` overrides it, meta `dont_retry: true` turns it off).
//!
//! A retry is a copy of the request with `dont_filter`, its priority moved by
//! `RETRY_PRIORITY_ADJUST`, the attempts counted in meta `retry_times`, and a backoff: the
//! n-th retry waits `min(RETRY_BACKOFF_MAX, RETRY_BACKOFF_BASE * 2^(n-1))` seconds times a
//! random factor in 0.5..1.5, or what a `Retry-After` header of a 429 or 503 says (seconds
//! or an HTTP date, capped at `RETRY_BACKOFF_MAX`). The wait is the request meta
//! `crawl_not_before`, the request's ready-time in the frontier (and a wait in
//! `crawler.download`).
//!
//! Stats: `retry/count`, `retry/reason_count/<reason>` (`503 Service Unavailable` for a
//! status, the error kind such as `TimeoutError` for an error), `retry/max_reached`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::HeaderMap;

use crate::clock::unix_now;
use crate::frontier::NOT_BEFORE_META;
use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, ExceptionOutcome,
    ResponseOutcome,
};
use crate::{BoxError, Crawler, Error, Request, Response, Settings};

/// Request meta key: `true` never retries this request.
pub const DONT_RETRY_META: &str = "dont_retry";
/// Request meta key: retries done so far.
pub const RETRY_TIMES_META: &str = "retry_times";
/// Request meta key: overrides `RETRY_TIMES` for this request.
pub const MAX_RETRY_TIMES_META: &str = "max_retry_times";

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "RetryMiddleware",
    order: 550,
    create: |settings| {
        let enabled = settings.retry_enabled;
        enabled.then(|| Arc::new(Retry::new(settings)) as Arc<dyn DownloaderMiddleware>)
    },
};

struct Retry {
    times: u32,
    codes: Vec<u16>,
    priority_adjust: i32,
    backoff_base: f64,
    backoff_max: f64,
}

impl Retry {
    fn new(settings: &Settings) -> Self {
        Retry {
            times: settings.retry_times,
            codes: settings.retry_http_codes.clone(),
            priority_adjust: settings.retry_priority_adjust,
            backoff_base: settings.retry_backoff_base.max(0.0),
            backoff_max: settings.retry_backoff_max.max(0.0),
        }
    }

    /// The backoff before retry number `attempt` (1-based), with jitter.
    fn backoff(&self, attempt: u64) -> f64 {
        let exponent = i32::try_from(attempt.saturating_sub(1))
            .unwrap_or(i32::MAX)
            .min(1000);
        let delay = (self.backoff_base * 2f64.powi(exponent)).min(self.backoff_max);
        delay * (0.5 + fastrand::f64())
    }

    /// The retry of `request` failed for `reason`, or `None` when it has had its retries.
    /// `retry_after` (seconds) replaces the computed backoff.
    fn retry(
        &self,
        request: &Request,
        reason: &str,
        retry_after: Option<f64>,
        crawler: &Crawler,
    ) -> Option<Request> {
        let attempt = request.meta_u64(RETRY_TIMES_META, 0) + 1;
        let max = request.meta_u64(MAX_RETRY_TIMES_META, u64::from(self.times));
        let stats = crawler.stats();
        if attempt > max {
            stats.inc("retry/max_reached");
            tracing::error!("Gave up retrying {request:?} (failed {attempt} times): {reason}");
            return None;
        }
        tracing::debug!("Retrying {request:?} (failed {attempt} times): {reason}");
        let mut retry = request.clone();
        retry
            .meta
            .insert(RETRY_TIMES_META.to_owned(), attempt.into());
        retry.dont_filter = true;
        retry.priority = retry.priority.saturating_add(self.priority_adjust);
        let delay = retry_after.map_or_else(
            || self.backoff(attempt),
            |after| after.min(self.backoff_max),
        );
        if delay > 0.0 {
            retry
                .meta
                .insert(NOT_BEFORE_META.to_owned(), (unix_now() + delay).into());
        }
        stats.inc("retry/count");
        stats.inc_named("retry/reason_count/", reason);
        Some(retry)
    }
}

/// Seconds since the Unix epoch.
/// The wait a `Retry-After` header asks for, in seconds: a number or an HTTP date.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<f64> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then_some(seconds);
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(
        date.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64(),
    )
}

/// Whether `request`'s meta turns retries off.
fn dont_retry(request: &Request) -> bool {
    request.meta_flag(DONT_RETRY_META)
}

impl DownloaderMiddleware for Retry {
    fn process_response<'a>(
        &'a self,
        response: Response,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ResponseOutcome, BoxError>> {
        let status = response.status;
        if dont_retry(&response.request) || !self.codes.contains(&status.as_u16()) {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        }
        let reason = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Unknown Status")
        );
        let after = match status.as_u16() {
            429 | 503 => retry_after(&response.headers, SystemTime::now()),
            _ => None,
        };
        Hook::ready(Ok(
            match self.retry(&response.request, &reason, after, crawler) {
                Some(retry) => ResponseOutcome::Reschedule(retry),
                None => ResponseOutcome::Continue(response),
            },
        ))
    }

    fn process_exception<'a>(
        &'a self,
        request: &'a Request,
        error: &'a BoxError,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ExceptionOutcome, BoxError>> {
        let outcome = match error.downcast_ref::<Error>() {
            Some(Error::Download { kind, .. }) if !dont_retry(request) => {
                self.retry(request, kind, None, crawler).into()
            }
            _ => ExceptionOutcome::Continue,
        };
        Hook::ready(Ok(outcome))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks {
            request: false,
            response: true,
            exception: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now), None);
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(3.0));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        headers.insert(RETRY_AFTER, later.parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(120.0));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(120));
        headers.insert(RETRY_AFTER, past.parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(0.0));
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_max() {
        let retry = Retry::new(&Settings {
            retry_backoff_base: 1.0,
            retry_backoff_max: 5.0,
            ..Settings::default()
        });
        for _ in 0..100 {
            let first = retry.backoff(1);
            assert!((0.5..1.5).contains(&first), "{first}");
            let third = retry.backoff(3);
            assert!((2.0..6.0).contains(&third), "{third}");
            let tenth = retry.backoff(10);
            assert!((2.5..7.5).contains(&tenth), "{tenth}");
        }
    }
}
