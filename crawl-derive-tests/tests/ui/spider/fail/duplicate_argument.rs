use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", name = "t")]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
