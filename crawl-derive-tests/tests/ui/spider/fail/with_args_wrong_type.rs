use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[derive(Serialize, Deserialize)]
struct Page {
    n: u32,
}

#[derive(Serialize, Deserialize)]
struct Other {
    n: u32,
}

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/page/2/", Self::page)?.with_args(Other { n: 2 }));
    }

    async fn page(&self, _response: Response, _page: Page) {}
}

fn main() {}
