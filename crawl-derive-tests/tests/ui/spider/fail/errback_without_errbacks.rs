use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        yield_!(response.follow("/a/", Self::parse)?.errback(Self::on_error));
    }
}

fn main() {}
