use crawl_core::prelude::*;

struct S {
    _limit: u32,
}

#[spider(name = "s")]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
