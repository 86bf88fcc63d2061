//! Requests: plain, serializable data, with the callback named rather than captured.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::{Deserialize, Serialize};
use url::Url;

mod chain;
mod form;
mod form_fields;
mod json;
mod serde_http;

pub use chain::RequestResultExt;
pub use form::{FormFromResponse, FormRequest};
pub use json::JsonRequest;

/// The name of the spider callback that will receive a request's response.
///
/// Inside a `#[spider]` impl, write `Self::parse_author`: the macro checks the name and turns
/// it into this value, so a request can be queued on disk or in Redis and dispatched later.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Callback(Cow<'static, str>);

impl Callback {
    /// The default callback, `parse`.
    pub const PARSE: Callback = Callback(Cow::Borrowed("parse"));

    /// A callback named by a static string (what `#[spider]` generates).
    pub const fn from_static(name: &'static str) -> Self {
        Callback(Cow::Borrowed(name))
    }

    /// The callback's method name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl Default for Callback {
    fn default() -> Self {
        Callback::PARSE
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Self::{}", self.0)
    }
}

/// Conversion into a [`Url`], used by request constructors.
pub trait IntoUrl {
    /// Parses or passes through the URL.
    fn into_url(self) -> Result<Url, crate::Error>;
}

impl IntoUrl for Url {
    fn into_url(self) -> Result<Url, crate::Error> {
        Ok(self)
    }
}

impl IntoUrl for &Url {
    fn into_url(self) -> Result<Url, crate::Error> {
        Ok(self.clone())
    }
}

impl IntoUrl for &str {
    fn into_url(self) -> Result<Url, crate::Error> {
        Url::parse(self).map_err(|source| crate::Error::InvalidUrl {
            url: self.to_owned(),
            source,
        })
    }
}

impl IntoUrl for String {
    fn into_url(self) -> Result<Url, crate::Error> {
        self.as_str().into_url()
    }
}

impl IntoUrl for &String {
    fn into_url(self) -> Result<Url, crate::Error> {
        self.as_str().into_url()
    }
}

/// A request to download a URL and hand the response to a named callback.
///
/// ```
/// use crawl_core::{Callback, Request};
///
/// let request = Request::get("http://127.0.0.1:8000/page/2/")
///     .unwrap()
///     .with_priority(5)
///     .with_meta("page", 2)
///     .with_args(2)
///     .errback(Callback::from_static("failed"));
/// assert_eq!(request.url.path(), "/page/2/");
/// assert_eq!(request.callback, Callback::PARSE);
/// // As a disk queue (`--job-dir`) or Redis keeps it.
/// let json = serde_json::to_string(&request).unwrap();
/// let back: Request = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.url, request.url);
/// assert_eq!(back.meta["page"], 2);
/// assert_eq!(back.args_as::<u32>().unwrap(), 2);
/// assert_eq!(back.errback, Some(Callback::from_static("failed")));
/// ```
#[derive(Clone, Serialize, Deserialize)]
pub struct Request {
    /// The URL to download.
    pub url: Url,
    /// The HTTP method.
    #[serde(with = "serde_http::method", default = "serde_http::get")]
    pub method: Method,
    /// Headers sent in addition to the defaults.
    #[serde(
        with = "serde_http::headers",
        default,
        skip_serializing_if = "HeaderMap::is_empty"
    )]
    pub headers: HeaderMap,
    /// The request body.
    #[serde(default, skip_serializing_if = "Bytes::is_empty")]
    pub body: Bytes,
    /// Free-form data carried to the response (Scrapy's `meta`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub meta: serde_json::Map<String, serde_json::Value>,
    /// Higher runs sooner.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: i32,
    /// Skip the duplicate filter for this request.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dont_filter: bool,
    /// Number of links followed from a start request to reach this one.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub depth: u32,
    /// The callback that receives the response.
    #[serde(default)]
    pub callback: Callback,
    /// The spider method called instead of the callback when the request fails (Scrapy's
    /// `errback`): a download error, an HTTP status refused by the HttpError middleware, or a
    /// middleware ignoring the request. Set with [`Request::errback`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errback: Option<Callback>,
    /// The callback's typed argument, serialized (Scrapy's `cb_kwargs`): set with
    /// [`Request::with_args`], read back by the callback's extra argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<serde_json::Value>,
}

