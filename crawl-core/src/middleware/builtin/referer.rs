//! RefererMiddleware: sets the `Referer` header of each request a callback yields to the
//! URL of the response it came from, unless the request sets one (`REFERER_ENABLED`).
//!
//! The policy is Scrapy's default (`no-referrer-when-downgrade`): the URL is sent without
//! its fragment and credentials, and never from an `https` page to a non-`https` URL;
//! nothing is sent from non-HTTP pages (`file:`, `data:`).

use std::sync::Arc;

use futures::StreamExt;
use http::header::REFERER;
use http::HeaderValue;
use url::Url;

use crate::middleware::{Origin, SpiderMiddleware, SpiderMiddlewareEntry};
use crate::{Crawler, Output, OutputStream};

pub(super) const ENTRY: SpiderMiddlewareEntry = SpiderMiddlewareEntry {
    name: "RefererMiddleware",
    order: 700,
    create: |settings| {
        let enabled = settings.referer_enabled;
        enabled.then(|| Arc::new(Referer) as Arc<dyn SpiderMiddleware>)
    },
};

struct Referer;

/// The referrer of one page's requests, built once and shared by all of them.
#[derive(Default)]
struct Referrer(Option<Option<HeaderValue>>);

impl Referrer {
    /// What a request to `target` gets from the page at `from`.
    fn for_target(&mut self, from: &Url, target: &Url) -> Option<HeaderValue> {
        if from.scheme() == "https" && target.scheme() != "https" {
            return None;
        }
        self.0.get_or_insert_with(|| stripped(from)).clone()
    }
}

/// `from` without fragment and credentials, as a header value; `None` for non-HTTP pages.
fn stripped(from: &Url) -> Option<HeaderValue> {
    if !matches!(from.scheme(), "http" | "https") {
        return None;
    }
    let mut stripped = from.clone();
    stripped.set_fragment(None);
    let _ = stripped.set_username("");
    let _ = stripped.set_password(None);
    // Shared bytes: each request's copy of the value is a reference count, not a copy.
    HeaderValue::from_maybe_shared(bytes::Bytes::from(String::from(stripped))).ok()
}

impl SpiderMiddleware for Referer {
    fn process_spider_output(
        &self,
        origin: Arc<Origin>,
        outputs: OutputStream,
        _: &Crawler,
    ) -> OutputStream {
        let mut referrer = Referrer::default();
        Box::pin(outputs.map(move |output| match output {
            Output::Request(mut request) => {
                if !request.headers.contains_key(REFERER) {
                    if let Some(value) = referrer.for_target(&origin.url, &request.url) {
                        request.headers.insert(REFERER, value);
                    }
                }
                Output::Request(request)
            }
            other => other,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referer(from: &str, to: &str) -> Option<String> {
        let value =
            Referrer::default().for_target(&Url::parse(from).unwrap(), &Url::parse(to).unwrap())?;
        Some(value.to_str().unwrap().to_owned())
    }

    #[test]
    fn the_default_policy_strips_and_never_downgrades() {
        assert_eq!(
            referer("http://u:p@a.test/x?q=1#frag", "http://b.test/").as_deref(),
            Some("http://a.test/x?q=1")
        );
        assert_eq!(
            referer("https://a.test/x", "https://b.test/").as_deref(),
            Some("https://a.test/x")
        );
        assert_eq!(
            referer("http://a.test/x", "https://a.test/").as_deref(),
            Some("http://a.test/x")
        );
        assert_eq!(referer("https://a.test/x", "http://a.test/"), None);
        assert_eq!(referer("file:///tmp/x.html", "http://a.test/"), None);
    }
}
