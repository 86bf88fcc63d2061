use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", start_urls = ["http://quotes.example/"])]
impl S {
    async fn parse_page(&self, _response: Response) {}
}

fn main() {}
