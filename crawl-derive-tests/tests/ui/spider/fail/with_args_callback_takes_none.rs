use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/page/2/", Self::page)?.with_args(2));
    }

    async fn page(&self, _response: Response) {}
}

fn main() {}
