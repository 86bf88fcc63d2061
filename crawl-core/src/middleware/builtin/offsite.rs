//! OffsiteMiddleware: drops requests to hosts outside the spider's `allowed_domains`.
//!
//! A domain allows itself and its subdomains (`example.com` allows `www.example.com`); a
//! domain given with a port (`example.com:8080`) allows that port only. An empty list
//! allows every host. Requests with `dont_filter` or meta `allow_offsite: true` pass.
//! Being a downloader middleware (order 50, before robots.txt), it sees every hop of a
//! redirect, so a redirect off the site is dropped before anything is resolved or fetched.
//!
//! Stats: `offsite/filtered` (every dropped request), `offsite/domains` (distinct hosts).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use url::Url;

use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, IgnoreRequest, RequestOutcome,
};
use crate::{BoxError, Crawler, Request};

/// Request meta key: `true` lets this request leave `allowed_domains` (Scrapy 2.11+).
pub const ALLOW_OFFSITE_META: &str = "allow_offsite";

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "OffsiteMiddleware",
    order: 50,
    create: |_| Some(Arc::new(Offsite::default())),
};

#[derive(Default)]
struct Offsite {
    /// Hosts already reported once.
    reported: Mutex<HashSet<String>>,
}

/// Whether `url`'s host is `domain` or one of its subdomains (ports compared when the
/// domain names one).
fn host_allowed(url: &Url, domain: &str) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let (domain, port) = match domain.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') || name.ends_with(']') => {
            (name, port.parse::<u16>().ok())
        }
        _ => (domain, None),
    };
    if port.is_some() && port != url.port_or_known_default() {
        return false;
    }
    let (host, domain) = (
        host.to_ascii_lowercase(),
        domain.trim_start_matches('.').to_ascii_lowercase(),
    );
    host == domain
        || host
            .strip_suffix(&domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// Whether `request` may be downloaded under `allowed` domains.
fn allowed(request: &Request, allowed: &[&str]) -> bool {
    allowed.is_empty()
        || request.dont_filter
        || request.meta_flag(ALLOW_OFFSITE_META)
        || allowed
            .iter()
            .any(|domain| host_allowed(&request.url, domain))
}

impl DownloaderMiddleware for Offsite {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        if allowed(request, crawler.allowed_domains()) {
            return Hook::ready(Ok(RequestOutcome::Continue));
        }
        let host = request.url.host_str().unwrap_or_default().to_owned();
        let stats = crawler.stats();
        stats.inc("offsite/filtered");
        let first = self
            .reported
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host.clone());
        if first {
            stats.inc("offsite/domains");
            tracing::debug!("Filtered offsite request to '{host}': {request:?}");
        }
        Hook::ready(Err(
            IgnoreRequest(format!("offsite request to '{host}'")).into()
        ))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> Request {
        Request::get(url).unwrap()
    }

    #[test]
    fn domains_allow_themselves_and_subdomains_only() {
        let domains = ["example.com", "127.0.0.1"];
        assert!(allowed(&request("http://example.com/a"), &domains));
        assert!(allowed(&request("https://www.Example.com/a"), &domains));
        assert!(allowed(&request("http://127.0.0.1:8000/"), &domains));
        assert!(!allowed(&request("http://badexample.com/"), &domains));
        assert!(!allowed(&request("http://example.com.evil.org/"), &domains));
        assert!(!allowed(&request("http://offsite.invalid/"), &domains));
        assert!(allowed(&request("http://offsite.invalid/"), &[]));
    }

    #[test]
    fn ports_dont_filter_and_allow_offsite_meta() {
        assert!(allowed(
            &request("http://example.com:8080/"),
            &["example.com:8080"]
        ));
        assert!(!allowed(
            &request("http://example.com/"),
            &["example.com:8080"]
        ));
        assert!(allowed(
            &request("http://other.org/").with_dont_filter(),
            &["example.com"]
        ));
        assert!(allowed(
            &request("http://other.org/").with_meta(ALLOW_OFFSITE_META, true),
            &["example.com"]
        ));
    }
}
