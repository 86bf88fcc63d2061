use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn start_requests(&self) {}

    async fn start(&self) {}

    async fn parse(&self, _response: Response) {}
}

fn main() {}
