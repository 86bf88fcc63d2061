use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", settings(concurent_requests = 4))]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
