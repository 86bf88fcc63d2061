use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", args = ["start_url", "tag"])]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
