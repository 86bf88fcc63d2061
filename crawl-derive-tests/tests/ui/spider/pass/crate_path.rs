//! `crate = path` names crawl-core through a re-export: a path (`crate::framework`) or, as
//! serde's `crate = "..."`, a string; every macro takes it. (`crawl-derive-tests/renamed-core`
//! proves it where `crawl_core` does not exist.)
#![deny(warnings)]

mod framework {
    pub use crawl_core::*;
}

use framework::prelude::*;

#[derive(Serialize)]
#[crawl(crate = crate::framework)]
struct Page {
    url: String,
}

#[derive(Default)]
struct Pages;

#[spider(name = "pages", crate = crate::framework)]
impl Pages {
    async fn parse(&self, response: Response) {
        yield_!(Page { url: response.url.to_string() });
    }

    #[on(spider_opened)]
    async fn opened(&self) {}
}

#[pipeline(crate = "crate::framework")]
async fn keep(item: Page) -> Page {
    item
}

#[middleware(hook = process_request, crate = crate::framework)]
async fn pass(request: &mut Request) {
    let _ = request;
}

#[on(spider_closed, crate = crate::framework)]
async fn closed(reason: &str) {
    let _ = reason;
}

fn main() {}
