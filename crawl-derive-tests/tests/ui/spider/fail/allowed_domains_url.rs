use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", allowed_domains = ["https://quotes.example/"])]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
