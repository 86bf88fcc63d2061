use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", start_urls = ["http://ok.example/", "quotes.example/page/1"])]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
