use crawl_core::prelude::*;

#[derive(Default)]
struct S;

struct Page {
    n: u32,
}

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/page/2/", Self::page)?);
    }

    async fn page(&self, _response: Response, page: Page) {
        let _ = page.n;
    }
}

fn main() {}
