//! Responses: status, headers, the body as shared bytes, decoded text and selectors.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use bytestring::ByteString;
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::selector::{Document, Query, SelectorError, SelectorList};
use crate::{Callback, Request};

mod budget;
mod charset;

pub(crate) use budget::ResponseLimits;
pub use budget::{BodyCharge, OverBudget};

/// A downloaded response, handed to a spider callback.
pub struct Response {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, shared and never copied.
    pub body: Bytes,
    /// The final URL (after redirects).
    pub url: Url,
    /// The request that produced this response.
    pub request: Request,
    text: OnceLock<ByteString>,
    document: OnceLock<Arc<Document>>,
    /// The body's share of `DOWNLOAD_MAXMEMORY` (none for responses made outside a crawl).
    charge: Option<BodyCharge>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} {}>", self.status.as_u16(), self.url)
    }
}

impl Response {
    /// A response to `request`, as the downloader builds it.
    pub fn new(
        request: Request,
        url: Url,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        Response {
            status,
            headers,
            body,
            url,
            request,
            text: OnceLock::new(),
            document: OnceLock::new(),
            charge: None,
        }
    }

    /// The same response, its body holding `charge` until the response is dropped.
    pub(crate) fn with_charge(mut self, charge: BodyCharge) -> Self {
        self.charge = Some(charge);
        self
    }

    /// The body's share of the memory budget, if it came through a crawl's downloader.
    pub(crate) fn charge(&self) -> Option<&BodyCharge> {
        self.charge.as_ref()
    }

    /// The body decoded as text, its charset found as browsers find it: a byte-order mark,
    /// else the `Content-Type` header (unless it names UTF-16 over a body that is not), else a
    /// `<meta charset>` in the page, else UTF-8 if the body is valid UTF-8, else chardetng's
    /// guess (windows-1252 for most Western pages). Malformed bytes become U+FFFD; a UTF-8
    /// body is borrowed, not copied.
    pub fn text(&self) -> &str {
        self.text
            .get_or_init(|| charset::decode(&self.headers, &self.body, &self.url))
    }

    /// The request's meta, carried to its response.
    pub fn meta(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.request.meta
    }

    /// The parsed HTML document (parsed once, on first use, on the thread that asks: the
    /// downloads run on their own threads, so a long parse holds up no download). Elements
    /// nest at most `HTML_MAXDEPTH` deep: deeper start tags are dropped (their text kept),
    /// logged and counted in `html_maxdepth/dropped_tags`. The tree counts against
    /// `DOWNLOAD_MAXMEMORY` with the bodies: once the budget is spent, the rest of the page is
    /// dropped, logged and counted in `download_maxmemory/truncated_documents`.
    pub fn document(&self) -> &Arc<Document> {
        self.document.get_or_init(|| self.parse())
    }

    fn parse(&self) -> Arc<Document> {
        let limits = match &self.charge {
            Some(charge) => charge.limits(),
            None => ResponseLimits::unlimited(),
        };
        let max_depth = limits.html_maxdepth;
        let tree_charge = self.charge.as_ref().map(|_| limits.charge());
        let parsed = Document::parse_capped(self.text(), max_depth, tree_charge);
        if parsed.over_budget > 0 {
            tracing::warn!(
                url = %self.url,
                dropped = parsed.over_budget,
                "{self:?}: parse tree would exceed DOWNLOAD_MAXMEMORY; the rest of the page \
                 ({} tags, text runs and comments) was dropped",
                parsed.over_budget
            );
            if let Some(stats) = &limits.stats {
                stats.inc("download_maxmemory/truncated_documents");
                stats.inc_by(
                    "download_maxmemory/dropped_tokens",
                    parsed.over_budget as i64,
                );
            }
        }
        if parsed.cut > 0 {
            tracing::warn!(
                url = %self.url,
                dropped = parsed.cut,
                "{self:?}: dropped {} start tags nested deeper than HTML_MAXDEPTH ({max_depth})",
                parsed.cut
            );
            if let Some(stats) = &limits.stats {
                stats.inc("html_maxdepth/response_count");
                stats.inc_by("html_maxdepth/dropped_tags", parsed.cut as i64);
            }
        }
        parsed.document
    }

    /// Selects with a Scrapy-style CSS query (`div.quote`, `a::attr(href)`, `span::text`).
    ///
    /// A literal query in a `#[spider]` body is checked while compiling, so it cannot fail.
    ///
    /// # Panics
    /// If `query` is not a valid selector; the engine reports the panic as a spider error
    /// with the URL and goes on. Use [`Response::try_css`] to handle the error instead.
    pub fn css(&self, query: &str) -> SelectorList {
        match self.try_css(query) {
            Ok(list) => list,
            Err(error) => panic!("{error}"),
        }
    }

    /// Selects with a CSS query given at run time, returning an error if it does not parse.
    pub fn try_css(&self, query: &str) -> Result<SelectorList, SelectorError> {
        self.document().try_css(query)
    }

    /// Selects with a query compiled once (what `#[spider]` turns literal queries into).
    pub fn css_query(&self, query: &Query) -> SelectorList {
        self.document().css_query(query)
    }

    /// Resolves `href` against the response's URL.
    pub fn urljoin(&self, href: &str) -> Result<Url, crate::Error> {
        self.url
            .join(href.trim())
            .map_err(|source| crate::Error::InvalidUrl {
                url: href.to_owned(),
                source,
            })
    }

    /// A request for `href` (resolved against this response's URL) handled by `callback`.
    pub fn follow(
        &self,
        href: impl AsRef<str>,
        callback: Callback,
    ) -> Result<Request, crate::Error> {
        Ok(Request::new(self.urljoin(href.as_ref())?).with_callback(callback))
    }
}
