use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", start_url = ["http://quotes.example/"])]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
