//! The HTTP cache's policies, as Scrapy's: `dummy` (store everything, always serve it) and
//! `rfc2616` (Cache-Control, Expires, Last-Modified heuristics, ETag / Last-Modified
//! revalidation).

use std::collections::HashMap;

use http::header::{
    AGE, CACHE_CONTROL, DATE, ETAG, EXPIRES, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use http::HeaderMap;

use super::storage::{now, Cached};
use crate::{Request, Response};

/// Decides what is stored and when a stored response is served.
pub(super) trait Policy: Send + Sync {
    /// Whether `request` may be answered from or stored in the cache.
    fn should_cache_request(&self, request: &Request) -> bool;
    /// Whether `response` may be stored.
    fn should_cache_response(&self, response: &Response) -> bool;
    /// Whether `cached` may be served without asking the server; when not, the policy may
    /// add validators to `request`.
    fn is_cached_response_fresh(&self, cached: &Cached, request: &mut Request) -> bool;
    /// Whether `cached` is still good given the server's new `response` (a 304).
    fn is_cached_response_valid(&self, cached: &Cached, response: &Response) -> bool;
}

/// URL schemes never cached (Scrapy's `HTTPCACHE_IGNORE_SCHEMES` default).
fn ignored_scheme(request: &Request) -> bool {
    request.url.scheme() == "file"
}

/// Scrapy's DummyPolicy.
pub(super) struct Dummy;

impl Policy for Dummy {
    fn should_cache_request(&self, request: &Request) -> bool {
        !ignored_scheme(request)
    }
    fn should_cache_response(&self, _: &Response) -> bool {
        true
    }
    fn is_cached_response_fresh(&self, _: &Cached, _: &mut Request) -> bool {
        true
    }
    fn is_cached_response_valid(&self, _: &Cached, _: &Response) -> bool {
        true
    }
}

/// Scrapy's RFC2616Policy.
pub(super) struct Rfc2616;

/// Freshness of responses that may be kept forever (301, 300, 308): one year.
const MAXAGE: f64 = 3600.0 * 24.0 * 365.0;

/// `Cache-Control` directives, names lowercased, values as given.
fn cache_control(headers: &HeaderMap) -> HashMap<String, Option<String>> {
    headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|directive| {
            let (key, value) = match directive.trim().split_once('=') {
                Some((key, value)) => (key, Some(value.trim().trim_matches('"').to_owned())),
                None => (directive.trim(), None),
            };
            (!key.is_empty()).then(|| (key.trim().to_ascii_lowercase(), value))
        })
        .collect()
}

fn max_age(cc: &HashMap<String, Option<String>>) -> Option<f64> {
    let value = cc.get("max-age")?.as_deref()?.parse::<i64>().ok()?;
    Some(value.max(0) as f64)
}

/// An HTTP date header as seconds since the epoch.
fn date(headers: &HeaderMap, name: http::HeaderName) -> Option<f64> {
    let text = headers.get(name)?.to_str().ok()?;
    let time = httpdate::parse_http_date(text).ok()?;
    Some(
        time.duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64(),
    )
}

impl Rfc2616 {
    /// `cc` is the cached response's Cache-Control; `date_value` its Date (else now).
    fn freshness_lifetime(
        cached: &Cached,
        cc: &HashMap<String, Option<String>>,
        date_value: f64,
    ) -> f64 {
        if let Some(age) = max_age(cc) {
            return age;
        }
        if cached.headers.contains_key(EXPIRES) {
            // An Expires header that does not parse means "already expired".
            return date(&cached.headers, EXPIRES)
                .map_or(0.0, |expires| (expires - date_value).max(0.0));
        }
        if let Some(last_modified) =
            date(&cached.headers, LAST_MODIFIED).filter(|lm| *lm <= date_value)
        {
            return (date_value - last_modified) / 10.0;
        }
        if matches!(cached.status.as_u16(), 300 | 301 | 308) {
            return MAXAGE;
        }
        0.0
    }

    fn current_age(cached: &Cached, now: f64, date_value: f64) -> f64 {
        let age = (now - date_value).max(0.0);
        match cached
            .headers
            .get(AGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
        {
            Some(header_age) => age.max(header_age),
            None => age,
        }
    }
}

impl Policy for Rfc2616 {
    fn should_cache_request(&self, request: &Request) -> bool {
        !ignored_scheme(request) && !cache_control(&request.headers).contains_key("no-store")
    }

    fn should_cache_response(&self, response: &Response) -> bool {
        let cc = cache_control(&response.headers);
        let status = response.status.as_u16();
        if cc.contains_key("no-store") || status == 304 {
            return false;
        }
        if cc.contains_key("max-age") || response.headers.contains_key(EXPIRES) {
            return true;
        }
        match status {
            300 | 301 | 308 => true,
            200 | 203 | 401 => {
                response.headers.contains_key(LAST_MODIFIED) || response.headers.contains_key(ETAG)
            }
            _ => false,
        }
    }

    fn is_cached_response_fresh(&self, cached: &Cached, request: &mut Request) -> bool {
        let cc = cache_control(&cached.headers);
        let request_cc = cache_control(&request.headers);
        if cc.contains_key("no-cache") || request_cc.contains_key("no-cache") {
            return false;
        }
        let now = now();
        let date_value = date(&cached.headers, DATE).unwrap_or(now);
        let mut lifetime = Self::freshness_lifetime(cached, &cc, date_value);
        let age = Self::current_age(cached, now, date_value);
        if let Some(request_max_age) = max_age(&request_cc) {
            lifetime = lifetime.min(request_max_age);
        }
        if age < lifetime {
            return true;
        }
        if let (Some(stale), false) = (
            request_cc.get("max-stale"),
            cc.contains_key("must-revalidate"),
        ) {
            match stale.as_deref().map(str::parse::<i64>) {
                None => return true,
                Some(Ok(extra)) if age < lifetime + extra.max(0) as f64 => return true,
                _ => {}
            }
        }
        // Stale: ask the server whether it changed.
        if let Some(last_modified) = cached.headers.get(LAST_MODIFIED) {
            request
                .headers
                .insert(IF_MODIFIED_SINCE, last_modified.clone());
        }
        if let Some(etag) = cached.headers.get(ETAG) {
            request.headers.insert(IF_NONE_MATCH, etag.clone());
        }
        false
    }

    fn is_cached_response_valid(&self, cached: &Cached, response: &Response) -> bool {
        // A server error keeps the cached response unless it must be revalidated.
        if response.status.as_u16() >= 500
            && !cache_control(&cached.headers).contains_key("must-revalidate")
        {
            return true;
        }
        response.status.as_u16() == 304
    }
}

#[cfg(test)]
mod tests;