fn is_zero(value: &i32) -> bool {
    *value == 0
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Request {
    /// A GET request for `url`, handled by the `parse` callback.
    pub fn new(url: Url) -> Self {
        Request {
            url,
            method: Method::GET,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            meta: serde_json::Map::new(),
            priority: 0,
            dont_filter: false,
            depth: 0,
            callback: Callback::PARSE,
            errback: None,
            args: None,
        }
    }

    /// The meta key `key` as a non-negative integer, else `default` (per-request overrides of
    /// size limits and retry counts).
    pub(crate) fn meta_u64(&self, key: &str, default: u64) -> u64 {
        self.meta
            .get(key)
            .and_then(|v| v.as_u64())
            .unwrap_or(default)
    }

    /// Whether the meta key `key` is `true` (the `dont_*` and `allow_*` switches).
    pub(crate) fn meta_flag(&self, key: &str) -> bool {
        self.meta.get(key).and_then(|v| v.as_bool()) == Some(true)
    }

    /// A GET request for `url`; fails only if `url` is text that is not a URL.
    pub fn get(url: impl IntoUrl) -> Result<Self, crate::Error> {
        Ok(Request::new(url.into_url()?))
    }

    /// A POST request for `url` with `body`.
    pub fn post(url: impl IntoUrl, body: impl Into<Bytes>) -> Result<Self, crate::Error> {
        let mut request = Request::get(url)?;
        request.method = Method::POST;
        request.body = body.into();
        Ok(request)
    }

    /// Sets the callback that receives the response.
    pub fn with_callback(mut self, callback: Callback) -> Self {
        self.callback = callback;
        self
    }

    /// Sets the errback: the spider method called with this request and the error when it
    /// fails (a download error such as a refused connection, a DNS failure or a timeout, an
    /// HTTP status refused by the HttpError middleware, or a middleware ignoring it). Like a
    /// callback, it may yield items and requests; without an errback, a failure is logged.
    ///
    /// In a `#[spider]` impl, write `Self::failed`: the macro checks that the method exists
    /// and has an errback's signature.
    ///
    /// ```
    /// use crawl_core::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Pages;
    ///
    /// #[derive(Serialize)]
    /// struct Failure {
    ///     url: String,
    ///     error: String,
    /// }
    ///
    /// #[spider(name = "pages", start_urls = ["http://127.0.0.1:8000/"])]
    /// impl Pages {
    ///     async fn parse(&self, response: Response) {
    ///         for href in response.css("a::attr(href)").getall() {
    ///             yield_!(response.follow(href, Self::parse)?.errback(Self::failed));
    ///         }
    ///     }
    ///
    ///     async fn failed(&self, request: Request, error: BoxError) {
    ///         yield_!(Failure { url: request.url.to_string(), error: error.to_string() });
    ///     }
    /// }
    /// # fn main() {}
    /// ```
    pub fn errback(mut self, errback: Callback) -> Self {
        self.errback = Some(errback);
        self
    }

    /// Sets the callback's typed argument (Scrapy's `cb_kwargs`, typed): stored serialized,
    /// so it survives a disk or Redis queue, and handed to the callback's extra argument.
    ///
    /// In a `#[spider]` impl, on a request built with `follow(href, Self::page)` or
    /// `with_callback(Self::page)`, a value of another type than `page` takes is a compile
    /// error. A value that does not serialize is logged and left out; the callback then
    /// reports its missing argument.
    ///
    /// ```
    /// use crawl_core::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Paged;
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct Page {
    ///     n: u32,
    /// }
    ///
    /// #[spider(name = "paged", start_urls = ["http://127.0.0.1:8000/"])]
    /// impl Paged {
    ///     async fn parse(&self, response: Response) {
    ///         yield_!(response.follow("/page/2/", Self::page)?.with_args(Page { n: 2 }));
    ///     }
    ///
    ///     async fn page(&self, response: Response, page: Page) {
    ///         if page.n < 10 {
    ///             let next = format!("/page/{}/", page.n + 1);
    ///             yield_!(response.follow(next, Self::page)?.with_args(Page { n: page.n + 1 }));
    ///         }
    ///     }
    /// }
    /// # fn main() {}
    /// ```
    pub fn with_args<T: Serialize>(mut self, args: T) -> Self {
        match serde_json::to_value(&args) {
            Ok(value) => self.args = Some(value),
            Err(error) => tracing::error!(
                "the arguments of callback `{}` for <{} {}> do not serialize: {error}",
                self.callback.name(),
                self.method,
                self.url
            ),
        }
        self
    }

    /// The callback's typed argument read back as a `T` (what a callback's extra argument
    /// receives; an errback can read the failed request's arguments with it).
    ///
    /// ```
    /// # use crawl_core::Request;
    /// let request = Request::get("http://127.0.0.1:8000/").unwrap().with_args(3u32);
    /// assert_eq!(request.args_as::<u32>().unwrap(), 3);
    /// assert!(request.args_as::<String>().is_err());
    /// ```
    pub fn args_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::Error> {
        let error = |message: String| crate::Error::CallbackArgs {
            callback: self.callback.name().to_owned(),
            url: self.url.to_string(),
            message,
        };
        let Some(value) = &self.args else {
            return Err(error(format!(
                "the request has none; expected a `{}`, given with `.with_args(...)`",
                std::any::type_name::<T>()
            )));
        };
        T::deserialize(value).map_err(|source| {
            error(format!(
                "expected a `{}`: {source}",
                std::any::type_name::<T>()
            ))
        })
    }

    /// Sets the priority (higher runs sooner).
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Lets this request through the duplicate filter.
    pub fn with_dont_filter(mut self) -> Self {
        self.dont_filter = true;
        self
    }

    /// Adds a header; an invalid name or value is ignored with a warning.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.headers.insert(name, value);
            }
            _ => tracing::warn!(name, value, "ignoring invalid header"),
        }
        self
    }

    /// Stores `value` under `key` in the request's meta.
    pub fn with_meta(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.meta.insert(key.to_owned(), value.into());
        self
    }

    /// The request's fingerprint, used for duplicate filtering.
    pub fn fingerprint(&self) -> crate::scheduler::Fingerprint {
        crate::scheduler::Fingerprint::of(self)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} {}>", self.method, self.url)
    }
}
