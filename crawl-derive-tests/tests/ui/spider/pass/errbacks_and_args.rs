//! Every accepted errback form and typed callback argument.
#![deny(warnings)]

use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[derive(Serialize, Deserialize)]
struct Page {
    n: u32,
}

#[derive(Serialize)]
struct Failed {
    url: String,
}

#[spider(name = "errbacks_and_args")]
impl S {
    async fn parse(&self, response: Response) {
        yield_!(response
            .follow("/page/2/", Self::page)?
            .errback(Self::failed)
            .with_args(Page { n: 2 }));
        yield_!(Request::get("http://127.0.0.1/")?
            .with_callback(Self::with_crawler)
            .with_args(3u32)
            .errback(Self::failed_with_crawler));
        yield_!(response.follow("/x/", Self::labelled)?.with_args(String::from("x")));
        yield_!(response.follow("/y/", Self::parse)?.errback(Self::returns));
        // On the `Result` of `follow`, without `?`.
        yield_!(response
            .follow("/page/3/", Self::page)
            .with_args(Page { n: 3 })
            .errback(Self::failed));
    }

    async fn page(&self, _response: Response, page: Page) {
        yield_!(Failed { url: page.n.to_string() });
    }

    async fn with_crawler(&self, _response: Response, crawler: &Crawler, n: u32) {
        let _ = (crawler, n);
    }

    async fn labelled(&self, _response: Response, label: String) -> Result<Option<Failed>> {
        Ok(Some(Failed { url: label }))
    }

    async fn failed(&self, request: Request, error: BoxError) {
        let _ = error;
        yield_!(Failed { url: request.url.to_string() });
        yield_!(Request::get("http://127.0.0.1/retry")?.with_callback(Self::parse));
    }

    async fn failed_with_crawler(&self, request: Request, _error: BoxError, crawler: &Crawler) {
        let _ = (request.args_as::<u32>(), crawler.stats());
    }

    async fn returns(&self, request: Request, _error: BoxError) -> Vec<Failed> {
        vec![Failed { url: request.url.to_string() }]
    }
}

fn main() {}
