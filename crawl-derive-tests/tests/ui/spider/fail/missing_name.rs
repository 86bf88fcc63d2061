use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(start_urls = ["http://quotes.example/"])]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
