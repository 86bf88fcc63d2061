//! RedirectMiddleware: follows 301, 302, 303, 307 and 308 responses with a `Location`
//! (resolved against the response URL), at most `REDIRECT_MAX_TIMES` hops
//! (`REDIRECT_ENABLED`).
//!
//! As Scrapy: a 303 becomes a GET without body (unless it was a HEAD), so does a POST
//! answered by 301 or 302; 307 and 308 keep the method and body. The next hop is returned
//! as a reschedule, so it goes through the scheduler and every middleware again (the
//! offsite check sees each hop). Meta `dont_redirect: true`, or a status the request
//! handles (`handle_httpstatus_list`, `handle_httpstatus_all`), passes the response on.
//! The hops are recorded in meta `redirect_times`, `redirect_urls` and `redirect_reasons`;
//! past the limit the request is dropped, logged at WARN (`Discarding <GET url>: max
//! redirections reached ...`) and counted in `redirect/max_reached`.

pub(super) mod util;

use std::sync::Arc;

use http::header::LOCATION;
use http::Method;
use serde_json::Value;

use self::util::{dont_redirect, redirect, Limits};
use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, ResponseOutcome,
    HANDLE_HTTPSTATUS_ALL_META, HANDLE_HTTPSTATUS_LIST_META,
};
use crate::{BoxError, Crawler, Request, Response};

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "RedirectMiddleware",
    order: 600,
    create: |settings| {
        let enabled = settings.redirect_enabled;
        enabled.then(|| Arc::new(Redirect(Limits::new(settings))) as Arc<dyn DownloaderMiddleware>)
    },
};

struct Redirect(Limits);

/// Whether `request` asks for responses with `status` itself.
fn handles(request: &Request, status: u16) -> bool {
    let meta = &request.meta;
    request.meta_flag(HANDLE_HTTPSTATUS_ALL_META)
        || meta
            .get(HANDLE_HTTPSTATUS_LIST_META)
            .and_then(Value::as_array)
            .is_some_and(|list| {
                list.iter()
                    .any(|code| code.as_u64() == Some(u64::from(status)))
            })
}

/// Whether a redirect with `status` turns `method` into a GET without body.
fn becomes_get(status: u16, method: &Method) -> bool {
    match status {
        303 => method != Method::HEAD,
        301 | 302 => method == Method::POST,
        _ => false,
    }
}

impl DownloaderMiddleware for Redirect {
    fn process_response<'a>(
        &'a self,
        response: Response,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ResponseOutcome, BoxError>> {
        let (request, status) = (&response.request, response.status.as_u16());
        if !matches!(status, 301 | 302 | 303 | 307 | 308)
            || dont_redirect(request)
            || handles(request, status)
        {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        }
        let target = response
            .headers
            .get(LOCATION)
            .map(|location| {
                String::from_utf8_lossy(location.as_bytes())
                    .trim()
                    .to_owned()
            })
            .and_then(|location| response.url.join(&location).ok())
            .filter(|target| matches!(target.scheme(), "http" | "https"));
        let Some(target) = target else {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        };
        let to_get = becomes_get(status, &request.method);
        Hook::ready(
            redirect(
                request,
                target,
                status.into(),
                to_get,
                &self.0,
                crawler.stats(),
            )
            .map(ResponseOutcome::Reschedule),
        )
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::RESPONSE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_change_as_in_scrapy() {
        assert!(becomes_get(303, &Method::POST) && becomes_get(303, &Method::PUT));
        assert!(!becomes_get(303, &Method::HEAD));
        assert!(becomes_get(301, &Method::POST) && becomes_get(302, &Method::POST));
        assert!(
            !becomes_get(302, &Method::PUT)
                && !becomes_get(307, &Method::POST)
                && !becomes_get(308, &Method::POST)
        );
    }

    #[test]
    fn handled_statuses_are_not_followed() {
        let request = Request::get("http://a.test/").unwrap();
        assert!(!handles(&request, 302));
        assert!(handles(
            &request
                .clone()
                .with_meta(HANDLE_HTTPSTATUS_LIST_META, vec![302]),
            302
        ));
        assert!(!handles(
            &request
                .clone()
                .with_meta(HANDLE_HTTPSTATUS_LIST_META, vec![301]),
            302
        ));
        assert!(handles(
            &request.with_meta(HANDLE_HTTPSTATUS_ALL_META, true),
            302
        ));
    }
}
