use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/a/", Self::parse)?.errback(Self::failed));
        yield_!(response.follow("/b/", Self::parse)?.errback(Self::faild));
    }

    async fn failed(&self, _request: Request, _error: BoxError) {}
}

fn main() {}
