use crawl_core::prelude::*;

#[derive(Default)]
struct S;

struct NotSerialize;

#[spider(name = "s")]
impl S {
    async fn parse(&self, _response: Response) {
        yield_!(NotSerialize);
    }
}

fn main() {}
