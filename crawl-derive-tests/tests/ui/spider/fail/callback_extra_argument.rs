use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, _response: Response, _page: &u32) {}
}

fn main() {}
