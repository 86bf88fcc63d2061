//! UserAgentMiddleware: sets the `User-Agent` header from `USER_AGENT` unless the request
//! sets one. An empty `USER_AGENT` sends none (the HTTP client adds no default of its own).

use std::sync::Arc;

use http::header::USER_AGENT;
use http::HeaderValue;

use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, RequestOutcome,
};
use crate::{BoxError, Crawler, Request};

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "UserAgentMiddleware",
    order: 500,
    create: |settings| {
        let agent = settings.user_agent.trim();
        if agent.is_empty() {
            return None;
        }
        match HeaderValue::from_str(agent) {
            Ok(value) => Some(Arc::new(UserAgent(value))),
            Err(_) => {
                tracing::warn!(agent, "ignoring USER_AGENT: not a valid header value");
                None
            }
        }
    },
};

/// The `User-Agent` value.
struct UserAgent(HeaderValue);

impl DownloaderMiddleware for UserAgent {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        _: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        if !request.headers.contains_key(USER_AGENT) {
            request.headers.insert(USER_AGENT, self.0.clone());
        }
        Hook::ready(Ok(RequestOutcome::Continue))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST
    }
}
