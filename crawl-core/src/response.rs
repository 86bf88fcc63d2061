//! Responses: status, headers, the body as shared bytes, decoded text and selectors.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use bytestring::ByteString;
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::selector::{Document, Query, SelectorError, SelectorList, XPath};
use crate::{Callback, Request};

mod budget;
mod charset;
mod hrefs;

pub use hrefs::Hrefs;

pub(crate) use budget::ResponseLimits;
pub use budget::{BodyCharge, OverBudget};

/// A downloaded response, handed to a spider callback.
///
/// ```
/// use crawl_core::prelude::*;
///
/// let request = Request::get("http://127.0.0.1:8000/page/1/").unwrap();
/// let url = request.url.clone();
/// let body = r#"<h1>Quotes</h1><li class="next"><a href="/page/2/">Next</a></li>"#;
/// let response = Response::new(request, url, http::StatusCode::OK, Default::default(), body.into());
///
/// assert_eq!(response.css("h1::text").get().as_deref(), Some("Quotes"));
/// let href = response.css("li.next a::attr(href)").get().unwrap();
/// let next = response.follow(href, Callback::default()).unwrap();
/// assert_eq!(next.url.as_str(), "http://127.0.0.1:8000/page/2/");
/// ```
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

    /// The body decoded as text, its charset found as browsers find it, the first that
    /// answers winning: a byte-order mark; the `Content-Type` header's `charset` (skipped when
    /// it names UTF-16 over a body that is not UTF-16); a `<meta charset>` or `<meta
    /// http-equiv="Content-Type">` in the first 4 KiB (one naming UTF-16 means UTF-8); UTF-8
    /// if the body is valid UTF-8; else chardetng's guess, helped by the URL's top-level
    /// domain (windows-1252 for most Western pages). Malformed bytes become U+FFFD; a valid
    /// UTF-8 body without a byte-order mark is shared, not copied.
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
    ///
    /// A response whose `Content-Type` is XML (`text/xml`, `application/xml`,
    /// `application/rss+xml`, `application/atom+xml`, `application/rdf+xml`) is parsed as
    /// XML instead, as Scrapy's `XmlResponse` is: see [`Document::parse_xml`].
    pub fn document(&self) -> &Arc<Document> {
        self.document.get_or_init(|| self.parse())
    }

    /// Whether the `Content-Type` names XML.
    fn is_xml(&self) -> bool {
        let Some(value) = self.headers.get(http::header::CONTENT_TYPE) else {
            return false;
        };
        let value = String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase();
        let mime = value.split(';').next().unwrap_or_default().trim();
        // Scrapy's `XmlResponse` types; XHTML stays HTML.
        matches!(
            mime,
            "text/xml"
                | "application/xml"
                | "application/atom+xml"
                | "application/rdf+xml"
                | "application/rss+xml"
        )
    }

    /// The body parsed as XML whatever its `Content-Type` (for a sitemap or feed served as
    /// `text/plain` or `application/octet-stream`); parsed anew on each call, so keep the
    /// result. See [`Document::parse_xml`].
    pub fn xml(&self) -> Arc<Document> {
        match self.is_xml() {
            true => Arc::clone(self.document()),
            false => Document::parse_xml(self.text()),
        }
    }

    fn parse(&self) -> Arc<Document> {
        let limits = match &self.charge {
            Some(charge) => charge.limits(),
            None => ResponseLimits::unlimited(),
        };
        let max_depth = limits.html_maxdepth;
        let tree_charge = self.charge.as_ref().map(|_| limits.charge());
        let parsed = match self.is_xml() {
            true => Document::parse_xml_charged(self.text(), tree_charge),
            false => Document::parse_capped(self.text(), max_depth, tree_charge),
        };
        if parsed.over_budget > 0 {
            tracing::warn!(
                url = %self.url,
                dropped = parsed.over_budget,
                "{self:?}: parse tree would exceed DOWNLOAD_MAXMEMORY; the rest of the page \
                 ({} tags, text runs and comments) was dropped",
                parsed.over_budget
            );
            limits.count_cut(
                "download_maxmemory/truncated_documents",
                "download_maxmemory/dropped_tokens",
                parsed.over_budget,
            );
        }
        if parsed.cut > 0 {
            tracing::warn!(
                url = %self.url,
                dropped = parsed.cut,
                "{self:?}: dropped {} start tags nested deeper than HTML_MAXDEPTH ({max_depth})",
                parsed.cut
            );
            limits.count_cut(
                "html_maxdepth/response_count",
                "html_maxdepth/dropped_tags",
                parsed.cut,
            );
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

    /// Selects with an XPath 1.0 expression (`//div[@class='quote']`, `//a/@href`,
    /// `//span/text()`, `normalize-space(//h1)`), the document element as the context node.
    ///
    /// A literal expression in a `#[spider]` body is checked while compiling.
    ///
    /// # Panics
    /// If `xpath` is not valid or cannot be evaluated (an undefined namespace prefix); the
    /// engine reports the panic as a spider error with the URL and goes on. Use
    /// [`Response::try_xpath`] to handle the error instead.
    pub fn xpath(&self, xpath: &str) -> SelectorList {
        match self.try_xpath(xpath) {
            Ok(list) => list,
            Err(error) => panic!("{error}"),
        }
    }

    /// Selects with an XPath expression given at run time, returning an error if it does not
    /// parse or cannot be evaluated.
    pub fn try_xpath(&self, xpath: &str) -> Result<SelectorList, SelectorError> {
        self.document().try_xpath(xpath)
    }

    /// Selects with an expression compiled once (what `#[spider]` turns literal ones into).
    ///
    /// # Panics
    /// If the expression cannot be evaluated (an undefined namespace prefix).
    pub fn xpath_query(&self, xpath: &XPath) -> SelectorList {
        self.document().xpath_query(xpath)
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

    /// A request per link (Scrapy's `follow_all`), each handled by `callback`: `links` is a
    /// list of hrefs, or a selection whose elements give their `href` (`a`, `link`, `area`)
    /// and whose text or attribute values are hrefs. An href that is not a URL, or an
    /// element without `href`, gives an error in its place; the others still give requests.
    ///
    /// ```
    /// # use crawl_core::{Callback, Request, Response};
    /// # let response = Response::new(Request::get("http://h/dir/").unwrap(), "http://h/dir/".parse().unwrap(),
    /// #     http::StatusCode::OK, Default::default(), r#"<a href="a">A</a> <a href="/b">B</a>"#.into());
    /// let requests: Vec<Request> = response
    ///     .follow_all(response.css("a"), Callback::PARSE)
    ///     .into_iter()
    ///     .collect::<Result<_, _>>()
    ///     .unwrap();
    /// assert_eq!(requests[0].url.as_str(), "http://h/dir/a");
    /// assert_eq!(requests[1].url.as_str(), "http://h/b");
    /// let same = response.follow_all(["a", "/b"], Callback::PARSE);
    /// assert_eq!(same.len(), 2);
    /// ```
    pub fn follow_all(
        &self,
        links: impl Hrefs,
        callback: Callback,
    ) -> Vec<Result<Request, crate::Error>> {
        links
            .hrefs()
            .into_iter()
            .map(|href| self.follow(href?, callback.clone()))
            .collect()
    }

    /// The body parsed as JSON into a `T` (Scrapy's `response.json()`; use
    /// `serde_json::Value` for any JSON).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::Error> {
        serde_json::from_slice(&self.body).map_err(|source| crate::Error::Json {
            url: self.url.to_string(),
            source,
        })
    }
}
