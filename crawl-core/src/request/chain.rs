//! `errback` and `with_args` on the `Result` that `response.follow` returns.

use serde::Serialize;

use crate::{Callback, Request};

/// [`Request::errback`] and [`Request::with_args`] on the `Result` that
/// [`Response::follow`](crate::Response::follow) returns, so that a chain needs no `?`
/// before them, as in Scrapy's `response.follow(url, self.page, errback=self.failed)`. An
/// `Err` passes through. In the prelude.
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
///         yield_!(response
///             .follow("/page/2/", Self::page)
///             .with_args(Page { n: 2 })
///             .errback(Self::failed));
///     }
///
///     async fn page(&self, _response: Response, page: Page) {
///         let _ = page.n;
///     }
///
///     async fn failed(&self, _request: Request, _error: BoxError) {}
/// }
/// # fn main() {}
/// ```
pub trait RequestResultExt: Sized {
    /// [`Request::errback`] on the request, if there is one.
    fn errback(self, errback: Callback) -> Result<Request, crate::Error>;

    /// [`Request::with_args`] on the request, if there is one.
    fn with_args<T: Serialize>(self, args: T) -> Result<Request, crate::Error>;
}

impl RequestResultExt for Result<Request, crate::Error> {
    fn errback(self, errback: Callback) -> Result<Request, crate::Error> {
        self.map(|request| request.errback(errback))
    }

    fn with_args<T: Serialize>(self, args: T) -> Result<Request, crate::Error> {
        self.map(|request| request.with_args(args))
    }
}
