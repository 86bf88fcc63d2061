use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/a/", Self::parse)?.errback(Self::failed));
    }

    fn failed(&self, _request: Request, _error: BoxError) {}
}

fn main() {}
