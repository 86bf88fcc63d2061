use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", start_urls = ["not a url"], settings(concurrent_request = 4))]
impl S {
    fn parse(&self, _response: Response) {}
}

fn main() {}
